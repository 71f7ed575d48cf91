//! Group commit: writes of one tenant that arrive while an earlier batch of that tenant is being
//! written are combined into the next batch, one transaction each.
//!
//! [`Combiner`] is the general form: items queue per tenant and the first caller to find no batch
//! under way for its tenant starts a writer (a blocking thread) that writes batches until the queue
//! is empty, so batch sizes grow with load and a lone request waits for nobody. Different tenants'
//! batches run in parallel; each locks only its own tenant's counter, so they cannot deadlock.
//!
//! [`Batcher`] applies it to arbitrary closures on SQLite, where one writer flushes the log once
//! per batch rather than once per request. On PostgreSQL, closures run as their own transactions:
//! one connection runs statements one after another, so batching them gains nothing there,
//! unless they all lock the same row ([`Batcher::everywhere`]). Hot
//! paths that can write a whole batch in a few multi-row statements (ticket creation) use a
//! typed `Combiner` on both backends.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use diesel::Connection;
use tokio::sync::oneshot;

use super::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::types::TenantId;

/// Most items one transaction takes.
pub const MAX_BATCH: usize = 64;

/// Writes a batch of one tenant's items in the open transaction: the outer error rolls the whole
/// batch back (and the items are then written one per transaction), the inner results answer
/// each item in order.
pub type BatchFn<I, O> = dyn Fn(&mut DbConnection, &TenantId, &[I]) -> AppResult<Vec<AppResult<O>>> + Send + Sync;

struct Pending<I, O> {
    item: I,
    reply: oneshot::Sender<AppResult<O>>,
}

struct Inner<I, O> {
    db: Db,
    write: Box<BatchFn<I, O>>,
    /// Waiting items per tenant. A tenant's entry exists exactly while a task is writing its
    /// batches: one at a time, since more writers per tenant measured slower on PostgreSQL
    /// (they only queue on the tenant's ticket counter and split batches smaller).
    queues: Mutex<HashMap<String, Vec<Pending<I, O>>>>,
    batches: AtomicU64,
    items: AtomicU64,
}

/// Combines concurrent writes of one tenant into batches (see the module docs).
pub struct Combiner<I, O> {
    inner: Arc<Inner<I, O>>,
}

impl<I, O> Clone for Combiner<I, O> {
    fn clone(&self) -> Self {
        Combiner { inner: self.inner.clone() }
    }
}

impl<I: Send + 'static, O: Send + 'static> Combiner<I, O> {
    /// A combiner that writes batches with `write`.
    pub fn new(db: Db, write: Box<BatchFn<I, O>>) -> Self {
        Combiner {
            inner: Arc::new(Inner {
                db,
                write,
                queues: Mutex::new(HashMap::new()),
                batches: AtomicU64::new(0),
                items: AtomicU64::new(0),
            }),
        }
    }

    /// Queue `item` for the tenant's next batch; the answer comes after that batch commits.
    pub async fn submit(&self, tenant: &TenantId, item: I) -> AppResult<O> {
        let (reply, answer) = oneshot::channel();
        let lead = {
            let mut queues = self.inner.queues.lock().unwrap_or_else(|p| p.into_inner());
            match queues.get_mut(tenant.as_str()) {
                Some(queue) => {
                    queue.push(Pending { item, reply });
                    false
                }
                None => {
                    queues.insert(tenant.as_str().to_string(), vec![Pending { item, reply }]);
                    true
                }
            }
        };
        if lead {
            // A blocking thread of its own: a caller who goes away cannot strand the others, and
            // an HTTP worker shutting down its runtime cannot cut a batch off mid-write (blocking
            // tasks run to completion).
            let (inner, tenant) = (self.inner.clone(), tenant.clone());
            tokio::task::spawn_blocking(move || write_batches(inner, tenant));
        }
        answer.await.map_err(|_| AppError::Unavailable("the write was dropped; retry".into()))?
    }

    /// (batches written, items in them) since start, for metrics.
    pub fn totals(&self) -> (u64, u64) {
        (self.inner.batches.load(Ordering::Relaxed), self.inner.items.load(Ordering::Relaxed))
    }
}

/// Removes the tenant's queue if its writer ends early (a panic): what is still queued is dropped,
/// and its callers get an error rather than waiting forever.
struct WriterGuard<I, O> {
    inner: Arc<Inner<I, O>>,
    tenant: String,
    done: bool,
}

impl<I, O> Drop for WriterGuard<I, O> {
    fn drop(&mut self) {
        if !self.done {
            self.inner.queues.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.tenant);
        }
    }
}

