//! The `mail.file` job: parse a stored message and put it on a ticket. Threading, in order:
//! In-Reply-To / References against Message-IDs we received or sent, the reply token of the plus
//! address, a `[#123]` in the subject; otherwise a new `email` ticket with the sender as
//! requester. A threaded message joins its ticket only when the sender is the requester, a
//! participant (copied on its mail) or an agent of the tenant; anyone else opens a new ticket
//! linked to it (`previous_ticket_id`). Filing is one transaction, keyed by Message-ID (or a
//! content hash), so a retried or repeated message files once. A message that cannot be filed
//! is quarantined with its error; nothing is dropped.

use std::sync::Arc;

use diesel::prelude::*;

use super::parse::{self, ParsedMail};
use super::store::{self, state, Filed, Inbound};
use super::threads::{self, Direction, KeyRecord};
use crate::accounts::{agents, contacts};
use crate::db::schema::tickets;
use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::Changes;
use crate::i18n::I18n;
use crate::jobs::JobContext;
use crate::tenancy::TenantId;
use crate::tickets::attachments::{self, Blobs, StoredBlob};
use crate::tickets::commands::{self, Creation, NewMessage, NewTicket, Requester, TicketChanges};
use crate::tickets::intake::Intake;
use crate::tickets::{Actor, Channel, Message, MessageKind, Priority, Status, Ticket};
use crate::types::{MessageId, TicketId};

/// The tag automatic mail (auto-replies, bounces, lists) puts on its ticket.
pub const AUTOMATIC_TAG: &str = "auto-reply";
/// The tag a ticket gets when a sender's mail was throttled into it rather than opening more.
pub const THROTTLED_TAG: &str = "mail-throttled";
/// HTML parts larger than this are dropped (the text part and the raw message stay).
const MAX_HTML_BYTES: usize = 2 << 20;

/// What the filing job works with (captured when the handler is registered).
#[derive(Clone)]
pub struct Filer {
    pub db: Db,
    pub blobs: Blobs,
    pub intake: Intake,
    pub changes: Changes,
    pub i18n: Arc<I18n>,
    /// Our inbound domain: its addresses are never participants.
    pub domain: String,
    /// The configured attempts of jobs that set none.
    pub default_max_attempts: i32,
    /// Sender throttling: past this many new tickets in the window, a sender's new mail joins
    /// their latest ticket instead; `None` when off.
    pub throttle: Option<Throttle>,
}

/// How many tickets one sender may open by mail within how many minutes.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub tickets: i64,
    pub minutes: i64,
}

/// Why filing stopped.
enum Failure {
    /// It will never work: quarantine now.
    Permanent(String),
    /// It may work later (database unavailable, a concurrent duplicate): retry.
    Transient(String),
}

fn classify(e: AppError) -> Failure {
    match e {
        AppError::Conflict(m) if m == crate::error::UNIQUE_CONFLICT => Failure::Transient(m),
        AppError::Unavailable(_) | AppError::Internal(_) => Failure::Transient(e.to_string()),
        other => Failure::Permanent(other.to_string()),
    }
}

