//! The `webhooks` event consumer: for each domain event and each enabled subscription of the
//! event's tenant that wants its type, a delivery row and its first `webhook.deliver` job, in the
//! pass's transaction (so every event is planned exactly once, and never one that rolled back).
//!
//! The payload's `data` holds the objects as the REST API shows them, read when the event is
//! consumed, plus what the event itself says (the changed fields, before and after).

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::{json, Value};

use super::Subscription;
use crate::db::schema::{messages, webhook_subscriptions};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::events::outbox::StoredEvent;
use crate::events::{Consumer, DomainEvent};
use crate::tenancy::TenantId;
use crate::tickets::{commands, Message};
use crate::types::Status;

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
        // Per subscription, in event order: planned together, so a pass costs one sequence
        // update and one job per subscription, not one per message.
        let mut planned: Vec<(Subscription, Vec<super::Planned>)> = Vec::new();
        let mut slot: HashMap<(String, String), usize> = HashMap::new();
        for e in events {
            let tenant = &e.tenant_id;
            if !subs.contains_key(tenant.as_str()) {
                let list: Vec<Subscription> = webhook_subscriptions::table
                    .filter(webhook_subscriptions::tenant_id.eq(tenant.as_str()))
                    .filter(webhook_subscriptions::enabled.eq(true))
                    .select(Subscription::as_select())
                    .load(conn)?;
                subs.insert(tenant.as_str().to_string(), list);
            }
            let mine = &subs[tenant.as_str()];
            if mine.is_empty() {
                continue;
            }
            for (kind, suffix) in webhook_types(&e.event) {
                let wanted: Vec<&Subscription> = mine.iter().filter(|s| s.wants(kind)).collect();
                if wanted.is_empty() {
                    continue;
                }
                let Some(data) = data_for(conn, tenant, &e.event)? else { continue };
                for sub in wanted {
                    let key = (sub.tenant_id.clone(), sub.id.clone());
                    let i = *slot.entry(key).or_insert_with(|| {
                        planned.push((sub.clone(), Vec::new()));
                        planned.len() - 1
                    });
                    planned[i].1.push(super::Planned {
                        webhook_id: format!("msg_{}_{}{suffix}", e.id, sub.id),
                        event_type: kind.to_string(),
                        timestamp: e.created_at,
                        data: data.clone(),
                    });
                }
            }
        }
        for (sub, list) in planned {
            super::plan_all(conn, &sub, list)?;
        }
        Ok(())
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

/// The ticket as the API shows it; `None` when it is gone.
fn ticket(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::TicketId) -> AppResult<Option<Value>> {
    match commands::get(conn, tenant, id) {
        Ok(t) => Ok(Some(serde_json::to_value(t)?)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

fn message(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::MessageId) -> AppResult<Option<Value>> {
    let m: Option<Message> =
        messages::table.find((tenant.as_str(), id.as_str())).select(Message::as_select()).first(conn).optional()?;
    Ok(m.map(|m| serde_json::to_value(m).unwrap_or_default()))
}

/// The payload's `data` for an event; `None` when what it is about no longer exists.
pub fn data_for(conn: &mut DbConnection, tenant: &TenantId, event: &DomainEvent) -> AppResult<Option<Value>> {
    let with_ticket = |conn: &mut DbConnection, id, mut extra: Value| -> AppResult<Option<Value>> {
        let Some(t) = ticket(conn, tenant, id)? else { return Ok(None) };
        extra["ticket"] = t;
        Ok(Some(extra))
    };
    match event {
        DomainEvent::TicketCreated { ticket_id, message_id, actor, .. } => {
            let m = message(conn, tenant, message_id)?;
            with_ticket(conn, ticket_id, json!({"message": m, "actor": actor}))
        }
        DomainEvent::TicketUpdated { ticket_id, changes, actor, .. } => {
            with_ticket(conn, ticket_id, json!({"changes": changes, "actor": actor}))
        }
        DomainEvent::TicketAssigned { ticket_id, before, after, actor, .. } => {
            with_ticket(conn, ticket_id, json!({"assignee_before": before, "assignee_after": after, "actor": actor}))
        }
        DomainEvent::TicketStatusChanged { ticket_id, before, after, actor, .. } => {
            with_ticket(conn, ticket_id, json!({"status_before": before, "status_after": after, "actor": actor}))
        }
        DomainEvent::MessageCreated { ticket_id, message_id, actor, .. } => {
            let Some(m) = message(conn, tenant, message_id)? else { return Ok(None) };
            with_ticket(conn, ticket_id, json!({"message": m, "actor": actor}))
        }
        DomainEvent::TicketMerged { ticket_id, into_id, actor, .. } => {
            let into = ticket(conn, tenant, into_id)?;
            with_ticket(conn, ticket_id, json!({"into": into, "actor": actor}))
        }
        DomainEvent::CsatRated { ticket_id, score, previous_score, actor, .. } => {
            with_ticket(conn, ticket_id, json!({"score": score, "previous_score": previous_score, "actor": actor}))
        }
        DomainEvent::ContactCreated { contact_id, .. } => {
            match crate::accounts::contacts::get(conn, tenant, contact_id) {
                Ok(c) => Ok(Some(json!({"contact": c}))),
                Err(AppError::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}
