//! Consumers of the outbox: each has a name, a cursor and a task of its own.
//!
//! A pass locks the consumer's cursor, reads the events after it, lets the consumer handle them
//! and moves the cursor, all in one transaction: a consumer's database effects (enqueueing a
//! webhook delivery, an index job, a notification) happen exactly once per event, even across
//! crashes. Effects outside the database belong in jobs enqueued by `handle`, or, when losing
//! them in a crash is harmless (this process's live streams), in `after_commit`. On PostgreSQL
//! the cursor's row lock means one process consumes at a time; the others skip the round.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::outbox::{self, Position, StoredEvent};
use crate::db::{backend, Db, DbConnection};
use crate::error::AppResult;

/// Most events one pass hands to a consumer.
pub const BATCH: i64 = 200;

/// Something that reacts to domain events (see the module docs).
pub trait Consumer: Send + Sync + 'static {
    /// Stable name, the key of its cursor: renaming it starts a new consumer at the head.
    fn name(&self) -> &str;

    /// Handle events in order, inside the transaction that advances the cursor. An error rolls
    /// the pass back; the same events come again after a backoff.
    fn handle(&self, conn: &mut DbConnection, events: &[StoredEvent]) -> AppResult<()>;

    /// Called with the same events once their pass committed.
    fn after_commit(&self, _events: Vec<StoredEvent>) {}

    /// Whether `handle` enqueues jobs: then this process's job worker is woken after each pass
    /// that handled events, instead of finding them at its next poll.
    fn enqueues_jobs(&self) -> bool {
        false
    }
}

/// How the consumer tasks pace themselves.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Longest wait for new events when nobody wakes the task.
    pub poll: Duration,
    /// After a busy pass, how long to let the next batch accumulate: a commit per handful of
    /// events would compete with the writes that produce them for log flushes.
    pub settle: Duration,
}

/// One pass for `consumer`; `Ok(None)` when another process holds its cursor.
pub async fn pass(db: &Db, consumer: &Arc<dyn Consumer>) -> AppResult<Option<usize>> {
    let c = consumer.clone();
    let handled = db
        .write(move |conn| {
            let Some(cursor) = backend::lock_cursor(conn, c.name())? else { return Ok(None) };
            let at = Position { txid: cursor.last_txid, seq: cursor.last_seq };
            let events = outbox::read_after(conn, at, cursor.horizon, BATCH)?;
            if let Some(last) = events.last() {
                c.handle(conn, &events)?;
                outbox::advance(conn, c.name(), last.position)?;
            }
            Ok(Some(events))
        })
        .await?;
    Ok(handled.map(|events| {
        let n = events.len();
        if n > 0 {
            consumer.after_commit(events);
        }
        n
    }))
}

/// What the consumer tasks listen to and wake.
#[derive(Clone)]
pub struct Signals {
    /// Bumped after a local commit that recorded events.
    pub wakeup: watch::Receiver<u64>,
    /// This process's job worker.
    pub jobs: Arc<Notify>,
    /// Turns true when the process stops.
    pub shutdown: watch::Receiver<bool>,
}

/// Run every consumer on a task of its own until `signals.shutdown` turns true.
pub fn spawn_all(
    db: Db,
    consumers: Vec<Arc<dyn Consumer>>,
    signals: Signals,
    pace: Pace,
) -> Vec<tokio::task::JoinHandle<()>> {
    consumers.into_iter().map(|c| tokio::spawn(run(db.clone(), c, signals.clone(), pace))).collect()
}

async fn run(db: Db, consumer: Arc<dyn Consumer>, signals: Signals, pace: Pace) {
    let Signals { mut wakeup, jobs, mut shutdown } = signals;
    let mut failures = 0u32;
    // Register the cursor first; until that works there is nothing to consume.
    let name = consumer.name().to_string();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let n = name.clone();
        match db.write(move |c| outbox::ensure_cursor(c, &n)).await {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(consumer = %name, error = %e, "cannot register event consumer; retrying");
                if sleep_or_stop(Duration::from_secs(1), &mut shutdown).await {
                    return;
                }
            }
        }
    }
    loop {
        if *shutdown.borrow() {
            break;
        }
        wakeup.borrow_and_update();
        match pass(&db, &consumer).await {
            Ok(Some(n)) if n > 0 => {
                failures = 0;
                if consumer.enqueues_jobs() {
                    jobs.notify_one();
                }
                if sleep_or_stop(pace.settle, &mut shutdown).await {
                    break;
                }
                continue;
            }
            Ok(_) => failures = 0,
            Err(e) => {
                failures = failures.saturating_add(1);
                let delay =
                    crate::jobs::backoff(Duration::from_millis(200), failures as i32).min(Duration::from_secs(30));
                tracing::warn!(consumer = %name, error = %e, retry_in_ms = delay.as_millis() as u64, "event consumer failed");
                if sleep_or_stop(delay, &mut shutdown).await {
                    break;
                }
                continue;
            }
        }
        tokio::select! {
            _ = wakeup.changed() => {}
            _ = tokio::time::sleep(pace.poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Sleep, or return `true` early when shutdown begins.
async fn sleep_or_stop(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}
