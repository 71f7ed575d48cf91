//! Sign-in throttling by account and by client IP, kept in the database so every process agrees.
//!
//! An attempt is counted before its password is checked: [`begin`] checks both keys and records
//! the attempt in one transaction, serialised per key (across processes on PostgreSQL), so
//! parallel requests cannot all pass the check before any of them is counted. The recorded rows
//! stay as failures unless the sign-in succeeds ([`succeeded`]).

use diesel::prelude::*;

use crate::db::schema::signin_failures;
use crate::db::{backend, now, DbConnection};
use crate::error::{AppError, AppResult};

/// Limits for one window.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: i64,
    pub per_ip: i64,
    pub window_minutes: i64,
}

/// The throttle key for an account.
pub fn account_key(tenant_slug: &str, email: &str) -> String {
    format!("acct:{tenant_slug}:{}", email.trim().to_lowercase())
}

/// The throttle key for a client address.
pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// An attempt that passed the check and is counted: the row it holds against the client IP.
#[derive(Debug)]
pub struct Attempt {
    ip_row: i64,
}

fn attempts_since(conn: &mut DbConnection, key: &str, since: chrono::NaiveDateTime) -> AppResult<i64> {
    Ok(signin_failures::table
        .filter(signin_failures::throttle_key.eq(key))
        .filter(signin_failures::failed_at.gt(since))
        .count()
        .get_result(conn)?)
}

fn record(conn: &mut DbConnection, key: &str, at: chrono::NaiveDateTime) -> AppResult<i64> {
    Ok(diesel::insert_into(signin_failures::table)
        .values((signin_failures::throttle_key.eq(key), signin_failures::failed_at.eq(at)))
        .returning(signin_failures::id)
        .get_result(conn)?)
}

/// Refuse with 429 when either key has reached its limit in the window; otherwise count this
/// attempt against both. Must run inside a write transaction, which holds the keys until commit.
pub fn begin(conn: &mut DbConnection, limits: Limits, account: &str, ip: &str) -> AppResult<Attempt> {
    // Always account, then IP: every caller takes the locks in the same order.
    backend::lock_throttle_keys(conn, &[account, ip])?;
    let ts = now();
    let since = ts - chrono::Duration::minutes(limits.window_minutes);
    let over = attempts_since(conn, account, since)? >= limits.per_account
        || attempts_since(conn, ip, since)? >= limits.per_ip;
    if over {
        return Err(AppError::TooManyRequests { retry_after_secs: (limits.window_minutes * 60) as u64 });
    }
    record(conn, account, ts)?;
    Ok(Attempt { ip_row: record(conn, ip, ts)? })
}

/// The attempt signed in: forget the account's failures, and do not hold this success against
/// the client's address.
pub fn succeeded(conn: &mut DbConnection, account: &str, attempt: Attempt) -> AppResult<()> {
    diesel::delete(signin_failures::table.filter(signin_failures::throttle_key.eq(account))).execute(conn)?;
    diesel::delete(signin_failures::table.find(attempt.ip_row)).execute(conn)?;
    Ok(())
}

/// Drop failures older than a day.
pub fn purge_old(conn: &mut DbConnection) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::days(1);
    Ok(diesel::delete(signin_failures::table.filter(signin_failures::failed_at.lt(cutoff))).execute(conn)?)
}
