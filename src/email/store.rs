//! Inbound rows: each received message, per recipient tenant, with its raw bytes and sha256,
//! stored (with the job that files it) before the sender is answered. Rows are never deleted:
//! a message that cannot be filed stays `failed` with its error, for inspection and retry.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::batch::Combiner;
use crate::db::schema::{inbound_emails, tenant_inbound_secrets};
use crate::db::{new_id, now, Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;

/// Which door a message came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The built-in SMTP listener.
    Smtp,
    /// `POST /inbound/email/{slug}`.
    Http,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Smtp => "smtp",
            Source::Http => "http",
        }
    }
}

/// Where a message is in filing.
pub mod state {
    /// Stored, waiting for its job.
    pub const RECEIVED: &str = "received";
    /// On a ticket.
    pub const FILED: &str = "filed";
    /// Seen before (same Message-ID or same content); points at the ticket it went to.
    pub const DUPLICATE: &str = "duplicate";
    /// Could not be filed; `error` says why (quarantine).
    pub const FAILED: &str = "failed";
}

/// The envelope of one stored message for one tenant.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub source: Source,
    /// SMTP `MAIL FROM` (empty for bounces); `None` over HTTP.
    pub from: Option<String>,
    /// The recipient address that named this tenant.
    pub recipient: String,
    /// The reply token of a plus address, if any.
    pub reply_token: Option<String>,
}

/// An inbound row without its raw bytes.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = inbound_emails)]
pub struct Inbound {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub received_at: NaiveDateTime,
    pub source: String,
    pub envelope_from: Option<String>,
    pub recipient: String,
    pub reply_token: Option<String>,
    pub size_bytes: i64,
    pub sha256: String,
    pub state: String,
    pub message_id_header: Option<String>,
    pub auto_reply: bool,
    pub ticket_id: Option<String>,
    pub message_row_id: Option<String>,
    pub error: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub filed_at: Option<NaiveDateTime>,
}

/// The sha256 of raw bytes, hex.
pub fn sha256_hex(raw: &[u8]) -> String {
    hex::encode(Sha256::digest(raw))
}

/// Store one received message for one tenant and enqueue its `mail.file` job, in the caller's
/// transaction; returns the row's id. The caller answers the sender only after the commit.
pub fn store(
    conn: &mut DbConnection,
    tenant: &TenantId,
    envelope: &Envelope,
    raw: &[u8],
    sha256: &str,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(inbound_emails::table)
        .values((
            inbound_emails::tenant_id.eq(tenant.as_str()),
            inbound_emails::id.eq(&id),
            inbound_emails::received_at.eq(now()),
            inbound_emails::source.eq(envelope.source.as_str()),
            inbound_emails::envelope_from.eq(envelope.from.as_deref()),
            inbound_emails::recipient.eq(&envelope.recipient),
            inbound_emails::reply_token.eq(envelope.reply_token.as_deref()),
            inbound_emails::size_bytes.eq(raw.len() as i64),
            inbound_emails::sha256.eq(sha256),
            inbound_emails::raw.eq(raw),
            inbound_emails::state.eq(state::RECEIVED),
            inbound_emails::auto_reply.eq(false),
        ))
        .execute(conn)?;
    enqueue_filing(conn, tenant, &id, envelope.from.as_deref())?;
    Ok(id)
}

/// One received message to commit: a row (and job) per recipient tenant, all or none.
pub struct Received {
    pub envelopes: Vec<(TenantId, Envelope)>,
    pub raw: Vec<u8>,
    pub sha256: String,
}

/// Group commit for both doors: messages arriving while an earlier batch is being written share
/// the next transaction, so a burst costs one commit (one fsync) per batch rather than per
/// message. Each message is written in its own savepoint, so a message that fails rolls back alone;
/// a batch whose commit fails is written again one message per transaction. The answer comes
/// only after the commit that holds the message's rows, which is when a door may say 250 / 202.
#[derive(Clone)]
pub struct Receiver {
    combiner: Combiner<Received, Vec<String>>,
}

impl Receiver {
    /// A receiver writing to `db`.
    pub fn new(db: Db) -> Self {
        Receiver { combiner: Combiner::new(db, Box::new(write_received)) }
    }

    /// Commit `msg` (its rows, bytes and filing jobs); the row ids, one per envelope, in order.
    pub async fn store(&self, msg: Received) -> AppResult<Vec<String>> {
        // Batches are formed per first recipient tenant: a tenant's burst shares commits and
        // different tenants' writers run side by side, as ticket intake does.
        let Some((key, _)) = msg.envelopes.first() else { return Ok(vec![]) };
        let key = key.clone();
        self.combiner.submit(&key, msg).await
    }

