//! Application state, startup (migrate, secret, first-run seed) and the running server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use diesel::prelude::*;
use tokio::sync::{watch, Notify};

use crate::accounts::passwords::Hasher;
use crate::accounts::ratelimit::RateLimiter;
use crate::accounts::sessions::SessionKeys;
use crate::config::Config;
use crate::db::schema::server_secrets;
use crate::db::{now, Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::{Changes, Consumer, Wire};
use crate::i18n::I18n;
use crate::jobs::{Registry, WorkerServices, WorkerSettings};
use crate::metrics::Metrics;
use crate::tickets::intake::{Intake, Unrouted};
use crate::tickets::view_counts::ViewCounts;

/// Everything a handler or job needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub i18n: Arc<I18n>,
    pub hasher: Hasher,
    pub session_keys: Arc<SessionKeys>,
    pub metrics: Arc<Metrics>,
    /// Wakes this process's job worker when a job is enqueued here.
    pub jobs_wakeup: Arc<Notify>,
    /// Live events for console streams.
    pub live: Arc<crate::events::LiveHub>,
    /// Signals that a transaction with domain events committed here.
    pub changes: Changes,
    /// Per-token API rate limits.
    pub api_limits: Arc<RateLimiter>,
    /// Attachment storage.
    pub blobs: crate::tickets::attachments::Blobs,
    /// Group commit for idempotent API creations on SQLite.
    pub batcher: crate::db::batch::Batcher,
    /// The one door tickets are opened through.
    pub intake: Intake,
    /// Cached inbox sidebar counts.
    pub view_counts: Arc<ViewCounts>,
}

impl AppState {
    /// Open the database, apply migrations, load translations and the signing secret.
    pub fn init(config: Config) -> anyhow::Result<AppState> {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let db = Db::connect(config.database.clone(), config.db_pool_size)?;
        let applied = db.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "database migrated");
        }
        let secret = match &config.secret_key {
            Some(k) => k.clone(),
            None => {
                let mut conn = db.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
                server_secret(&mut conn, "session_signing_key").map_err(|e| anyhow::anyhow!("{e}"))?
            }
        };
        let jobs_wakeup = Arc::new(Notify::new());
        let live = Arc::new(crate::events::LiveHub::default());
        let changes = Changes::new(live.clone(), jobs_wakeup.clone());
        Ok(AppState {
            hasher: Hasher::new(config.max_concurrent_hashes),
            session_keys: Arc::new(SessionKeys::new(secret.as_bytes())),
            i18n: Arc::new(I18n::load()?),
            metrics: Arc::new(Metrics::default()),
            jobs_wakeup,
            live,
            api_limits: Arc::new(RateLimiter::new(config.api_rate_per_minute)),
            view_counts: Arc::new(ViewCounts::default()),
            batcher: crate::db::batch::Batcher::new(db.clone()),
            intake: Intake::new(db.clone(), Arc::new(Unrouted), changes.clone()),
            changes,
            blobs: match &config.s3 {
                Some(s3) => crate::tickets::attachments::Blobs::s3(db.clone(), s3, config.max_attachment_bytes)?,
                None => crate::tickets::attachments::Blobs::local(
                    db.clone(),
                    &config.data_dir.join("attachments"),
                    config.max_attachment_bytes,
                )?,
            },
            config: Arc::new(config),
            db,
        })
    }

    /// Wake the local job worker after a commit that enqueued jobs.
    pub fn wake_jobs(&self) {
        self.jobs_wakeup.notify_one();
    }

    /// After this process changed a tenant's tickets: wake the event consumers and the job
    /// worker, and make sure derived views (inbox counts) refresh on the next page, before the
    /// live event arrives.
    pub fn tickets_changed(&self, tenant: &crate::tenancy::TenantId) {
        self.changes.committed(tenant);
    }
}

