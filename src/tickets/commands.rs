//! Ticket commands. Each writes the change, its audit events and its side-effect jobs in the
//! caller's transaction (call them inside `Db::write`).

use diesel::prelude::*;

pub use super::create::{create_tickets, Creation, NewTicket, Requester};
use super::{
    normalize_tags, sanitize_html, Actor, Channel, Message, MessageKind, Priority, Status, Ticket, TicketEvent,
};
use crate::db::chain::StatementChain;
use crate::db::schema::{domain_events, messages, ticket_events, ticket_tags, tickets};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::{DomainEvent, FieldChange};
use crate::tenancy::TenantId;
use crate::types::{AgentId, MessageId, TeamId, TicketId};

/// Longest message body accepted, in characters (code points, as JSON Schema's maxLength counts).
pub const MAX_BODY_CHARS: usize = 256 * 1024;

/// Field changes to a ticket; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub assignee_id: Option<Option<AgentId>>,
    pub team_id: Option<Option<TeamId>>,
    pub language: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
}

impl TicketChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.status.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.team_id.is_none()
            && self.language.is_none()
            && self.tags.is_none()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
    }
}

pub(crate) fn validate_subject(s: &str) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 250 || s.chars().any(|c| c.is_control()) {
        return Err(AppError::invalid("subject", "error-subject-invalid", "a subject of 1-250 characters is required"));
    }
    Ok(s.to_string())
}

pub(crate) fn validate_body(field: &str, text: &str) -> AppResult<()> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(field, "error-body-empty", "the message is empty"));
    }
    if text.len() > MAX_BODY_CHARS && text.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::invalid(field, "error-body-too-long", format!("at most {MAX_BODY_CHARS} characters")));
    }
    Ok(())
}

pub(crate) fn validate_language(tag: &str) -> AppResult<String> {
    tag.parse::<unic_langid::LanguageIdentifier>()
        .map(|l| l.to_string())
        .map_err(|_| AppError::invalid("language", "error-language-invalid", format!("{tag:?} is not a language tag")))
}

