//! Ticket commands. Each writes the change, its audit events and its side-effect jobs in the
//! caller's transaction (call them inside `Db::write`).

use diesel::prelude::*;

use super::{normalize_tags, sanitize_html, Actor, Channel, Message, MessageKind, Priority, Status, Ticket};
use crate::accounts::contacts;
use crate::db::schema::{messages, ticket_counters, ticket_events, ticket_tags, tickets};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// Longest message body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Who asked for help: an existing contact or an email to find or create one by.
#[derive(Debug, Clone)]
pub enum Requester {
    Contact(String),
    Email { email: String, name: Option<String> },
}

/// Everything needed to open a ticket.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub requester: Requester,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub language: Option<String>,
    pub channel: Channel,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
}

/// Field changes to a ticket; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub assignee_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
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

fn validate_subject(s: &str) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 250 || s.chars().any(|c| c.is_control()) {
        return Err(AppError::invalid("subject", "error-subject-invalid", "a subject of 1-250 characters is required"));
    }
    Ok(s.to_string())
}

fn validate_body(field: &str, text: &str) -> AppResult<()> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(field, "error-body-empty", "the message is empty"));
    }
    if text.len() > MAX_BODY_BYTES {
        return Err(AppError::invalid(field, "error-body-too-long", format!("at most {MAX_BODY_BYTES} bytes")));
    }
    Ok(())
}

fn validate_language(tag: &str) -> AppResult<String> {
    tag.parse::<unic_langid::LanguageIdentifier>()
        .map(|l| l.to_string())
        .map_err(|_| AppError::invalid("language", "error-language-invalid", format!("{tag:?} is not a language tag")))
}

fn check_assignee(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    match crate::accounts::agents::get(conn, tenant, id) {
        Ok(a) if a.active => Ok(()),
        Ok(_) | Err(AppError::NotFound) => {
            Err(AppError::invalid("assignee_id", "error-assignee-invalid", "no active agent with this id"))
        }
        Err(e) => Err(e),
    }
}

