//! Conversations: a visitor's messages land on their ticket exactly once per client id, and the
//! widget is shown the ticket's public messages (replies and system messages, never notes) in
//! the order the ticket page shows them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::appearance::{self, Prechat};
use super::files::{self, ChatFile};
use super::offline;
use super::offline::{Offline, NOTICE_KEY, NOTICE_UNKNOWN_KEY};
use super::visitors::{self, Visitor};
use crate::accounts::contacts;
use crate::db::chain::StatementChain;
use crate::db::schema::{chat_client_messages, contacts as contacts_t, messages};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::i18n::{I18n, Tr};
use crate::tenancy::TenantId;
use crate::tickets::attachments::{self, StoredBlob};
use crate::tickets::commands::{self, NewMessage};
use crate::tickets::create::{Creation, NewTicket, Requester};
use crate::tickets::intake::Intake;
use crate::tickets::{Message, Ticket};
use crate::types::{Actor, Channel, MessageKind, Priority};

/// Longest client id a widget may send.
pub const MAX_CLIENT_ID: usize = 64;
/// Most messages one replay sends.
pub const REPLAY_LIMIT: i64 = 500;

/// What became of a visitor's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub ticket_id: String,
    pub message_id: String,
    /// The client id was seen before: nothing was stored now.
    pub replayed: bool,
}

/// How a new conversation is announced when nobody can answer now.
pub struct OfflineNotice<'a> {
    pub offline: Offline,
    pub i18n: std::sync::Arc<I18n>,
    /// The tenant's time zone, in which the notice names the time.
    pub zone: &'a str,
}

/// What the widget's door knows of the workspace when a visitor posts.
pub struct PostContext {
    /// The pre-chat form, checked before anything is stored.
    pub prechat: Prechat,
    pub i18n: std::sync::Arc<I18n>,
    /// The tenant's time zone (the offline notice names the time in it).
    pub zone: String,
}

/// Store a visitor's message once, with the files already in the attachment store: a client id
/// seen before gives back the message it became (its files, stored again, are left to the
/// orphan sweep). The first message opens the conversation's ticket through the intake (routing
/// applies, and when nobody can answer the notice says when someone will be back); later ones
/// are added to it. Runs in the caller's transaction; a concurrent post of the same client id
/// makes it fail on the primary key (a conflict), and a retry finds the first.
///
/// A follow-up costs few statements (it is the hot path of a busy widget): the visitor's row
/// locked and read in one, the ticket counted and read in one, and the message, its audit and
/// domain events and the client id in one more on PostgreSQL (`db::chain`).
#[allow(clippy::too_many_arguments)]
pub fn post(
    conn: &mut DbConnection,
    intake: &Intake,
    tenant: &TenantId,
    visitor_id: &str,
    client_id: &str,
    body: &str,
    files: Vec<StoredBlob>,
    ctx: &PostContext,
) -> AppResult<Posted> {
    check_client_id(client_id)?;
    // Read under the lock (PostgreSQL), not from the socket's copy: another tab may have opened
    // the conversation, and two tabs' first messages cannot open two tickets.
    let mut v = visitors::lock(conn, tenant, visitor_id)?;
    appearance::check_prechat(ctx.prechat, &v)?;
    let seen: Option<(String, String)> = chat_client_messages::table
        .find((tenant.as_str(), visitor_id, client_id))
        .select((chat_client_messages::ticket_id, chat_client_messages::message_id))
        .first(conn)
        .optional()?;
    if let Some((ticket_id, message_id)) = seen {
        return Ok(Posted { ticket_id, message_id, replayed: true });
    }
    if !files.is_empty() {
        // Checked under the lock: two tabs' uploads cannot both pass the last place.
        files::check_count(conn, tenant, v.ticket_id.as_deref())?;
    }
    let mut chain = StatementChain::for_connection(conn);
    let (ticket, message) =
        match (&v.ticket_id, &v.contact_id) {
            (Some(t), Some(c)) => {
                let msg = NewMessage {
                    kind: MessageKind::Reply,
                    channel: Channel::Chat,
                    body_text: body.to_string(),
                    body_html: None,
                    attachments: files,
                };
                let actor = Actor::Contact(c.as_str().into());
                commands::add_message_chained(conn, tenant, &actor, &t.as_str().into(), &msg, &mut chain)?
            }
            _ => {
                // Only a conversation about to open needs to know whether anyone is on.
                let notice = offline::check(conn, tenant, v.locale.as_deref(), Utc::now())?
                    .map(|offline| OfflineNotice { offline, i18n: ctx.i18n.clone(), zone: &ctx.zone });
                let (ticket, message) = open(conn, intake, tenant, &v, body, notice)?;
                attachments::attach(conn, tenant, &ticket.id, &message.id, &files)?;
                (ticket, message)
            }
        };
    if v.ticket_id.as_deref() != Some(ticket.id.as_str()) {
        // A new conversation, or a follow-up of a closed one, or the target of a merge.
        visitors::set_conversation(conn, &mut v, Some(ticket.id.as_str()), Some(ticket.requester_id.as_str()))?;
    }
    chain.push(diesel::insert_into(chat_client_messages::table).values((
        chat_client_messages::tenant_id.eq(tenant.to_string()),
        chat_client_messages::visitor_id.eq(visitor_id.to_string()),
        chat_client_messages::client_id.eq(client_id.to_string()),
        chat_client_messages::ticket_id.eq(ticket.id.to_string()),
        chat_client_messages::message_id.eq(message.id.to_string()),
        chat_client_messages::created_at.eq(now()),
    )));
    chain.execute(conn)?;
    Ok(Posted { ticket_id: ticket.id.to_string(), message_id: message.id.to_string(), replayed: false })
}

