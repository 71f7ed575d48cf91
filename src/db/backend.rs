//! The only place with backend-specific SQL. Everything else goes through the portable DSL.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamp};

use super::DbConnection;

// A job is runnable when it is due (or its lease expired) and no earlier job of its lane is
// unfinished: so within a lane only the oldest unfinished job can be taken, and a claim racing
// another on PostgreSQL skips the lane's head (locked) and still sees it as unfinished.
const CLAIM_PG: &str = "UPDATE jobs SET state = 'running', locked_at = $1, locked_by = $2, \
     attempts = attempts + 1, updated_at = $1 \
     WHERE id IN (SELECT j.id FROM jobs j \
       WHERE ((j.state = 'queued' AND j.run_at <= $1) OR (j.state = 'running' AND j.locked_at < $3)) \
         AND j.kind <> ALL($5) \
         AND (j.lane IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o WHERE o.lane = j.lane \
           AND o.state IN ('queued', 'running') AND (o.created_at, o.id) < (j.created_at, j.id))) \
       ORDER BY j.run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING *";

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_at = ?1, locked_by = ?2, \
     attempts = attempts + 1, updated_at = ?1 \
     WHERE id IN (SELECT j.id FROM jobs j \
       WHERE ((j.state = 'queued' AND j.run_at <= ?1) OR (j.state = 'running' AND j.locked_at < ?3)) \
         AND j.kind NOT IN (SELECT value FROM json_each(?5)) \
         AND (j.lane IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o WHERE o.lane = j.lane \
           AND o.state IN ('queued', 'running') AND (o.created_at, o.id) < (j.created_at, j.id))) \
       ORDER BY j.run_at LIMIT ?4) \
     RETURNING *";

/// Claim up to `limit` runnable jobs for `worker`, none of a kind in `skip_kinds`; a running job
/// whose lease began before `lease_cutoff` belonged to a process that died and is claimed again.
pub fn claim_jobs<Row>(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    worker: &str,
    lease_cutoff: NaiveDateTime,
    limit: i64,
    skip_kinds: &[String],
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
            .bind::<Array<Text>, _>(skip_kinds)
            .load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(CLAIM_SQLITE)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_cutoff)
            .bind::<BigInt, _>(limit)
            .bind::<Text, _>(serde_json::to_string(skip_kinds).unwrap_or_else(|_| "[]".into()))
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

/// A consumer's cursor, locked for this transaction, and the event horizon: the txid below
/// which every transaction that could write to this database's event log has finished (see
/// `events::outbox`), so their events are all visible now and none can still appear.
///
/// On PostgreSQL the horizon is the oldest transaction still running *in this database* with an
/// xid (writers only: read-only queries have none), or the snapshot's xmax when there is none.
/// Other databases of the cluster are ignored: their transactions cannot write our log, and a long
/// one (a bulk load, a dump) must not stall live updates here. One statement takes both, as a
/// pass runs many times a second under load. SQLite serialises writers, so everything committed
/// is final there and the in-process writer lock already makes this transaction the only one.
///
/// `None` when another process holds the cursor (it is consuming; this one skips the round rather
/// than wait).
pub fn lock_cursor(conn: &mut DbConnection, name: &str) -> QueryResult<Option<LockedCursor>> {
    const LOCK_PG: &str = "SELECT last_txid, last_seq, LEAST( \
           pg_snapshot_xmax(pg_current_snapshot())::text::bigint, \
           (SELECT min(backend_xid::text::bigint) FROM pg_stat_activity \
             WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()) \
         ) AS horizon \
         FROM event_consumers WHERE name = $1 FOR UPDATE SKIP LOCKED";
    use crate::db::schema::event_consumers::dsl;
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(LOCK_PG).bind::<Text, _>(name).get_result(c).optional(),
        DbConnection::Sqlite(c) => Ok(dsl::event_consumers
            .find(name)
            .select((dsl::last_txid, dsl::last_seq))
            .first::<(i64, i64)>(c)
            .optional()?
            .map(|(last_txid, last_seq)| LockedCursor { last_txid, last_seq, horizon: i64::MAX })),
    }
}

