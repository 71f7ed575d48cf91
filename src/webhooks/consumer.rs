//! The `webhooks` event consumer: for each domain event and each enabled subscription of the
//! event's tenant that wants its type, a delivery row and its first `webhook.deliver` job, in the
//! pass's transaction (so every event is planned exactly once, and never one that rolled back).
//!
//! The payload's `data` holds the objects as the REST API shows them, read when the event is
//! consumed, plus what the event itself says (the changed fields, before and after).

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::{json, Value};

use super::plan::Payload;
use super::Planned;
use super::Subscription;
use crate::db::schema::{messages, tickets, webhook_subscriptions};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::events::outbox::StoredEvent;
use crate::events::{Consumer, DomainEvent};
use crate::tenancy::TenantId;
use crate::tickets::{commands, Message, Ticket};
use crate::types::{MessageId, Status, TicketId};

/// Name of the webhooks consumer's cursor.
pub const NAME: &str = "webhooks";

/// The webhooks consumer.
pub struct WebhookConsumer;

impl Consumer for WebhookConsumer {
    fn name(&self) -> &str {
        NAME
    }

    fn enqueues_jobs(&self) -> bool {
        true
    }

    fn handle(&self, conn: &mut DbConnection, events: &[StoredEvent]) -> AppResult<()> {
        let mut subs: HashMap<String, Vec<Subscription>> = HashMap::new();
        for e in events {
            let tenant = e.tenant_id.as_str();
            if !subs.contains_key(tenant) {
                let list: Vec<Subscription> = webhook_subscriptions::table
                    .filter(webhook_subscriptions::tenant_id.eq(tenant))
                    .filter(webhook_subscriptions::enabled.eq(true))
                    .select(Subscription::as_select())
                    .load(conn)?;
                subs.insert(tenant.to_string(), list);
            }
        }
        let wanted: Vec<&StoredEvent> = events.iter().filter(|e| !subs[e.tenant_id.as_str()].is_empty()).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut rows = Rows::prefetch(conn, &wanted)?;
        let mut payloads: Vec<Payload> = Vec::new();
        // Per subscription, in event order: planned together, so a pass costs one sequence
        // update and one job per 64 messages per subscription, not one per message.
        let mut planned: Vec<(&Subscription, Vec<Planned>)> = Vec::new();
        let mut slot: HashMap<&str, usize> = HashMap::new();
        for e in wanted {
            let tenant = &e.tenant_id;
            let mine = &subs[tenant.as_str()];
            for (kind, suffix) in webhook_types(&e.event) {
                let takers: Vec<&Subscription> = mine.iter().filter(|s| s.wants(kind)).collect();
                if takers.is_empty() {
                    continue;
                }
                let Some(data) = data_for(&mut rows, conn, tenant, &e.event)? else { continue };
                let payload = Payload::new(tenant, format!("evt_{}{suffix}", e.id), kind, e.created_at, &data);
                for sub in takers {
                    let i = *slot.entry(sub.id.as_str()).or_insert_with(|| {
                        planned.push((sub, Vec::new()));
                        planned.len() - 1
                    });
                    planned[i].1.push(Planned {
                        webhook_id: format!("msg_{}_{}{suffix}", e.id, sub.id),
                        event_type: kind.to_string(),
                        payload_id: payload.id.clone(),
                    });
                }
                payloads.push(payload);
            }
        }
        super::plan::store_payloads(conn, &payloads)?;
        for (sub, list) in planned {
            super::plan_all(conn, sub, list)?;
        }
        Ok(())
    }
}

/// The tickets and messages a pass's events are about, read with one query per table and
/// tenant instead of two per event.
#[derive(Default)]
struct Rows {
    tickets: HashMap<(String, String), Value>,
    messages: HashMap<(String, String), Value>,
}

impl Rows {
    fn prefetch(conn: &mut DbConnection, events: &[&StoredEvent]) -> AppResult<Rows> {
        let mut by_tenant: HashMap<&str, (Vec<&str>, Vec<&str>)> = HashMap::new();
        for e in events {
            let (t, m) = by_tenant.entry(e.tenant_id.as_str()).or_default();
            match &e.event {
                DomainEvent::TicketCreated { ticket_id, message_id, .. }
                | DomainEvent::MessageCreated { ticket_id, message_id, .. } => {
                    t.push(ticket_id.as_str());
                    m.push(message_id.as_str());
                }
                other => t.extend(other.ticket().map(|(id, _)| id.as_str())),
            }
        }
        let mut rows = Rows::default();
        for (tenant, (ticket_ids, message_ids)) in by_tenant {
            for chunk in ticket_ids.chunks(500) {
                let found: Vec<Ticket> = tickets::table
                    .filter(tickets::tenant_id.eq(tenant))
                    .filter(tickets::id.eq_any(chunk))
                    .select(Ticket::as_select())
                    .load(conn)?;
                for t in found {
                    rows.tickets.insert((tenant.to_string(), t.id.as_str().to_string()), serde_json::to_value(t)?);
                }
            }
            for chunk in message_ids.chunks(500) {
                let found: Vec<Message> = messages::table
                    .filter(messages::tenant_id.eq(tenant))
                    .filter(messages::id.eq_any(chunk))
                    .select(Message::as_select())
                    .load(conn)?;
                for m in found {
                    rows.messages.insert((tenant.to_string(), m.id.as_str().to_string()), serde_json::to_value(m)?);
                }
            }
        }
        Ok(rows)
    }