impl Filer {
    /// Run one `mail.file` job. `Err` asks the worker for a retry; the last attempt quarantines.
    pub async fn run(&self, ctx: JobContext) -> Result<(), String> {
        let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("mail.file job without a tenant")?);
        let payload = ctx.payload()?;
        let id = payload["inbound_id"].as_str().ok_or("mail.file job without inbound_id")?.to_string();
        let max = if ctx.job.max_attempts > 0 { ctx.job.max_attempts } else { self.default_max_attempts };
        let reason = match self.file(&tenant, &id).await {
            Ok(()) => return Ok(()),
            Err(Failure::Transient(r)) if ctx.job.attempts < max => return Err(r),
            Err(Failure::Permanent(r) | Failure::Transient(r)) => r,
        };
        tracing::warn!(inbound_id = %id, error = %reason, "inbound mail quarantined");
        let (t, i) = (tenant.clone(), id.clone());
        self.db.write(move |c| store::mark_failed(c, &t, &i, &reason)).await.map_err(|e| e.to_string())
    }

    async fn file(&self, tenant: &TenantId, id: &str) -> Result<(), Failure> {
        let (t, i) = (tenant.clone(), id.to_string());
        let (row, raw, locale) = self
            .db
            .read(move |c| {
                let row = store::get(c, &t, &i)?;
                let raw = store::raw(c, &t, &i)?;
                Ok((row, raw, crate::tenancy::get(c, &t)?.default_locale))
            })
            .await
            .map_err(classify)?;
        if row.state != state::RECEIVED {
            return Ok(());
        }
        let envelope_from = row.envelope_from.clone();
        let mut parsed = tokio::task::spawn_blocking(move || parse::parse(&raw, envelope_from.as_deref()))
            .await
            .map_err(|e| match e.is_panic() {
                // The same bytes would fail the same way every time.
                true => Failure::Permanent("the MIME parser failed on this message".into()),
                false => Failure::Transient(format!("parser task failed: {e}")),
            })?
            .map_err(|e| Failure::Permanent(format!("cannot parse the message: {e}")))?;
        if parsed.from.is_none() {
            return Err(Failure::Permanent("the message has no valid sender address (From)".into()));
        }
        let mut notes = Vec::new();
        let mut blobs = Vec::new();
        // Each attachment's bytes go to the store and are dropped there, not kept until the
        // ticket's transaction.
        for (name, bytes) in std::mem::take(&mut parsed.attachments) {
            match self.blobs.put(tenant, &name, bytes.into()).await {
                Ok(b) => blobs.push(b),
                Err(AppError::PayloadTooLarge | AppError::Invalid { .. }) => {
                    notes.push(self.i18n.format(&locale, "email-attachment-skipped", Some(&name_arg(&name))));
                }
                Err(e) => return Err(classify(e)),
            }
        }
        let content = Content::new(&self.i18n, &locale, &parsed, &notes);
        let (filer, t) = (self.clone(), tenant.clone());
        let changed =
            self.db.write(move |c| filer.file_in_tx(c, &t, &row, &parsed, &content, &blobs)).await.map_err(classify)?;
        if changed {
            self.changes.committed(tenant);
        }
        Ok(())
    }

    /// File in the open transaction; whether a ticket changed.
    fn file_in_tx(
        &self,
        c: &mut DbConnection,
        tenant: &TenantId,
        row: &Inbound,
        parsed: &ParsedMail,
        content: &Content,
        blobs: &[StoredBlob],
    ) -> AppResult<bool> {
        let automatic = parsed.automatic.is_some();
        // The setup page's test message coming back: noted on it, never a ticket.
        if let Some(mid) = parsed.message_id.as_deref() {
            if super::outbound::note_test_arrival(c, tenant, mid)? {
                let filed = Filed {
                    state: state::FILED,
                    message_id_header: Some(mid),
                    auto_reply: true,
                    ticket_id: None,
                    message_row_id: None,
                    header_addresses: Some(header_addresses(parsed)),
                };
                store::mark_filed(c, tenant, &row.id, &filed)?;
                return Ok(false);
            }
        }
        if let Some(known) = threads::find_key(c, tenant, &parsed.dedupe_key)? {
            let filed = Filed {
                state: state::DUPLICATE,
                message_id_header: parsed.message_id.as_deref(),
                auto_reply: automatic,
                ticket_id: Some(known.ticket_id.as_str()),
                message_row_id: None,
                header_addresses: Some(header_addresses(parsed)),
            };
            store::mark_filed(c, tenant, &row.id, &filed)?;
            return Ok(false);
        }
        let (sender, name) =
            parsed.from.clone().ok_or_else(|| AppError::invalid("from", "error-email-invalid", "no sender"))?;
        let thread = self.thread(c, tenant, parsed, row.reply_token.as_deref())?;
        let agent = agents::by_email(c, tenant, &sender)?.filter(|a| a.active);
        let joins = match &thread {
            Some(t) => self.may_join(c, tenant, t, &sender, agent.is_some())?,
            None => false,
        };
        let (ticket, message) = match thread {
            // Automatic mail to a closed ticket is kept (row and Message-ID), not added: a bounce
            // or an out-of-office must not open a follow-up.
            Some(t) if joins && automatic && t.status == Status::Closed => {
                self.record(c, tenant, row, parsed, &t.id, None)?;
                return Ok(false);
            }
            Some(t) if joins => {
                let actor = match &agent {
                    // Automatic mail joins as the system: it never reopens the ticket or counts
                    // as the requester's answer (its sender stays on the inbound row).
                    _ if automatic => Actor::System,
                    Some(a) => Actor::Agent(a.id.clone()),
                    None => Actor::Contact(contacts::find_or_create(c, tenant, &sender, name.as_deref())?.id),
                };
                let tags: &[&str] = if automatic { &[AUTOMATIC_TAG] } else { &[] };
                join(c, tenant, &t, &actor, content, blobs, tags)?
            }
            linked => {
                // An agent (or one of the desk's own addresses, the tenant's support address
                // included) forwarding a customer's mail opens the ticket for that customer, not
                // for themselves.
                let support = crate::email::outbound::settings::get(c, tenant)?.support_address;
                let own =
                    |a: &str| self.is_own_address(a) || support.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(a));
                let forward = match &parsed.forwarded_from {
                    Some((email, _)) if *email != sender && !own(email) && (agent.is_some() || own(&sender)) => {
                        parsed.forwarded_from.clone()
                    }
                    _ => None,
                };
                // A sender opening ticket after ticket (a script, a mail loop we did not
                // recognise) is throttled into their latest one. Agents and forwards (whose
                // requester is someone else) are not.
                if forward.is_none() && agent.is_none() {
                    if let Some(t) = self.throttled_into(c, tenant, &sender)? {
                        tracing::info!(ticket_id = %t.id, "inbound mail throttled into the sender's latest ticket");
                        let actor = match automatic {
                            true => Actor::System,
                            false => Actor::Contact(t.requester_id.clone()),
                        };
                        let tags: &[&str] = if automatic { &[THROTTLED_TAG, AUTOMATIC_TAG] } else { &[THROTTLED_TAG] };
                        let (ticket, message) = join(c, tenant, &t, &actor, content, blobs, tags)?;
                        return self.finish(c, tenant, row, parsed, content, &ticket.id, &message.id);
                    }
                }
                let (email, name, subject) = match forward {
                    Some((email, name)) => {
                        let subject = parsed
                            .forwarded_subject
                            .as_deref()
                            .map(one_line)
                            .filter(|s| !s.trim().is_empty())
                            .unwrap_or_else(|| strip_forward_prefix(&content.subject));
                        (email, name, subject)
                    }
                    None => (sender.clone(), name.clone(), content.subject.clone()),
                };
                // Declared only: the router detects the rest, with what it knows of the requester.
                let language = parsed.content_language.as_deref().and_then(crate::routing::language::declared);
                let new = NewTicket {
                    subject,
                    body_text: content.text.clone(),
                    body_html: content.html.clone(),
                    requester: Requester::Email { email, name },
                    priority: Priority::Normal,
                    tags: if automatic { vec![AUTOMATIC_TAG.into()] } else { vec![] },
                    language,
                    channel: Channel::Email,
                    assignee_id: None,
                    team_id: None,
                };
                // A stranger answering someone else's ticket gets their own, linked to it.
                let creation = Creation { actor: Actor::System, new, previous: linked.map(|t| t.id), history: None };
                let (ticket, message) = self
                    .intake
                    .open_in(c, tenant, vec![creation])?
                    .pop()
                    .unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("no creation result"))))?;
                attachments::attach(c, tenant, &ticket.id, &message.id, blobs)?;
                threads::reply_token_for(c, tenant, &ticket.id)?;
                (ticket, message)
            }
        };
        self.finish(c, tenant, row, parsed, content, &ticket.id, &message.id)
    }

    /// After the message is on its ticket: its full text, its key, the row's outcome, the
    /// people copied.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        c: &mut DbConnection,
        tenant: &TenantId,
        row: &Inbound,
        parsed: &ParsedMail,
        content: &Content,
        ticket_id: &TicketId,
        message_id: &MessageId,
    ) -> AppResult<bool> {
        commands::set_full_text(c, tenant, message_id, &content.full)?;
        self.record(c, tenant, row, parsed, ticket_id, Some(message_id.as_str()))?;
        let copied: Vec<String> =
            parsed.addresses.iter().filter(|a| !super::address::is_ours(a, &self.domain)).cloned().collect();
        threads::add_participants(c, tenant, ticket_id, &copied)?;
        Ok(true)
    }

    /// The ticket a sender's new mail goes to instead of opening another, when the sender has
    /// opened the throttle's number of email tickets within its window: the latest of them that
    /// is still open to messages.
    fn throttled_into(&self, c: &mut DbConnection, tenant: &TenantId, sender: &str) -> AppResult<Option<Ticket>> {
        let Some(th) = self.throttle else { return Ok(None) };
        let Some(contact) = contacts::by_email(c, tenant, sender)? else { return Ok(None) };
        let since = crate::db::now() - chrono::Duration::minutes(th.minutes);
        let recent: Vec<(String, String)> = tickets::table
            .filter(tickets::tenant_id.eq(tenant.as_str()))
            .filter(tickets::requester_id.eq(contact.id.as_str()))
            .filter(tickets::channel.eq(Channel::Email.as_str()))
            .filter(tickets::created_at.ge(since))
            .order((tickets::created_at.desc(), tickets::id.desc()))
            .limit(th.tickets)
            .select((tickets::id, tickets::status))
            .load(c)?;
        if (recent.len() as i64) < th.tickets {
            return Ok(None);
        }
        let closed = Status::Closed.as_str();
        let Some((id, _)) = recent.into_iter().find(|(_, status)| status != closed) else { return Ok(None) };
        let t = commands::get(c, tenant, &id.as_str().into())?;
        Ok(t.merged_into_id.is_none().then_some(t))
    }

    /// Record the message's key on its ticket and the row's outcome.
    fn record(
        &self,
        c: &mut DbConnection,
        tenant: &TenantId,
        row: &Inbound,
        parsed: &ParsedMail,
        ticket_id: &str,
        message_id: Option<&str>,
    ) -> AppResult<()> {
        let automatic = parsed.automatic.is_some();
        let key = KeyRecord {
            key: &parsed.dedupe_key,
            ticket_id,
            message_id,
            inbound_id: Some(row.id.as_str()),
            direction: Direction::In,
            auto_reply: automatic,
        };
        threads::record_key(c, tenant, &key)?;
        let filed = Filed {
            state: state::FILED,
            message_id_header: parsed.message_id.as_deref(),
            auto_reply: automatic,
            ticket_id: Some(ticket_id),
            message_row_id: message_id,
            header_addresses: Some(header_addresses(parsed)),
        };
        store::mark_filed(c, tenant, &row.id, &filed)
    }

    /// The ticket this message answers, if any (a merged ticket's answers go to its target).
    fn thread(
        &self,
        c: &mut DbConnection,
        tenant: &TenantId,
        parsed: &ParsedMail,
        token: Option<&str>,
    ) -> AppResult<Option<Ticket>> {
        let mut found = threads::first_known(c, tenant, &parsed.references)?;
        if found.is_none() {
            if let Some(t) = token {
                found = threads::ticket_for_token(c, tenant, t)?;
            }
        }
        if found.is_none() {
            if let Some(n) = parsed.subject.as_deref().and_then(parse::subject_number) {
                found = tickets::table
                    .filter(tickets::tenant_id.eq(tenant.as_str()))
                    .filter(tickets::number.eq(n))
                    .select(tickets::id)
                    .first::<String>(c)
                    .optional()?;
            }
        }
        let Some(mut id) = found else { return Ok(None) };
        for _ in 0..16 {
            let t = match commands::get(c, tenant, &id.as_str().into()) {
                Ok(t) => t,
                Err(AppError::NotFound) => return Ok(None),
                Err(e) => return Err(e),
            };
            match t.merged_into_id.clone() {
                Some(next) => id = next.as_str().to_string(),
                None => return Ok(Some(t)),
            }
        }
        Ok(None)
    }

    /// Whether an address is at our inbound domain (the caller also counts the tenant's support
    /// address), so that what it forwards is a customer's mail. Agents are checked by the caller.
    fn is_own_address(&self, address: &str) -> bool {
        super::address::is_ours(address, &self.domain)
    }

    /// Whether `sender` may add to `ticket`: its requester, a participant, or an agent.
    fn may_join(
        &self,
        c: &mut DbConnection,
        tenant: &TenantId,
        t: &Ticket,
        sender: &str,
        agent: bool,
    ) -> AppResult<bool> {
        if agent {
            return Ok(true);
        }
        let requester = contacts::get(c, tenant, &t.requester_id)?;
        if requester.email.as_deref() == Some(sender) {
            return Ok(true);
        }
        threads::is_participant(c, tenant, &t.id, sender)
    }
}

