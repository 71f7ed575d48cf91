//! What threads mail onto tickets: every Message-ID we received or sent (`email_message_ids`),
//! each ticket's reply token (`email_reply_tokens`) and the people copied on its mail
//! (`email_participants`). All lookups are by tenant first: a Message-ID, token or ticket number
//! of another tenant finds nothing.

use diesel::prelude::*;

use crate::db::schema::{email_message_ids, email_participants, email_reply_tokens};
use crate::db::{now, DbConnection};
use crate::error::AppResult;
use crate::tenancy::TenantId;

/// A message key we know, and the ticket it belongs to.
#[derive(Debug, Clone, Queryable)]
pub struct KnownKey {
    pub ticket_id: String,
    pub direction: String,
}

/// Whether we received or sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// The ticket a message key (a Message-ID without `<>`, or `sha256:…`) belongs to, if known.
pub fn find_key(conn: &mut DbConnection, tenant: &TenantId, key: &str) -> AppResult<Option<KnownKey>> {
    Ok(email_message_ids::table
        .find((tenant.as_str(), key))
        .select((email_message_ids::ticket_id, email_message_ids::direction))
        .first(conn)
        .optional()?)
}

/// The ticket of the first of `keys` we know (threading by In-Reply-To, then References).
pub fn first_known(conn: &mut DbConnection, tenant: &TenantId, keys: &[String]) -> AppResult<Option<String>> {
    for k in keys {
        // Content hashes are ours, never a reference a mail client could make.
        if k.starts_with("sha256:") {
            continue;
        }
        if let Some(found) = find_key(conn, tenant, k)? {
            return Ok(Some(found.ticket_id));
        }
    }
    Ok(None)
}

/// One message key to record.
#[derive(Debug, Clone)]
pub struct KeyRecord<'a> {
    pub key: &'a str,
    pub ticket_id: &'a str,
    pub message_id: Option<&'a str>,
    pub inbound_id: Option<&'a str>,
    pub direction: Direction,
    pub auto_reply: bool,
}

/// Record a Message-ID we received or sent (the outbound half calls this for what it sends). A
/// key recorded twice is a unique violation: the caller's transaction rolls back, and a retried
/// filing then finds the message a duplicate.
pub fn record_key(conn: &mut DbConnection, tenant: &TenantId, r: &KeyRecord<'_>) -> AppResult<()> {
    diesel::insert_into(email_message_ids::table)
        .values((
            email_message_ids::tenant_id.eq(tenant.as_str()),
            email_message_ids::message_key.eq(r.key),
            email_message_ids::ticket_id.eq(r.ticket_id),
            email_message_ids::message_id.eq(r.message_id),
            email_message_ids::inbound_id.eq(r.inbound_id),
            email_message_ids::direction.eq(r.direction.as_str()),
            email_message_ids::auto_reply.eq(r.auto_reply),
            email_message_ids::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The ticket a reply token belongs to, if any.
pub fn ticket_for_token(conn: &mut DbConnection, tenant: &TenantId, token: &str) -> AppResult<Option<String>> {
    Ok(email_reply_tokens::table
        .find((tenant.as_str(), token))
        .select(email_reply_tokens::ticket_id)
        .first(conn)
        .optional()?)
}

/// The reply token of a ticket, made on first use (for its reply address `{slug}+{token}@…`).
pub fn reply_token_for(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<String> {
    let existing: Option<String> = email_reply_tokens::table
        .filter(email_reply_tokens::tenant_id.eq(tenant.as_str()))
        .filter(email_reply_tokens::ticket_id.eq(ticket_id))
        .select(email_reply_tokens::token)
        .first(conn)
        .optional()?;
    if let Some(t) = existing {
        return Ok(t);
    }
    let token = super::address::new_token();
    diesel::insert_into(email_reply_tokens::table)
        .values((
            email_reply_tokens::tenant_id.eq(tenant.as_str()),
            email_reply_tokens::token.eq(&token),
            email_reply_tokens::ticket_id.eq(ticket_id),
            email_reply_tokens::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Note people copied on a ticket's mail (lowercase addresses; known ones are skipped).
pub fn add_participants(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ticket_id: &str,
    emails: &[String],
) -> AppResult<()> {
    for e in emails {
        if is_participant(conn, tenant, ticket_id, e)? {
            continue;
        }
        diesel::insert_into(email_participants::table)
            .values((
                email_participants::tenant_id.eq(tenant.as_str()),
                email_participants::ticket_id.eq(ticket_id),
                email_participants::email.eq(e),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether `email` was copied on this ticket's mail.
pub fn is_participant(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str, email: &str) -> AppResult<bool> {
    Ok(email_participants::table
        .find((tenant.as_str(), ticket_id, email))
        .select(email_participants::email)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Everyone copied on this ticket's mail (lowercase addresses).
pub fn participants(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Vec<String>> {
    Ok(email_participants::table
        .filter(email_participants::tenant_id.eq(tenant.as_str()))
        .filter(email_participants::ticket_id.eq(ticket_id))
        .order(email_participants::email)
        .select(email_participants::email)
        .load(conn)?)
}
