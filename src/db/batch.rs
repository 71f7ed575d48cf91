//! Group commit for hot writes (ticket creation) on SQLite: queued closures of one tenant run in
//! one transaction, each in its own savepoint, so the single writer flushes the log once per batch
//! instead of once per request. PostgreSQL gains nothing from it (statements of one connection run
//! one after another, while separate transactions run in parallel), so there writes go straight
//! to `Db::write`.

use std::any::Any;
use std::collections::VecDeque;

use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{Db, DbConnection};
use crate::error::{AppError, AppResult};

type Output = Box<dyn Any + Send>;
type Work = Box<dyn FnOnce(&mut DbConnection) -> AppResult<Output> + Send>;

struct Item {
    tenant: String,
    work: Work,
    reply: oneshot::Sender<AppResult<Output>>,
}

/// Most items one transaction takes.
const MAX_BATCH: usize = 64;

/// Handle to the batching thread of this process.
#[derive(Clone)]
pub struct Batcher {
    db: Db,
    tx: Option<mpsc::UnboundedSender<Item>>,
}

impl Batcher {
    /// Start the batching thread; it ends when every handle is dropped.
    pub fn start(db: Db) -> std::io::Result<Batcher> {
        if let super::DbTarget::Postgres(_) = db.target() {
            return Ok(Batcher { db, tx: None });
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let worker_db = db.clone();
        std::thread::Builder::new().name("meridian-batch".into()).spawn(move || run(worker_db, rx))?;
        Ok(Batcher { db, tx: Some(tx) })
    }

    /// Run `f` in the next batch for `tenant`; its result is returned only after the batch commits.
    pub async fn write<T, F>(&self, tenant: &str, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        let Some(tx) = &self.tx else { return self.db.write(f).await };
        let (reply, rx) = oneshot::channel();
        let work: Work = Box::new(move |c| f(c).map(|v| Box::new(v) as Output));
        tx.send(Item { tenant: tenant.to_string(), work, reply })
            .map_err(|_| AppError::Unavailable("write batcher stopped".into()))?;
        let out = rx.await.map_err(|_| AppError::Internal(anyhow::anyhow!("write batcher dropped a request")))??;
        out.downcast::<T>().map(|b| *b).map_err(|_| AppError::Internal(anyhow::anyhow!("write batcher type mismatch")))
    }
}

fn run(db: Db, mut rx: mpsc::UnboundedReceiver<Item>) {
    let mut pending: VecDeque<Item> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match rx.blocking_recv() {
                Some(item) => pending.push_back(item),
                None => return,
            }
        }
        while let Ok(item) = rx.try_recv() {
            pending.push_back(item);
        }
        // One tenant per transaction: two processes locking two tenants' counters in opposite
        // orders could otherwise deadlock.
        let tenant = pending.front().map(|i| i.tenant.clone()).unwrap_or_default();
        let mut batch = Vec::new();
        let mut rest = VecDeque::with_capacity(pending.len());
        for item in pending.drain(..) {
            if item.tenant == tenant && batch.len() < MAX_BATCH {
                batch.push(item);
            } else {
                rest.push_back(item);
            }
        }
        pending = rest;
        run_batch(&db, batch);
    }
}

fn run_batch(db: &Db, batch: Vec<Item>) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut results: Vec<Option<AppResult<Output>>> = Vec::with_capacity(batch.len());
    let mut works = Vec::with_capacity(batch.len());
    for item in batch {
        replies.push(item.reply);
        works.push(item.work);
    }
    let committed = db.write_blocking(|conn| {
        for work in works {
            // A savepoint per item: one failure rolls back only that item.
            let r = conn.transaction(|c| work(c));
            results.push(Some(r));
        }
        Ok(())
    });
    match committed {
        Ok(()) => {
            for (reply, r) in replies.into_iter().zip(results) {
                let _ =
                    reply.send(r.unwrap_or_else(|| Err(AppError::Internal(anyhow::anyhow!("missing batch result")))));
            }
        }
        Err(e) => {
            // Nothing of the batch was stored; each caller learns so (and may retry).
            let msg = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(AppError::Unavailable(format!("batch commit failed: {msg}"))));
            }
        }
    }
}
