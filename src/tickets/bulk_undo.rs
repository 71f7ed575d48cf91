//! Taking back a bulk action from the inbox: what each ticket held before, kept for a day for the
//! agent who applied it. A ticket someone changed since is left as it is.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::commands::{self, TicketChanges};
use super::{Actor, Priority, Status, Ticket};
use crate::db::schema::bulk_actions;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// How long a bulk action can be undone (and its row kept).
pub const KEEP_HOURS: i64 = 24;

/// One ticket's fields as they were before the bulk action, and the version it left.
#[derive(Serialize, Deserialize)]
struct Before {
    id: String,
    /// The version the bulk action left the ticket at: undo only applies while it is still current.
    after_version: i32,
    status: Option<Status>,
    priority: Option<Priority>,
    /// Whether the bulk action changed the assignee (JSON cannot tell `Some(None)` from `None`).
    restore_assignee: bool,
    assignee_id: Option<String>,
    restore_team: bool,
    team_id: Option<String>,
    tags: Option<Vec<String>>,
}

/// Apply `changes` to `ids` as `commands::bulk_update` does, remembering what each ticket held in
/// the fields it changes. Returns the updated tickets and the id to undo them by.
pub fn apply(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    agent_id: &str,
    ids: &[super::TicketId],
    changes: &TicketChanges,
) -> AppResult<(Vec<Ticket>, String)> {
    let before: Vec<Ticket> = ids.iter().map(|id| commands::get(conn, tenant, id)).collect::<AppResult<_>>()?;
    let after = commands::bulk_update(conn, tenant, actor, ids, changes)?;
    let rows: Vec<Before> = before
        .iter()
        .zip(&after)
        .map(|(b, a)| Before {
            id: b.id.to_string(),
            after_version: a.version,
            status: changes.status.map(|_| b.status),
            priority: changes.priority.map(|_| b.priority),
            restore_assignee: changes.assignee_id.is_some(),
            assignee_id: b.assignee_id.as_ref().map(|x| x.to_string()),
            restore_team: changes.team_id.is_some(),
            team_id: b.team_id.as_ref().map(|x| x.to_string()),
            tags: (!changes.add_tags.is_empty() || changes.tags.is_some() || !changes.remove_tags.is_empty())
                .then(|| b.tag_list()),
        })
        .collect();
    let json = serde_json::to_string(&rows).map_err(|e| AppError::Internal(e.into()))?;
    let ts = now();
    diesel::delete(
        bulk_actions::table
            .filter(bulk_actions::tenant_id.eq(tenant.as_str()))
            .filter(bulk_actions::created_at.lt(ts - chrono::Duration::hours(KEEP_HOURS))),
    )
    .execute(conn)?;
    let id = new_id();
    diesel::insert_into(bulk_actions::table)
        .values((
            bulk_actions::tenant_id.eq(tenant.as_str()),
            bulk_actions::id.eq(&id),
            bulk_actions::agent_id.eq(agent_id),
            bulk_actions::before_json.eq(&json),
            bulk_actions::created_at.eq(ts),
        ))
        .execute(conn)?;
    Ok((after, id))
}

/// How many tickets a bulk action changed, if this agent may still undo it.
pub fn pending(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str, id: &str) -> AppResult<Option<usize>> {
    Ok(load(conn, tenant, agent_id, id)?.map(|rows| rows.len()))
}

fn load(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str, id: &str) -> AppResult<Option<Vec<Before>>> {
    let json: Option<String> = bulk_actions::table
        .filter(bulk_actions::tenant_id.eq(tenant.as_str()))
        .filter(bulk_actions::id.eq(id))
        .filter(bulk_actions::agent_id.eq(agent_id))
        .filter(bulk_actions::created_at.ge(now() - chrono::Duration::hours(KEEP_HOURS)))
        .select(bulk_actions::before_json)
        .first(conn)
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| AppError::Internal(e.into()))).transpose()
}

/// What an undo did: tickets restored, and those left alone because they changed since.
pub struct Undone {
    pub restored: usize,
    pub skipped: usize,
}

/// Put back what bulk action `id` changed, once; only its agent may. Unknown ids are not found.
pub fn undo(conn: &mut DbConnection, tenant: &TenantId, actor: &Actor, agent_id: &str, id: &str) -> AppResult<Undone> {
    let rows = load(conn, tenant, agent_id, id)?.ok_or(AppError::NotFound)?;
    let mut done = Undone { restored: 0, skipped: 0 };
    for b in rows {
        let changes = TicketChanges {
            status: b.status,
            priority: b.priority,
            assignee_id: b.restore_assignee.then(|| b.assignee_id.map(Into::into)),
            team_id: b.restore_team.then(|| b.team_id.map(Into::into)),
            tags: b.tags,
            ..TicketChanges::default()
        };
        match commands::update_ticket(conn, tenant, actor, &b.id.as_str().into(), &changes, Some(b.after_version)) {
            Ok(_) => done.restored += 1,
            Err(AppError::PreconditionFailed | AppError::NotFound) => done.skipped += 1,
            Err(e) => return Err(e),
        }
    }
    diesel::delete(bulk_actions::table.find((tenant.as_str(), id))).execute(conn)?;
    Ok(done)
}
