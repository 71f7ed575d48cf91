//! Follow the sun: when an agent's shift ends, their tickets that wait on the desk (status new or
//! open; pending and on-hold wait on the customer) go to whoever the engine picks now, with a
//! handoff note; when nobody on shift can take one it is unassigned and queued, so nothing waits
//! with someone who went home.
//!
//! Each shift end is handled once: a `routing_handoffs` row keyed by (tenant, agent, end) is
//! inserted in the transaction that moves the tickets. A restart, a down hour or a second
//! process finds the row (or blocks on its insert until the first commits) and moves nothing
//! twice; a ticket assigned to the agent after that end (by a person, on purpose) stays.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::engine::{self, Options, Outcome, Reason};
use super::queue;
use super::store;
use crate::db::schema::{routing_handoffs, ticket_events, tickets};
use crate::db::{now, DbConnection};
use crate::error::AppResult;
use crate::tenancy::TenantId;
use crate::tickets::commands::{update_ticket, TicketChanges};
use crate::tickets::Ticket;
use crate::types::{Actor, AgentId, Status};

/// Shift ends further back than this are not handed off (a first start after an upgrade, or
/// an install down for days, does not shuffle old assignments).
pub const LOOKBACK_HOURS: i64 = 12;

#[derive(Insertable)]
#[diesel(table_name = routing_handoffs)]
struct HandoffRow<'a> {
    tenant_id: &'a str,
    agent_id: &'a str,
    shift_end: chrono::NaiveDateTime,
    tickets: i32,
    created_at: chrono::NaiveDateTime,
}

/// Claim one agent's shift end; `false` when it was handled already.
fn claim(conn: &mut DbConnection, tenant: &TenantId, agent: &str, end: DateTime<Utc>) -> AppResult<bool> {
    let row = HandoffRow {
        tenant_id: tenant.as_str(),
        agent_id: agent,
        shift_end: end.naive_utc(),
        tickets: 0,
        created_at: now(),
    };
    let n = crate::db::on_backend!(conn, |c| diesel::insert_into(routing_handoffs::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Hand off the tickets of the tenant's agents whose shift ended and was not handled yet;
/// returns how many tickets moved (to someone or back to the queue).
pub fn hand_off(conn: &mut DbConnection, tenant: &TenantId, at: DateTime<Utc>) -> AppResult<usize> {
    let mut state = store::load_state(conn, tenant)?;
    let ended: Vec<(String, String, DateTime<Utc>)> = state
        .agents
        .iter()
        .filter(|a| a.open_load > 0)
        .filter_map(|a| engine::shift_ended(&state, a, at).map(|end| (a.id.clone(), a.name.clone(), end)))
        .filter(|(_, _, end)| *end > at - Duration::hours(LOOKBACK_HOURS))
        .collect();
    let mut moved = 0;
    for (agent_id, agent_name, end) in ended {
        if !claim(conn, tenant, &agent_id, end)? {
            continue;
        }
        let waiting: Vec<Ticket> = tickets::table
            .filter(tickets::tenant_id.eq(tenant.as_str()))
            .filter(tickets::assignee_id.eq(&agent_id))
            .filter(tickets::status.eq_any([Status::New, Status::Open]))
            .order((tickets::priority_rank.desc(), tickets::created_at.asc(), tickets::id.asc()))
            .select(Ticket::as_select())
            .load(conn)?;
        let from = AgentId::from(agent_id.as_str());
        let mut count = 0;
        for t in &waiting {
            if assigned_at(conn, tenant, t)? >= end.naive_utc() {
                // Given to the agent after the shift ended, by a person who meant it.
                continue;
            }
            let facts = queue::facts_of(conn, tenant, t)?;
            let d = engine::decide(&facts, &state, at, Options::default());
            let done = if d.outcome == Outcome::Queued || d.agent_id.as_deref() == Some(agent_id.as_str()) {
                unassign(conn, tenant, t, &agent_name, &d.reason)?
            } else {
                let mut reason = d.reason.clone();
                reason.key = "system-routing-handoff";
                reason.args.push(("from".into(), agent_name.clone()));
                let ok = queue::apply(conn, tenant, t, &d, &reason, Some(&from))?;
                if ok {
                    state.apply(&d, at.naive_utc());
                }
                ok
            };
            count += usize::from(done);
        }
        diesel::update(routing_handoffs::table.find((tenant.as_str(), &agent_id, end.naive_utc())))
            .set(routing_handoffs::tickets.eq(count as i32))
            .execute(conn)?;
        moved += count;
    }
    Ok(moved)
}

/// When `t` was last given to someone: its latest routing note or change of assignee, else its
/// creation (a ticket opened with an assignee).
fn assigned_at(conn: &mut DbConnection, tenant: &TenantId, t: &Ticket) -> AppResult<chrono::NaiveDateTime> {
    let latest: Option<chrono::NaiveDateTime> = ticket_events::table
        .filter(ticket_events::tenant_id.eq(tenant.as_str()))
        .filter(ticket_events::ticket_id.eq(t.id.as_str()))
        .filter(
            ticket_events::action
                .eq("routed")
                .or(ticket_events::action.eq("changed").and(ticket_events::field.eq("assignee_id"))),
        )
        .select(diesel::dsl::max(ticket_events::created_at))
        .first(conn)?;
    Ok(latest.unwrap_or(t.created_at))
}

/// Nobody on shift can take `t`: back to the queue, with the engine's reason for the wait.
fn unassign(conn: &mut DbConnection, tenant: &TenantId, t: &Ticket, from: &str, why: &Reason) -> AppResult<bool> {
    let changes = TicketChanges { assignee_id: Some(None), ..TicketChanges::default() };
    match update_ticket(conn, tenant, &Actor::System, &t.id, &changes, Some(t.version)) {
        Ok(_) => {}
        Err(crate::error::AppError::PreconditionFailed | crate::error::AppError::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e),
    }
    queue::mark_queued(conn, tenant, t.id.as_str(), now())?;
    let mut args = why.args.clone();
    args.push(("from".into(), from.to_string()));
    let key = if why.key == "system-routing-queued" {
        "system-routing-handoff-queued"
    } else {
        "system-routing-handoff-nobody"
    };
    queue::record_reason(conn, tenant, t.id.as_str(), &Reason { key, args })?;
    Ok(true)
}