    /// (batches written, messages in them) since start, for metrics.
    pub fn totals(&self) -> (u64, u64) {
        self.combiner.totals()
    }
}

fn write_received(conn: &mut DbConnection, _: &TenantId, items: &[Received]) -> AppResult<Vec<AppResult<Vec<String>>>> {
    Ok(items
        .iter()
        .map(|m| {
            conn.transaction(|c| {
                m.envelopes.iter().map(|(t, e)| store(c, t, e, &m.raw, &m.sha256)).collect::<AppResult<Vec<_>>>()
            })
        })
        .collect())
}

/// Filing runs in a lane per tenant and envelope sender: one sender's messages are filed in the
/// order they arrived (a follow-up never overtakes the message it follows), while mail from
/// different senders is filed side by side.
fn enqueue_filing(conn: &mut DbConnection, tenant: &TenantId, id: &str, sender: Option<&str>) -> AppResult<()> {
    let lane = format!("mail:{}:{}", tenant.as_str(), sender.unwrap_or("").to_lowercase());
    let job = NewJob::new(super::FILE_JOB, Some(tenant), serde_json::json!({ "inbound_id": id })).in_lane(lane);
    jobs::enqueue(conn, &job)?;
    Ok(())
}

/// One inbound row of this tenant (without its bytes).
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Inbound> {
    Ok(inbound_emails::table.find((tenant.as_str(), id)).select(Inbound::as_select()).first(conn)?)
}

