//! What routing does after a ticket opens: the `routing` event consumer (a ticket solved,
//! closed or reassigned frees capacity, a corrected language may find a speaker, so the tenant's
//! queued tickets are offered again in that pass's transaction) and the sweep chore, which runs every `routing_sweep_secs` for what no
//! event announces: shifts starting and ending, agents coming online, and auto offline.
//!
//! Shift boundaries are found by the sweep rather than by a job scheduled at each boundary: the
//! question "whose shift ended and was not handed off" is answered from the schedules and the
//! `routing_handoffs` rows at every pass, so an edited schedule needs no rescheduling, a restart
//! or a down hour catches up at the next pass, and two processes are kept apart by the handoff
//! row and the tickets' version guard. The cost is a delay of up to one sweep interval.

use std::collections::BTreeSet;

use chrono::Utc;
use diesel::prelude::*;

use super::{handoff, queue};
use crate::db::schema::{agents, teams};
use crate::db::{now, Db, DbConnection};
use crate::error::AppResult;
use crate::events::outbox::StoredEvent;
use crate::events::{Changes, Consumer, DomainEvent, LiveHub};
use crate::tenancy::TenantId;

/// The `routing` consumer (see the module docs).
pub struct RoutingConsumer;

/// Whether the event may let a queued ticket be assigned: an agent's capacity freed, or a
/// ticket's language corrected (a queued ticket in a language nobody on shift spoke may now
/// have a speaker; an assigned one stays where a person can see it).
fn may_unqueue(e: &DomainEvent) -> bool {
    match e {
        DomainEvent::TicketStatusChanged { before, after, .. } => before.is_open() && !after.is_open(),
        DomainEvent::TicketAssigned { before, .. } => before.is_some(),
        DomainEvent::TicketMerged { .. } => true,
        DomainEvent::TicketUpdated { changes, .. } => changes.iter().any(|c| c.field == "language"),
        _ => false,
    }
}

impl Consumer for RoutingConsumer {
    fn name(&self) -> &str {
        "routing"
    }

    fn handle(&self, conn: &mut DbConnection, events: &[StoredEvent]) -> AppResult<()> {
        // A person (or token) who assigns or unassigns a queued ticket decides it from then on.
        for e in events {
            if let DomainEvent::TicketAssigned { ticket_id, actor, .. } = &e.event {
                if !matches!(actor, crate::types::Actor::System) {
                    queue::unmark_queued(conn, &e.tenant_id, ticket_id.as_str())?;
                }
            }
        }
        let tenants: BTreeSet<&str> =
            events.iter().filter(|e| may_unqueue(&e.event)).map(|e| e.tenant_id.as_str()).collect();
        for t in tenants {
            let tenant = TenantId::from_trusted(t.to_string());
            if super::router::configured(conn, &tenant)? {
                queue::assign_queued(conn, &tenant, Utc::now())?;
            }
        }
        Ok(())
    }
}

/// Tenants with a schedule on a team or an agent: the only ones routing acts for.
fn routed_tenants(conn: &mut DbConnection) -> AppResult<Vec<TenantId>> {
    let mut ids: BTreeSet<String> = teams::table
        .filter(teams::schedule.is_not_null())
        .select(teams::tenant_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect();
    ids.extend(
        agents::table
            .filter(agents::schedule.is_not_null())
            .select(agents::tenant_id)
            .distinct()
            .load::<String>(conn)?,
    );
    Ok(ids.into_iter().map(TenantId::from_trusted).collect())
}

/// Note that agents with a live stream here are still here, and set offline the online agents
/// whose last stream (in any process) closed more than `grace_secs` ago.
pub fn sweep_presence(conn: &mut DbConnection, live: &[(String, String)], grace_secs: u64) -> AppResult<usize> {
    let ts = now();
    for (tenant, agent) in live {
        diesel::update(agents::table.find((tenant.as_str(), agent.as_str())))
            .set(agents::streams_seen_at.eq(Some(ts)))
            .execute(conn)?;
    }
    if grace_secs == 0 {
        return Ok(0);
    }
    let cutoff = ts - chrono::Duration::seconds(grace_secs.min(i64::MAX as u64) as i64);
    Ok(diesel::update(
        agents::table
            .filter(agents::presence.eq("online"))
            .filter(agents::streams_seen_at.is_not_null())
            .filter(agents::streams_seen_at.lt(cutoff)),
    )
    .set((agents::presence.eq("offline"), agents::updated_at.eq(ts)))
    .execute(conn)?)
}

/// One sweep: auto offline, then per tenant (each in its own transaction, so one tenant's
/// failure holds up no other) the handoffs of ended shifts and the queued tickets.
pub async fn sweep(db: &Db, changes: &Changes, live: &LiveHub, grace_secs: u64) -> AppResult<usize> {
    let streaming = live.agents_streaming();
    db.write(move |c| sweep_presence(c, &streaming, grace_secs)).await?;
    let tenants = db.read(routed_tenants).await?;
    let mut moved = 0;
    for tenant in tenants {
        let t = tenant.clone();
        let n = db
            .write(move |c| {
                let at = Utc::now();
                Ok(handoff::hand_off(c, &t, at)? + queue::assign_queued(c, &t, at)?)
            })
            .await;
        match n {
            Ok(0) => {}
            Ok(n) => {
                moved += n;
                changes.committed(&tenant);
            }
            Err(e) => tracing::warn!(tenant = %tenant, error = %e, "routing sweep failed for a tenant"),
        }
    }
    Ok(moved)
}
