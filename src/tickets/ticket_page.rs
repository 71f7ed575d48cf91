//! The ticket page: its messages with authors and attachments, its audit trail, the lookup by number.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::teams::Team;
use super::{Message, Ticket, TicketEvent};
use crate::accounts::agents::Agent;
use crate::accounts::contacts::Contact;
use crate::db::schema::{attachments, contacts, messages, ticket_events, tickets};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::tenancy::TenantId;

/// An attachment as listed on a message.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = attachments)]
pub struct AttachmentInfo {
    pub id: String,
    pub message_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// A message with its author's display name and attachments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    #[serde(flatten)]
    pub message: Message,
    pub author_name: String,
    pub attachments: Vec<AttachmentInfo>,
    /// For system messages: the Fluent key and arguments to show instead of the English body.
    /// Console only; API clients read `body_text`.
    #[serde(skip)]
    pub system: Option<SystemText>,
}

/// A system message's Fluent key and its arguments.
#[derive(Debug, Clone)]
pub struct SystemText {
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl SystemText {
    /// From the stored columns; `None` (show the English body) when they are absent or unreadable.
    fn from_columns(key: Option<String>, args: Option<String>) -> Option<SystemText> {
        let key = key?;
        let args: serde_json::Map<String, serde_json::Value> = match args {
            Some(a) => serde_json::from_str(&a).ok()?,
            None => serde_json::Map::new(),
        };
        let args = args.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string()))).collect();
        Some(SystemText { key, args })
    }
}

/// A `{"key", "args"}` note as the intake stores a routing reason.
fn note_of(stored: Option<&str>) -> Option<SystemText> {
    let v: serde_json::Value = serde_json::from_str(stored?).ok()?;
    SystemText::from_columns(v["key"].as_str().map(str::to_string), Some(v["args"].to_string()))
}

/// An audit event with its actor's display name.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: TicketEvent,
    pub actor_name: String,
    /// A translatable note stored with the event (a routing decision's reason).
    #[serde(skip)]
    pub note: Option<SystemText>,
}

/// Everything the ticket page shows.
pub struct TicketDetail {
    pub ticket: Ticket,
    pub requester: Contact,
    pub timeline: Vec<TimelineItem>,
    pub events: Vec<EventView>,
    pub other_tickets: Vec<Ticket>,
    pub agents: Vec<Agent>,
    pub teams: Vec<Team>,
}

/// Messages of a ticket in order, with authors and attachments.
pub fn timeline(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket: &Ticket,
    agent_names: &HashMap<String, String>,
) -> AppResult<Vec<TimelineItem>> {
    let rows: Vec<(Message, Option<String>, Option<String>)> = messages::table
        .filter(messages::tenant_id.eq(tenant.as_str()))
        .filter(messages::ticket_id.eq(&ticket.id))
        .order((messages::created_at.asc(), messages::id.asc()))
        .select((Message::as_select(), messages::system_key, messages::system_args))
        .load(conn)?;
    let mut system: HashMap<String, SystemText> = HashMap::new();
    let msgs: Vec<Message> = rows
        .into_iter()
        .map(|(m, key, args)| {
            if let Some(t) = SystemText::from_columns(key, args) {
                system.insert(m.id.to_string(), t);
            }
            m
        })
        .collect();
    let files: Vec<AttachmentInfo> = attachments::table
        .filter(attachments::tenant_id.eq(tenant.as_str()))
        .filter(attachments::ticket_id.eq(&ticket.id))
        .order(attachments::created_at.asc())
        .select(AttachmentInfo::as_select())
        .load(conn)?;
    let mut contact_ids: Vec<String> =
        msgs.iter().filter(|m| m.author_type == "contact").filter_map(|m| m.author_id.clone()).collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    // The email is not needed but must be read: with only (id, name) SQLite scans the tenant's
    // whole `contacts_by_name` index, which covers both, rather than look each id up (two ids of
    // 250,000 contacts: 40 ms against 0.1).
    let contact_names: HashMap<String, String> = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::id.eq_any(&contact_ids))
        .select((contacts::id, contacts::name, contacts::email))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    Ok(msgs
        .into_iter()
        .map(|m| {
            let author_name = match (m.author_type.as_str(), &m.author_id) {
                ("agent", Some(id)) => agent_names.get(id).cloned().unwrap_or_default(),
                ("contact", Some(id)) => contact_names.get(id).cloned().unwrap_or_default(),
                _ => "Meridian".to_string(),
            };
            let attachments = files.iter().filter(|a| m.id == a.message_id).cloned().collect();
            let system = system.remove(m.id.as_str());
            TimelineItem { message: m, author_name, attachments, system }
        })
        .collect())
}

/// The full ticket page data.
pub fn detail(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<TicketDetail> {
    let ticket = super::commands::get(conn, tenant, &id.into())?;
    let requester = crate::accounts::contacts::get(conn, tenant, &ticket.requester_id)?;
    let agents = crate::accounts::agents::list(conn, tenant)?;
    let agent_names: HashMap<String, String> = agents.iter().map(|a| (a.id.to_string(), a.name.clone())).collect();
    let timeline = timeline(conn, tenant, &ticket, &agent_names)?;
    let events: Vec<TicketEvent> = ticket_events::table
        .filter(ticket_events::tenant_id.eq(tenant.as_str()))
        .filter(ticket_events::ticket_id.eq(&ticket.id))
        .order((ticket_events::created_at.desc(), ticket_events::id.desc()))
        .limit(200)
        .select(TicketEvent::as_select())
        .load(conn)?;
    let events = events
        .into_iter()
        .map(|e| {
            let actor_name = match (e.actor_type.as_str(), &e.actor_id) {
                ("agent", Some(id)) => agent_names.get(id).cloned().unwrap_or_default(),
                ("contact", _) => requester.name.clone(),
                ("api", _) => "API".into(),
                _ => "Meridian".into(),
            };
            let note = (e.action == "routed").then(|| note_of(e.after_value.as_deref())).flatten();
            EventView { event: e, actor_name, note }
        })
        .collect();
    let other_tickets = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::requester_id.eq(&ticket.requester_id))
        .filter(tickets::id.ne(&ticket.id))
        .order(tickets::created_at.desc())
        .limit(10)
        .select(Ticket::as_select())
        .load(conn)?;
    let teams = super::teams::list(conn, tenant)?;
    Ok(TicketDetail { ticket, requester, timeline, events, other_tickets, agents, teams })
}

/// A ticket by its per-tenant number.
pub fn by_number(conn: &mut DbConnection, tenant: &TenantId, number: i64) -> AppResult<Ticket> {
    Ok(tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::number.eq(number))
        .select(Ticket::as_select())
        .first(conn)?)
}
