//! The job worker: claims due jobs, runs their handlers, and schedules retries or marks them dead.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use futures_util::FutureExt;
use rand::Rng;
use tokio::sync::watch;

use super::JobRow;
use crate::db::schema::jobs;
use crate::db::{backend, now, Db, DbConnection};
use crate::error::AppResult;
use crate::metrics::Metrics;

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
type Handler = Arc<dyn Fn(JobContext) -> HandlerFuture + Send + Sync>;
type ChoreFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type Chore = Arc<dyn Fn() -> ChoreFuture + Send + Sync>;

/// What a handler gets: the job it runs. Handlers capture the services they use when they are
/// registered, so the queue knows nothing of the application.
#[derive(Clone)]
pub struct JobContext {
    pub job: JobRow,
    /// The worker holding the job's lease.
    worker_id: String,
    /// Set once the handler marked the job done in its own transaction.
    completed: Arc<AtomicBool>,
}

impl JobContext {
    /// A context for running `job` under `worker_id`'s lease.
    pub fn new(job: JobRow, worker_id: &str) -> Self {
        JobContext { job, worker_id: worker_id.to_string(), completed: Arc::new(AtomicBool::new(false)) }
    }

    /// Mark the job done inside the handler's last write transaction, so its outcome and the
    /// job's end commit together: one commit a job instead of two, which at thousands of webhook
    /// deliveries a second is a fair share of the writer's work. The mark counts only when the
    /// handler then returns `Ok` (it returned its transaction's success); on `Err` the worker
    /// schedules the retry as usual, and finds nothing to change if the mark did commit.
    pub fn complete_in(&self, c: &mut DbConnection) -> AppResult<()> {
        diesel::update(
            jobs::table
                .filter(jobs::id.eq(&self.job.id))
                .filter(jobs::locked_by.eq(&self.worker_id))
                .filter(jobs::state.eq("running")),
        )
        .set((jobs::state.eq("done"), jobs::locked_at.eq(None::<chrono::NaiveDateTime>), jobs::updated_at.eq(now())))
        .execute(c)?;
        self.completed.store(true, Ordering::Release);
        Ok(())
    }

    /// The payload parsed as JSON.
    pub fn payload(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.job.payload).map_err(|e| format!("payload is not JSON: {e}"))
    }
}

/// Job kinds and their handlers, and the periodic chores (housekeeping) each module registers.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    chores: Vec<(String, Duration, Chore)>,
}

impl Registry {
    /// A registry with no handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register the handler for `kind`; it returns `Err(reason)` to ask for a retry.
    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.handlers.insert(kind.to_string(), Arc::new(move |ctx| Box::pin(f(ctx))));
    }

    /// Run `f` every `interval` (first soon after start), between jobs. A chore reports its own
    /// failures; it must not take long, since jobs wait for it.
    pub fn every<F, Fut>(&mut self, name: &str, interval: Duration, f: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.chores.push((name.to_string(), interval, Arc::new(move || Box::pin(f()))));
    }

    /// Add every handler and chore of `other` (its handlers win on a clash).
    pub fn extend(&mut self, other: Registry) {
        self.handlers.extend(other.handlers);
        self.chores.extend(other.chores);
    }

    /// The registered chores' names (for tests and logs).
    pub fn chore_names(&self) -> Vec<&str> {
        self.chores.iter().map(|(n, ..)| n.as_str()).collect()
    }

    fn get(&self, kind: &str) -> Option<Handler> {
        self.handlers.get(kind).cloned()
    }
}

/// Worker timing, from the config.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    pub poll: Duration,
    pub backoff_base: Duration,
    pub default_max_attempts: i32,
    /// A running job older than this is taken to belong to a dead process.
    pub lease: Duration,
    /// Jobs run at once; one kind holds at most [`WorkerSettings::per_kind`] of them.
    pub concurrency: usize,
}

impl WorkerSettings {
    /// How many jobs of one kind may run at once: half the slots (at least one), so a kind whose
    /// jobs hang (a receiver that never answers) always leaves room for the others.
    pub fn per_kind(&self) -> usize {
        self.concurrency.div_ceil(2).max(1)
    }
}