pub(super) fn check_assignee(conn: &mut DbConnection, tenant: &TenantId, id: &AgentId) -> AppResult<()> {
    match crate::accounts::agents::get(conn, tenant, id) {
        Ok(a) if a.active => Ok(()),
        Ok(_) | Err(AppError::NotFound) => {
            Err(AppError::invalid("assignee_id", "error-assignee-invalid", "no active agent with this id"))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn check_team(conn: &mut DbConnection, tenant: &TenantId, id: &TeamId) -> AppResult<()> {
    match super::teams::get(conn, tenant, id) {
        Ok(_) => Ok(()),
        Err(AppError::NotFound) => Err(AppError::invalid("team_id", "error-team-invalid", "no team with this id")),
        Err(e) => Err(e),
    }
}

/// An audit event row, not yet stored.
pub(super) fn new_event(
    tenant: &TenantId,
    ticket_id: &str,
    actor: &Actor,
    action: &str,
    field: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> TicketEvent {
    let (actor_type, actor_id) = actor.parts();
    TicketEvent {
        tenant_id: tenant.as_str().into(),
        id: new_id(),
        ticket_id: ticket_id.into(),
        actor_type: actor_type.into(),
        actor_id: actor_id.map(str::to_string),
        action: action.into(),
        field: field.map(str::to_string),
        before_value: before.map(str::to_string),
        after_value: after.map(str::to_string),
        created_at: now(),
    }
}

/// Record one audit event.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_event(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    actor: &Actor,
    action: &str,
    field: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> AppResult<()> {
    let event = new_event(tenant, ticket_id, actor, action, field, before, after);
    diesel::insert_into(ticket_events::table).values(&event).execute(conn)?;
    Ok(())
}

/// Record domain events about `ticket` in this transaction (consumers see them once it commits).
pub(super) fn record_domain(conn: &mut DbConnection, tenant: &TenantId, events: &[DomainEvent]) -> AppResult<()> {
    crate::events::outbox::record(conn, tenant, events)
}

/// A tag of a ticket, as stored.
#[derive(Insertable)]
#[diesel(table_name = ticket_tags)]
pub(super) struct TagRow<'a> {
    pub tenant_id: &'a str,
    pub ticket_id: &'a str,
    pub tag: &'a str,
}

fn write_tags(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, tags: &[String]) -> AppResult<()> {
    diesel::delete(
        ticket_tags::table
            .filter(ticket_tags::tenant_id.eq(tenant.as_str()))
            .filter(ticket_tags::ticket_id.eq(ticket_id)),
    )
    .execute(conn)?;
    if tags.is_empty() {
        return Ok(());
    }
    let rows: Vec<TagRow> =
        tags.iter().map(|tag| TagRow { tenant_id: tenant.as_str(), ticket_id, tag: tag.as_str() }).collect();
    crate::db::on_backend!(conn, |c| diesel::insert_into(ticket_tags::table).values(&rows).execute(c))?;
    Ok(())
}

/// A message row, not yet stored; HTML is sanitised here, before anything can store it.
#[allow(clippy::too_many_arguments)]
pub(super) fn new_message(
    tenant: &TenantId,
    ticket_id: &str,
    kind: MessageKind,
    author: &Actor,
    channel: Channel,
    body_text: &str,
    body_html: Option<&str>,
) -> Message {
    let (author_type, author_id) = match author {
        Actor::Agent(id) => ("agent", Some(id.as_str().to_string())),
        Actor::Contact(id) => ("contact", Some(id.as_str().to_string())),
        Actor::Api(_) | Actor::System => ("system", None),
    };
    Message {
        tenant_id: tenant.as_str().into(),
        id: MessageId::generate(),
        ticket_id: ticket_id.into(),
        kind,
        author_type: author_type.into(),
        author_id,
        channel,
        body_text: body_text.to_string(),
        body_html: body_html.map(sanitize_html),
        created_at: now(),
        body_text_full: None,
    }
}

/// Add a message written by Meridian itself (`kind` system), stored with its Fluent key and
/// arguments so the console shows it in the viewer's language; `text` is what other readers
/// (the API, the chat widget) get. Neither reopens nor counts as an answer.
pub fn add_system_message(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket: &Ticket,
    channel: Channel,
    key: &str,
    args: &serde_json::Value,
    text: &str,
) -> AppResult<Message> {
    let m = new_message(tenant, ticket.id.as_str(), MessageKind::System, &Actor::System, channel, text, None);
    diesel::insert_into(messages::table)
        .values((&m, messages::system_key.eq(key), messages::system_args.eq(args.to_string())))
        .execute(conn)?;
    record_domain(
        conn,
        tenant,
        &[DomainEvent::MessageCreated {
            ticket_id: ticket.id.clone(),
            number: ticket.number,
            message_id: m.id.clone(),
            kind: MessageKind::System,
            channel,
            actor: Actor::System,
        }],
    )?;
    Ok(m)
}

/// Keep the whole text a message's visible `body_text` was cut from (mail: the text part with
/// its quoted history), in the transaction that stored the message.
pub fn set_full_text(conn: &mut DbConnection, tenant: &TenantId, message: &MessageId, full: &str) -> AppResult<()> {
    diesel::update(messages::table.find((tenant.as_str(), message.as_str())))
        .set(messages::body_text_full.eq(full))
        .execute(conn)?;
    Ok(())
}

/// Load a ticket of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &TicketId) -> AppResult<Ticket> {
    Ok(tickets::table.find((tenant.as_str(), id.as_str())).select(Ticket::as_select()).first(conn)?)
}

/// A reply or note to add.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: MessageKind,
    pub channel: Channel,
    pub body_text: String,
    pub body_html: Option<String>,
    /// Files already written to the attachment store.
    pub attachments: Vec<super::attachments::StoredBlob>,
}

/// Add a reply or internal note. A requester writing to a closed ticket opens a linked follow-up.
pub fn add_message(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ticket_id: &TicketId,
    msg: &NewMessage,
) -> AppResult<(Ticket, Message)> {
    let mut chain = StatementChain::for_connection(conn);
    let added = add_message_chained(conn, tenant, actor, ticket_id, msg, &mut chain)?;
    chain.execute(conn)?;
    Ok(added)
}

/// The status a message leaves its ticket in: a requester's reopens a pending or solved ticket,
/// an agent's reply starts work on a new one.
fn status_after(actor: &Actor, kind: MessageKind, before: Status) -> Status {
    match (actor, kind, before) {
        (Actor::Contact(_), _, Status::Pending | Status::Solved) => Status::Open,
        (Actor::Agent(_), MessageKind::Reply, Status::New) => Status::Open,
        _ => before,
    }
}

/// Count a message on a ticket it changes nothing else of (the usual follow-up: not merged,
/// not closed, its status kept, not an agent's first reply), reading the ticket in the same
/// statement. `None` when that is not the case (or there is no such ticket): nothing was
/// written, and [`add_message_chained`]'s general path reads the ticket and decides.
fn count_on_steady_ticket(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    kind: MessageKind,
    ticket_id: &TicketId,
    ts: chrono::NaiveDateTime,
) -> AppResult<Option<Ticket>> {
    use diesel::dsl::not;
    use diesel::sql_types::Bool;
    let steady: Vec<Status> =
        Status::ALL.iter().copied().filter(|s| *s != Status::Closed && status_after(actor, kind, *s) == *s).collect();
    let first_reply_possible = matches!(actor, Actor::Agent(_)) && kind == MessageKind::Reply;
    Ok(diesel::update(tickets::table.find((tenant.as_str(), ticket_id.as_str())))
        .filter(tickets::merged_into_id.is_null())
        .filter(tickets::status.eq_any(steady))
        .filter(tickets::first_agent_reply_at.is_not_null().or(not(first_reply_possible.into_sql::<Bool>())))
        .set((
            tickets::message_count.eq(tickets::message_count + 1),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_at.eq(ts),
        ))
        .returning(super::TICKET_COLUMNS)
        .get_result::<Ticket>(conn)
        .optional()?)
}

/// [`add_message`], with the rows it inserts (the message, its audit events, its domain
/// events) left in `chain`, for the caller to run together with rows of its own: one round trip
/// on PostgreSQL. Until the chain runs, the message is not stored; its files, if any, are (so it
/// is inserted at once then).
pub fn add_message_chained(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ticket_id: &TicketId,
    msg: &NewMessage,
    chain: &mut StatementChain<'_>,
) -> AppResult<(Ticket, Message)> {
    let (kind, channel, body_text, body_html) =
        (msg.kind, msg.channel, msg.body_text.as_str(), msg.body_html.as_deref());
    validate_body("body", body_text)?;
    let notes_allowed = matches!(actor, Actor::Agent(_) | Actor::Api(_));
    let ts = now();
    if kind != MessageKind::Note || notes_allowed {
        if let Some(ticket) = count_on_steady_ticket(conn, tenant, actor, kind, ticket_id, ts)? {
            let message = new_message(tenant, &ticket.id, kind, actor, channel, body_text, body_html);
            let status = ticket.status;
            queue_message_rows(conn, chain, tenant, &ticket, &message, actor, status, &msg.attachments)?;
            return Ok((ticket, message));
        }
    }
    let mut ticket = get(conn, tenant, ticket_id)?;
    if let Some(target) = ticket.merged_into_id.clone() {
        // A merged ticket lives on in its target.
        return add_message_chained(conn, tenant, actor, &target, msg, chain);
    }
    if kind == MessageKind::Note && !notes_allowed {
        return Err(AppError::invalid("kind", "error-kind-invalid", "only agents write internal notes"));
    }
    if ticket.status == Status::Closed {
        if let Actor::Contact(_) = actor {
            let new = NewTicket {
                subject: ticket.subject.clone(),
                body_text: body_text.to_string(),
                body_html: body_html.map(str::to_string),
                requester: Requester::Contact(ticket.requester_id.clone()),
                priority: ticket.priority,
                tags: ticket.tag_list(),
                language: ticket.language.clone(),
                channel,
                assignee_id: None,
                team_id: ticket.team_id.clone(),
            };
            let creation = Creation { actor: actor.clone(), new, previous: Some(ticket.id.clone()), history: None };
            let (follow_up, m) = super::create::create_one(conn, tenant, creation)?;
            super::attachments::attach(conn, tenant, &follow_up.id, &m.id, &msg.attachments)?;
            record_event(
                conn,
                tenant,
                &ticket.id,
                &Actor::System,
                "follow_up",
                None,
                None,
                Some(&format!("#{}", follow_up.number)),
            )?;
            return Ok((follow_up, m));
        }
        return Err(AppError::Conflict(
            "closed tickets cannot change; the requester's next message opens a follow-up".into(),
        ));
    }
    let message = new_message(tenant, &ticket.id, kind, actor, channel, body_text, body_html);
    let before = ticket.status;
    let after = status_after(actor, kind, before);
    if matches!(actor, Actor::Agent(_)) && kind == MessageKind::Reply && ticket.first_agent_reply_at.is_none() {
        ticket.first_agent_reply_at = Some(ts);
    }
    ticket.set_status(after);
    ticket.message_count += 1;
    ticket.version += 1;
    ticket.updated_at = ts;
    diesel::update(tickets::table.find((tenant.as_str(), &ticket.id)))
        .set((
            tickets::status.eq(ticket.status),
            tickets::is_open.eq(ticket.is_open),
            tickets::message_count.eq(ticket.message_count),
            tickets::version.eq(ticket.version),
            tickets::updated_at.eq(ts),
            tickets::first_agent_reply_at.eq(ticket.first_agent_reply_at),
        ))
        .execute(conn)?;
    queue_message_rows(conn, chain, tenant, &ticket, &message, actor, before, &msg.attachments)?;
    Ok((ticket, message))
}

/// The rows of a message added to `ticket` (already counted, in its status after the message;
/// `before` is the status it had): the message, its audit events and its domain events.
#[allow(clippy::too_many_arguments)]
fn queue_message_rows(
    conn: &mut DbConnection,
    chain: &mut StatementChain<'_>,
    tenant: &TenantId,
    ticket: &Ticket,
    message: &Message,
    actor: &Actor,
    before: Status,
    files: &[super::attachments::StoredBlob],
) -> AppResult<()> {
    let (kind, after) = (message.kind, ticket.status);
    if files.is_empty() {
        chain.push(diesel::insert_into(messages::table).values(message.clone()));
    } else {
        // The files' rows refer to the message: it goes first.
        diesel::insert_into(messages::table).values(message).execute(conn)?;
        super::attachments::attach(conn, tenant, &ticket.id, &message.id, files)?;
    }
    let mut audit =
        vec![new_event(tenant, &ticket.id, actor, "message_added", Some("kind"), None, Some(kind.as_str()))];
    let mut events = vec![DomainEvent::MessageCreated {
        ticket_id: ticket.id.as_str().into(),
        number: ticket.number,
        message_id: message.id.as_str().into(),
        kind,
        channel: message.channel,
        actor: actor.clone(),
    }];
    if after != before {
        audit.push(new_event(
            tenant,
            &ticket.id,
            actor,
            "changed",
            Some("status"),
            Some(before.as_str()),
            Some(after.as_str()),
        ));
        events.push(DomainEvent::TicketStatusChanged {
            ticket_id: ticket.id.as_str().into(),
            number: ticket.number,
            before,
            after,
            actor: actor.clone(),
        });
    }
    chain.push(diesel::insert_into(ticket_events::table).values(audit));
    chain.push(diesel::insert_into(domain_events::table).values(crate::events::outbox::event_rows(tenant, &events)?));
    Ok(())
}

/// Apply field changes. With `expected_version`, a ticket changed since it was read is refused (412).
pub fn update_ticket(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ticket_id: &TicketId,
    changes: &TicketChanges,
    expected_version: Option<i32>,
) -> AppResult<Ticket> {
    let mut t = get(conn, tenant, ticket_id)?;
    if let Some(v) = expected_version {
        if v != t.version {
            return Err(AppError::PreconditionFailed);
        }
    }
    if t.status == Status::Closed {
        return Err(AppError::Conflict("closed tickets cannot change".into()));
    }
    let status_before = t.status;
    let mut diffs: Vec<(&'static str, Option<String>, Option<String>)> = vec![];
    if let Some(s) = &changes.subject {
        let s = validate_subject(s)?;
        if s != t.subject {
            diffs.push(("subject", Some(t.subject.clone()), Some(s.clone())));
            t.subject = s;
        }
    }
    if let Some(p) = changes.priority {
        if p != t.priority {
            diffs.push(("priority", Some(t.priority.as_str().into()), Some(p.as_str().into())));
            t.set_priority(p);
        }
    }
    if let Some(a) = &changes.assignee_id {
        if let Some(id) = a {
            check_assignee(conn, tenant, id)?;
        }
        if *a != t.assignee_id {
            diffs.push(("assignee_id", t.assignee_id.as_deref().map(str::to_string), a.as_deref().map(str::to_string)));
            t.assignee_id = a.clone();
        }
    }
    if let Some(team) = &changes.team_id {
        if let Some(id) = team {
            check_team(conn, tenant, id)?;
        }
        if *team != t.team_id {
            diffs.push(("team_id", t.team_id.as_deref().map(str::to_string), team.as_deref().map(str::to_string)));
            t.team_id = team.clone();
        }
    }
    if let Some(l) = &changes.language {
        let l = l.as_deref().map(validate_language).transpose()?;
        if l != t.language {
            diffs.push(("language", t.language.clone(), l.clone()));
            t.language = l;
        }
    }
    let mut tags = match &changes.tags {
        Some(all) => normalize_tags(all)?,
        None => t.tag_list(),
    };
    tags.extend(normalize_tags(&changes.add_tags)?);
    let remove = normalize_tags(&changes.remove_tags)?;
    tags.retain(|x| !remove.contains(x));
    let tags = normalize_tags(&tags)?;
    let tags_changed = tags.join(" ") != t.tags;
    if tags_changed {
        diffs.push(("tags", Some(t.tags.clone()), Some(tags.join(" "))));
        t.tags = tags.join(" ");
    }
    let ts = now();
    if let Some(s) = changes.status {
        let before = t.status;
        if s == Status::Closed && before != Status::Solved {
            return Err(AppError::invalid("status", "error-close-unsolved", "only solved tickets can be closed"));
        }
        // Assigning a new ticket starts work on it.
        if s != before {
            diffs.push(("status", Some(before.as_str().into()), Some(s.as_str().into())));
            t.set_status(s);
            if s == Status::Solved {
                t.solved_at = Some(ts);
            }
        }
    } else if t.status == Status::New && t.assignee_id.is_some() && diffs.iter().any(|d| d.0 == "assignee_id") {
        // Assigning a new ticket starts work on it.
        diffs.push(("status", Some("new".into()), Some("open".into())));
        t.set_status(Status::Open);
    }
    if diffs.is_empty() {
        return Ok(t);
    }
    t.updated_at = ts;
    let previous_version = t.version;
    t.version += 1;
    // The version guard makes check-then-write atomic: of two writers holding the same ETag,
    // only one matches.
    let n = diesel::update(tickets::table.find((tenant.as_str(), &t.id)))
        .filter(tickets::version.eq(previous_version))
        .set((
            tickets::subject.eq(&t.subject),
            tickets::status.eq(t.status),
            tickets::is_open.eq(t.is_open),
            tickets::priority.eq(t.priority),
            tickets::priority_rank.eq(t.priority_rank),
            tickets::assignee_id.eq(&t.assignee_id),
            tickets::team_id.eq(&t.team_id),
            tickets::language.eq(&t.language),
            tickets::tags.eq(&t.tags),
            tickets::version.eq(t.version),
            tickets::updated_at.eq(ts),
            tickets::solved_at.eq(t.solved_at),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::PreconditionFailed);
    }
    if tags_changed {
        write_tags(conn, tenant, &t.id, &t.tag_list())?;
    }
    for (field, before, after) in &diffs {
        record_event(conn, tenant, &t.id, actor, "changed", Some(field), before.as_deref(), after.as_deref())?;
    }
    record_domain(conn, tenant, &change_events(&t, status_before, actor, &diffs))?;
    Ok(t)
}

/// The domain events of one update: `ticket.updated` with every changed field, plus
/// `ticket.assigned` and `ticket.status_changed` when those changed.
fn change_events(
    t: &Ticket,
    status_before: Status,
    actor: &Actor,
    diffs: &[(&'static str, Option<String>, Option<String>)],
) -> Vec<DomainEvent> {
    let ticket_id: crate::types::TicketId = t.id.as_str().into();
    let changes = diffs
        .iter()
        .map(|(field, before, after)| FieldChange {
            field: field.to_string(),
            before: before.clone(),
            after: after.clone(),
        })
        .collect();
    let mut events = vec![DomainEvent::TicketUpdated {
        ticket_id: ticket_id.clone(),
        number: t.number,
        changes,
        actor: actor.clone(),
    }];
    if let Some((_, before, after)) = diffs.iter().find(|d| d.0 == "assignee_id") {
        events.push(DomainEvent::TicketAssigned {
            ticket_id: ticket_id.clone(),
            number: t.number,
            before: before.clone(),
            after: after.clone(),
            actor: actor.clone(),
        });
    }
    if t.status != status_before {
        events.push(DomainEvent::TicketStatusChanged {
            ticket_id,
            number: t.number,
            before: status_before,
            after: t.status,
            actor: actor.clone(),
        });
    }
    events
}

/// Apply the same changes to many tickets, all or nothing.
pub fn bulk_update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ids: &[TicketId],
    changes: &TicketChanges,
) -> AppResult<Vec<Ticket>> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(AppError::invalid("ids", "error-bulk-size", "select 1 to 500 tickets"));
    }
    ids.iter().map(|id| update_ticket(conn, tenant, actor, id, changes, None)).collect()
}