/// What [`lock_cursor`] read.
#[derive(Debug, QueryableByName)]
pub struct LockedCursor {
    #[diesel(sql_type = BigInt)]
    pub last_txid: i64,
    #[diesel(sql_type = BigInt)]
    pub last_seq: i64,
    #[diesel(sql_type = BigInt)]
    pub horizon: i64,
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

// The text index differs by backend: FTS5 trigram tables on SQLite (subjects per ticket,
// requesters per contact; kept in step by triggers, migration `lean_search`), pg_trgm GIN indexes
// on the columns' lower() on PostgreSQL. Both match substrings of three or more characters in any
// script, CJK included. Subjects and requesters are looked up apart: a requester's tickets are
// then read through `tickets_requester`, and the listed rows check `requester_id` against the
// matching contacts instead of probing `contacts` row by row.
//
// CROSS JOIN fixes SQLite's join order: the index's matches first, then their keys by integer
// primary key. Left to itself the planner sometimes loops over every key of the tenant and asks
// the index about each (a million lookups at 1M tickets, measured).
const SUBJECT_CANDIDATES_SQLITE: &str = "SELECT k.ticket_id AS id FROM ticket_search \
     CROSS JOIN ticket_search_keys k ON k.id = ticket_search.rowid \
     WHERE ticket_search MATCH ?1 AND k.tenant_id = ?2 LIMIT ?3";

const SUBJECT_CANDIDATES_PG: &str =
    "SELECT id FROM tickets WHERE tenant_id = $1 AND lower(subject) LIKE $2 ESCAPE '\\' LIMIT $3";

// Exact: each contact the index names is checked against the text in the same statement.
const REQUESTER_CONTACTS_SQLITE: &str = "SELECT ck.contact_id AS id FROM contact_search \
     CROSS JOIN contact_search_keys ck ON ck.id = contact_search.rowid \
     CROSS JOIN contacts c ON c.tenant_id = ck.tenant_id AND c.id = ck.contact_id \
     WHERE contact_search MATCH ?1 AND ck.tenant_id = ?2 \
       AND (lower(c.name) LIKE ?3 ESCAPE '\\' OR lower(c.email) LIKE ?3 ESCAPE '\\') LIMIT ?4";

pub(super) const REQUESTER_CONTACTS_PG: &str = "SELECT id FROM contacts WHERE tenant_id = $1 \
     AND (lower(name) LIKE $2 ESCAPE '\\' OR lower(email) LIKE $2 ESCAPE '\\') LIMIT $3";

/// Most trigrams one search asks the SQLite index for: enough to make a long text selective, few
/// enough to keep the query small (the candidates are a superset either way).
const MAX_QUERY_TRIGRAMS: usize = 24;

/// An FTS5 query for the rows holding every trigram of `text` (detail=none has no phrases). Each
/// trigram is a quoted string, quotes doubled, so nothing is read as query syntax.
fn every_trigram(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut seen = std::collections::HashSet::new();
    let terms: Vec<String> = chars
        .windows(3)
        // Case is left to the tokenizer, which folds it: lowercasing here could turn one
        // character into two and a trigram into a phrase.
        .map(|w| w.iter().collect::<String>())
        .filter(|t| seen.insert(t.clone()))
        .take(MAX_QUERY_TRIGRAMS)
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    terms.join(" AND ")
}

/// The ids of the tenant's tickets whose subject may hold `text`, read from the text index;
/// `None` when more than `limit` may. `text` has at least three characters (shorter strings have no trigram); `pattern` is
/// the same text as an escaped, lowercased `%…%` LIKE pattern. The ids are a superset of the
/// matches on SQLite (its index folds case beyond ASCII, `lower()` does not, and it finds rows
/// holding every trigram of the text anywhere): callers still check each row.
pub fn subject_candidates(
    conn: &mut DbConnection,
    tenant: &str,
    text: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<Option<Vec<String>>> {
    let limit = limit + 1;
    if let DbConnection::Postgresql(c) = conn {
        if pg_expects_at_least(c, SUBJECT_CANDIDATES_PG, tenant, pattern, limit)? {
            return Ok(None);
        }
    }
    let rows: Vec<IdRow> = match conn {
        DbConnection::Postgresql(c) => super::rare_trigrams::lookup(
            c,
            super::rare_trigrams::PgLookup {
                index: "tickets_subject_trgm",
                head: "SELECT id FROM tickets WHERE tenant_id = $1",
                expr: "lower(subject)",
                full: SUBJECT_CANDIDATES_PG,
            },
            tenant,
            text,
            pattern,
            limit,
        )?,
        // FTS5 reads its query as a C string, so a NUL would cut the phrase short and fail it.
        // No stored text holds one (every boundary refuses NUL): nothing matches, as with LIKE.
        DbConnection::Sqlite(_) if text.contains('\0') => vec![],
        DbConnection::Sqlite(c) => diesel::sql_query(SUBJECT_CANDIDATES_SQLITE)
            .bind::<Text, _>(every_trigram(text))
            .bind::<Text, _>(tenant)
            .bind::<BigInt, _>(limit)
            .load(c)?,
    };
    Ok((rows.len() as i64) < limit).map(|fits| fits.then(|| rows.into_iter().map(|r| r.id).collect()))
}

/// The ids of the tenant's contacts whose name or email holds `text` (exact, folded by
/// `lower()` as the ticket check is), read through the contacts' text index; `None` when more
/// than `limit` do.
pub fn requester_contacts(
    conn: &mut DbConnection,
    tenant: &str,
    text: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<Option<Vec<String>>> {
    let limit = limit + 1;
    if let DbConnection::Postgresql(c) = conn {
        if pg_expects_at_least(c, REQUESTER_CONTACTS_PG, tenant, pattern, limit)? {
            return Ok(None);
        }
    }
    let rows: Vec<IdRow> = match conn {
        DbConnection::Postgresql(c) => super::rare_trigrams::requester_contacts(c, tenant, text, pattern, limit)?,
        DbConnection::Sqlite(_) if text.contains('\0') => vec![],
        DbConnection::Sqlite(c) => diesel::sql_query(REQUESTER_CONTACTS_SQLITE)
            .bind::<Text, _>(every_trigram(text))
            .bind::<Text, _>(tenant)
            .bind::<Text, _>(pattern)
            .bind::<BigInt, _>(limit)
            .load(c)?,
    };
    Ok((rows.len() as i64) < limit).map(|fits| fits.then(|| rows.into_iter().map(|r| r.id).collect()))
}

/// Whether PostgreSQL's planner expects a text lookup (`query`, bound to tenant, pattern and
/// limit) to return its whole limit. A pg_trgm GIN index is read through a bitmap of every
/// match before the first row, so a LIMIT does not bound the work: a common word costs a
/// quarter of a second to a second at a million rows (measured). The estimate costs a plan
/// (well under a millisecond); when it is wrong either way the caller's answer stays exact,
/// since listed rows are checked against the text whichever shape reads them.
fn pg_expects_at_least(
    c: &mut diesel::PgConnection,
    query: &str,
    tenant: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        plan: String,
    }
    let plan: Vec<Plan> = diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {query}"))
        .bind::<Text, _>(tenant)
        .bind::<Text, _>(pattern)
        .bind::<BigInt, _>(limit)
        .load(c)?;
    // The top node is the Limit: its row estimate is the limit itself when more are expected.
    let rows = plan
        .first()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p.plan).ok())
        .and_then(|v| v[0]["Plan"]["Plan Rows"].as_f64())
        .unwrap_or(0.0);
    Ok(rows >= limit as f64)
}