fn check_team(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    match super::teams::get(conn, tenant, id) {
        Ok(_) => Ok(()),
        Err(AppError::NotFound) => Err(AppError::invalid("team_id", "error-team-invalid", "no team with this id")),
        Err(e) => Err(e),
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
    let (actor_type, actor_id) = actor.parts();
    diesel::insert_into(ticket_events::table)
        .values((
            ticket_events::tenant_id.eq(tenant.as_str()),
            ticket_events::id.eq(new_id()),
            ticket_events::ticket_id.eq(ticket_id),
            ticket_events::actor_type.eq(actor_type),
            ticket_events::actor_id.eq(actor_id),
            ticket_events::action.eq(action),
            ticket_events::field.eq(field),
            ticket_events::before_value.eq(before),
            ticket_events::after_value.eq(after),
            ticket_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tell everyone watching this tenant's inbox or this ticket, once the transaction commits.
pub(super) fn enqueue_live(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket: &Ticket,
    action: &str,
    actor: &Actor,
) -> AppResult<()> {
    let event = crate::events::LiveEvent {
        tenant_id: tenant.as_str().to_string(),
        kind: "ticket".into(),
        ticket_id: ticket.id.clone(),
        number: ticket.number,
        action: action.to_string(),
        actor_id: actor.parts().1.map(str::to_string),
        viewers: vec![],
    };
    crate::events::publish_in_tx(conn, tenant, event)
}

/// Give a new ticket the tenant's next gapless number. The counter row's lock serialises
/// concurrent creators until commit, and a rolled-back transaction rolls its number back too.
fn number_ticket(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<i64> {
    if let Some(n) = crate::db::backend::assign_ticket_number(conn, tenant.as_str(), ticket_id)? {
        return Ok(n);
    }
    // Tenants created before counters existed get one on first use.
    diesel::insert_into(ticket_counters::table)
        .values((ticket_counters::tenant_id.eq(tenant.as_str()), ticket_counters::last_number.eq(0i64)))
        .execute(conn)?;
    crate::db::backend::assign_ticket_number(conn, tenant.as_str(), ticket_id)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket counter missing")))
}

fn insert_tags(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, tags: &[String]) -> AppResult<()> {
    for t in tags {
        diesel::insert_into(ticket_tags::table)
            .values((
                ticket_tags::tenant_id.eq(tenant.as_str()),
                ticket_tags::ticket_id.eq(ticket_id),
                ticket_tags::tag.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn write_tags(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, tags: &[String]) -> AppResult<()> {
    diesel::delete(
        ticket_tags::table
            .filter(ticket_tags::tenant_id.eq(tenant.as_str()))
            .filter(ticket_tags::ticket_id.eq(ticket_id)),
    )
    .execute(conn)?;
    insert_tags(conn, tenant, ticket_id, tags)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn insert_message(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    kind: MessageKind,
    author: &Actor,
    channel: Channel,
    body_text: &str,
    body_html: Option<&str>,
) -> AppResult<Message> {
    let (author_type, author_id) = match author {
        Actor::Agent(id) => ("agent", Some(id.clone())),
        Actor::Contact(id) => ("contact", Some(id.clone())),
        Actor::Api(_) | Actor::System => ("system", None),
    };
    let m = Message {
        tenant_id: tenant.as_str().into(),
        id: new_id(),
        ticket_id: ticket_id.into(),
        kind: kind.as_str().into(),
        author_type: author_type.into(),
        author_id,
        channel: channel.as_str().into(),
        body_text: body_text.to_string(),
        body_html: body_html.map(sanitize_html),
        created_at: now(),
    };
    diesel::insert_into(messages::table)
        .values((
            messages::tenant_id.eq(&m.tenant_id),
            messages::id.eq(&m.id),
            messages::ticket_id.eq(&m.ticket_id),
            messages::kind.eq(&m.kind),
            messages::author_type.eq(&m.author_type),
            messages::author_id.eq(&m.author_id),
            messages::channel.eq(&m.channel),
            messages::body_text.eq(&m.body_text),
            messages::body_html.eq(&m.body_html),
            messages::created_at.eq(m.created_at),
        ))
        .execute(conn)?;
    Ok(m)
}

/// Load a ticket of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Ticket> {
    Ok(tickets::table.find((tenant.as_str(), id)).select(Ticket::as_select()).first(conn)?)
}

/// Open a ticket with its first message (from the requester unless an agent wrote it).
pub fn create_ticket(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    new: NewTicket,
) -> AppResult<(Ticket, Message)> {
    create_ticket_inner(conn, tenant, actor, new, None)
}

fn create_ticket_inner(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    new: NewTicket,
    previous: Option<&str>,
) -> AppResult<(Ticket, Message)> {
    let subject = validate_subject(&new.subject)?;
    validate_body("message.body", &new.body_text)?;
    let tags = normalize_tags(&new.tags)?;
    let language = new.language.as_deref().map(validate_language).transpose()?;
    if let Some(a) = &new.assignee_id {
        check_assignee(conn, tenant, a)?;
    }
    if let Some(t) = &new.team_id {
        check_team(conn, tenant, t)?;
    }
    let requester = match &new.requester {
        Requester::Contact(id) => contacts::get(conn, tenant, id).map_err(|e| match e {
            AppError::NotFound => {
                AppError::invalid("requester.id", "error-requester-invalid", "no contact with this id")
            }
            other => other,
        })?,
        Requester::Email { email, name } => contacts::find_or_create(conn, tenant, email, name.as_deref())?,
    };
    let ts = now();
    let status = if new.assignee_id.is_some() { Status::Open } else { Status::New };
    // The real number is taken last (see below); until then a unique negative placeholder holds
    // the row's place in the (tenant_id, number) index.
    let placeholder = -((rand::random::<u64>() >> 2) as i64) - 1;
    let mut ticket = Ticket {
        tenant_id: tenant.as_str().into(),
        id: new_id(),
        number: placeholder,
        subject,
        status: status.as_str().into(),
        is_open: status.is_open(),
        priority: new.priority.as_str().into(),
        priority_rank: new.priority.rank(),
        channel: new.channel.as_str().into(),
        requester_id: requester.id.clone(),
        assignee_id: new.assignee_id.clone(),
        team_id: new.team_id.clone(),
        language,
        tags: tags.join(" "),
        previous_ticket_id: previous.map(str::to_string),
        merged_into_id: None,
        version: 1,
        message_count: 1,
        created_at: ts,
        updated_at: ts,
        first_agent_reply_at: None,
        solved_at: None,
    };
    diesel::insert_into(tickets::table)
        .values((
            tickets::tenant_id.eq(&ticket.tenant_id),
            tickets::id.eq(&ticket.id),
            tickets::number.eq(ticket.number),
            tickets::subject.eq(&ticket.subject),
            tickets::status.eq(&ticket.status),
            tickets::is_open.eq(ticket.is_open),
            tickets::priority.eq(&ticket.priority),
            tickets::priority_rank.eq(ticket.priority_rank),
            tickets::channel.eq(&ticket.channel),
            tickets::requester_id.eq(&ticket.requester_id),
            tickets::assignee_id.eq(&ticket.assignee_id),
            tickets::team_id.eq(&ticket.team_id),
            tickets::language.eq(&ticket.language),
            tickets::tags.eq(&ticket.tags),
            tickets::previous_ticket_id.eq(&ticket.previous_ticket_id),
            tickets::version.eq(1),
            tickets::message_count.eq(1),
            tickets::created_at.eq(ts),
            tickets::updated_at.eq(ts),
        ))
        .execute(conn)?;
    insert_tags(conn, tenant, &ticket.id, &tags)?;
    let author = match actor {
        Actor::Agent(_) => actor.clone(),
        _ => Actor::Contact(requester.id.clone()),
    };
    let message = insert_message(
        conn,
        tenant,
        &ticket.id,
        MessageKind::Reply,
        &author,
        new.channel,
        &new.body_text,
        new.body_html.as_deref(),
    )?;
    record_event(conn, tenant, &ticket.id, actor, "created", None, None, None)?;
    // Queued before numbering (the relay looks the number up), so that numbering, which locks the
    // tenant's counter row until commit, is the transaction's last statement.
    enqueue_live(conn, tenant, &ticket, "created", actor)?;
    ticket.number = number_ticket(conn, tenant, &ticket.id)?;
    Ok((ticket, message))
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
    ticket_id: &str,
    msg: &NewMessage,
) -> AppResult<(Ticket, Message)> {
    let (kind, channel, body_text, body_html) =
        (msg.kind, msg.channel, msg.body_text.as_str(), msg.body_html.as_deref());
    validate_body("body", body_text)?;
    let mut ticket = get(conn, tenant, ticket_id)?;
    if let Some(target) = ticket.merged_into_id.clone() {
        // A merged ticket lives on in its target.
        return add_message(conn, tenant, actor, &target, msg);
    }
    if kind == MessageKind::Note && !matches!(actor, Actor::Agent(_) | Actor::Api(_)) {
        return Err(AppError::invalid("kind", "error-kind-invalid", "only agents write internal notes"));
    }
    if ticket.status() == Status::Closed {
        if let Actor::Contact(_) = actor {
            let new = NewTicket {
                subject: ticket.subject.clone(),
                body_text: body_text.to_string(),
                body_html: body_html.map(str::to_string),
                requester: Requester::Contact(ticket.requester_id.clone()),
                priority: Priority::parse(&ticket.priority).unwrap_or(Priority::Normal),
                tags: ticket.tag_list(),
                language: ticket.language.clone(),
                channel,
                assignee_id: None,
                team_id: ticket.team_id.clone(),
            };
            let (follow_up, m) = create_ticket_inner(conn, tenant, actor, new, Some(&ticket.id))?;
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
    let message = insert_message(conn, tenant, &ticket.id, kind, actor, channel, body_text, body_html)?;
    super::attachments::attach(conn, tenant, &ticket.id, &message.id, &msg.attachments)?;
    let ts = now();
    let before = ticket.status();
    let after = match (actor, kind, before) {
        (Actor::Contact(_), _, Status::Pending | Status::Solved) => Status::Open,
        (Actor::Agent(_), MessageKind::Reply, Status::New) => Status::Open,
        _ => before,
    };
    if matches!(actor, Actor::Agent(_)) && kind == MessageKind::Reply && ticket.first_agent_reply_at.is_none() {
        ticket.first_agent_reply_at = Some(ts);
    }
    ticket.status = after.as_str().into();
    ticket.is_open = after.is_open();
    ticket.message_count += 1;
    ticket.version += 1;
    ticket.updated_at = ts;
    diesel::update(tickets::table.find((tenant.as_str(), &ticket.id)))
        .set((
            tickets::status.eq(&ticket.status),
            tickets::is_open.eq(ticket.is_open),
            tickets::message_count.eq(ticket.message_count),
            tickets::version.eq(ticket.version),
            tickets::updated_at.eq(ts),
            tickets::first_agent_reply_at.eq(ticket.first_agent_reply_at),
        ))
        .execute(conn)?;
    record_event(conn, tenant, &ticket.id, actor, "message_added", Some("kind"), None, Some(kind.as_str()))?;
    if after != before {
        record_event(
            conn,
            tenant,
            &ticket.id,
            actor,
            "changed",
            Some("status"),
            Some(before.as_str()),
            Some(after.as_str()),
        )?;
    }
    enqueue_live(conn, tenant, &ticket, "message_added", actor)?;
    Ok((ticket, message))
}

/// Apply field changes. With `expected_version`, a ticket changed since it was read is refused (412).
pub fn update_ticket(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ticket_id: &str,
    changes: &TicketChanges,
    expected_version: Option<i32>,
) -> AppResult<Ticket> {
    let mut t = get(conn, tenant, ticket_id)?;
    if let Some(v) = expected_version {
        if v != t.version {
            return Err(AppError::PreconditionFailed);
        }
    }
    if t.status() == Status::Closed {
        return Err(AppError::Conflict("closed tickets cannot change".into()));
    }
    let mut diffs: Vec<(&'static str, Option<String>, Option<String>)> = vec![];
    if let Some(s) = &changes.subject {
        let s = validate_subject(s)?;
        if s != t.subject {
            diffs.push(("subject", Some(t.subject.clone()), Some(s.clone())));
            t.subject = s;
        }
    }
    if let Some(p) = changes.priority {
        if p.as_str() != t.priority {
            diffs.push(("priority", Some(t.priority.clone()), Some(p.as_str().into())));
            t.priority = p.as_str().into();
            t.priority_rank = p.rank();
        }
    }
    if let Some(a) = &changes.assignee_id {
        if let Some(id) = a {
            check_assignee(conn, tenant, id)?;
        }
        if *a != t.assignee_id {
            diffs.push(("assignee_id", t.assignee_id.clone(), a.clone()));
            t.assignee_id = a.clone();
        }
    }
    if let Some(team) = &changes.team_id {
        if let Some(id) = team {
            check_team(conn, tenant, id)?;
        }
        if *team != t.team_id {
            diffs.push(("team_id", t.team_id.clone(), team.clone()));
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
        let before = t.status();
        if s == Status::Closed && before != Status::Solved {
            return Err(AppError::invalid("status", "error-close-unsolved", "only solved tickets can be closed"));
        }
        // Assigning a new ticket starts work on it.
        if s != before {
            diffs.push(("status", Some(before.as_str().into()), Some(s.as_str().into())));
            t.status = s.as_str().into();
            if s == Status::Solved {
                t.solved_at = Some(ts);
            }
        }
    } else if t.status() == Status::New && t.assignee_id.is_some() && diffs.iter().any(|d| d.0 == "assignee_id") {
        diffs.push(("status", Some("new".into()), Some("open".into())));
        t.status = "open".into();
    }
    if diffs.is_empty() {
        return Ok(t);
    }
    t.is_open = t.status().is_open();
    t.updated_at = ts;
    let previous_version = t.version;
    t.version += 1;
    // The version guard makes check-then-write atomic: of two writers holding the same ETag,
    // only one matches.
    let n = diesel::update(tickets::table.find((tenant.as_str(), &t.id)))
        .filter(tickets::version.eq(previous_version))
        .set((
            tickets::subject.eq(&t.subject),
            tickets::status.eq(&t.status),
            tickets::is_open.eq(t.is_open),
            tickets::priority.eq(&t.priority),
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
    enqueue_live(conn, tenant, &t, "changed", actor)?;
    Ok(t)
}

/// Apply the same changes to many tickets, all or nothing.
pub fn bulk_update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ids: &[String],
    changes: &TicketChanges,
) -> AppResult<Vec<Ticket>> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(AppError::invalid("ids", "error-bulk-size", "select 1 to 500 tickets"));
    }
    ids.iter().map(|id| update_ticket(conn, tenant, actor, id, changes, None)).collect()
}
