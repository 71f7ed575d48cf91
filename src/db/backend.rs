//! The only place with backend-specific SQL. Everything else goes through the portable DSL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use crate::jobs::JobRow;

const CLAIM_PG: &str = "UPDATE jobs SET state = 'running', locked_at = $1, locked_by = $2, \
     attempts = attempts + 1, updated_at = $1 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE (state = 'queued' AND run_at <= $1) OR (state = 'running' AND locked_at < $3) \
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING *";

// SQLite has one writer at a time (and we hold the in-process writer lock), so a plain
// UPDATE … RETURNING is already exclusive.
const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_at = ?1, locked_by = ?2, \
     attempts = attempts + 1, updated_at = ?1 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE (state = 'queued' AND run_at <= ?1) OR (state = 'running' AND locked_at < ?3) \
       ORDER BY run_at LIMIT ?4) \
     RETURNING *";

/// Claim up to `limit` runnable jobs for `worker`; a running job whose lease began before
/// `lease_cutoff` belonged to a process that died and is claimed again.
pub fn claim_jobs(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    worker: &str,
    lease_cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(CLAIM_PG)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_cutoff)
            .bind::<BigInt, _>(limit)
            .load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(CLAIM_SQLITE)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_cutoff)
            .bind::<BigInt, _>(limit)
            .load(c),
    }
}

/// The channel live events travel on between processes.
pub const LIVE_CHANNEL: &str = "meridian_live";

/// Publish `payload` to every process listening on `channel`. Delivered when the surrounding
/// transaction commits. Returns `false` on SQLite, which has no such mechanism (single process).
pub fn notify(conn: &mut DbConnection, channel: &str, payload: &str) -> QueryResult<bool> {
    match conn {
        DbConnection::Postgresql(c) => {
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<Text, _>(channel)
                .bind::<Text, _>(payload)
                .execute(c)?;
            Ok(true)
        }
        DbConnection::Sqlite(_) => Ok(false),
    }
}

/// Listen on a PostgreSQL channel in a dedicated thread until `stop` is set, handing each payload
/// to `deliver`. Reconnects after failures. Polling the socket every 50 ms costs no queries.
pub fn spawn_listener(
    url: String,
    channel: &'static str,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    deliver: impl Fn(String) + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    use diesel::connection::SimpleConnection;
    use std::sync::atomic::Ordering;
    std::thread::Builder::new().name("meridian-listen".into()).spawn(move || {
        let mut backoff = std::time::Duration::from_millis(200);
        while !stop.load(Ordering::Relaxed) {
            let mut conn = match diesel::PgConnection::establish(&url) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "live listener cannot connect; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(10));
                    continue;
                }
            };
            if let Err(e) = conn.batch_execute(&format!("LISTEN {channel}")) {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                std::thread::sleep(backoff);
                continue;
            }
            backoff = std::time::Duration::from_millis(200);
            'poll: while !stop.load(Ordering::Relaxed) {
                for n in conn.notifications_iter() {
                    match n {
                        Ok(n) => deliver(n.payload),
                        Err(e) => {
                            tracing::warn!(error = %e, "live listener lost its connection; reconnecting");
                            break 'poll;
                        }
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    })
}