fn write_batches<I: Send + 'static, O: Send + 'static>(inner: Arc<Inner<I, O>>, tenant: TenantId) {
    let mut guard = WriterGuard { inner: inner.clone(), tenant: tenant.as_str().to_string(), done: false };
    loop {
        let batch: Vec<Pending<I, O>> = {
            let mut queues = inner.queues.lock().unwrap_or_else(|p| p.into_inner());
            let Some(queue) = queues.get_mut(tenant.as_str()) else { return };
            if queue.is_empty() {
                // Under the same lock that found it empty, so a caller queueing next starts a
                // new writer rather than counting on this one.
                queues.remove(tenant.as_str());
                guard.done = true;
                return;
            }
            let n = queue.len().min(MAX_BATCH);
            queue.drain(..n).collect()
        };
        inner.batches.fetch_add(1, Ordering::Relaxed);
        inner.items.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let (items, replies): (Vec<I>, Vec<_>) = batch.into_iter().map(|p| (p.item, p.reply)).unzip();
        let results = write_batch(&inner, &tenant, &items);
        for (reply, r) in replies.into_iter().zip(results) {
            let _ = reply.send(r);
        }
    }
}

/// One answer per item: the batch in one transaction or, if that fails as a whole (a concurrent
/// writer stored the same key first, say), each item in its own, so one cannot fail the others.
fn write_batch<I: Send + 'static, O: Send + 'static>(
    inner: &Inner<I, O>,
    tenant: &TenantId,
    items: &[I],
) -> Vec<AppResult<O>> {
    let run = |part: &[I]| inner.db.write_blocking(|c| (inner.write)(c, tenant, part));
    let started = std::time::Instant::now();
    let written = run(items);
    tracing::debug!(size = items.len(), elapsed_us = started.elapsed().as_micros() as u64, "batch written");
    match written {
        Ok(results) if results.len() == items.len() => results,
        Ok(_) => {
            items.iter().map(|_| Err(AppError::Internal(anyhow::anyhow!("batch answered the wrong count")))).collect()
        }
        Err(e) if items.len() == 1 => vec![Err(e)],
        Err(e) => {
            tracing::debug!(error = %e, size = items.len(), "batch failed; writing its items one by one");
            let mut results = Vec::with_capacity(items.len());
            for item in items {
                results.push(match run(std::slice::from_ref(item)) {
                    Ok(mut r) if r.len() == 1 => r.remove(0),
                    Ok(_) => Err(AppError::Internal(anyhow::anyhow!("batch answered the wrong count"))),
                    Err(e) => Err(e),
                });
            }
            results
        }
    }
}

type Output = Box<dyn Any + Send>;
/// A closure to run once: taken out when its batch runs, so a retry after a failed commit finds
/// it gone and reports the failure instead of running it twice.
type Work = Mutex<Option<Box<dyn FnOnce(&mut DbConnection) -> AppResult<Output> + Send>>>;

/// Group commit of arbitrary write closures on SQLite; a plain transaction each on PostgreSQL.
#[derive(Clone)]
pub struct Batcher {
    db: Db,
    combiner: Option<Combiner<Work, Output>>,
}

impl Batcher {
    /// A batcher for `db`.
    pub fn new(db: Db) -> Batcher {
        let combiner = match db.target() {
            super::DbTarget::Postgres(_) => None,
            super::DbTarget::Sqlite(_) => Some(Combiner::new(db.clone(), Box::new(run_each_in_savepoint))),
        };
        Batcher { db, combiner }
    }

    /// A batcher that combines on PostgreSQL too, for writes that all lock one row of the tenant:
    /// the ticket counter of conversations opening. There each transaction holds that lock until
    /// its commit, so one-per-transaction writes queue on it (about 300 a second here), and while
    /// they wait they hold transaction ids that keep the event consumers' horizon back. A batch
    /// takes the lock and commits once for all its items.
    pub fn everywhere(db: Db) -> Batcher {
        let combiner = Some(Combiner::new(db.clone(), Box::new(run_each_in_savepoint)));
        Batcher { db, combiner }
    }

    /// Run `f` in the next batch for `tenant`; its result is returned only after the batch commits.
    pub async fn write<T, F>(&self, tenant: &TenantId, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        let Some(combiner) = &self.combiner else { return self.db.write(f).await };
        let work: Work = Mutex::new(Some(Box::new(move |c| f(c).map(|v| Box::new(v) as Output))));
        let out = combiner.submit(tenant, work).await?;
        out.downcast::<T>().map(|b| *b).map_err(|_| AppError::Internal(anyhow::anyhow!("write batcher type mismatch")))
    }
}

/// A savepoint per item: one failure rolls back only that item.
fn run_each_in_savepoint(conn: &mut DbConnection, _: &TenantId, works: &[Work]) -> AppResult<Vec<AppResult<Output>>> {
    Ok(works
        .iter()
        .map(|work| match work.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(work) => conn.transaction(|c| work(c)),
            None => Err(AppError::Unavailable("the batch this write was in failed to commit".into())),
        })
        .collect())
}
