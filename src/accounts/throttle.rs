//! Sign-in throttling by account and by client IP, kept in the database so every process agrees.

use diesel::prelude::*;

use crate::db::schema::signin_failures;
use crate::db::{now, DbConnection};
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

fn failures_since(conn: &mut DbConnection, key: &str, since: chrono::NaiveDateTime) -> AppResult<i64> {
    Ok(signin_failures::table
        .filter(signin_failures::throttle_key.eq(key))
        .filter(signin_failures::failed_at.gt(since))
        .count()
        .get_result(conn)?)
}

/// Refuse with 429 when either key has too many recent failures.
pub fn check(conn: &mut DbConnection, limits: Limits, account: &str, ip: &str) -> AppResult<()> {
    let since = now() - chrono::Duration::minutes(limits.window_minutes);
    let over = failures_since(conn, account, since)? >= limits.per_account
        || failures_since(conn, ip, since)? >= limits.per_ip;
    if over {
        return Err(AppError::TooManyRequests { retry_after_secs: (limits.window_minutes * 60) as u64 });
    }
    Ok(())
}

/// Record a failed attempt against both keys.
pub fn record_failure(conn: &mut DbConnection, account: &str, ip: &str) -> AppResult<()> {
    let ts = now();
    for key in [account, ip] {
        diesel::insert_into(signin_failures::table)
            .values((signin_failures::throttle_key.eq(key), signin_failures::failed_at.eq(ts)))
            .execute(conn)?;
    }
    Ok(())
}

/// Forget an account's failures after a successful sign-in.
pub fn clear(conn: &mut DbConnection, account: &str) -> AppResult<()> {
    diesel::delete(signin_failures::table.filter(signin_failures::throttle_key.eq(account))).execute(conn)?;
    Ok(())
}

/// Drop failures older than a day.
pub fn purge_old(conn: &mut DbConnection) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::days(1);
    Ok(diesel::delete(signin_failures::table.filter(signin_failures::failed_at.lt(cutoff))).execute(conn)?)
}