/// The raw bytes of one inbound row of this tenant, exactly as received.
pub fn raw(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Vec<u8>> {
    Ok(inbound_emails::table.find((tenant.as_str(), id)).select(inbound_emails::raw).first(conn)?)
}

/// Every inbound row of this tenant, oldest first (tests and tools).
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Inbound>> {
    Ok(inbound_emails::table
        .filter(inbound_emails::tenant_id.eq(tenant.as_str()))
        .order((inbound_emails::received_at, inbound_emails::id))
        .select(Inbound::as_select())
        .load(conn)?)
}

/// This tenant's quarantined messages, newest first.
pub fn list_failed(conn: &mut DbConnection, tenant: &TenantId, limit: i64) -> AppResult<Vec<Inbound>> {
    Ok(inbound_emails::table
        .filter(inbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(inbound_emails::state.eq(state::FAILED))
        .order((inbound_emails::received_at.desc(), inbound_emails::id.desc()))
        .limit(limit)
        .select(Inbound::as_select())
        .load(conn)?)
}

diesel::define_sql_function!(fn substr(x: diesel::sql_types::Binary, start: diesel::sql_types::Integer, len: diesel::sql_types::Integer) -> diesel::sql_types::Binary);

/// How much of a quarantined message's start is read to show its sender and subject: enough for
/// any sane header block, without loading a 30 MiB message per row.
pub const HEAD_BYTES: i32 = 16 * 1024;

/// This tenant's quarantined messages, newest first, each with the first [`HEAD_BYTES`] of its
/// raw bytes (for the console's list).
pub fn list_failed_with_head(
    conn: &mut DbConnection,
    tenant: &TenantId,
    limit: i64,
) -> AppResult<Vec<(Inbound, Vec<u8>)>> {
    Ok(inbound_emails::table
        .filter(inbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(inbound_emails::state.eq(state::FAILED))
        .order((inbound_emails::received_at.desc(), inbound_emails::id.desc()))
        .limit(limit)
        .select((Inbound::as_select(), substr(inbound_emails::raw, 1, HEAD_BYTES)))
        .load(conn)?)
}

/// What the API tells about a message that came by mail (from its inbound row).
#[derive(Debug, Clone, Queryable)]
pub struct MailFacts {
    /// The inbound row's id (its raw source downloads by it).
    pub inbound_id: String,
    /// The message this row was filed as.
    pub message_row_id: Option<String>,
    /// The Message-ID header, without `<>`.
    pub message_id_header: Option<String>,
    pub auto_reply: bool,
    /// From, To and Cc as JSON text (see [`Filed::header_addresses`]).
    pub header_addresses: Option<String>,
}

/// The mail facts of those of `message_ids` that came by mail, by message id.
pub fn mail_facts(
    conn: &mut DbConnection,
    tenant: &TenantId,
    message_ids: &[String],
) -> AppResult<std::collections::HashMap<String, MailFacts>> {
    let rows: Vec<MailFacts> = inbound_emails::table
        .filter(inbound_emails::tenant_id.eq(tenant.as_str()))
        .filter(inbound_emails::message_row_id.eq_any(message_ids))
        .select((
            inbound_emails::id,
            inbound_emails::message_row_id,
            inbound_emails::message_id_header,
            inbound_emails::auto_reply,
            inbound_emails::header_addresses,
        ))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|r| Some((r.message_row_id.clone()?, r))).collect())
}

/// File a quarantined message again: back to `received`, with a new job.
pub fn retry_failed(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Inbound> {
    let row = get(conn, tenant, id)?;
    if row.state != state::FAILED {
        return Err(AppError::Conflict("only failed messages can be retried".into()));
    }
    diesel::update(inbound_emails::table.find((tenant.as_str(), id)))
        .set((inbound_emails::state.eq(state::RECEIVED), inbound_emails::error.eq(None::<String>)))
        .execute(conn)?;
    enqueue_filing(conn, tenant, id, row.envelope_from.as_deref())?;
    get(conn, tenant, id)
}

/// The outcome of filing, written to the row.
#[derive(Debug, Clone)]
pub struct Filed<'a> {
    pub state: &'static str,
    pub message_id_header: Option<&'a str>,
    pub auto_reply: bool,
    pub ticket_id: Option<&'a str>,
    pub message_row_id: Option<&'a str>,
    /// From, To and Cc as JSON (`{"from": {"email", "name"}, "to": [...], "cc": [...]}`).
    pub header_addresses: Option<String>,
}

/// Record how a message was filed (or that it was a duplicate).
pub fn mark_filed(conn: &mut DbConnection, tenant: &TenantId, id: &str, f: &Filed<'_>) -> AppResult<()> {
    diesel::update(inbound_emails::table.find((tenant.as_str(), id)))
        .set((
            inbound_emails::state.eq(f.state),
            inbound_emails::message_id_header.eq(f.message_id_header),
            inbound_emails::auto_reply.eq(f.auto_reply),
            inbound_emails::ticket_id.eq(f.ticket_id),
            inbound_emails::message_row_id.eq(f.message_row_id),
            inbound_emails::error.eq(None::<String>),
            inbound_emails::filed_at.eq(Some(now())),
            inbound_emails::header_addresses.eq(f.header_addresses.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Quarantine a message with the reason it could not be filed.
pub fn mark_failed(conn: &mut DbConnection, tenant: &TenantId, id: &str, error: &str) -> AppResult<()> {
    // Errors can quote the message; PostgreSQL text holds no NUL.
    let error: String = error.replace('\0', "").chars().take(2000).collect();
    diesel::update(inbound_emails::table.find((tenant.as_str(), id)))
        .filter(inbound_emails::state.eq(state::RECEIVED))
        .set((inbound_emails::state.eq(state::FAILED), inbound_emails::error.eq(error)))
        .execute(conn)?;
    Ok(())
}

/// The tenant's inbound secret (the bearer token of its HTTP mail door), made on first use.
pub fn inbound_secret(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<String> {
    let read = |conn: &mut DbConnection| -> AppResult<Option<String>> {
        Ok(tenant_inbound_secrets::table
            .find(tenant.as_str())
            .select(tenant_inbound_secrets::secret)
            .first(conn)
            .optional()?)
    };
    if let Some(s) = read(conn)? {
        return Ok(s);
    }
    let secret = format!("mri_{}", crate::accounts::tokens::random_secret(32));
    crate::db::on_backend!(conn, |c| diesel::insert_into(tenant_inbound_secrets::table)
        .values((
            tenant_inbound_secrets::tenant_id.eq(tenant.as_str()),
            tenant_inbound_secrets::secret.eq(&secret),
            tenant_inbound_secrets::created_at.eq(now()),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    // A concurrent first use may have won; everyone uses the stored one.
    read(conn)?.ok_or_else(|| AppError::Internal(anyhow::anyhow!("inbound secret not stored")))
}

/// Replace the tenant's inbound secret; the old one stops working at once.
pub fn rotate_inbound_secret(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<String> {
    diesel::delete(tenant_inbound_secrets::table.find(tenant.as_str())).execute(conn)?;
    inbound_secret(conn, tenant)
}

/// The stored inbound secret, if the tenant has one (the HTTP door never creates it).
pub fn stored_inbound_secret(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Option<String>> {
    Ok(tenant_inbound_secrets::table
        .find(tenant.as_str())
        .select(tenant_inbound_secrets::secret)
        .first(conn)
        .optional()?)
}
