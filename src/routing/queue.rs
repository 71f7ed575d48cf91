//! Tickets waiting for capacity: the ones the engine could give to nobody (its queue fallback,
//! or everyone full, away or off shift) carry `routing_queued_at` until someone can take them.
//! `assign_queued` asks the engine again for each, highest priority first, then oldest, and
//! applies what it decides in the caller's transaction.
//!
//! Race-free across processes: a ticket is assigned through `update_ticket` with the version it
//! was read at, and only while it has no assignee, so of two sweeps that read the same ticket
//! only one writes; the other's update matches no row and it moves on.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::engine::{self, Decision, Facts, Options, Outcome, Reason, State};
use super::store;
use crate::db::schema::{contacts, ticket_events, tickets};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::commands::{update_ticket, TicketChanges};
use crate::tickets::{Ticket, TicketEvent};
use crate::types::{Actor, AgentId, TeamId};

/// Most queued tickets one pass looks at per tenant; the next pass takes the rest.
pub const BATCH: i64 = 200;

/// Mark a ticket as waiting for capacity (the router's queued outcome, a handoff nobody took).
pub fn mark_queued(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(tickets::table.find((tenant.as_str(), ticket_id)))
        .set(tickets::routing_queued_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// A ticket no longer waits for routing (assigned, or taken over by a person).
pub fn unmark_queued(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<()> {
    diesel::update(tickets::table.find((tenant.as_str(), ticket_id)))
        .filter(tickets::routing_queued_at.is_not_null())
        .set(tickets::routing_queued_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// The engine's facts about a stored ticket.
pub fn facts_of(conn: &mut DbConnection, tenant: &TenantId, t: &Ticket) -> AppResult<Facts> {
    let (email, vip): (Option<String>, bool) = contacts::table
        .find((tenant.as_str(), t.requester_id.as_str()))
        .select((contacts::email, contacts::vip))
        .first(conn)
        .optional()?
        .unwrap_or((None, false));
    Ok(Facts {
        language: t.language.clone(),
        priority: Some(t.priority),
        channel: Some(t.channel),
        tags: t.tag_list(),
        requester_domain: email.as_deref().and_then(engine::email_domain),
        vip,
    })
}

/// Store a routing note (`{"key", "args"}`) in the ticket's audit trail, as the intake does.
pub fn record_reason(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, reason: &Reason) -> AppResult<()> {
    let args: serde_json::Map<String, serde_json::Value> =
        reason.args.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect();
    let note = serde_json::json!({"key": reason.key, "args": args}).to_string();
    let event = TicketEvent {
        tenant_id: tenant.as_str().into(),
        id: new_id(),
        ticket_id: ticket_id.into(),
        actor_type: "system".into(),
        actor_id: None,
        action: "routed".into(),
        field: None,
        before_value: None,
        after_value: Some(note),
        created_at: now(),
    };
    diesel::insert_into(ticket_events::table).values(&event).execute(conn)?;
    Ok(())
}

/// Give `t` to the decision's agent if nobody changed it since it was read; `false` when someone
/// did (another process, an agent) and nothing was written.
pub fn apply(
    conn: &mut DbConnection,
    tenant: &TenantId,
    t: &Ticket,
    d: &Decision,
    reason: &Reason,
    expect_assignee: Option<&AgentId>,
) -> AppResult<bool> {
    let Some(agent) = &d.agent_id else { return Ok(false) };
    if t.assignee_id.as_ref() != expect_assignee {
        return Ok(false);
    }
    let changes = TicketChanges {
        assignee_id: Some(Some(AgentId::from(agent.as_str()))),
        team_id: d.team_id.as_deref().map(|id| Some(TeamId::from(id))),
        ..TicketChanges::default()
    };
    match update_ticket(conn, tenant, &Actor::System, &t.id, &changes, Some(t.version)) {
        Ok(_) => {}
        // Changed meanwhile (assigned elsewhere, closed): its new state is someone else's call.
        Err(AppError::PreconditionFailed | AppError::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e),
    }
    unmark_queued(conn, tenant, t.id.as_str())?;
    record_reason(conn, tenant, t.id.as_str(), reason)?;
    store::mark_routed(conn, tenant, agent, now())?;
    Ok(true)
}

/// Assign the tenant's queued tickets that someone can take now; returns how many were.
pub fn assign_queued(conn: &mut DbConnection, tenant: &TenantId, at: DateTime<Utc>) -> AppResult<usize> {
    let queued: Vec<Ticket> = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::routing_queued_at.is_not_null())
        .filter(tickets::is_open.eq(true))
        .filter(tickets::assignee_id.is_null())
        .order((tickets::priority_rank.desc(), tickets::created_at.asc(), tickets::id.asc()))
        .limit(BATCH)
        .select(Ticket::as_select())
        .load(conn)?;
    if queued.is_empty() {
        return Ok(0);
    }
    let mut state = store::load_state(conn, tenant)?;
    assign_with(conn, tenant, &mut state, &queued, at)
}

fn assign_with(
    conn: &mut DbConnection,
    tenant: &TenantId,
    state: &mut State,
    queued: &[Ticket],
    at: DateTime<Utc>,
) -> AppResult<usize> {
    let mut assigned = 0;
    for t in queued {
        if !state.agents.iter().any(|a| a.active && a.open_load < a.max_load) {
            break;
        }
        let facts = facts_of(conn, tenant, t)?;
        let d = engine::decide(&facts, state, at, Options::default());
        if d.outcome == Outcome::Queued {
            continue;
        }
        if apply(conn, tenant, t, &d, &d.reason, None)? {
            state.apply(&d, at.naive_utc());
            assigned += 1;
        }
    }
    Ok(assigned)
}
