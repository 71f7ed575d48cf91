//! Monitoring alerts in: every post to `POST /inbound/alerts/{slug}` is stored with its raw bytes
//! before it is answered (this file, like `email::store` for mail), read by `parse.rs` (pure:
//! Alertmanager, Grafana, Zabbix, generic) and turned into tickets by the `alert.process` job
//! (`process.rs`): one ticket per fingerprint, opened through the intake.

pub mod notify;
pub mod parse;
pub mod process;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{alert_posts, alert_settings};
use crate::db::{new_id, now, DbConnection};
use crate::error::AppResult;
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;

/// Kind of the job that turns a stored post into tickets.
pub const PROCESS_JOB: &str = "alert.process";

/// Where a post is in processing.
pub mod state {
    /// Stored and readable, waiting for its job.
    pub const RECEIVED: &str = "received";
    /// Its alerts are on tickets.
    pub const PROCESSED: &str = "processed";
    /// It could not be read (or processed); `error` says why.
    pub const FAILED: &str = "failed";
}

/// An alert post without its raw bytes.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = alert_posts)]
pub struct AlertPost {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub received_at: NaiveDateTime,
    /// `alertmanager`, `grafana`, `grafana_legacy`, `zabbix`, `generic`, or `unknown`.
    pub format: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub state: String,
    pub alert_count: i32,
    pub error: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub processed_at: Option<NaiveDateTime>,
    /// The API token that posted it.
    #[serde(skip)]
    pub token_id: Option<String>,
}

/// Store a post. A readable one (`error` is `None`) is `received` with its `alert.process` job;
/// one that cannot be read is `failed` with the error, kept for inspection. In the caller's
/// transaction; returns the row's id.
pub fn store(
    conn: &mut DbConnection,
    tenant: &TenantId,
    token_id: &str,
    format: Option<parse::Format>,
    raw: &[u8],
    alerts: usize,
    error: Option<&str>,
) -> AppResult<String> {
    let id = new_id();
    // PostgreSQL text holds no NUL; errors can quote the payload.
    let error: Option<String> = error.map(|e| e.replace('\0', "").chars().take(2000).collect());
    diesel::insert_into(alert_posts::table)
        .values((
            alert_posts::tenant_id.eq(tenant.as_str()),
            alert_posts::id.eq(&id),
            alert_posts::received_at.eq(now()),
            alert_posts::format.eq(format.map_or("unknown", parse::Format::as_str)),
            alert_posts::size_bytes.eq(raw.len() as i64),
            alert_posts::sha256.eq(crate::email::store::sha256_hex(raw)),
            alert_posts::raw.eq(raw),
            alert_posts::state.eq(if error.is_some() { state::FAILED } else { state::RECEIVED }),
            alert_posts::alert_count.eq(alerts as i32),
            alert_posts::error.eq(&error),
            alert_posts::token_id.eq(token_id),
        ))
        .execute(conn)?;
    if error.is_none() {
        jobs::enqueue(conn, &NewJob::new(PROCESS_JOB, Some(tenant), serde_json::json!({ "post_id": id })))?;
    }
    Ok(id)
}

/// One post of this tenant with its raw bytes.
pub fn get_with_raw(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<(AlertPost, Vec<u8>)> {
    Ok(alert_posts::table.find((tenant.as_str(), id)).select((AlertPost::as_select(), alert_posts::raw)).first(conn)?)
}

/// This tenant's posts that could not be read or processed, newest first, with their raw bytes.
pub fn list_failed(conn: &mut DbConnection, tenant: &TenantId, limit: i64) -> AppResult<Vec<(AlertPost, Vec<u8>)>> {
    Ok(alert_posts::table
        .filter(alert_posts::tenant_id.eq(tenant.as_str()))
        .filter(alert_posts::state.eq(state::FAILED))
        .order((alert_posts::received_at.desc(), alert_posts::id.desc()))
        .limit(limit)
        .select((AlertPost::as_select(), alert_posts::raw))
        .load(conn)?)
}

/// Record how a post ended: processed, or failed with the reason.
pub fn finish(conn: &mut DbConnection, tenant: &TenantId, id: &str, error: Option<&str>) -> AppResult<()> {
    let error: Option<String> = error.map(|e| e.replace('\0', "").chars().take(2000).collect());
    diesel::update(alert_posts::table.find((tenant.as_str(), id)))
        .filter(alert_posts::state.eq(state::RECEIVED))
        .set((
            alert_posts::state.eq(if error.is_some() { state::FAILED } else { state::PROCESSED }),
            alert_posts::error.eq(&error),
            alert_posts::processed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A tenant's alert settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// A resolved alert also solves its ticket (otherwise it only adds a system message).
    pub solve_on_resolve: bool,
    /// Which customers' open tickets hear about a new incident (see `notify.rs`).
    pub notify_rules: Vec<notify::NotifyRule>,
}

/// The tenant's alert settings (defaults until set).
pub fn settings(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Settings> {
    let row: Option<(bool, String)> = alert_settings::table
        .find(tenant.as_str())
        .select((alert_settings::solve_on_resolve, alert_settings::notify_rules))
        .first(conn)
        .optional()?;
    let Some((solve_on_resolve, rules)) = row else { return Ok(Settings::default()) };
    Ok(Settings { solve_on_resolve, notify_rules: serde_json::from_str(&rules)? })
}

/// Store the tenant's alert settings (rules checked by [`notify::validate`] first).
pub fn set_settings(conn: &mut DbConnection, tenant: &TenantId, s: Settings) -> AppResult<Settings> {
    let rules = serde_json::to_string(&notify::validate(s.notify_rules)?)?;
    let n = diesel::update(alert_settings::table.find(tenant.as_str()))
        .set((
            alert_settings::solve_on_resolve.eq(s.solve_on_resolve),
            alert_settings::notify_rules.eq(&rules),
            alert_settings::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if n == 0 {
        // Written in a transaction: a concurrent first write conflicts and its client retries.
        diesel::insert_into(alert_settings::table)
            .values((
                alert_settings::tenant_id.eq(tenant.as_str()),
                alert_settings::solve_on_resolve.eq(s.solve_on_resolve),
                alert_settings::notify_rules.eq(&rules),
                alert_settings::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    settings(conn, tenant)
}