/// Add the message to ticket `t` as `actor`, and put `tags` on the ticket (not on a closed one,
/// which only takes the message).
fn join(
    c: &mut DbConnection,
    tenant: &TenantId,
    t: &Ticket,
    actor: &Actor,
    content: &Content,
    blobs: &[StoredBlob],
    tags: &[&str],
) -> AppResult<(Ticket, Message)> {
    let msg = NewMessage {
        kind: MessageKind::Reply,
        channel: Channel::Email,
        body_text: content.text.clone(),
        body_html: content.html.clone(),
        attachments: blobs.to_vec(),
    };
    let (mut ticket, message) = commands::add_message(c, tenant, actor, &t.id, &msg)?;
    let missing: Vec<String> =
        tags.iter().filter(|tag| !ticket.tag_list().iter().any(|x| x == *tag)).map(|tag| tag.to_string()).collect();
    if ticket.status != Status::Closed && !missing.is_empty() {
        let changes = TicketChanges { add_tags: missing, ..Default::default() };
        ticket = commands::update_ticket(c, tenant, &Actor::System, &ticket.id, &changes, None)?;
    }
    Ok((ticket, message))
}

/// The header addresses kept on the inbound row for the API (`from`, `to`, `cc`), as JSON.
fn header_addresses(p: &ParsedMail) -> String {
    let person = |(email, name): &(String, Option<String>)| serde_json::json!({"email": email, "name": name});
    serde_json::json!({
        "from": p.from.as_ref().map(person),
        "to": p.to.iter().map(person).collect::<Vec<_>>(),
        "cc": p.cc.iter().map(person).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Text on one line: control characters as spaces, runs of space as one, at most 250 chars.
fn one_line(s: &str) -> String {
    let spaced: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(250).collect()
}

/// A forward's subject without its `Fwd:` / `FW:` prefixes.
fn strip_forward_prefix(subject: &str) -> String {
    let mut s = subject.trim();
    while super::forwards::is_forward_subject(s) {
        match s.split_once([':', '：']) {
            Some((_, rest)) if !rest.trim().is_empty() => s = rest.trim(),
            _ => break,
        }
    }
    s.to_string()
}

fn name_arg(name: &str) -> fluent_bundle::FluentArgs<'static> {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("name", name.to_string());
    args
}

/// What the ticket shows: a subject and body the ticket rules accept, whatever the mail held.
struct Content {
    subject: String,
    /// The visible text: quoted history and signature stripped (`ParsedMail::body_visible`).
    text: String,
    /// The whole text part, kept beside it.
    full: String,
    html: Option<String>,
}

impl Content {
    fn new(i18n: &I18n, locale: &str, p: &ParsedMail, notes: &[String]) -> Self {
        let subject = one_line(p.subject.as_deref().unwrap_or(""));
        let subject = if subject.trim().is_empty() { i18n.format(locale, "email-no-subject", None) } else { subject };
        let fit = |mut text: String| {
            if text.trim().is_empty() {
                text = i18n.format(locale, "email-empty-body", None);
            }
            for n in notes {
                text.push_str("\n\n");
                text.push_str(n);
            }
            if text.chars().count() > commands::MAX_BODY_CHARS {
                // The whole message stays in the raw store; the ticket shows what fits.
                text = text.chars().take(commands::MAX_BODY_CHARS).collect();
            }
            text
        };
        let text = fit(p.body_visible.clone());
        let full = fit(p.body_text.trim_end().to_string());
        let html = p.body_html.clone().filter(|h| h.len() <= MAX_HTML_BYTES && !h.trim().is_empty());
        Content { subject, text, full, html }
    }
}
