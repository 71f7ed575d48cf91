//! Opening tickets. One code path serves one ticket and many: a batch of a tenant's new tickets
//! costs a fixed number of statements (one counter bump and multi-row inserts), so the tenant's
//! counter row is locked once per batch rather than once per ticket.

use diesel::prelude::*;

use super::commands::{
    check_assignee, check_team, new_event, new_message, validate_body, validate_language, validate_subject, TagRow,
};
use super::intake::History;
use super::{
    normalize_tags, Actor, AgentId, Channel, ContactId, Message, MessageKind, Priority, Status, TeamId, Ticket,
    TicketId,
};
use crate::accounts::contacts::{self, Contact};
use crate::db::chain::StatementChain;
use crate::db::schema::{domain_events, messages, ticket_counters, ticket_events, ticket_tags, tickets};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::DomainEvent;
use crate::tenancy::TenantId;

/// Who asked for help: an existing contact or an email to find or create one by.
#[derive(Debug, Clone)]
pub enum Requester {
    Contact(ContactId),
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
    pub assignee_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
}

/// One ticket to open: who opens it and, for a follow-up, the closed ticket it continues.
#[derive(Debug, Clone)]
pub struct Creation {
    pub actor: Actor,
    pub new: NewTicket,
    pub previous: Option<TicketId>,
    /// Set for imported (and seeded) tickets that began elsewhere.
    pub history: Option<History>,
}

impl Creation {
    /// A new ticket opened now by `actor`.
    pub fn new(actor: Actor, new: NewTicket) -> Self {
        Creation { actor, new, previous: None, history: None }
    }
}

/// [`create_tickets`] for a single ticket, with its error as the result.
pub(super) fn create_one(conn: &mut DbConnection, tenant: &TenantId, c: Creation) -> AppResult<(Ticket, Message)> {
    super::intake::open_in_transaction(conn, tenant, &super::intake::Unrouted, vec![c])?
        .pop()
        .unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("no creation result"))))
}

/// The parts of a creation that passed the checks that need no database.
struct Checked {
    subject: String,
    tags: Vec<String>,
    language: Option<String>,
}

fn check(new: &NewTicket) -> AppResult<Checked> {
    let subject = validate_subject(&new.subject)?;
    validate_body("message.body", &new.body_text)?;
    let tags = normalize_tags(&new.tags)?;
    let language = new.language.as_deref().map(validate_language).transpose()?;
    Ok(Checked { subject, tags, language })
}

/// Checks against this tenant's rows. Only an invalid field fails the one ticket; a database
/// error fails the batch.
fn check_references(conn: &mut DbConnection, tenant: &TenantId, new: &NewTicket) -> AppResult<Result<(), AppError>> {
    let mut outcome = Ok(());
    if let Some(a) = &new.assignee_id {
        outcome = outcome.and_then(|_| check_assignee(conn, tenant, a));
    }
    if let Some(t) = &new.team_id {
        outcome = outcome.and_then(|_| check_team(conn, tenant, t));
    }
    match outcome {
        Err(e @ AppError::Invalid { .. }) => Ok(Err(e)),
        Err(e) => Err(e),
        Ok(()) => Ok(Ok(())),
    }
}

/// Requesters for every creation still valid: contacts named by id one by one (rare), contacts
/// by email all at once.
fn requesters(
    conn: &mut DbConnection,
    tenant: &TenantId,
    batch: &[Creation],
    checked: &[AppResult<Checked>],
) -> AppResult<Vec<Option<AppResult<Contact>>>> {
    let mut out: Vec<Option<AppResult<Contact>>> = Vec::with_capacity(batch.len());
    let mut by_email = Vec::new();
    for (c, ok) in batch.iter().zip(checked) {
        if ok.is_err() {
            out.push(None);
            continue;
        }
        match &c.new.requester {
            Requester::Contact(id) => out.push(Some(match contacts::resolve(conn, tenant, id) {
                Err(AppError::NotFound) => {
                    Err(AppError::invalid("requester.id", "error-requester-invalid", "no contact with this id"))
                }
                Err(e) => return Err(e),
                Ok(contact) => Ok(contact),
            })),
            Requester::Email { email, name } => {
                by_email.push((out.len(), (email.clone(), name.clone())));
                out.push(None);
            }
        }
    }
    let wanted: Vec<(String, Option<String>)> = by_email.iter().map(|(_, w)| w.clone()).collect();
    let found = contacts::find_or_create_many(conn, tenant, &wanted)?;
    for ((i, _), contact) in by_email.into_iter().zip(found) {
        out[i] = Some(contact);
    }
    Ok(out)
}

