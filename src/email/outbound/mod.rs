//! Email, outbound half. The [`consumer::MailConsumer`] reads the typed domain events and, in
//! its pass's transaction, decides what to send (the acknowledgement of a ticket opened by mail,
//! an agent's public reply, the solved notice), fixes each mail's Message-ID and threading
//! headers in an `outbound_emails` row, records the Message-ID for threading
//! (`threads::record_key`, direction `out`) and enqueues one `mail.send` job. The job
//! ([`send::Sender`]) renders the askama templates in the requester's language, DKIM-signs
//! when the tenant has a key, and relays by `MERIDIAN_SMTP_URL`, or writes an `.eml` file under
//! `<data dir>/outbox/` when none is set.

pub mod consumer;
pub mod links;
pub mod send;
pub mod settings;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::outbound_emails;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;

/// The job kind that sends one outbound mail.
pub const SEND_JOB: &str = "mail.send";

/// What a mail is.
pub mod kind {
    /// The acknowledgement of a ticket opened by mail.
    pub const ACK: &str = "ack";
    /// An agent's public reply.
    pub const REPLY: &str = "reply";
    /// The ticket was solved.
    pub const SOLVED: &str = "solved";
    /// The setup page's test, to the tenant's own forwarding address.
    pub const TEST: &str = "test";
    /// To a tenant admin: the server turned off a webhook that kept failing.
    pub const WEBHOOK_DISABLED: &str = "webhook_disabled";
    /// To a new agent: the invitation link to pick a first password.
    pub const AGENT_INVITE: &str = "agent_invite";
    /// To an agent: the link an admin sent to set a new password.
    pub const PASSWORD_RESET: &str = "password_reset";
    /// To a customer: the link that signs them in to the help center's portal.
    pub const PORTAL_LINK: &str = "portal_link";
}

/// Where an outbound mail stands.
pub mod state {
    /// Waiting for its job.
    pub const QUEUED: &str = "queued";
    /// Accepted by the relay (or written to the outbox folder).
    pub const SENT: &str = "sent";
    /// A temporary failure (4xx, no connection); the job retries with backoff.
    pub const RETRYING: &str = "retrying";
    /// Refused for good (5xx) or out of attempts; an agent may retry it.
    pub const DEAD: &str = "dead";
}

/// One outbound mail.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = outbound_emails)]
pub struct Outbound {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub kind: String,
    pub ticket_id: Option<String>,
    pub message_row_id: Option<String>,
    pub to_address: String,
    /// Space-separated addresses.
    pub cc: String,
    /// Without `<>`.
    pub message_id_header: String,
    pub in_reply_to: Option<String>,
    /// Space-separated Message-IDs without `<>`, oldest first.
    pub references_header: String,
    pub locale: String,
    pub state: String,
    pub attempts: i32,
    pub error: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub sent_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub arrived_at: Option<NaiveDateTime>,
    /// The subscription a `webhook_disabled` notice is about.
    pub webhook_subscription_id: Option<String>,
    /// For an invitation, reset or portal sign-in: the link, kept only until the mail is sent.
    #[serde(skip)]
    pub agent_link: Option<String>,
}

impl Outbound {
    /// The Cc addresses.
    pub fn cc_list(&self) -> Vec<&str> {
        self.cc.split_whitespace().collect()
    }
}

/// A mail to enqueue.
#[derive(Debug, Clone)]
pub struct NewOutbound {
    pub kind: &'static str,
    pub ticket_id: Option<String>,
    pub message_row_id: Option<String>,
    pub to: String,
    pub cc: Vec<String>,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub locale: String,
}

/// A fresh Message-ID (without `<>`) at our inbound domain.
pub fn new_message_id(domain: &str) -> String {
    format!("{}@{domain}", uuid::Uuid::now_v7().simple())
}

/// Store one mail and enqueue its `mail.send` job, in the caller's transaction.
pub fn enqueue(conn: &mut DbConnection, tenant: &TenantId, m: &NewOutbound) -> AppResult<Outbound> {
    let id = crate::db::new_id();
    diesel::insert_into(outbound_emails::table)
        .values((
            outbound_emails::tenant_id.eq(tenant.as_str()),
            outbound_emails::id.eq(&id),
            outbound_emails::kind.eq(m.kind),
            outbound_emails::ticket_id.eq(m.ticket_id.as_deref()),
            outbound_emails::message_row_id.eq(m.message_row_id.as_deref()),
            outbound_emails::to_address.eq(&m.to),
            outbound_emails::cc.eq(m.cc.join(" ")),
            outbound_emails::message_id_header.eq(&m.message_id),
            outbound_emails::in_reply_to.eq(m.in_reply_to.as_deref()),
            outbound_emails::references_header.eq(m.references.join(" ")),
            outbound_emails::locale.eq(&m.locale),
            outbound_emails::state.eq(state::QUEUED),
            outbound_emails::attempts.eq(0),
            outbound_emails::created_at.eq(now()),
        ))
        .execute(conn)?;
    enqueue_job(conn, tenant, &id)?;
    get(conn, tenant, &id)
}

