//! The only place with backend-specific SQL. Everything else goes through the portable DSL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use crate::jobs::JobRow;

const CLAIM_PG: &str = "UPDATE jobs SET state = 'running', locked_at = $1, locked_by = $2, \
     attempts = attempts + 1, updated_at = $1 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE ((state = 'queued' AND run_at <= $1) OR (state = 'running' AND locked_at < $3)) AND kind <> $5 \
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING *";

// SQLite has one writer at a time (and we hold the in-process writer lock), so a plain
// UPDATE … RETURNING is already exclusive.
const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_at = ?1, locked_by = ?2, \
     attempts = attempts + 1, updated_at = ?1 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE ((state = 'queued' AND run_at <= ?1) OR (state = 'running' AND locked_at < ?3)) AND kind <> ?5 \
       ORDER BY run_at LIMIT ?4) \
     RETURNING *";

/// Claim up to `limit` runnable jobs for `worker`, except those of `skip_kind` (which a batch
/// relay handles); a running job whose lease began before `lease_cutoff` belonged to a process
/// that died and is claimed again.
pub fn claim_jobs(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    worker: &str,
    lease_cutoff: NaiveDateTime,
    limit: i64,
    skip_kind: &str,
) -> QueryResult<Vec<JobRow>> {
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(CLAIM_PG)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_cutoff)
            .bind::<BigInt, _>(limit)
            .bind::<Text, _>(skip_kind)
            .load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(CLAIM_SQLITE)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_cutoff)
            .bind::<BigInt, _>(limit)
            .bind::<Text, _>(skip_kind)
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
    // Sleeps end early when `stop` is set, so the thread can always be joined promptly.
    let nap = |total: std::time::Duration, stop: &std::sync::atomic::AtomicBool| {
        let until = std::time::Instant::now() + total;
        while std::time::Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    std::thread::Builder::new().name("meridian-listen".into()).spawn(move || {
        let mut backoff = std::time::Duration::from_millis(200);
        while !stop.load(Ordering::Relaxed) {
            let mut conn = match diesel::PgConnection::establish(&url) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "live listener cannot connect; retrying");
                    nap(backoff, &stop);
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(10));
                    continue;
                }
            };
            if let Err(e) = conn.batch_execute(&format!("LISTEN {channel}")) {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                nap(backoff, &stop);
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
                nap(std::time::Duration::from_millis(50), &stop);
            }
        }
    })
}

/// Insert a contact unless one with this email exists; concurrent callers both succeed and
/// agree on one row (a plain insert would abort the loser's transaction on PostgreSQL).
pub fn insert_contact_if_absent(
    conn: &mut DbConnection,
    tenant_id: &str,
    id: &str,
    email: &str,
    name: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    const SQL_PG: &str = "INSERT INTO contacts (tenant_id, id, email, name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (tenant_id, email) DO NOTHING";
    const SQL_SQLITE: &str = "INSERT INTO contacts (tenant_id, id, email, name, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (tenant_id, email) DO NOTHING";
    macro_rules! run {
        ($sql:expr, $c:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(tenant_id)
                .bind::<Text, _>(id)
                .bind::<Text, _>(email)
                .bind::<Text, _>(name)
                .bind::<Timestamp, _>(at)
                .execute($c)
        };
    }
    match conn {
        DbConnection::Postgresql(c) => run!(SQL_PG, c),
        DbConnection::Sqlite(c) => run!(SQL_SQLITE, c),
    }
}

#[derive(diesel::QueryableByName)]
struct LastNumber {
    #[diesel(sql_type = BigInt)]
    last_number: i64,
}

/// Take the next number of a tenant's ticket counter in one round trip; `None` if the tenant has
/// no counter row yet.
pub fn increment_ticket_counter(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Option<i64>> {
    const SQL_PG: &str =
        "UPDATE ticket_counters SET last_number = last_number + 1 WHERE tenant_id = $1 RETURNING last_number";
    const SQL_SQLITE: &str =
        "UPDATE ticket_counters SET last_number = last_number + 1 WHERE tenant_id = ?1 RETURNING last_number";
    let rows: Vec<LastNumber> = match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(SQL_PG).bind::<Text, _>(tenant_id).load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQL_SQLITE).bind::<Text, _>(tenant_id).load(c)?,
    };
    Ok(rows.first().map(|r| r.last_number))
}

#[derive(diesel::QueryableByName)]
struct Assigned {
    #[diesel(sql_type = BigInt)]
    number: i64,
}

/// Give a freshly inserted ticket the tenant's next number. On PostgreSQL one statement bumps the
/// counter and numbers the ticket, so the counter row is locked only for that statement and the
/// commit. `None` if the tenant has no counter row.
pub fn assign_ticket_number(conn: &mut DbConnection, tenant_id: &str, ticket_id: &str) -> QueryResult<Option<i64>> {
    match conn {
        DbConnection::Postgresql(c) => {
            let rows: Vec<Assigned> = diesel::sql_query(
                "WITH n AS (UPDATE ticket_counters SET last_number = last_number + 1 WHERE tenant_id = $1 RETURNING last_number) \
                 UPDATE tickets SET number = n.last_number FROM n WHERE tickets.tenant_id = $1 AND tickets.id = $2 \
                 RETURNING tickets.number",
            )
            .bind::<Text, _>(tenant_id)
            .bind::<Text, _>(ticket_id)
            .load(c)?;
            Ok(rows.first().map(|r| r.number))
        }
        DbConnection::Sqlite(_) => {
            let Some(n) = increment_ticket_counter(conn, tenant_id)? else { return Ok(None) };
            if let DbConnection::Sqlite(c) = conn {
                diesel::sql_query("UPDATE tickets SET number = ?1 WHERE tenant_id = ?2 AND id = ?3")
                    .bind::<BigInt, _>(n)
                    .bind::<Text, _>(tenant_id)
                    .bind::<Text, _>(ticket_id)
                    .execute(c)?;
            }
            Ok(Some(n))
        }
    }
}

/// Take (and delete) up to `limit` due jobs of one kind, for relays that handle many at once in
/// a single transaction. Rows another process holds are skipped, not waited for.
pub fn take_jobs_of_kind(
    conn: &mut DbConnection,
    kind: &str,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    const SQL_PG: &str = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs \
         WHERE kind = $1 AND state = 'queued' AND run_at <= $2 ORDER BY run_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *";
    const SQL_SQLITE: &str = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs \
         WHERE kind = ?1 AND state = 'queued' AND run_at <= ?2 ORDER BY run_at LIMIT ?3) RETURNING *";
    match conn {
        DbConnection::Postgresql(c) => {
            diesel::sql_query(SQL_PG).bind::<Text, _>(kind).bind::<Timestamp, _>(now).bind::<BigInt, _>(limit).load(c)
        }
        DbConnection::Sqlite(c) => diesel::sql_query(SQL_SQLITE)
            .bind::<Text, _>(kind)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(c),
    }
}
