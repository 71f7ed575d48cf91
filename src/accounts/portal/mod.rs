//! The help center's customer portal: sign-in by a one-time link mailed to a contact, and the
//! session it opens. Secrets (the link's and the cookie's) are 32 random bytes; only their
//! SHA-256 is stored. Both belong to one tenant and one contact: looked up under another
//! tenant they are unknown, so a link or cookie of one help center never works on another.

pub mod schema;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use self::schema::{portal_links, portal_sessions};
use super::contacts::{self, Contact};
use super::tokens;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// How long a sign-in link works.
pub const LINK_MINUTES: i64 = 30;
/// How long a portal session lasts.
pub const SESSION_DAYS: i64 = 7;
/// Sign-in links one address may ask for in [`WINDOW_MINUTES`].
pub const PER_ADDRESS: i64 = 5;
/// Sign-in links one client address may ask for in [`WINDOW_MINUTES`].
pub const PER_IP: i64 = 20;
/// The rate limits' window.
pub const WINDOW_MINUTES: i64 = 15;

/// A signed-in customer: the session and the contact it is for (the survivor, when the
/// contact it was opened for was merged since).
#[derive(Debug, Clone)]
pub struct Customer {
    pub session_id: String,
    pub csrf_token: String,
    pub contact: Contact,
}

/// Issue a sign-in link for a contact; returns the secret (only its hash is stored).
pub fn issue_link(conn: &mut DbConnection, tenant: &TenantId, contact_id: &str) -> AppResult<String> {
    let secret = tokens::random_secret(32);
    let ts = now();
    diesel::insert_into(portal_links::table)
        .values((
            portal_links::tenant_id.eq(tenant.as_str()),
            portal_links::id.eq(new_id()),
            portal_links::contact_id.eq(contact_id),
            portal_links::token_hash.eq(tokens::hash_token(&secret)),
            portal_links::created_at.eq(ts),
            portal_links::expires_at.eq(ts + Duration::minutes(LINK_MINUTES)),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// The live link with this secret in this tenant: (link id, contact id). Unknown, used,
/// expired or another tenant's: all `NotFound`, never told apart.
fn live_link(conn: &mut DbConnection, tenant: &TenantId, secret: &str) -> AppResult<(String, String)> {
    if secret.is_empty() || secret.len() > 200 {
        return Err(AppError::NotFound);
    }
    Ok(portal_links::table
        .filter(portal_links::tenant_id.eq(tenant.as_str()))
        .filter(portal_links::token_hash.eq(tokens::hash_token(secret)))
        .filter(portal_links::used_at.is_null())
        .filter(portal_links::expires_at.gt(now()))
        .select((portal_links::id, portal_links::contact_id))
        .first(conn)?)
}

/// Whether a link still works, without using it up (the page behind the link only shows a
/// button: mail scanners fetch links, and must not spend them).
pub fn link_works(conn: &mut DbConnection, tenant: &TenantId, secret: &str) -> AppResult<bool> {
    match live_link(conn, tenant, secret) {
        Ok(_) => Ok(true),
        Err(AppError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Use a link and open a session for its contact; returns the session's cookie secret. The link
/// is claimed with a conditional update, so two submissions of one link cannot both sign in.
pub fn redeem(conn: &mut DbConnection, tenant: &TenantId, secret: &str) -> AppResult<String> {
    let (id, contact_id) = live_link(conn, tenant, secret)?;
    let claimed = diesel::update(portal_links::table.find((tenant.as_str(), id.as_str())))
        .filter(portal_links::used_at.is_null())
        .set(portal_links::used_at.eq(now()))
        .execute(conn)?;
    if claimed != 1 {
        return Err(AppError::NotFound);
    }
    let contact = contacts::resolve(conn, tenant, &contact_id.as_str().into())?;
    let cookie = tokens::random_secret(32);
    let ts = now();
    diesel::insert_into(portal_sessions::table)
        .values((
            portal_sessions::tenant_id.eq(tenant.as_str()),
            portal_sessions::id.eq(new_id()),
            portal_sessions::contact_id.eq(contact.id.as_str()),
            portal_sessions::token_hash.eq(tokens::hash_token(&cookie)),
            portal_sessions::csrf_token.eq(tokens::random_secret(24)),
            portal_sessions::created_at.eq(ts),
            portal_sessions::expires_at.eq(ts + Duration::days(SESSION_DAYS)),
        ))
        .execute(conn)?;
    Ok(cookie)
}

/// The live session with this cookie secret in this tenant, if any, with its contact followed
/// to the survivor of any merge.
pub fn session(conn: &mut DbConnection, tenant: &TenantId, cookie: &str) -> AppResult<Option<Customer>> {
    if cookie.is_empty() || cookie.len() > 200 {
        return Ok(None);
    }
    let row: Option<(String, String, String)> = portal_sessions::table
        .filter(portal_sessions::tenant_id.eq(tenant.as_str()))
        .filter(portal_sessions::token_hash.eq(tokens::hash_token(cookie)))
        .filter(portal_sessions::revoked_at.is_null())
        .filter(portal_sessions::expires_at.gt(now()))
        .select((portal_sessions::id, portal_sessions::contact_id, portal_sessions::csrf_token))
        .first(conn)
        .optional()?;
    let Some((session_id, contact_id, csrf_token)) = row else { return Ok(None) };
    let contact = contacts::resolve(conn, tenant, &contact_id.as_str().into())?;
    Ok(Some(Customer { session_id, csrf_token, contact }))
}

/// End a session (sign out).
pub fn revoke(conn: &mut DbConnection, tenant: &TenantId, session_id: &str) -> AppResult<()> {
    diesel::update(portal_sessions::table.find((tenant.as_str(), session_id)))
        .filter(portal_sessions::revoked_at.is_null())
        .set(portal_sessions::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Delete links and sessions that stopped working more than a day ago.
pub fn purge_old(conn: &mut DbConnection) -> AppResult<usize> {
    let cutoff: NaiveDateTime = now() - Duration::days(1);
    let links = diesel::delete(portal_links::table.filter(portal_links::expires_at.lt(cutoff))).execute(conn)?;
    let sessions = diesel::delete(
        portal_sessions::table
            .filter(portal_sessions::expires_at.lt(cutoff).or(portal_sessions::revoked_at.lt(cutoff))),
    )
    .execute(conn)?;
    Ok(links + sessions)
}

/// The contact a sign-in request for `email` is for, if the tenant has one (a merged contact's
/// address finds the survivor).
pub fn contact_for(conn: &mut DbConnection, tenant: &TenantId, email: &str) -> AppResult<Option<Contact>> {
    contacts::by_email(conn, tenant, email)
}