/// A named secret generated once and shared by every process through the database.
pub fn server_secret(conn: &mut DbConnection, name: &str) -> AppResult<String> {
    let read = |conn: &mut DbConnection| -> AppResult<Option<String>> {
        Ok(server_secrets::table.find(name).select(server_secrets::value).first::<String>(conn).optional()?)
    };
    if let Some(v) = read(conn)? {
        return Ok(v);
    }
    let value = crate::accounts::tokens::random_secret(48);
    let inserted = diesel::insert_into(server_secrets::table)
        .values((server_secrets::name.eq(name), server_secrets::value.eq(&value), server_secrets::created_at.eq(now())))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(value),
        // Another process won the race; use its value.
        Err(_) => read(conn)?.ok_or_else(|| AppError::Internal(anyhow::anyhow!("cannot store server secret"))),
    }
}

/// The job handlers and chores every server runs: each module's housekeeping.
pub fn default_registry(state: &AppState) -> Registry {
    let mut r = Registry::new();
    let every = Duration::from_secs(600);
    let db = state.db.clone();
    r.every("accounts.purge", every, move || {
        let db = db.clone();
        async move {
            let purged = db
                .write(|c| {
                    let s = crate::accounts::sessions::purge_old(c)?;
                    let f = crate::accounts::throttle::purge_old(c)?;
                    let k = crate::accounts::idempotency::purge_old(c)?;
                    Ok((s, f, k))
                })
                .await;
            match purged {
                Ok((s, f, k)) => {
                    tracing::debug!(sessions = s, signin_failures = f, idempotency_keys = k, "accounts purged")
                }
                Err(e) => tracing::warn!(error = %e, "accounts housekeeping failed"),
            }
        }
    });
    let db = state.db.clone();
    r.every("jobs.purge", every, move || {
        let db = db.clone();
        async move {
            if let Err(e) = db.write(crate::jobs::purge_done).await {
                tracing::warn!(error = %e, "job purge failed");
            }
        }
    });
    let db = state.db.clone();
    r.every("events.purge", every, move || {
        let db = db.clone();
        async move {
            let purged = db.write(|c| crate::events::outbox::purge_consumed(c, chrono::Duration::days(1))).await;
            match purged {
                Ok(n) => tracing::debug!(events = n, "consumed events purged"),
                Err(e) => tracing::warn!(error = %e, "event purge failed"),
            }
        }
    });
    let blobs = state.blobs.clone();
    r.every("attachments.sweep", every, move || {
        let blobs = blobs.clone();
        async move {
            match crate::tickets::attachments::sweep_orphans(&blobs, 500).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "deleted orphaned attachment files"),
                Err(e) => tracing::warn!(error = %e, "orphaned attachment sweep failed"),
            }
        }
    });
    r
}

/// The event consumers every server runs.
pub fn default_consumers(state: &AppState) -> Vec<Arc<dyn Consumer>> {
    let remote = matches!(state.db.target(), crate::db::DbTarget::Postgres(_));
    vec![Arc::new(crate::events::live::LiveFanout::new(state.live.clone(), remote))]
}

/// A started server and its job worker.
pub struct Running {
    addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: tokio::task::JoinHandle<()>,
    consumers: Vec<tokio::task::JoinHandle<()>>,
    shutdown: watch::Sender<bool>,
    listener: Option<(Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<()>)>,
    live: Arc<crate::events::LiveHub>,
}

