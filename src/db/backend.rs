//! The only place with backend-specific SQL. Everything else goes through the portable DSL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamp};

use super::DbConnection;

const CLAIM_PG: &str = "UPDATE jobs SET state = 'running', locked_at = $1, locked_by = $2, \
     attempts = attempts + 1, updated_at = $1 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE ((state = 'queued' AND run_at <= $1) OR (state = 'running' AND locked_at < $3)) \
       ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING *";

// SQLite has one writer at a time (and we hold the in-process writer lock), so a plain
// UPDATE … RETURNING is already exclusive.
const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_at = ?1, locked_by = ?2, \
     attempts = attempts + 1, updated_at = ?1 \
     WHERE id IN (SELECT id FROM jobs \
       WHERE ((state = 'queued' AND run_at <= ?1) OR (state = 'running' AND locked_at < ?3)) \
       ORDER BY run_at LIMIT ?4) \
     RETURNING *";

/// Claim up to `limit` runnable jobs for `worker`; a running job whose lease began before `lease_cutoff` belonged to a process
/// that died and is claimed again.
pub fn claim_jobs<Row>(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    worker: &str,
    lease_cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Row>>
where
    Row: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
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

/// Publish each payload to every process listening on `channel`, in one round trip. Delivered
/// when the surrounding transaction commits. Returns `false` on SQLite, which has no such
/// mechanism (single process).
pub fn notify_many(conn: &mut DbConnection, channel: &str, payloads: &[String]) -> QueryResult<bool> {
    match conn {
        DbConnection::Postgresql(c) => pg_notify_all(c, channel, payloads).map(|_| true),
        DbConnection::Sqlite(_) => Ok(false),
    }
}

fn pg_notify_all(c: &mut diesel::PgConnection, channel: &str, payloads: &[String]) -> QueryResult<()> {
    if !payloads.is_empty() {
        diesel::sql_query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind::<Text, _>(channel)
            .bind::<Array<Text>, _>(payloads)
            .execute(c)?;
    }
    Ok(())
}

/// Listen on a PostgreSQL channel in a dedicated thread until `stop` is set, handing each payload
/// to `deliver`. Reconnects after failures. Polling the socket every 50 ms costs no queries.
pub fn spawn_listener(
    url: String,
    channel: &'static str,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    deliver: impl Fn(String) + Send + 'static,
    outgoing: impl Fn() -> Vec<String> + Send + 'static,
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
                // This connection also sends what other processes must hear; anything lost when
                // it breaks is repeated by the next periodic refresh.
                if let Err(e) = pg_notify_all(&mut conn, channel, &outgoing()) {
                    tracing::warn!(error = %e, "live link cannot send; reconnecting");
                    break 'poll;
                }
                nap(std::time::Duration::from_millis(50), &stop);
            }
        }
    })
}

/// The txid below which every transaction that could write to this database's event log has
/// finished (see `events::outbox`): their events are all visible now, and none can still appear.
/// On PostgreSQL that is the oldest transaction still running *in this database* with an xid
/// (writers only: read-only queries have none), or the snapshot's xmax when there is none. Other
/// databases of the cluster are ignored: their transactions cannot write our log, and a long one
/// (a bulk load, a dump) must not stall live updates here. SQLite serialises writers, so
/// everything committed is final there.
pub fn event_horizon(conn: &mut DbConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Horizon {
        #[diesel(sql_type = BigInt)]
        horizon: i64,
    }
    const HORIZON_PG: &str = "SELECT LEAST( \
           pg_snapshot_xmax(pg_current_snapshot())::text::bigint, \
           (SELECT min(backend_xid::text::bigint) FROM pg_stat_activity \
             WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()) \
         ) AS horizon";
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(HORIZON_PG).get_result::<Horizon>(c).map(|h| h.horizon),
        DbConnection::Sqlite(_) => Ok(i64::MAX),
    }
}