/// Delay before retry number `attempt` (1-based): base·2^(attempt−1), capped at an hour,
/// with jitter drawn from its upper half so retries of many jobs spread out.
pub fn backoff(base: Duration, attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 30) as u32 - 1;
    let full = base.saturating_mul(2u32.saturating_pow(exp)).min(Duration::from_secs(3600));
    let half = full / 2;
    half + Duration::from_millis(rand::thread_rng().gen_range(0..=half.as_millis().max(1) as u64))
}

/// What the worker works with.
#[derive(Clone)]
pub struct WorkerServices {
    pub db: Db,
    /// Notified when this process enqueued a job.
    pub wakeup: Arc<tokio::sync::Notify>,
    pub metrics: Arc<Metrics>,
}

/// Jobs claimed at most per claim statement: small enough that a burst spreads over processes.
const CLAIM_BATCH: usize = 4;

/// The jobs in flight, counted per kind.
#[derive(Default)]
struct InFlight {
    tasks: tokio::task::JoinSet<String>,
    per_kind: HashMap<String, usize>,
}

impl InFlight {
    /// Kinds at their limit, and how many jobs the next claim may take without any kind
    /// exceeding its limit (a claim may return jobs of one kind only).
    fn room(&self, settings: &WorkerSettings) -> (Vec<String>, usize) {
        let cap = settings.per_kind();
        let full: Vec<String> = self.per_kind.iter().filter(|(_, n)| **n >= cap).map(|(k, _)| k.clone()).collect();
        let tightest = self.per_kind.values().filter(|n| **n < cap).map(|n| cap - n).min().unwrap_or(cap);
        let free = settings.concurrency.saturating_sub(self.tasks.len());
        (full, free.min(CLAIM_BATCH).min(tightest))
    }

    fn finished(&mut self, kind: String) {
        if let Some(n) = self.per_kind.get_mut(&kind) {
            *n -= 1;
            if *n == 0 {
                self.per_kind.remove(&kind);
            }
        }
    }
}

/// Run jobs until `shutdown` turns true; the jobs in hand are finished first. Up to
/// `settings.concurrency` run at once, so one slow handler (a webhook receiver taking its full
/// timeout) does not hold up mail filing, and filings overlap their parsing with each other's
/// commits.
pub async fn run_worker(
    services: WorkerServices,
    registry: Arc<Registry>,
    settings: WorkerSettings,
    mut shutdown: watch::Receiver<bool>,
) {
    let worker_id = format!("{}-{}", std::process::id(), crate::db::new_id());
    // Chores are due right away, then every interval.
    let mut chores_due: Vec<std::time::Instant> = registry.chores.iter().map(|_| std::time::Instant::now()).collect();
    let mut running = InFlight::default();
    loop {
        if *shutdown.borrow() {
            break;
        }
        for (i, (name, interval, chore)) in registry.chores.iter().enumerate() {
            if chores_due[i] <= std::time::Instant::now() {
                tracing::debug!(chore = %name, "running chore");
                chore().await;
                chores_due[i] = std::time::Instant::now() + *interval;
            }
        }
        let (skip, limit) = running.room(&settings);
        if limit > 0 {
            let wid = worker_id.clone();
            let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::minutes(5));
            let claimed = services
                .db
                .write(move |c| {
                    let ts = now();
                    Ok(backend::claim_jobs::<JobRow>(c, ts, &wid, ts - lease, limit as i64, &skip)?)
                })
                .await;
            match claimed {
                Ok(batch) if !batch.is_empty() => {
                    let full = batch.len() == limit;
                    for job in batch {
                        *running.per_kind.entry(job.kind.clone()).or_default() += 1;
                        let (services, registry, wid) = (services.clone(), registry.clone(), worker_id.clone());
                        running.tasks.spawn(async move {
                            let kind = job.kind.clone();
                            run_one(&services, &registry, &settings, &wid, job).await;
                            kind
                        });
                    }
                    // A full claim suggests more are due: claim again while there is room.
                    if full {
                        continue;
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "job claim failed"),
            }
        }
        let next_chore = chores_due.iter().min().map(|t| t.saturating_duration_since(std::time::Instant::now()));
        let wait = next_chore.map_or(settings.poll, |c| c.min(settings.poll));
        tokio::select! {
            _ = services.wakeup.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
            Some(done) = running.tasks.join_next(), if !running.tasks.is_empty() => {
                match done {
                    Ok(kind) => running.finished(kind),
                    Err(e) => tracing::error!(error = %e, "job task failed"),
                }
                // Collect whatever else finished meanwhile before claiming again.
                while let Some(done) = running.tasks.try_join_next() {
                    if let Ok(kind) = done {
                        running.finished(kind);
                    }
                }
            }
        }
    }
    while let Some(done) = running.tasks.join_next().await {
        if let Err(e) = done {
            tracing::error!(error = %e, "job task failed");
        }
    }
    tracing::info!("job worker stopped");
}

