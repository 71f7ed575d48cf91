//! The `mail` event consumer: decides, in its pass's transaction, which domain events become
//! mail, and enqueues each as an `outbound_emails` row with its `mail.send` job. Because the
//! cursor moves in the same transaction, every event is considered exactly once, even across
//! crashes; sending (outside the database) is the job's.
//!
//! What is sent: the acknowledgement of a ticket opened by inbound mail; an agent's public reply
//! written in the console or through the API (mail an agent sent in by email already went where
//! its author addressed it); the solved notice when an agent or token solves a ticket. Never:
//! acknowledgements or notices for tickets opened by automatic mail (auto-replies, bounces,
//! lists), a reply to a chat whose visitor has the widget open (they read it live), mail to our
//! own addresses, or more than [`ACK_LIMIT`] acknowledgements an hour to one
//! requester, so two auto-responders cannot keep each other busy through us.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::prelude::*;

use super::{kind, settings, NewOutbound};
use crate::accounts::contacts;
use crate::db::schema::email_message_ids;
use crate::db::DbConnection;
use crate::email::address::is_ours;
use crate::email::threads::{self, Direction, KeyRecord};
use crate::error::{AppError, AppResult};
use crate::events::outbox::StoredEvent;
use crate::events::{Consumer, DomainEvent};
use crate::i18n::I18n;
use crate::tenancy::TenantId;
use crate::tickets::commands;
use crate::types::{Actor, Channel, MessageKind, Status, TicketId};

/// Name of the mail consumer's cursor.
pub const NAME: &str = "mail";
/// Most acknowledgements one requester gets in an hour.
pub const ACK_LIMIT: i64 = 3;
/// Most Message-IDs carried in References (the first one and the newest).
const MAX_REFERENCES: usize = 20;

/// The outbound mail consumer.
pub struct MailConsumer {
    /// Our inbound domain: Message-IDs, default From and reply addresses live there.
    domain: String,
    i18n: Arc<I18n>,
}

impl MailConsumer {
    /// A consumer that makes mail from `domain`.
    pub fn new(domain: String, i18n: Arc<I18n>) -> Self {
        MailConsumer { domain, i18n }
    }
}

/// Whether a person (not the system) did it.
fn by_person(actor: &Actor) -> bool {
    matches!(actor, Actor::Agent(_) | Actor::Api(_))
}

impl Consumer for MailConsumer {
    fn name(&self) -> &str {
        NAME
    }

    fn enqueues_jobs(&self) -> bool {
        true
    }