/// One id column, as the text lookups return.
#[derive(QueryableByName)]
pub(super) struct IdRow {
    #[diesel(sql_type = Text)]
    pub(super) id: String,
}

// Message bodies (replies and notes): an FTS5 trigram table fed by triggers on SQLite (migration
// `message_search`), a pg_trgm GIN index on (tenant_id, lower(body_text)) on PostgreSQL. Unlike
// the subject candidates these are checked against the text in the same statement, so the ids are
// exact and the caller can use them as they are. The limit counts matching messages, not tickets:
// a DISTINCT would have to read every match before returning any (a third of a second for a word in
// 100,000 messages, measured), where a plain LIMIT stops at the first `limit` + 1.
const BODY_TICKETS_SQLITE: &str = "SELECT m.ticket_id AS id FROM message_search \
     CROSS JOIN message_search_keys k ON k.id = message_search.rowid \
     CROSS JOIN messages m ON m.tenant_id = k.tenant_id AND m.id = k.message_id \
     WHERE message_search MATCH ?1 AND k.tenant_id = ?2 AND lower(m.body_text) LIKE ?3 ESCAPE '\\' \
     LIMIT ?4";

const BODY_TICKETS_PG: &str = "SELECT ticket_id AS id FROM messages \
     WHERE tenant_id = $1 AND kind <> 'system' AND lower(body_text) LIKE $2 ESCAPE '\\' LIMIT $3";