/// A client id is 1-64 characters without control characters.
pub fn check_client_id(client_id: &str) -> AppResult<()> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID || client_id.chars().any(char::is_control) {
        return Err(AppError::invalid("client_id", "error-chat-client-id", "a client id of 1-64 characters"));
    }
    Ok(())
}

/// A chat ticket's subject: the first line of its first message, shortened.
fn subject_of(body: &str) -> String {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let clean: String = line.chars().filter(|c| !c.is_control()).take(80).collect();
    if clean.trim().is_empty() {
        "Chat".to_string()
    } else {
        clean
    }
}

/// Open the visitor's conversation: find or make their contact, open the ticket through the
/// intake (routing and language detection apply), and note when someone will be back.
fn open(
    conn: &mut DbConnection,
    intake: &Intake,
    tenant: &TenantId,
    v: &Visitor,
    body: &str,
    offline: Option<OfflineNotice<'_>>,
) -> AppResult<(Ticket, Message)> {
    let contact_id = match (&v.contact_id, &v.email) {
        (Some(c), _) => c.clone(),
        (None, Some(email)) => contacts::find_or_create(conn, tenant, email, v.name.as_deref())?.id.to_string(),
        (None, None) => {
            let name = v.name.as_deref().unwrap_or("Visitor");
            contacts::create(conn, tenant, None, name, v.locale.as_deref())?.id.to_string()
        }
    };
    let new = NewTicket {
        subject: subject_of(body),
        body_text: body.to_string(),
        body_html: None,
        requester: Requester::Contact(contact_id.as_str().into()),
        priority: Priority::Normal,
        tags: vec![],
        language: v.locale.clone(),
        channel: Channel::Chat,
        assignee_id: None,
        team_id: None,
    };
    let creation = Creation::new(Actor::Contact(contact_id.as_str().into()), new);
    let (ticket, message) = intake
        .open_in(conn, tenant, vec![creation])?
        .pop()
        .unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("no creation result"))))?;
    if let Some(n) = offline {
        notice(conn, tenant, &ticket, &n, v.locale.as_deref())?;
    }
    Ok((ticket, message))
}

/// The system message that tells the visitor when someone will be back (in their language,
/// the time in the tenant's zone; the console shows it in the agent's).
fn notice(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket: &Ticket,
    n: &OfflineNotice<'_>,
    locale: Option<&str>,
) -> AppResult<Message> {
    let locale = n.i18n.negotiate(locale, None, None);
    let tr = Tr::new(n.i18n.clone(), locale);
    let (key, args) = match n.offline.back_at {
        Some(at) => {
            let local = tr.datetime(&at.naive_utc(), n.zone);
            (NOTICE_KEY, vec![("at".to_string(), local)])
        }
        None => (NOTICE_UNKNOWN_KEY, vec![]),
    };
    let text = tr.system(key, &args, key);
    let json: serde_json::Map<String, serde_json::Value> =
        args.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect();
    commands::add_system_message(conn, tenant, ticket, Channel::Chat, key, &serde_json::Value::Object(json), &text)
}

/// A message as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub id: String,
    /// `agent`, `visitor` or `system`.
    pub author: &'static str,
    pub name: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
    /// The message's files, oldest first.
    pub files: Vec<ChatFile>,
}