/// [`enqueue`] a notice about webhook subscription `sub_id` (kind `webhook_disabled`).
pub fn enqueue_about_webhook(
    conn: &mut DbConnection,
    tenant: &TenantId,
    m: &NewOutbound,
    sub_id: &str,
) -> AppResult<Outbound> {
    let row = enqueue(conn, tenant, m)?;
    // Same transaction: the job cannot run before the column is set.
    diesel::update(outbound_emails::table.find((tenant.as_str(), &row.id)))
        .set(outbound_emails::webhook_subscription_id.eq(sub_id))
        .execute(conn)?;
    get(conn, tenant, &row.id)
}

/// [`enqueue`] a mail carrying `link` (kind `agent_invite`, `password_reset` or `portal_link`).
pub fn enqueue_with_link(
    conn: &mut DbConnection,
    tenant: &TenantId,
    m: &NewOutbound,
    link: &str,
) -> AppResult<Outbound> {
    let row = enqueue(conn, tenant, m)?;
    // Same transaction: the job cannot run before the column is set.
    diesel::update(outbound_emails::table.find((tenant.as_str(), &row.id)))
        .set(outbound_emails::agent_link.eq(link))
        .execute(conn)?;
    get(conn, tenant, &row.id)
}

fn enqueue_job(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    jobs::enqueue(conn, &NewJob::new(SEND_JOB, Some(tenant), serde_json::json!({ "outbound_id": id })))?;
    Ok(())
}

/// One outbound mail of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Outbound> {
    Ok(outbound_emails::table.find((tenant.as_str(), id)).select(Outbound::as_select()).first(conn)?)
}

/// The mail of one ticket, oldest first.
pub fn for_ticket(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Vec<Outbound>> {
    Ok(outbound_emails::table
        .filter(outbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(outbound_emails::ticket_id.eq(ticket_id))
        .order((outbound_emails::created_at, outbound_emails::id))
        .select(Outbound::as_select())
        .load(conn)?)
}

/// Every outbound mail of this tenant, oldest first (tests and tools).
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Outbound>> {
    Ok(outbound_emails::table
        .filter(outbound_emails::tenant_id.eq(tenant.as_str()))
        .order((outbound_emails::created_at, outbound_emails::id))
        .select(Outbound::as_select())
        .load(conn)?)
}

/// The newest setup test of this tenant, if any.
pub fn last_test(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Option<Outbound>> {
    Ok(outbound_emails::table
        .filter(outbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(outbound_emails::kind.eq(kind::TEST))
        .order((outbound_emails::created_at.desc(), outbound_emails::id.desc()))
        .select(Outbound::as_select())
        .first(conn)
        .optional()?)
}

/// Acknowledgements sent to `address` since `since` (the per-requester limit).
pub fn acks_since(conn: &mut DbConnection, tenant: &TenantId, address: &str, since: NaiveDateTime) -> AppResult<i64> {
    Ok(outbound_emails::table
        .filter(outbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(outbound_emails::to_address.eq(address))
        .filter(outbound_emails::kind.eq(kind::ACK))
        .filter(outbound_emails::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// Record an attempt's outcome: `sent`, or a failure kept in `error` (`retrying` or `dead`).
pub fn mark(conn: &mut DbConnection, tenant: &TenantId, id: &str, st: &str, error: Option<&str>) -> AppResult<()> {
    // Errors can quote the peer; PostgreSQL text holds no NUL.
    let error: Option<String> = error.map(|e| e.replace('\0', "").chars().take(2000).collect());
    let sent_at = (st == state::SENT).then(now);
    diesel::update(outbound_emails::table.find((tenant.as_str(), id)))
        .set((
            outbound_emails::state.eq(st),
            outbound_emails::error.eq(error),
            outbound_emails::attempts.eq(outbound_emails::attempts + 1),
            outbound_emails::sent_at.eq(sent_at),
        ))
        .execute(conn)?;
    if st == state::SENT {
        // A sent link is the agent's to keep; the server holds no copy of the secret.
        diesel::update(outbound_emails::table.find((tenant.as_str(), id)))
            .set(outbound_emails::agent_link.eq(None::<String>))
            .execute(conn)?;
    }
    Ok(())
}

/// Send a dead mail again: back to `queued`, with a new job. The Message-ID stays, so the
/// customer's client threads it like the first attempt would have been.
pub fn retry(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Outbound> {
    let row = get(conn, tenant, id)?;
    if row.state != state::DEAD {
        return Err(AppError::Conflict("only undelivered mail can be retried".into()));
    }
    diesel::update(outbound_emails::table.find((tenant.as_str(), id)))
        .set(outbound_emails::state.eq(state::QUEUED))
        .execute(conn)?;
    enqueue_job(conn, tenant, id)?;
    get(conn, tenant, id)
}

/// If `message_id` is one of our setup tests coming back in, note its arrival; whether it was.
/// The inbound filer calls this first, so a test never opens a ticket.
pub fn note_test_arrival(conn: &mut DbConnection, tenant: &TenantId, message_id: &str) -> AppResult<bool> {
    let n = diesel::update(
        outbound_emails::table
            .filter(outbound_emails::tenant_id.eq(tenant.as_str()))
            .filter(outbound_emails::message_id_header.eq(message_id))
            .filter(outbound_emails::kind.eq(kind::TEST)),
    )
    .set(outbound_emails::arrived_at.eq(Some(now())))
    .execute(conn)?;
    Ok(n > 0)
}
