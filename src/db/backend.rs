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
