//! The running server: the HTTP and SMTP listeners, the job worker, the event consumers and, on
//! PostgreSQL, the live channel to the other processes; graceful stop. The composition root: it
//! alone knows both the application state and the web layer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use tokio::sync::watch;

use crate::app::{default_consumers, default_registry, AppState};
use crate::events::{Consumer, Wire};
use crate::jobs::{Registry, WorkerServices, WorkerSettings};

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
    /// For the last flush of the help-center counters, once no request can add to them.
    tally: (crate::db::Db, Arc<crate::kb::feedback::Tally>),
    smtp: Option<(SocketAddr, tokio::task::JoinHandle<()>)>,
}

impl Running {
    /// The bound address (useful when listening on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The SMTP listener's bound address, when it is on.
    pub fn smtp_addr(&self) -> Option<SocketAddr> {
        self.smtp.as_ref().map(|(a, _)| *a)
    }

    async fn join_smtp(&mut self) {
        if let Some((_, task)) = self.smtp.take() {
            let _ = task.await;
        }
    }

    /// Run until the server stops (SIGINT/SIGTERM finish in-flight requests), then stop the worker.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        let served = (&mut self.server).await;
        let _ = self.shutdown.send(true);
        let _ = (&mut self.worker).await;
        self.flush_tally().await;
        self.join_smtp().await;
        self.join_consumers().await;
        self.stop_listener();
        served??;
        Ok(())
    }

    async fn flush_tally(&self) {
        crate::kb::feedback::flush(&self.tally.0, &self.tally.1).await;
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
        self.flush_tally().await;
        self.join_smtp().await;
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
    let (shutdown, rx) = watch::channel(false);
    // Bound before HTTP, so a taken SMTP port fails the start with nothing left running.
    let smtp = match config.smtp_listen {
        Some(addr) => {
            let listener = crate::email::smtp::bind(addr).await?;
            let bound = listener.local_addr()?;
            let tls = match &config.smtp_tls {
                Some((cert, key)) => Some(crate::email::tls::acceptor(cert, key)?),
                None => None,
            };
            let services = crate::email::smtp::Services {
                db: state.db.clone(),
                receiver: state.receiver.clone(),
                jobs_wakeup: state.jobs_wakeup.clone(),
                tls,
            };
            let settings = crate::email::smtp::Settings {
                domain: config.inbound_domain.clone(),
                max_message_bytes: config.max_message_bytes,
                max_recipients: config.smtp_max_recipients,
                max_connections: config.smtp_max_connections,
                timeout: Duration::from_secs(config.smtp_timeout_secs),
            };
            let task = tokio::spawn(crate::email::smtp::serve(listener, services, settings, rx.clone()));
            Some((bound, task))
        }
        None => None,
    };
    let data = web::Data::new(state.clone());
    let (max_body, max_attachment) = (config.max_body_bytes, config.max_attachment_bytes);
    let https = config.https();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(actix_web::middleware::from_fn(crate::web::input::guard))
            // Outside the input guard, which reads form bodies itself: their reading is timed too.
            .wrap(actix_web::middleware::from_fn(crate::web::body_deadline::body_deadline))
            .wrap(crate::web::middleware::security_headers(https))
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

    let settings = WorkerSettings {
        poll: Duration::from_millis(config.job_poll_ms.max(10)),
        backoff_base: Duration::from_millis(config.job_backoff_ms.max(1)),
        default_max_attempts: config.job_max_attempts,
        lease: Duration::from_secs(config.job_lease_secs),
        concurrency: config.job_concurrency,
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
    let signals = crate::events::consumers::Signals {
        wakeup: state.changes.subscribe(),
        jobs: state.jobs_wakeup.clone(),
        shutdown: rx.clone(),
    };
    let consumers = crate::events::consumers::spawn_all(state.db.clone(), consumers, signals, pace);
    let services =
        WorkerServices { db: state.db.clone(), wakeup: state.jobs_wakeup.clone(), metrics: state.metrics.clone() };
    let worker = tokio::spawn(crate::jobs::run_worker(services, Arc::new(registry), settings, rx));
    let tally = (state.db.clone(), state.kb_tally.clone());
    Ok(Running { addr, handle, server, worker, consumers, shutdown, listener, live: state.live.clone(), tally, smtp })
}
