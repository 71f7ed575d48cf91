//! One-time links to set a password: an admin invites a new agent (who picks a first password) or
//! resets an existing agent's password. The secret is shown to the admin once and mailed to the
//! agent; only its SHA-256 is stored. A link works once, until it expires, and only under its own
//! workspace; issuing a new link for an agent voids the agent's earlier ones.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{agents, sessions, tokens};
use crate::db::schema::agent_links;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A new agent's first password; the agent has not accepted while it has no password.
    Invite,
    /// A new password for an agent who has one.
    Reset,
}

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }

    /// How long a link stays usable: a week to accept an invitation, a day for a reset.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::Invite => Duration::days(7),
            Purpose::Reset => Duration::hours(24),
        }
    }
}

/// A link row (the secret itself is never stored).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_links)]
pub struct AgentLink {
    pub tenant_id: String,
    pub id: String,
    pub agent_id: String,
    pub purpose: String,
    pub token_hash: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Issue a link for an agent of this tenant; returns the row and the secret. Earlier unused links
/// of the agent stop working, so only the newest invitation or reset is live.
pub fn issue(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    purpose: Purpose,
    created_by: Option<&str>,
) -> AppResult<(AgentLink, String)> {
    let agent = agents::get(conn, tenant, &agent_id.into())?;
    if !agent.active {
        return Err(AppError::invalid("agent", "error-agent-inactive", "the agent is deactivated"));
    }
    void_open(conn, tenant, agent_id)?;
    let secret = tokens::random_secret(32);
    let ts = now();
    let link = AgentLink {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        agent_id: agent_id.to_string(),
        purpose: purpose.as_str().to_string(),
        token_hash: tokens::hash_token(&secret),
        created_by: created_by.map(str::to_string),
        created_at: ts,
        expires_at: ts + purpose.lifetime(),
        used_at: None,
    };
    diesel::insert_into(agent_links::table)
        .values((
            agent_links::tenant_id.eq(&link.tenant_id),
            agent_links::id.eq(&link.id),
            agent_links::agent_id.eq(&link.agent_id),
            agent_links::purpose.eq(&link.purpose),
            agent_links::token_hash.eq(&link.token_hash),
            agent_links::created_by.eq(&link.created_by),
            agent_links::created_at.eq(link.created_at),
            agent_links::expires_at.eq(link.expires_at),
        ))
        .execute(conn)?;
    Ok((link, secret))
}

/// Void every open link of an agent (deactivation: a link must not come back to life with the
/// account). Voided links are marked used: one column tells "no longer works" whatever the reason.
pub fn void_open(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<()> {
    diesel::update(
        agent_links::table
            .filter(agent_links::tenant_id.eq(tenant.as_str()))
            .filter(agent_links::agent_id.eq(agent_id))
            .filter(agent_links::used_at.is_null()),
    )
    .set(agent_links::used_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// The live link with this secret in this tenant, with its agent. Unknown, used, expired, another
/// tenant's, or a deactivated agent's: all `NotFound`, never told apart.
pub fn find(conn: &mut DbConnection, tenant: &TenantId, secret: &str) -> AppResult<(AgentLink, agents::Agent)> {
    if secret.is_empty() || secret.len() > 200 {
        return Err(AppError::NotFound);
    }
    let link: AgentLink = agent_links::table
        .filter(agent_links::tenant_id.eq(tenant.as_str()))
        .filter(agent_links::token_hash.eq(tokens::hash_token(secret)))
        .filter(agent_links::used_at.is_null())
        .filter(agent_links::expires_at.gt(now()))
        .select(AgentLink::as_select())
        .first(conn)?;
    let agent = agents::get(conn, tenant, &link.agent_id.as_str().into())?;
    if !agent.active {
        return Err(AppError::NotFound);
    }
    Ok((link, agent))
}

/// Use a link: the agent's password becomes `hash` (already argon2id), the link and any other
/// open link of the agent stop working, and the agent's existing sessions end. The link is claimed
/// with a conditional update, so two submissions of one link cannot both succeed.
pub fn redeem(conn: &mut DbConnection, tenant: &TenantId, secret: &str, hash: &str) -> AppResult<agents::Agent> {
    let (link, agent) = find(conn, tenant, secret)?;
    let claimed = diesel::update(agent_links::table.find((tenant.as_str(), link.id.as_str())))
        .filter(agent_links::used_at.is_null())
        .set(agent_links::used_at.eq(now()))
        .execute(conn)?;
    if claimed != 1 {
        return Err(AppError::NotFound);
    }
    void_open(conn, tenant, &link.agent_id)?;
    agents::set_password_hash(conn, tenant, &link.agent_id, hash)?;
    sessions::revoke_all_for_agent(conn, tenant, &link.agent_id)?;
    Ok(agent)
}

/// Agents of this tenant who were invited and never set a password, by id.
pub fn pending_invites(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<String>> {
    use crate::db::schema::agents as a;
    Ok(a::table.filter(a::tenant_id.eq(tenant.as_str())).filter(a::password_hash.is_null()).select(a::id).load(conn)?)
}