/// The position of a message in its ticket's order, if it is one of the ticket's.
fn position(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    message_id: &str,
) -> AppResult<Option<(NaiveDateTime, String)>> {
    Ok(messages::table
        .find((tenant.as_str(), message_id))
        .filter(messages::ticket_id.eq(ticket_id))
        .select((messages::created_at, messages::id))
        .first(conn)
        .optional()?)
}

/// The conversation's public messages after `after` (from the start when it is `None` or not a
/// message of this ticket), oldest first, at most [`REPLAY_LIMIT`]: the latest ones when
/// replaying from the start, so a long history shows its end.
pub fn after(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    after: Option<&str>,
) -> AppResult<Vec<ChatMessage>> {
    let from = match after {
        Some(id) => position(conn, tenant, ticket_id, id)?,
        None => None,
    };
    let mut q = messages::table
        .filter(messages::tenant_id.eq(tenant.as_str()))
        .filter(messages::ticket_id.eq(ticket_id))
        .filter(messages::kind.ne(MessageKind::Note))
        .select(Message::as_select())
        .into_boxed();
    let rows: Vec<Message> = match &from {
        Some((at, id)) => q
            .filter(messages::created_at.gt(*at).or(messages::created_at.eq(*at).and(messages::id.gt(id.clone()))))
            .order((messages::created_at.asc(), messages::id.asc()))
            .limit(REPLAY_LIMIT)
            .load(conn)?,
        None => {
            q = q.order((messages::created_at.desc(), messages::id.desc())).limit(REPLAY_LIMIT);
            let mut rows = q.load(conn)?;
            rows.reverse();
            rows
        }
    };
    shown(conn, tenant, rows)
}

/// One message, when it is a public message of this ticket (a live event names it).
pub fn one(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, id: &str) -> AppResult<Option<ChatMessage>> {
    let row: Option<Message> = messages::table
        .find((tenant.as_str(), id))
        .filter(messages::ticket_id.eq(ticket_id))
        .filter(messages::kind.ne(MessageKind::Note))
        .select(Message::as_select())
        .first(conn)
        .optional()?;
    Ok(shown(conn, tenant, row.into_iter().collect())?.pop())
}

/// Messages with their authors' display names, as the widget shows them.
fn shown(conn: &mut DbConnection, tenant: &TenantId, rows: Vec<Message>) -> AppResult<Vec<ChatMessage>> {
    let ids = |t: &str| -> Vec<String> {
        let mut v: Vec<String> =
            rows.iter().filter(|m| m.author_type == t).filter_map(|m| m.author_id.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let agents = crate::accounts::agents::names(conn, tenant, &ids("agent"))?;
    let message_ids: Vec<String> = rows.iter().map(|m| m.id.to_string()).collect();
    let mut files = files::of_messages(conn, tenant, &message_ids)?;
    let people: HashMap<String, String> = contacts_t::table
        .filter(contacts_t::tenant_id.eq(tenant.as_str()))
        .filter(contacts_t::id.eq_any(ids("contact")))
        .select((contacts_t::id, contacts_t::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|m| {
            let name = |map: &HashMap<String, String>| m.author_id.as_ref().and_then(|a| map.get(a).cloned());
            let (author, name) = match (m.kind, m.author_type.as_str()) {
                (MessageKind::System, _) => ("system", String::new()),
                (_, "agent") => ("agent", name(&agents).unwrap_or_default()),
                (_, "contact") => ("visitor", name(&people).unwrap_or_default()),
                _ => ("system", String::new()),
            };
            let files = files.remove(m.id.as_str()).unwrap_or_default();
            ChatMessage {
                id: m.id.to_string(),
                author,
                name,
                body: m.body_text,
                sent_at: m.created_at.and_utc(),
                files,
            }
        })
        .collect())
}

/// The conversation the visitor should see: their current ticket, followed through merges.
pub fn current(conn: &mut DbConnection, tenant: &TenantId, v: &mut Visitor) -> AppResult<Option<String>> {
    let Some(ticket) = v.ticket_id.clone() else { return Ok(None) };
    let Some(id) = super::files::followed(conn, tenant, &ticket)? else { return Ok(None) };
    if v.ticket_id.as_deref() != Some(id.as_str()) {
        visitors::set_conversation(conn, v, Some(&id), None)?;
    }
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_come_from_the_first_line() {
        assert_eq!(subject_of("\n  Hello there \nsecond"), "Hello there");
        assert_eq!(subject_of("   "), "Chat");
        assert_eq!(subject_of(&"x".repeat(200)).chars().count(), 80);
    }
}