/// Ids of the tenant's tickets with a reply or note whose body holds `text` (at least three
/// characters; `pattern` as for [`text_candidates`]), read from the body index; `None` when more
/// than `limit` messages match (the caller then checks tickets row by row instead).
pub fn body_tickets(
    conn: &mut DbConnection,
    tenant: &crate::tenancy::TenantId,
    text: &str,
    pattern: &str,
    limit: i64,
) -> QueryResult<Option<Vec<String>>> {
    // One more than allowed tells "exactly the limit" from "too many".
    // No planner estimate here (see `pg_expects_at_least`): for message bodies it is far off
    // both ways (100 rows for a word in 124,000 messages, 8,003 for one in none), and a wrong
    // "too many" walks every ticket probing its messages (4.4 s at 1M, measured).
    let rows: Vec<IdRow> = match conn {
        DbConnection::Postgresql(c) => super::rare_trigrams::lookup(
            c,
            super::rare_trigrams::PgLookup {
                index: "messages_body_trgm",
                head: "SELECT ticket_id AS id FROM messages WHERE tenant_id = $1 AND kind <> 'system'",
                expr: "lower(body_text)",
                full: BODY_TICKETS_PG,
            },
            tenant.as_str(),
            text,
            pattern,
            limit + 1,
        )?,
        DbConnection::Sqlite(_) if text.contains('\0') => vec![],
        DbConnection::Sqlite(c) => diesel::sql_query(BODY_TICKETS_SQLITE)
            .bind::<Text, _>(every_trigram(text))
            .bind::<Text, _>(tenant.as_str())
            .bind::<Text, _>(pattern)
            .bind::<BigInt, _>(limit + 1)
            .load(c)?,
    };
    if rows.len() as i64 > limit {
        return Ok(None);
    }
    let mut ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(ids))
}

const EXCERPTS_SQLITE: &str = "SELECT ticket_id, id, kind, \
       substr(body_text, max(1, instr(lower(body_text), ?3) - ?5), ?6) AS excerpt \
     FROM messages WHERE tenant_id = ?1 AND ticket_id IN (SELECT value FROM json_each(?2)) \
       AND kind <> 'system' AND lower(body_text) LIKE ?4 ESCAPE '\\' \
     ORDER BY created_at DESC, id DESC";

const EXCERPTS_PG: &str = "SELECT ticket_id, id, kind, \
       substr(body_text, greatest(1, strpos(lower(body_text), $3) - $5), $6) AS excerpt \
     FROM messages WHERE tenant_id = $1 AND ticket_id = ANY($2) \
       AND kind <> 'system' AND lower(body_text) LIKE $4 ESCAPE '\\' \
     ORDER BY created_at DESC, id DESC";

/// A stretch of a message body around the first place it holds the searched text.
#[derive(Debug, QueryableByName)]
pub struct Excerpt {
    #[diesel(sql_type = Text)]
    pub ticket_id: String,
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub excerpt: String,
}

/// For each reply or note of these tickets whose body holds `needle` (lowercased; `pattern` its
/// LIKE form), newest first: `before` characters ahead of the first occurrence and `len` in all.
/// Only the excerpt leaves the database (bodies may be hundreds of kilobytes), and only the
/// listed tickets' messages are read, along `messages_by_ticket`.
pub fn body_excerpts(
    conn: &mut DbConnection,
    tenant: &crate::tenancy::TenantId,
    ticket_ids: &[String],
    needle: &str,
    pattern: &str,
    before: i32,
    len: i32,
) -> QueryResult<Vec<Excerpt>> {
    use diesel::sql_types::Integer;
    if ticket_ids.is_empty() {
        return Ok(vec![]);
    }
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(EXCERPTS_PG)
            .bind::<Text, _>(tenant.as_str())
            .bind::<Array<Text>, _>(ticket_ids)
            .bind::<Text, _>(needle)
            .bind::<Text, _>(pattern)
            .bind::<Integer, _>(before)
            .bind::<Integer, _>(len)
            .load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(EXCERPTS_SQLITE)
            .bind::<Text, _>(tenant.as_str())
            .bind::<Text, _>(serde_json::to_string(ticket_ids).unwrap_or_else(|_| "[]".into()))
            .bind::<Text, _>(needle)
            .bind::<Text, _>(pattern)
            .bind::<Integer, _>(before)
            .bind::<Integer, _>(len)
            .load(c),
    }
}

// Knowledge-base feedback: the same upserts on both backends but for the placeholders. Each
// row is added only while its article exists (a batch flushed after an article was deleted
// skips it rather than failing on the foreign key). SQLite needs the WHERE to tell the
// upsert from the SELECT; it is there anyway.
const ADD_ARTICLE_STATS_PG: &str = "INSERT INTO kb_article_stats \
     (tenant_id, article_id, locale, views, suggestions_shown, widget_suggestions_shown, updated_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS \
       (SELECT 1 FROM kb_articles a WHERE a.tenant_id = $1 AND a.id = $2) \
     ON CONFLICT (tenant_id, article_id, locale) DO UPDATE SET \
       views = kb_article_stats.views + excluded.views, \
       suggestions_shown = kb_article_stats.suggestions_shown + excluded.suggestions_shown, \
       widget_suggestions_shown = kb_article_stats.widget_suggestions_shown + excluded.widget_suggestions_shown, \
       updated_at = excluded.updated_at";