async fn run_one(app: &WorkerServices, registry: &Registry, settings: &WorkerSettings, worker_id: &str, job: JobRow) {
    let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
    let _entered = span.enter();
    let started = std::time::Instant::now();
    let mut completed = Arc::new(AtomicBool::new(false));
    let outcome = match registry.get(&job.kind) {
        None => Err(format!("no handler for job kind {:?}", job.kind)),
        Some(h) => {
            let ctx = JobContext::new(job.clone(), worker_id);
            completed = ctx.completed.clone();
            // A handler that panics fails its attempt like any other error instead of taking the
            // worker (and every other job in flight) down with it.
            let guarded = std::panic::AssertUnwindSafe(h(ctx)).catch_unwind();
            match tokio::time::timeout(settings.lease / 2, guarded).await {
                Ok(Ok(r)) => r,
                Ok(Err(_)) => Err("the handler panicked".to_string()),
                Err(_) => Err(format!("timed out after {:?}", settings.lease / 2)),
            }
        }
    };
    app.metrics.observe_job(&job.kind, outcome.is_ok(), started.elapsed());
    if outcome.is_ok() && completed.load(Ordering::Acquire) {
        return;
    }
    let max = if job.max_attempts > 0 { job.max_attempts } else { settings.default_max_attempts };
    let (id, wid) = (job.id.clone(), worker_id.to_string());
    let base = settings.backoff_base;
    let attempts = job.attempts;
    let result = app
        .db
        .write(move |c| {
            let ts = now();
            // Only while still running: a handler's own done-mark may have committed before it failed.
            let mine =
                jobs::table.filter(jobs::id.eq(&id)).filter(jobs::locked_by.eq(&wid)).filter(jobs::state.eq("running"));
            match outcome {
                Ok(()) => diesel::update(mine)
                    .set((
                        jobs::state.eq("done"),
                        jobs::locked_at.eq(None::<chrono::NaiveDateTime>),
                        jobs::updated_at.eq(ts),
                    ))
                    .execute(c)?,
                Err(reason) if attempts >= max => {
                    tracing::warn!(error = %reason, attempts, "job is dead");
                    diesel::update(mine)
                        .set((
                            jobs::state.eq("dead"),
                            jobs::last_error.eq(reason),
                            jobs::locked_at.eq(None::<chrono::NaiveDateTime>),
                            jobs::updated_at.eq(ts),
                        ))
                        .execute(c)?
                }
                Err(reason) => {
                    let delay =
                        chrono::Duration::from_std(backoff(base, attempts)).unwrap_or(chrono::Duration::hours(1));
                    tracing::info!(error = %reason, retry_in_ms = delay.num_milliseconds(), "job failed; will retry");
                    diesel::update(mine)
                        .set((
                            jobs::state.eq("queued"),
                            jobs::last_error.eq(reason),
                            jobs::run_at.eq(ts + delay),
                            jobs::locked_at.eq(None::<chrono::NaiveDateTime>),
                            jobs::updated_at.eq(ts),
                        ))
                        .execute(c)?
                }
            };
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "could not record job outcome; its lease will expire and it runs again");
    }
}
