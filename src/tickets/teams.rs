//! Teams: named groups of agents that tickets can be assigned to.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{team_members, teams};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// A team row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = teams)]
pub struct Team {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: crate::types::TeamId,
    pub name: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

/// Create a team.
pub fn create(conn: &mut DbConnection, tenant: &TenantId, name: &str) -> AppResult<Team> {
    let name = crate::accounts::validate_name("name", name)?;
    let t = Team { tenant_id: tenant.as_str().into(), id: crate::types::TeamId::generate(), name, created_at: now() };
    diesel::insert_into(teams::table)
        .values((
            teams::tenant_id.eq(&t.tenant_id),
            teams::id.eq(&t.id),
            teams::name.eq(&t.name),
            teams::created_at.eq(t.created_at),
        ))
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::invalid("name", "error-team-taken", "a team with this name exists"),
            other => other,
        })?;
    Ok(t)
}

/// One team of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::TeamId) -> AppResult<Team> {
    Ok(teams::table.find((tenant.as_str(), id.as_str())).select(Team::as_select()).first(conn)?)
}

/// All teams, by name.
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Team>> {
    Ok(teams::table
        .filter(teams::tenant_id.eq(tenant.as_str()))
        .order(teams::name.asc())
        .select(Team::as_select())
        .load(conn)?)
}

/// Agent ids in a team.
pub fn members(conn: &mut DbConnection, tenant: &TenantId, team_id: &str) -> AppResult<Vec<String>> {
    Ok(team_members::table
        .filter(team_members::tenant_id.eq(tenant.as_str()))
        .filter(team_members::team_id.eq(team_id))
        .select(team_members::agent_id)
        .load(conn)?)
}

/// Put an agent in a team (idempotent).
pub fn add_member(conn: &mut DbConnection, tenant: &TenantId, team_id: &str, agent_id: &str) -> AppResult<()> {
    get(conn, tenant, &team_id.into())?;
    crate::accounts::agents::get(conn, tenant, &agent_id.into())?;
    if members(conn, tenant, team_id)?.iter().any(|a| a == agent_id) {
        return Ok(());
    }
    diesel::insert_into(team_members::table)
        .values((
            team_members::tenant_id.eq(tenant.as_str()),
            team_members::team_id.eq(team_id),
            team_members::agent_id.eq(agent_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Take an agent out of a team (idempotent).
pub fn remove_member(conn: &mut DbConnection, tenant: &TenantId, team_id: &str, agent_id: &str) -> AppResult<()> {
    get(conn, tenant, &team_id.into())?;
    diesel::delete(team_members::table.find((tenant.as_str(), team_id, agent_id))).execute(conn)?;
    Ok(())
}

/// Rename a team; the name follows the same rules as at creation and stays unique.
pub fn rename(conn: &mut DbConnection, tenant: &TenantId, id: &str, name: &str) -> AppResult<Team> {
    get(conn, tenant, &id.into())?;
    let name = crate::accounts::validate_name("name", name)?;
    diesel::update(teams::table.find((tenant.as_str(), id))).set(teams::name.eq(&name)).execute(conn).map_err(|e| {
        match AppError::from(e) {
            AppError::Conflict(_) => AppError::invalid("name", "error-team-taken", "a team with this name exists"),
            other => other,
        }
    })?;
    get(conn, tenant, &id.into())
}

/// What still refers to a team, which keeps it from being deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamUsage {
    /// Tickets in the team, open or not.
    pub tickets: i64,
    /// Positions (1-based) of the routing rules that send tickets to it.
    pub rules: Vec<usize>,
}

impl TeamUsage {
    /// Whether nothing refers to the team.
    pub fn is_unused(&self) -> bool {
        self.tickets == 0 && self.rules.is_empty()
    }
}

/// What refers to this team.
pub fn usage(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<TeamUsage> {
    use crate::db::schema::tickets;
    get(conn, tenant, &id.into())?;
    let n: i64 = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::team_id.eq(id))
        .count()
        .get_result(conn)?;
    let rules = crate::routing::rules::get(conn, tenant)?
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.then.team_id.as_deref() == Some(id))
        .map(|(i, _)| i + 1)
        .collect();
    Ok(TeamUsage { tickets: n, rules })
}

/// Delete a team that nothing refers to; its members simply leave it (their accounts and
/// languages stay). A team still holding tickets (open or solved: they keep their history) or
/// named by a routing rule is refused with what uses it, for the admin to move first, rather than
/// changing tickets without an audit event or silently breaking a rule.
pub fn delete(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Result<(), TeamUsage>> {
    let used = usage(conn, tenant, id)?;
    if !used.is_unused() {
        return Ok(Err(used));
    }
    diesel::delete(
        team_members::table.filter(team_members::tenant_id.eq(tenant.as_str())).filter(team_members::team_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(teams::table.find((tenant.as_str(), id))).execute(conn)?;
    Ok(Ok(()))
}