    fn handle(&self, conn: &mut DbConnection, events: &[StoredEvent]) -> AppResult<()> {
        // A reply that also solves the ticket says enough: no separate solved notice.
        let mut replied: Vec<(&TenantId, &TicketId)> = Vec::new();
        let opened = opened_by_mail(conn, events)?;
        for e in events {
            let t = &e.tenant_id;
            match &e.event {
                DomainEvent::TicketCreated { ticket_id, channel: Channel::Email, message_id, .. } => {
                    // Only a ticket whose first message came in by mail is acknowledged, and
                    // never when that mail was automatic.
                    let key = (t.as_str(), ticket_id.as_str(), message_id.as_str());
                    match opened.get(&key) {
                        Some(false) => self.plan(conn, t, ticket_id, kind::ACK, Some(message_id.as_str()))?,
                        _ => continue,
                    }
                }
                DomainEvent::MessageCreated {
                    ticket_id, message_id, kind: MessageKind::Reply, channel, actor, ..
                } if by_person(actor) && *channel != Channel::Email => {
                    // A chat visitor reading the conversation live got the reply already.
                    if crate::chat::visitors::connected_to(conn, t, ticket_id.as_str())? {
                        continue;
                    }
                    self.plan(conn, t, ticket_id, kind::REPLY, Some(message_id.as_str()))?;
                    replied.push((t, ticket_id));
                }
                DomainEvent::TicketStatusChanged { ticket_id, after: Status::Solved, actor, .. }
                    if by_person(actor) && !replied.contains(&(t, ticket_id)) =>
                {
                    // Not for a ticket an automatic mail opened.
                    match opening_mail(conn, t, ticket_id.as_str())? {
                        Some(true) => continue,
                        _ => self.plan(conn, t, ticket_id, kind::SOLVED, None)?,
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Whether the ticket's first inbound mail was automatic; `None` when no mail came in on it.
fn opening_mail(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Option<bool>> {
    Ok(email_message_ids::table
        .filter(email_message_ids::tenant_id.eq(tenant.as_str()))
        .filter(email_message_ids::ticket_id.eq(ticket_id))
        .filter(email_message_ids::direction.eq("in"))
        .order(email_message_ids::created_at)
        .select(email_message_ids::auto_reply)
        .first(conn)
        .optional()?)
}

/// For the email tickets created in `events`: whether their first message came in by mail,
/// keyed (tenant, ticket, message) → automatic. One query per tenant in the batch, not one per
/// ticket, since bulk creation (the seeder, imports) makes many email tickets that never saw mail.
fn opened_by_mail<'a>(
    conn: &mut DbConnection,
    events: &'a [StoredEvent],
) -> AppResult<HashMap<(&'a str, &'a str, &'a str), bool>> {
    let mut by_tenant: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in events {
        if let DomainEvent::TicketCreated { ticket_id, channel: Channel::Email, .. } = &e.event {
            by_tenant.entry(e.tenant_id.as_str()).or_default().push(ticket_id.as_str());
        }
    }
    let mut found: HashMap<(String, String, String), bool> = HashMap::new();
    for (tenant, ids) in by_tenant {
        let rows: Vec<(String, Option<String>, bool)> = email_message_ids::table
            .filter(email_message_ids::tenant_id.eq(tenant))
            .filter(email_message_ids::ticket_id.eq_any(&ids))
            .filter(email_message_ids::direction.eq("in"))
            .select((email_message_ids::ticket_id, email_message_ids::message_id, email_message_ids::auto_reply))
            .load(conn)?;
        for (ticket, message, auto) in rows {
            if let Some(m) = message {
                found.insert((tenant.to_string(), ticket, m), auto);
            }
        }
    }
    let mut out = HashMap::new();
    for e in events {
        if let DomainEvent::TicketCreated { ticket_id, channel: Channel::Email, message_id, .. } = &e.event {
            let k = (e.tenant_id.as_str().to_string(), ticket_id.to_string(), message_id.to_string());
            if let Some(auto) = found.get(&k) {
                out.insert((e.tenant_id.as_str(), ticket_id.as_str(), message_id.as_str()), *auto);
            }
        }
    }
    Ok(out)
}

/// The ticket's Message-IDs (received and sent), oldest first; content hashes are not IDs.
fn ticket_keys(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Vec<String>> {
    let keys: Vec<String> = email_message_ids::table
        .filter(email_message_ids::tenant_id.eq(tenant.as_str()))
        .filter(email_message_ids::ticket_id.eq(ticket_id))
        .order((email_message_ids::created_at, email_message_ids::message_key))
        .select(email_message_ids::message_key)
        .load(conn)?;
    Ok(keys.into_iter().filter(|k| !k.starts_with("sha256:")).collect())
}

/// At most [`MAX_REFERENCES`]: the thread's root and the newest (RFC 5322 §3.6.4 trimming).
fn trim_references(mut keys: Vec<String>) -> Vec<String> {
    if keys.len() > MAX_REFERENCES {
        let tail = keys.split_off(keys.len() - (MAX_REFERENCES - 1));
        keys.truncate(1);
        keys.extend(tail);
    }
    keys
}

impl MailConsumer {
    /// Enqueue one mail about a ticket, unless a rule says not to.
    fn plan(
        &self,
        conn: &mut DbConnection,
        tenant: &TenantId,
        ticket_id: &TicketId,
        what: &'static str,
        message_row: Option<&str>,
    ) -> AppResult<()> {
        let ticket = match commands::get(conn, tenant, ticket_id) {
            Ok(t) => t,
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        let requester = contacts::get(conn, tenant, &ticket.requester_id)?;
        let Some(to) = requester.email.clone() else { return Ok(()) };
        let tenant_row = crate::tenancy::get(conn, tenant)?;
        let from = settings::get(conn, tenant)?.from_address(&tenant_row, &self.domain);
        let ours = |a: &str| is_ours(a, &self.domain) || a.eq_ignore_ascii_case(&from);
        if ours(&to) {
            return Ok(());
        }
        if what == kind::ACK {
            let since = crate::db::now() - chrono::Duration::hours(1);
            if super::acks_since(conn, tenant, &to, since)? >= ACK_LIMIT {
                tracing::info!(ticket = ticket.number, "acknowledgement not sent: requester over the hourly limit");
                return Ok(());
            }
        }
        // The agent's choice in the composer, else everyone the ticket's mail copied.
        let chosen = match (what, message_row) {
            (kind::REPLY, Some(m)) => crate::tickets::composer::cc_of(conn, tenant, m)?,
            _ => None,
        };
        let cc = match (what, chosen) {
            (kind::REPLY, Some(chosen)) => chosen,
            (kind::REPLY, None) => threads::participants(conn, tenant, ticket_id.as_str())?,
            _ => vec![],
        };
        let cc = cc.into_iter().filter(|a| !ours(a) && !a.eq_ignore_ascii_case(&to)).collect();
        let keys = trim_references(ticket_keys(conn, tenant, ticket_id.as_str())?);
        let locale = self.i18n.negotiate(
            requester.locale.as_deref().or(ticket.language.as_deref()),
            None,
            Some(&tenant_row.default_locale),
        );
        // The reply address must exist before the mail does: answers may come back at once.
        threads::reply_token_for(conn, tenant, ticket_id.as_str())?;
        let new = NewOutbound {
            kind: what,
            ticket_id: Some(ticket_id.to_string()),
            message_row_id: message_row.map(str::to_string),
            to,
            cc,
            message_id: super::new_message_id(&self.domain),
            in_reply_to: keys.last().cloned(),
            references: keys,
            locale,
        };
        let row = super::enqueue(conn, tenant, &new)?;
        let key = KeyRecord {
            key: &row.message_id_header,
            ticket_id: ticket_id.as_str(),
            message_id: message_row,
            inbound_id: None,
            direction: Direction::Out,
            auto_reply: what != kind::REPLY,
        };
        threads::record_key(conn, tenant, &key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_keep_the_root_and_the_newest() {
        let keys: Vec<String> = (0..30).map(|i| format!("m{i}@x")).collect();
        let kept = trim_references(keys);
        assert_eq!(kept.len(), MAX_REFERENCES);
        assert_eq!(kept[0], "m0@x");
        assert_eq!(kept.last().unwrap(), "m29@x");
        assert_eq!(kept[1], "m11@x");
    }
}
