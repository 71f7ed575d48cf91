//! The outbox of domain events and the consumers' cursors.
//!
//! Events are rows of `domain_events`, inserted in the transaction that made the change, so an
//! event exists exactly when its change committed. Each consumer keeps a cursor, a position
//! `(txid, seq)`, and reads the events after it. On SQLite writes are serialised, so `seq` order is
//! commit order and `txid` is 0. On PostgreSQL `seq` is taken at insert while transactions commit
//! in another order, so a reader only takes events of transactions older than the oldest one still
//! running (the snapshot's xmin, see `db::backend::lock_cursor`): none of those can still add
//! an event behind the cursor. A long transaction delays delivery; it never loses an event.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DomainEvent;
use crate::db::schema::{domain_events, event_consumers};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// How far a consumer has read: events at or before it are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub txid: i64,
    pub seq: i64,
}

/// An event as stored, with its place in the log.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub position: Position,
    /// Stable id of the event (webhook deliveries use it as their id).
    pub id: String,
    pub tenant_id: TenantId,
    pub event: DomainEvent,
    pub created_at: NaiveDateTime,
}

/// An event row about to be inserted (seq and txid come from the database).
#[derive(Insertable)]
#[diesel(table_name = domain_events)]
pub struct EventInsert {
    tenant_id: String,
    id: String,
    kind: &'static str,
    ticket_id: Option<String>,
    payload: String,
    created_at: NaiveDateTime,
}

/// Rows for these events, for callers that insert them together with other rows (`db::chain`).
pub fn event_rows(tenant: &TenantId, events: &[DomainEvent]) -> AppResult<Vec<EventInsert>> {
    let ts = now();
    events
        .iter()
        .map(|e| {
            Ok(EventInsert {
                tenant_id: tenant.as_str().to_string(),
                id: new_id(),
                kind: e.kind(),
                ticket_id: e.ticket().map(|(id, _)| id.as_str().to_string()),
                payload: serde_json::to_string(e)?,
                created_at: ts,
            })
        })
        .collect()
}

/// Record events in the caller's transaction: they reach consumers only if it commits.
pub fn record(conn: &mut DbConnection, tenant: &TenantId, events: &[DomainEvent]) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = event_rows(tenant, events)?;
    crate::db::on_backend!(conn, |c| diesel::insert_into(domain_events::table).values(&rows).execute(c))?;
    Ok(())
}

type EventRow = (i64, i64, String, String, String, NaiveDateTime);

/// Up to `limit` events after `after` and below `horizon` (a txid; see the module docs), in order.
pub fn read_after(conn: &mut DbConnection, after: Position, horizon: i64, limit: i64) -> AppResult<Vec<StoredEvent>> {
    let rows = match conn {
        // PostgreSQL seeks the `(txid, seq)` index to the row value and stops at the horizon: one
        // range scan, one round trip.
        DbConnection::Postgresql(_) => {
            let query = domain_events::table
                .filter(
                    diesel::dsl::sql::<diesel::sql_types::Bool>("(txid, seq) > (")
                        .bind::<diesel::sql_types::BigInt, _>(after.txid)
                        .sql(", ")
                        .bind::<diesel::sql_types::BigInt, _>(after.seq)
                        .sql(")"),
                )
                .filter(domain_events::txid.lt(horizon))
                .into_boxed();
            load_events(conn, query, limit)?
        }
        // Two index seeks: the rest of the cursor's own transaction, then later transactions.
        // Spelled as one row-value or OR condition, SQLite (where every txid is 0) seeks on txid
        // alone and scans every event to find the few after the cursor.
        DbConnection::Sqlite(_) => {
            let same_transaction = domain_events::table
                .filter(domain_events::txid.eq(after.txid))
                .filter(domain_events::seq.gt(after.seq))
                .filter(domain_events::txid.lt(horizon))
                .into_boxed();
            let mut rows = load_events(conn, same_transaction, limit)?;
            if (rows.len() as i64) < limit {
                let later = domain_events::table
                    .filter(domain_events::txid.gt(after.txid))
                    .filter(domain_events::txid.lt(horizon))
                    .into_boxed();
                rows.extend(load_events(conn, later, limit - rows.len() as i64)?);
            }
            rows
        }
    };
    rows.into_iter()
        .map(|(seq, txid, tenant, id, payload, created_at)| {
            let event = serde_json::from_str(&payload)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("domain event {id} does not parse: {e}")))?;
            Ok(StoredEvent {
                position: Position { txid, seq },
                id,
                tenant_id: TenantId::from_trusted(tenant),
                event,
                created_at,
            })
        })
        .collect()
}

/// The events a filtered query selects, in log order.
fn load_events(
    conn: &mut DbConnection,
    query: domain_events::BoxedQuery<'static, crate::db::MultiBackend>,
    limit: i64,
) -> AppResult<Vec<EventRow>> {
    Ok(query
        .order((domain_events::txid.asc(), domain_events::seq.asc()))
        .limit(limit)
        .select((
            domain_events::seq,
            domain_events::txid,
            domain_events::tenant_id,
            domain_events::id,
            domain_events::payload,
            domain_events::created_at,
        ))
        .load(conn)?)
}

/// The newest position in the log (where a consumer registered today starts).
pub fn head(conn: &mut DbConnection) -> AppResult<Position> {
    let last: Option<(i64, i64)> = domain_events::table
        .order((domain_events::txid.desc(), domain_events::seq.desc()))
        .select((domain_events::txid, domain_events::seq))
        .first(conn)
        .optional()?;
    Ok(last.map(|(txid, seq)| Position { txid, seq }).unwrap_or_default())
}

/// Make sure a consumer has a cursor; a new one starts at the head (it has nothing to catch up).
pub fn ensure_cursor(conn: &mut DbConnection, name: &str) -> AppResult<()> {
    let exists = event_consumers::table.find(name).count().get_result::<i64>(conn)? > 0;
    if exists {
        return Ok(());
    }
    let at = head(conn)?;
    let inserted = diesel::insert_into(event_consumers::table)
        .values((
            event_consumers::name.eq(name),
            event_consumers::last_txid.eq(at.txid),
            event_consumers::last_seq.eq(at.seq),
            event_consumers::updated_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        // Another process registered it at the same moment.
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Move a consumer's cursor (in the transaction that handled the events up to `to`).
pub fn advance(conn: &mut DbConnection, name: &str, to: Position) -> AppResult<()> {
    diesel::update(event_consumers::table.find(name))
        .set((
            event_consumers::last_txid.eq(to.txid),
            event_consumers::last_seq.eq(to.seq),
            event_consumers::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delete events every consumer has passed and that are older than `keep` (housekeeping).
pub fn purge_consumed(conn: &mut DbConnection, keep: chrono::Duration) -> AppResult<usize> {
    let cursors: Vec<(i64, i64)> =
        event_consumers::table.select((event_consumers::last_txid, event_consumers::last_seq)).load(conn)?;
    let Some(oldest) = cursors.into_iter().map(|(txid, seq)| Position { txid, seq }).min() else {
        return Ok(0);
    };
    let cutoff = now() - keep;
    Ok(diesel::delete(
        domain_events::table.filter(domain_events::created_at.lt(cutoff)).filter(
            domain_events::txid
                .lt(oldest.txid)
                .or(domain_events::txid.eq(oldest.txid).and(domain_events::seq.le(oldest.seq))),
        ),
    )
    .execute(conn)?)
}