/// Lock a consumer's cursor for this transaction and read it; `None` when another process holds
/// it (that process is consuming; this one skips the round rather than wait).
pub fn lock_cursor(conn: &mut DbConnection, name: &str) -> QueryResult<Option<(i64, i64)>> {
    use crate::db::schema::event_consumers::dsl;
    match conn {
        DbConnection::Postgresql(c) => dsl::event_consumers
            .find(name)
            .select((dsl::last_txid, dsl::last_seq))
            .for_update()
            .skip_locked()
            .first(c)
            .optional(),
        // The in-process writer lock already makes this transaction the only one.
        DbConnection::Sqlite(c) => {
            dsl::event_consumers.find(name).select((dsl::last_txid, dsl::last_seq)).first(c).optional()
        }
    }
}

/// First class id of the two-key advisory locks the sign-in throttle takes (that key space does
/// not overlap the one-key locks used for migrations).
const THROTTLE_LOCK_CLASS: i32 = 7412;

/// Hold each throttle key, in the order given, until the transaction ends, so that checking and
/// counting an attempt is atomic across processes. Each position has its own lock class, so two
/// callers that both pass (account, IP) can never wait on each other in a cycle, even when two
/// keys hash alike. SQLite needs nothing: the in-process writer lock already makes each write
/// transaction the only one.
pub fn lock_throttle_keys(conn: &mut DbConnection, keys: &[&str]) -> QueryResult<()> {
    match conn {
        DbConnection::Postgresql(c) => {
            for (class, key) in (THROTTLE_LOCK_CLASS..).zip(keys) {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                    .bind::<diesel::sql_types::Integer, _>(class)
                    .bind::<Text, _>(*key)
                    .execute(c)?;
            }
            Ok(())
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

// The text index differs by backend: an FTS5 trigram table on SQLite (kept in step by triggers,
// migration `ticket_search`), pg_trgm GIN indexes on the columns' lower() on PostgreSQL. Both
// match substrings of three or more characters in any script, CJK included.
const TEXT_CANDIDATES_SQLITE: &str = "SELECT k.ticket_id AS id FROM ticket_search \
     JOIN ticket_search_keys k ON k.id = ticket_search.rowid \
     WHERE ticket_search MATCH ?1 AND k.tenant_id = ?2 LIMIT ?3";

// Two branches so each can use its own index; UNION removes a ticket found by both.
const TEXT_CANDIDATES_PG: &str = "SELECT id FROM (\
     (SELECT id FROM tickets WHERE tenant_id = $1 AND lower(subject) LIKE $2 ESCAPE '\\' LIMIT $3) \
     UNION \
     (SELECT t.id FROM contacts c JOIN tickets t ON t.tenant_id = c.tenant_id AND t.requester_id = c.id \
      WHERE c.tenant_id = $1 AND (lower(c.name) LIKE $2 ESCAPE '\\' OR lower(c.email) LIKE $2 ESCAPE '\\') \
      LIMIT $3)) m LIMIT $3";

/// Up to `limit` ids of the tenant's tickets whose subject or requester (name or email) may hold
/// `text`, read from the text index. `text` has at least three characters (shorter strings have
/// no trigram); `pattern` is the same text as an escaped, lowercased `%…%` LIKE pattern. The ids
/// are a superset of the matches on SQLite (its index folds case beyond ASCII, `lower()` does
/// not): callers still check each row.
pub fn text_candidates(
    conn: &mut DbConnection,
    tenant: &str,
    text: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let rows: Vec<Id> = match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(TEXT_CANDIDATES_PG)
            .bind::<Text, _>(tenant)
            .bind::<Text, _>(pattern)
            .bind::<BigInt, _>(limit)
            .load(c)?,
        // FTS5 reads its query as a C string, so a NUL would cut the phrase short and fail it.
        // No stored text holds one (every boundary refuses NUL): nothing matches, as with LIKE.
        DbConnection::Sqlite(_) if text.contains('\0') => vec![],
        DbConnection::Sqlite(c) => {
            // One FTS5 phrase: the trigram tokenizer turns it into consecutive trigrams, which is
            // a substring match (quotes inside are doubled, so nothing is read as query syntax).
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            diesel::sql_query(TEXT_CANDIDATES_SQLITE)
                .bind::<Text, _>(phrase)
                .bind::<Text, _>(tenant)
                .bind::<BigInt, _>(limit)
                .load(c)?
        }
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}