    /// The ticket as the API shows it; `None` when it is gone. One not prefetched is read.
    fn ticket(&mut self, conn: &mut DbConnection, tenant: &TenantId, id: &TicketId) -> AppResult<Option<Value>> {
        let key = (tenant.as_str().to_string(), id.as_str().to_string());
        if let Some(v) = self.tickets.get(&key) {
            return Ok(Some(v.clone()));
        }
        match commands::get(conn, tenant, id) {
            Ok(t) => {
                let v = serde_json::to_value(t)?;
                self.tickets.insert(key, v.clone());
                Ok(Some(v))
            }
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn message(&mut self, conn: &mut DbConnection, tenant: &TenantId, id: &MessageId) -> AppResult<Option<Value>> {
        let key = (tenant.as_str().to_string(), id.as_str().to_string());
        if let Some(v) = self.messages.get(&key) {
            return Ok(Some(v.clone()));
        }
        let m: Option<Message> =
            messages::table.find((tenant.as_str(), id.as_str())).select(Message::as_select()).first(conn).optional()?;
        Ok(m.map(|m| serde_json::to_value(m).unwrap_or_default()))
    }
}

/// The webhook event types one domain event is delivered as, with the suffix that keeps their
/// webhook ids apart: a change of status to solved is also `ticket.solved`.
fn webhook_types(e: &DomainEvent) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![(e.kind(), "")];
    if let DomainEvent::TicketStatusChanged { after: Status::Solved, .. } = e {
        out.push(("ticket.solved", "_solved"));
    }
    out
}

/// The payload's `data` for an event; `None` when what it is about no longer exists.
fn data_for(
    rows: &mut Rows,
    conn: &mut DbConnection,
    tenant: &TenantId,
    event: &DomainEvent,
) -> AppResult<Option<Value>> {
    let with_ticket = |rows: &mut Rows, conn: &mut DbConnection, id, mut extra: Value| -> AppResult<Option<Value>> {
        let Some(t) = rows.ticket(conn, tenant, id)? else { return Ok(None) };
        extra["ticket"] = t;
        Ok(Some(extra))
    };
    match event {
        DomainEvent::TicketCreated { ticket_id, message_id, actor, .. } => {
            let m = rows.message(conn, tenant, message_id)?;
            with_ticket(rows, conn, ticket_id, json!({"message": m, "actor": actor}))
        }
        DomainEvent::TicketUpdated { ticket_id, changes, actor, .. } => {
            with_ticket(rows, conn, ticket_id, json!({"changes": changes, "actor": actor}))
        }
        DomainEvent::TicketAssigned { ticket_id, before, after, actor, .. } => with_ticket(
            rows,
            conn,
            ticket_id,
            json!({"assignee_before": before, "assignee_after": after, "actor": actor}),
        ),
        DomainEvent::TicketStatusChanged { ticket_id, before, after, actor, .. } => {
            with_ticket(rows, conn, ticket_id, json!({"status_before": before, "status_after": after, "actor": actor}))
        }
        DomainEvent::MessageCreated { ticket_id, message_id, actor, .. } => {
            let Some(m) = rows.message(conn, tenant, message_id)? else { return Ok(None) };
            with_ticket(rows, conn, ticket_id, json!({"message": m, "actor": actor}))
        }
        DomainEvent::TicketMerged { ticket_id, into_id, actor, .. } => {
            let into = rows.ticket(conn, tenant, into_id)?;
            with_ticket(rows, conn, ticket_id, json!({"into": into, "actor": actor}))
        }
        DomainEvent::CsatRated { ticket_id, score, previous_score, actor, .. } => with_ticket(
            rows,
            conn,
            ticket_id,
            json!({"score": score, "previous_score": previous_score, "actor": actor}),
        ),
        DomainEvent::ContactCreated { contact_id, .. } => {
            match crate::accounts::contacts::get(conn, tenant, contact_id) {
                Ok(c) => Ok(Some(json!({"contact": c}))),
                Err(AppError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        }
        DomainEvent::ContactMerged { contact_id, from_id, tickets_moved, actor } => {
            match crate::accounts::contacts::get(conn, tenant, contact_id) {
                Ok(c) => {
                    Ok(Some(json!({"contact": c, "from_id": from_id, "tickets_moved": tickets_moved, "actor": actor})))
                }
                Err(AppError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}