impl Running {
    /// The bound address (useful when listening on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Run until the server stops (SIGINT/SIGTERM finish in-flight requests), then stop the worker.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let served = (&mut self.server).await;
        let _ = self.shutdown.send(true);
        let _ = (&mut self.worker).await;
        self.join_consumers().await;
        self.stop_listener();
        served??;
        Ok(())
    }

    async fn join_consumers(&mut self) {
        for c in std::mem::take(&mut self.consumers) {
            let _ = c.await;
        }
    }

    fn stop_listener(&mut self) {
        if let Some((stop, handle)) = self.listener.take() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = handle.join();
        }
    }

    /// Stop gracefully: finish in-flight requests and the job in hand.
    pub async fn stop(mut self) {
        self.live.close_streams();
        self.handle.stop(true).await;
        let _ = self.shutdown.send(true);
        let _ = (&mut self.server).await;
        let _ = (&mut self.worker).await;
        self.join_consumers().await;
        self.stop_listener();
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

impl Drop for Running {
    fn drop(&mut self) {
        // Dropped without stop(): still end the listener thread and wait for it. Left running, it
        // could be inside libpq while the process exits, which corrupts libpq's teardown.
        self.stop_listener();
    }
}

/// Bind the HTTP server on `config.listen` and start the job worker and event consumers.
pub async fn start(state: AppState, extra: Registry) -> anyhow::Result<Running> {
    start_with_consumers(state, extra, vec![]).await
}

/// [`start`] with more event consumers than the default ones.
pub async fn start_with_consumers(
    state: AppState,
    extra: Registry,
    extra_consumers: Vec<Arc<dyn Consumer>>,
) -> anyhow::Result<Running> {
    let mut registry = default_registry(&state);
    registry.extend(extra);
    let mut consumers = default_consumers(&state);
    consumers.extend(extra_consumers);
    let config = state.config.clone();
    let data = web::Data::new(state.clone());
    let (max_body, max_attachment) = (config.max_body_bytes, config.max_attachment_bytes);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(crate::web::middleware::security_headers())
            .wrap(actix_web::middleware::from_fn(crate::web::middleware::metrics))
            .configure(crate::web::configure(max_body, max_attachment))
    })
    .workers(config.workers)
    // We handle signals ourselves so live streams are closed before the graceful wait.
    .disable_signals()
    .shutdown_timeout(config.shutdown_secs)
    .bind(config.listen)
    .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = server.addrs().first().copied().ok_or_else(|| anyhow::anyhow!("no address bound"))?;
    let server = server.run();
    let handle = server.handle();
    let server = tokio::spawn(server);
    let (live, signal_handle) = (state.live.clone(), handle.clone());
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests and jobs");
        live.close_streams();
        signal_handle.stop(true).await;
    });

    let (shutdown, rx) = watch::channel(false);
    let settings = WorkerSettings {
        poll: Duration::from_millis(config.job_poll_ms.max(10)),
        backoff_base: Duration::from_millis(config.job_backoff_ms.max(1)),
        default_max_attempts: config.job_max_attempts,
        lease: Duration::from_secs(300),
    };
    // With PostgreSQL, live events reach this process's browsers through LISTEN, wherever they
    // happened; this process's viewers and API token use are reported to the others on the same
    // connection.
    let listener = match state.db.target() {
        crate::db::DbTarget::Postgres(url) => {
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (hub, out_hub) = (state.live.clone(), state.live.clone());
            let (limits, out_limits) = (state.api_limits.clone(), state.api_limits.clone());
            let process = state.live.presence.process.clone();
            let out_process = process.clone();
            state.live.presence.enable_announcements();
            state.api_limits.enable_reports();
            let handle = crate::db::backend::spawn_listener(
                url.clone(),
                crate::events::wire::LIVE_CHANNEL,
                stop.clone(),
                move |p| match Wire::decode(&p) {
                    Some(Wire::Rate { origin, used }) if origin != process => limits.apply_report(used),
                    Some(Wire::Rate { .. }) => {}
                    Some(other) => hub.receive(other),
                    None => {}
                },
                move || {
                    let mut out = out_hub.outgoing();
                    let reports = out_limits.take_reports();
                    out.extend(reports.into_iter().map(|used| Wire::Rate { origin: out_process.clone(), used }));
                    out.iter().filter_map(Wire::encode).collect()
                },
            )?;
            Some((stop, handle))
        }
        crate::db::DbTarget::Sqlite(_) => None,
    };
    let pace = crate::events::consumers::Pace {
        poll: Duration::from_millis(config.job_poll_ms.max(10)),
        settle: Duration::from_millis(20),
    };
    let consumers =
        crate::events::consumers::spawn_all(state.db.clone(), consumers, state.changes.subscribe(), pace, rx.clone());
    let services =
        WorkerServices { db: state.db.clone(), wakeup: state.jobs_wakeup.clone(), metrics: state.metrics.clone() };
    let worker = tokio::spawn(crate::jobs::run_worker(services, Arc::new(registry), settings, rx));
    Ok(Running { addr, handle, server, worker, consumers, shutdown, listener, live: state.live.clone() })
}