/// Open several tickets of one tenant in the caller's transaction. The outer error is a database
/// failure (the caller rolls back); the inner results say, per creation and in order, which
/// ticket was opened or which field was invalid. Invalid creations write nothing.
pub fn create_tickets(
    conn: &mut DbConnection,
    tenant: &TenantId,
    batch: Vec<Creation>,
) -> AppResult<Vec<AppResult<(Ticket, Message)>>> {
    let mut checked: Vec<AppResult<Checked>> = batch.iter().map(|c| check(&c.new)).collect();
    for (c, ok) in batch.iter().zip(checked.iter_mut()) {
        if ok.is_ok() {
            if let Err(e) = check_references(conn, tenant, &c.new)? {
                *ok = Err(e);
            }
        }
    }
    let requesters = requesters(conn, tenant, &batch, &checked)?;
    let ts = now();
    let mut results: Vec<AppResult<(Ticket, Message)>> = Vec::with_capacity(batch.len());
    let mut created: Vec<usize> = Vec::new();
    let mut events = Vec::new();
    for (i, ((c, ok), requester)) in batch.iter().zip(checked).zip(requesters).enumerate() {
        let (ok, contact) = match (ok, requester) {
            (Ok(ok), Some(Ok(contact))) => (ok, contact),
            (Err(e), _) | (Ok(_), Some(Err(e))) => {
                results.push(Err(e));
                continue;
            }
            (Ok(_), None) => {
                results.push(Err(AppError::Internal(anyhow::anyhow!("requester not resolved"))));
                continue;
            }
        };
        let new = &c.new;
        let status = match &c.history {
            Some(h) => h.status,
            None if new.assignee_id.is_some() => Status::Open,
            None => Status::New,
        };
        let (created_at, updated_at) = c.history.as_ref().map_or((ts, ts), |h| (h.created_at, h.updated_at));
        let ticket = Ticket {
            tenant_id: tenant.as_str().into(),
            id: TicketId::generate(),
            // Numbered below, once the batch knows how many tickets it opens.
            number: 0,
            subject: ok.subject,
            status,
            is_open: status.is_open(),
            priority: new.priority,
            priority_rank: new.priority.rank(),
            channel: new.channel,
            requester_id: contact.id.clone(),
            assignee_id: new.assignee_id.clone(),
            team_id: new.team_id.clone(),
            language: ok.language,
            tags: ok.tags.join(" "),
            previous_ticket_id: c.previous.clone(),
            merged_into_id: None,
            version: 1,
            message_count: 1,
            created_at,
            updated_at,
            first_agent_reply_at: None,
            solved_at: (status == Status::Solved || status == Status::Closed).then_some(updated_at),
            csat_score: None,
            csat_comment: None,
            csat_rated_at: None,
        };
        let author = match &c.actor {
            Actor::Agent(_) => c.actor.clone(),
            _ => Actor::Contact(contact.id.clone()),
        };
        let mut message = new_message(
            tenant,
            &ticket.id,
            MessageKind::Reply,
            &author,
            new.channel,
            &new.body_text,
            new.body_html.as_deref(),
        );
        message.created_at = created_at;
        events.push(new_event(tenant, &ticket.id, &c.actor, "created", None, None, None));
        created.push(i);
        results.push(Ok((ticket, message)));
    }
    if created.is_empty() {
        return Ok(results);
    }
    let first = take_numbers(conn, tenant, created.len() as i64)?;
    for (n, (t, _)) in results.iter_mut().filter_map(|r| r.as_mut().ok()).enumerate() {
        t.number = first + n as i64;
    }
    let opened: Vec<&(Ticket, Message)> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let ticket_rows: Vec<&Ticket> = opened.iter().map(|(t, _)| t).collect();
    let message_rows: Vec<&Message> = opened.iter().map(|(_, m)| m).collect();
    let tag_rows: Vec<TagRow> = ticket_rows
        .iter()
        .flat_map(|t| t.tags.split_whitespace().map(|tag| TagRow { tenant_id: tenant.as_str(), ticket_id: &t.id, tag }))
        .collect();
    let domain: Vec<DomainEvent> = opened
        .iter()
        .zip(&created)
        .map(|((t, m), &i)| DomainEvent::TicketCreated {
            ticket_id: t.id.clone(),
            number: t.number,
            channel: t.channel,
            requester_id: t.requester_id.clone(),
            message_id: m.id.clone(),
            actor: batch[i].actor.clone(),
        })
        .collect();
    let outbox = crate::events::outbox::event_rows(tenant, &domain)?;
    // One round trip on PostgreSQL for all of a batch's rows.
    let mut chain = StatementChain::for_connection(conn);
    chain.push(diesel::insert_into(tickets::table).values(ticket_rows));
    if !tag_rows.is_empty() {
        chain.push(diesel::insert_into(ticket_tags::table).values(&tag_rows));
    }
    chain.push(diesel::insert_into(messages::table).values(message_rows));
    chain.push(diesel::insert_into(ticket_events::table).values(&events));
    chain.push(diesel::insert_into(domain_events::table).values(&outbox));
    chain.execute(conn)?;
    Ok(results)
}

/// Reserve `count` consecutive numbers of the tenant's gapless sequence; returns the first. The
/// counter row stays locked until commit, so a batch's numbers cannot interleave with another's,
/// and a rolled-back transaction gives its numbers back. Batches lock it once for all their
/// tickets, which is what lets creation scale on one tenant.
fn take_numbers(conn: &mut DbConnection, tenant: &TenantId, count: i64) -> AppResult<i64> {
    let bump = |conn: &mut DbConnection| -> AppResult<Option<i64>> {
        Ok(diesel::update(ticket_counters::table.find(tenant.as_str()))
            .set(ticket_counters::last_number.eq(ticket_counters::last_number + count))
            .returning(ticket_counters::last_number)
            .get_result::<i64>(conn)
            .optional()?)
    };
    if let Some(last) = bump(conn)? {
        return Ok(last - count + 1);
    }
    // Tenants created before counters existed get one on first use.
    diesel::insert_into(ticket_counters::table)
        .values((ticket_counters::tenant_id.eq(tenant.as_str()), ticket_counters::last_number.eq(0i64)))
        .execute(conn)?;
    let last = bump(conn)?.ok_or_else(|| AppError::Internal(anyhow::anyhow!("ticket counter missing")))?;
    Ok(last - count + 1)
}
