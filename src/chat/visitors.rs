//! Widget visitors: one per browser, known by a random token that only the browser holds (we
//! keep its sha256), scoped to one tenant. A visitor whose identity the tenant signed is tied to
//! that contact, so their conversation follows them across devices.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::accounts::tokens::{hash_token, random_secret};
use crate::db::schema::{chat_visitors, tickets};
use crate::db::{new_id, now, DbConnection};
use crate::error::AppResult;
use crate::tenancy::TenantId;
use crate::types::Channel;

/// How long a connection's lease lasts without renewal; sockets renew well before.
pub const LEASE_SECS: i64 = 90;

/// A visitor row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_visitors)]
pub struct Visitor {
    pub tenant_id: String,
    pub id: String,
    pub contact_id: Option<String>,
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
    /// The current conversation (a ticket id).
    pub ticket_id: Option<String>,
}

/// A new visitor and its token (shown once, to the widget).
pub fn create(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<(Visitor, String)> {
    let token = format!("vt_{}", random_secret(32));
    let v = Visitor {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        contact_id: None,
        external_id: None,
        name: None,
        email: None,
        locale: None,
        ticket_id: None,
    };
    diesel::insert_into(chat_visitors::table)
        .values((
            chat_visitors::tenant_id.eq(&v.tenant_id),
            chat_visitors::id.eq(&v.id),
            chat_visitors::token_hash.eq(hash_token(&token)),
            chat_visitors::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok((v, token))
}

/// The visitor holding `token` in this tenant; another tenant's token finds nothing.
pub fn by_token(conn: &mut DbConnection, tenant: &TenantId, token: &str) -> AppResult<Option<Visitor>> {
    Ok(chat_visitors::table
        .filter(chat_visitors::tenant_id.eq(tenant.as_str()))
        .filter(chat_visitors::token_hash.eq(hash_token(token)))
        .select(Visitor::as_select())
        .first(conn)
        .optional()?)
}

/// One visitor by id.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Visitor> {
    Ok(chat_visitors::table.find((tenant.as_str(), id)).select(Visitor::as_select()).first(conn)?)
}

/// Lock the visitor's row until the transaction ends (a no-op write; SQLite writers are
/// serialised anyway) and read it as it is then, in one statement.
pub fn lock(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Visitor> {
    use chat_visitors as v;
    Ok(diesel::update(v::table.find((tenant.as_str(), id)))
        .set(v::id.eq(v::id))
        .returning((v::tenant_id, v::id, v::contact_id, v::external_id, v::name, v::email, v::locale, v::ticket_id))
        .get_result::<Visitor>(conn)?)
}

/// What the visitor told us about themselves in `hello` (each given field replaces the stored one).
pub fn update_profile(
    conn: &mut DbConnection,
    v: &mut Visitor,
    name: Option<&str>,
    email: Option<&str>,
    locale: Option<&str>,
) -> AppResult<()> {
    if let Some(n) = name {
        v.name = Some(crate::accounts::validate_name("name", n)?);
    }
    if let Some(e) = email {
        let e = crate::accounts::normalize_email("email", e)?;
        give_contact_email(conn, v, &e)?;
        v.email = Some(e);
    }
    if let Some(l) = locale {
        v.locale = Some(crate::tickets::commands::validate_language(l)?);
    }
    diesel::update(chat_visitors::table.find((&v.tenant_id, &v.id)))
        .set((chat_visitors::name.eq(&v.name), chat_visitors::email.eq(&v.email), chat_visitors::locale.eq(&v.locale)))
        .execute(conn)?;
    Ok(())
}

/// An address given after the conversation opened goes to its anonymous contact, so replies can
/// be mailed; when another contact already has it, the conversation's contact stays as it is.
fn give_contact_email(conn: &mut DbConnection, v: &Visitor, email: &str) -> AppResult<()> {
    let Some(id) = &v.contact_id else { return Ok(()) };
    let tenant = TenantId::from_trusted(v.tenant_id.clone());
    let contact = crate::accounts::contacts::get(conn, &tenant, &id.as_str().into())?;
    // Checked first: on PostgreSQL a failed unique insert would abort the whole transaction.
    if contact.email.is_none() && crate::accounts::contacts::by_email(conn, &tenant, email)?.is_none() {
        crate::accounts::contacts::update(conn, &tenant, id, Some(Some(email)), None, None)?;
    }
    Ok(())
}

/// Point the visitor at a conversation and (when known) its contact.
pub fn set_conversation(
    conn: &mut DbConnection,
    v: &mut Visitor,
    ticket_id: Option<&str>,
    contact_id: Option<&str>,
) -> AppResult<()> {
    v.ticket_id = ticket_id.map(str::to_string);
    if contact_id.is_some() {
        v.contact_id = contact_id.map(str::to_string);
    }
    diesel::update(chat_visitors::table.find((&v.tenant_id, &v.id)))
        .set((chat_visitors::ticket_id.eq(&v.ticket_id), chat_visitors::contact_id.eq(&v.contact_id)))
        .execute(conn)?;
    Ok(())
}

/// Whether `signature` is the hex HMAC-SHA256, keyed by `secret`, of `"{user_id}:{email}"`.
/// Compared in constant time.
pub fn identity_valid(secret: &str, user_id: &str, email: &str, signature: &str) -> bool {
    let Ok(sig) = hex::decode(signature.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(format!("{user_id}:{email}").as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// Tie the visitor to the contact with this (verified) email and continue that contact's latest
/// chat conversation, whichever browser it began in.
pub fn attach_identity(conn: &mut DbConnection, v: &mut Visitor, user_id: &str, email: &str) -> AppResult<()> {
    let tenant = TenantId::from_trusted(v.tenant_id.clone());
    let contact = crate::accounts::contacts::find_or_create(conn, &tenant, email, v.name.as_deref())?;
    let latest: Option<String> = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::requester_id.eq(contact.id.as_str()))
        .filter(tickets::channel.eq(Channel::Chat))
        .order(tickets::created_at.desc())
        .select(tickets::id)
        .first(conn)
        .optional()?;
    v.external_id = Some(user_id.to_string());
    v.email = contact.email.clone();
    v.contact_id = Some(contact.id.to_string());
    if latest.is_some() {
        v.ticket_id = latest;
    }
    diesel::update(chat_visitors::table.find((&v.tenant_id, &v.id)))
        .set((
            chat_visitors::external_id.eq(&v.external_id),
            chat_visitors::email.eq(&v.email),
            chat_visitors::contact_id.eq(&v.contact_id),
            chat_visitors::ticket_id.eq(&v.ticket_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Renew (`Some`) or end (`None`) the visitor's connection lease.
pub fn lease(conn: &mut DbConnection, tenant: &TenantId, id: &str, open: bool) -> AppResult<()> {
    let until: NaiveDateTime =
        if open { now() + chrono::Duration::seconds(LEASE_SECS) } else { now() - chrono::Duration::seconds(1) };
    diesel::update(chat_visitors::table.find((tenant.as_str(), id)))
        .set(chat_visitors::connected_until.eq(until))
        .execute(conn)?;
    Ok(())
}

/// Longest page address kept.
const MAX_PAGE_URL: usize = 1000;

/// Note the page the visitor is on: an http(s) address, else nothing is kept (it is shown to
/// agents as a link).
pub fn set_page(conn: &mut DbConnection, tenant: &TenantId, id: &str, page_url: &str) -> AppResult<()> {
    let ok = page_url.len() <= MAX_PAGE_URL
        && url::Url::parse(page_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if ok {
        diesel::update(chat_visitors::table.find((tenant.as_str(), id)))
            .set(chat_visitors::page_url.eq(page_url))
            .execute(conn)?;
    }
    Ok(())
}

/// The page the conversation's visitor was last on, if known.
pub fn page_of(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Option<String>> {
    Ok(chat_visitors::table
        .filter(chat_visitors::tenant_id.eq(tenant.as_str()))
        .filter(chat_visitors::ticket_id.eq(ticket_id))
        .filter(chat_visitors::page_url.is_not_null())
        .order(chat_visitors::connected_until.desc())
        .select(chat_visitors::page_url)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The visitor has seen the conversation up to `message_id` (one of its ticket's messages;
/// anything else is ignored).
pub fn mark_read(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    ticket_id: &str,
    message_id: &str,
) -> AppResult<()> {
    use crate::db::schema::messages;
    let of_ticket: Option<String> = messages::table
        .find((tenant.as_str(), message_id))
        .filter(messages::ticket_id.eq(ticket_id))
        .select(messages::id)
        .first(conn)
        .optional()?;
    if of_ticket.is_some() {
        diesel::update(chat_visitors::table.find((tenant.as_str(), id)))
            .set(chat_visitors::read_message_id.eq(message_id))
            .execute(conn)?;
    }
    Ok(())
}

/// When the newest message the conversation's visitor has seen was sent, if known.
pub fn read_up_to(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Option<NaiveDateTime>> {
    use crate::db::schema::messages;
    let ids: Vec<String> = chat_visitors::table
        .filter(chat_visitors::tenant_id.eq(tenant.as_str()))
        .filter(chat_visitors::ticket_id.eq(ticket_id))
        .filter(chat_visitors::read_message_id.is_not_null())
        .select(chat_visitors::read_message_id.assume_not_null())
        .load(conn)?;
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(messages::table
        .filter(messages::tenant_id.eq(tenant.as_str()))
        .filter(messages::ticket_id.eq(ticket_id))
        .filter(messages::id.eq_any(&ids))
        .select(diesel::dsl::max(messages::created_at))
        .first(conn)?)
}

/// Whether a widget showing this conversation is connected now (in any process).
pub fn connected_to(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<bool> {
    use diesel::dsl::exists;
    let q = chat_visitors::table
        .filter(chat_visitors::tenant_id.eq(tenant.as_str()))
        .filter(chat_visitors::ticket_id.eq(ticket_id))
        .filter(chat_visitors::connected_until.gt(now()));
    Ok(diesel::select(exists(q)).get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_signature_is_hmac_of_id_colon_email() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"u42:ana@example.com");
        let sig = hex::encode(mac.finalize().into_bytes());
        assert!(identity_valid("s3cret", "u42", "ana@example.com", &sig));
        assert!(!identity_valid("s3cret", "u43", "ana@example.com", &sig));
        assert!(!identity_valid("other", "u42", "ana@example.com", &sig));
        assert!(!identity_valid("s3cret", "u42", "ana@example.com", "zz"));
    }
}