const ADD_ARTICLE_STATS_SQLITE: &str = "INSERT INTO kb_article_stats \
     (tenant_id, article_id, locale, views, suggestions_shown, widget_suggestions_shown, updated_at) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS \
       (SELECT 1 FROM kb_articles a WHERE a.tenant_id = ?1 AND a.id = ?2) \
     ON CONFLICT (tenant_id, article_id, locale) DO UPDATE SET \
       views = kb_article_stats.views + excluded.views, \
       suggestions_shown = kb_article_stats.suggestions_shown + excluded.suggestions_shown, \
       widget_suggestions_shown = kb_article_stats.widget_suggestions_shown + excluded.widget_suggestions_shown, \
       updated_at = excluded.updated_at";

/// Add `views`, the request form's `shown` and the widget's `widget_shown` to one
/// translation's counters (a row made when it has none).
pub fn add_article_stats(
    conn: &mut DbConnection,
    key: (&str, &str, &str),
    views: i64,
    shown: i64,
    widget_shown: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let (tenant, article, locale) = key;
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(tenant)
                .bind::<Text, _>(article)
                .bind::<Text, _>(locale)
                .bind::<BigInt, _>(views)
                .bind::<BigInt, _>(shown)
                .bind::<BigInt, _>(widget_shown)
                .bind::<Timestamp, _>(at)
                .execute($c)
        };
    }
    match conn {
        DbConnection::Postgresql(c) => run!(c, ADD_ARTICLE_STATS_PG),
        DbConnection::Sqlite(c) => run!(c, ADD_ARTICLE_STATS_SQLITE),
    }
}

const ADD_FORM_CLICK_PG: &str = "INSERT INTO kb_form_clicks \
     (tenant_id, form_session, article_id, locale, submitted, created_at) \
     SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS \
       (SELECT 1 FROM kb_articles a WHERE a.tenant_id = $1 AND a.id = $3) \
     ON CONFLICT (tenant_id, form_session, article_id) DO UPDATE SET \
       submitted = kb_form_clicks.submitted OR excluded.submitted";
const ADD_FORM_CLICK_SQLITE: &str = "INSERT INTO kb_form_clicks \
     (tenant_id, form_session, article_id, locale, submitted, created_at) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS \
       (SELECT 1 FROM kb_articles a WHERE a.tenant_id = ?1 AND a.id = ?3) \
     ON CONFLICT (tenant_id, form_session, article_id) DO UPDATE SET \
       submitted = kb_form_clicks.submitted OR excluded.submitted";

/// Record a click on a suggested article in a form session, once (`submitted` is kept once true).
pub fn add_form_click(
    conn: &mut DbConnection,
    key: (&str, &str, &str),
    locale: &str,
    submitted: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::Bool;
    let (tenant, session, article) = key;
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(tenant)
                .bind::<Text, _>(session)
                .bind::<Text, _>(article)
                .bind::<Text, _>(locale)
                .bind::<Bool, _>(submitted)
                .bind::<Timestamp, _>(at)
                .execute($c)
        };
    }
    match conn {
        DbConnection::Postgresql(c) => run!(c, ADD_FORM_CLICK_PG),
        DbConnection::Sqlite(c) => run!(c, ADD_FORM_CLICK_SQLITE),
    }
}

const PUT_VOTE_PG: &str = "INSERT INTO kb_votes \
     (tenant_id, article_id, locale, reader_id, helpful, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (tenant_id, article_id, locale, reader_id) DO UPDATE SET \
       helpful = excluded.helpful, updated_at = excluded.updated_at";
const PUT_VOTE_SQLITE: &str = "INSERT INTO kb_votes \
     (tenant_id, article_id, locale, reader_id, helpful, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
     ON CONFLICT (tenant_id, article_id, locale, reader_id) DO UPDATE SET \
       helpful = excluded.helpful, updated_at = excluded.updated_at";

/// A reader's vote on a translation, replacing their earlier one.
pub fn put_vote(
    conn: &mut DbConnection,
    key: (&str, &str, &str, &str),
    helpful: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::sql_types::Bool;
    let (tenant, article, locale, reader) = key;
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(tenant)
                .bind::<Text, _>(article)
                .bind::<Text, _>(locale)
                .bind::<Text, _>(reader)
                .bind::<Bool, _>(helpful)
                .bind::<Timestamp, _>(at)
                .execute($c)
        };
    }
    match conn {
        DbConnection::Postgresql(c) => run!(c, PUT_VOTE_PG),
        DbConnection::Sqlite(c) => run!(c, PUT_VOTE_SQLITE),
    }
}
