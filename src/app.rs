//! Application state and its wiring: the services every handler, job and consumer shares, and
//! what each module registers to run in the background. `server` starts them.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use tokio::sync::Notify;

use crate::accounts::passwords::Hasher;
use crate::accounts::ratelimit::RateLimiter;
use crate::accounts::sessions::SessionKeys;
use crate::config::Config;
use crate::db::schema::server_secrets;
use crate::db::{now, Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::{Changes, Consumer};
use crate::i18n::I18n;
use crate::jobs::Registry;
use crate::metrics::Metrics;
use crate::tickets::intake::Intake;
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
    /// Group commit of chat conversations opening, on both backends (see [`Batcher::everywhere`]).
    ///
    /// [`Batcher::everywhere`]: crate::db::batch::Batcher::everywhere
    pub chat_writes: crate::db::batch::Batcher,
    /// The one door tickets are opened through.
    pub intake: Intake,
    /// Group commit of received mail, shared by the SMTP listener and the HTTP door.
    pub receiver: crate::email::store::Receiver,
    /// Cached inbox sidebar counts.
    pub view_counts: Arc<ViewCounts>,
    /// Where outgoing mail goes (the relay, or the outbox folder).
    pub mailer: Arc<crate::email::outbound::send::Transport>,
    /// Knowledge-base search (embedded index or Meilisearch).
    pub search: crate::search::Search,
    /// Requests submitted on the help centers, per client address.
    pub help_requests: Arc<crate::web::help::RequestLimiter>,
    /// The widget's HTTP doors' rate limits (uploads per visitor, suggestions per address).
    pub widget_limits: Arc<crate::web::widget::Limits>,
    /// Help-center views and suggestion events not yet written (see `kb::feedback`).
    pub kb_tally: Arc<crate::kb::feedback::Tally>,
    /// Help-center votes and feedback beacons, per client address.
    pub help_feedback: Arc<crate::web::help::FeedbackLimits>,
}

impl AppState {
    /// Open the database, apply migrations, load translations and the signing secret.
    pub fn init(config: Config) -> anyhow::Result<AppState> {
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let db = Db::connect(config.database.clone(), config.db_pool_size)?;
        // A failed start closes the pool too, so even an error exits cleanly.
        Self::assemble(config, db.clone()).inspect_err(|_| db.close())
    }

    fn assemble(config: Config, db: Db) -> anyhow::Result<AppState> {
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
        let changes = Changes::new(live.clone());
        Ok(AppState {
            hasher: Hasher::new(config.max_concurrent_hashes),
            session_keys: Arc::new(SessionKeys::new(secret.as_bytes())),
            i18n: Arc::new(I18n::load()?),
            metrics: Arc::new(Metrics::default()),
            jobs_wakeup,
            live,
            api_limits: Arc::new(RateLimiter::new(config.api_rate_per_minute)),
            view_counts: Arc::new(ViewCounts::default()),
            mailer: Arc::new(crate::email::outbound::send::Transport::from_config(
                config.smtp_url.as_deref(),
                &config.data_dir,
                &config.inbound_domain,
            )?),
            search: crate::search::Search::from_config(&config)?,
            help_requests: Arc::new(crate::web::help::RequestLimiter::default()),
            widget_limits: Arc::new(crate::web::widget::Limits::default()),
            kb_tally: Arc::new(crate::kb::feedback::Tally::default()),
            help_feedback: Arc::new(crate::web::help::FeedbackLimits::default()),
            batcher: crate::db::batch::Batcher::new(db.clone()),
            chat_writes: crate::db::batch::Batcher::everywhere(db.clone()),
            intake: Intake::new(db.clone(), Arc::new(crate::routing::router::ShiftRouter), changes.clone()),
            receiver: crate::email::store::Receiver::new(db.clone()),
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

    /// Release the database before the process exits (see [`Db::close`]). Other clones of this
    /// state must not be used afterwards; nothing in them may still be running.
    pub fn close(self) {
        self.db.clone().close();
    }

    /// Wake the local job worker after a commit that enqueued jobs.
    pub fn wake_jobs(&self) {
        self.jobs_wakeup.notify_one();
    }

    /// After this process changed a tenant's tickets: wake the event consumers, and make sure derived views (inbox counts) refresh on the next page, before the
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

/// The job handlers and chores every server runs: each module's housekeeping, filing of
/// inbound mail, sending of outbound mail and delivering webhooks.
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
                    let p = crate::accounts::portal::purge_old(c)?;
                    Ok((s + p, f, k))
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
    if matches!(state.db.target(), crate::db::DbTarget::Sqlite(_)) {
        let (db, limit) = (state.db.clone(), state.config.sqlite_wal_limit_mb.saturating_mul(1 << 20));
        r.every("db.wal_checkpoint", Duration::from_secs(1), move || {
            let db = db.clone();
            async move {
                let ran = tokio::task::spawn_blocking(move || db.checkpoint_if_over(limit)).await;
                match ran {
                    Ok(Ok(true)) => tracing::debug!("WAL checkpointed and truncated"),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "WAL checkpoint did not finish; retrying"),
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint task failed"),
                }
            }
        });
    }
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
    let filer = crate::email::filing::Filer {
        db: state.db.clone(),
        blobs: state.blobs.clone(),
        intake: state.intake.clone(),
        changes: state.changes.clone(),
        i18n: state.i18n.clone(),
        domain: state.config.inbound_domain.clone(),
        default_max_attempts: state.config.job_max_attempts,
        throttle: (state.config.mail_throttle_tickets > 0).then_some(crate::email::filing::Throttle {
            tickets: state.config.mail_throttle_tickets,
            minutes: state.config.mail_throttle_minutes,
        }),
    };
    r.register(crate::email::FILE_JOB, move |ctx| {
        let filer = filer.clone();
        async move { filer.run(ctx).await }
    });
    let sender = crate::email::outbound::send::Sender {
        db: state.db.clone(),
        i18n: state.i18n.clone(),
        transport: state.mailer.clone(),
        domain: state.config.inbound_domain.clone(),
        default_max_attempts: state.config.job_max_attempts,
        links: state.session_keys.clone(),
        base_url: state.config.base_url.to_string(),
        blobs: state.blobs.clone(),
    };
    r.register(crate::email::outbound::SEND_JOB, move |ctx| {
        let sender = sender.clone();
        async move { sender.run(ctx).await }
    });
    let deliverer = crate::webhooks::deliver::Deliverer::new(
        state.db.clone(),
        state.batcher.clone(),
        state.config.webhook_allow_private,
        Arc::new(state.config.webhook_retry_schedule.clone()),
    )
    .expect("the webhook HTTP client builds");
    r.register(crate::webhooks::DELIVER_JOB, move |ctx| {
        let deliverer = deliverer.clone();
        async move { deliverer.run(ctx).await }
    });
    let (db, search) = (state.db.clone(), state.search.clone());
    r.register(crate::kb::INDEX_JOB, move |ctx| crate::search::indexing::run_job(db.clone(), search.clone(), ctx));
    let db = state.db.clone();
    r.register(crate::kb::editing::PUBLISH_JOB, move |ctx| crate::kb::editing::run_publish_job(db.clone(), ctx));
    let (db, search) = (state.db.clone(), state.search.clone());
    r.register(crate::search::indexing::REINDEX_JOB, move |ctx| {
        crate::search::indexing::run_reindex_job(db.clone(), search.clone(), ctx)
    });
    let (db, tally) = (state.db.clone(), state.kb_tally.clone());
    r.every("kb.feedback_flush", crate::kb::feedback::FLUSH_EVERY, move || {
        let (db, tally) = (db.clone(), tally.clone());
        async move { crate::kb::feedback::flush(&db, &tally).await }
    });
    let (db, search) = (state.db.clone(), state.search.clone());
    r.every("kb.consistency", every, move || {
        let (db, search) = (db.clone(), search.clone());
        async move {
            if let Err(e) = crate::search::indexing::check_consistency(&db, &search).await {
                tracing::warn!(error = %e, "knowledge-base consistency check failed");
            }
        }
    });
    let (db, after, domain) =
        (state.db.clone(), state.config.webhook_disable_after, state.config.inbound_domain.clone());
    r.every("webhooks.disable_failing", crate::webhooks::disable::check_interval(after), move || {
        let (db, domain) = (db.clone(), domain.clone());
        async move {
            match db.write(move |c| crate::webhooks::disable::disable_failing(c, after, &domain)).await {
                Ok(off) if off.is_empty() => {}
                Ok(off) => tracing::info!(webhooks = off.len(), "failing webhooks turned off"),
                Err(e) => tracing::warn!(error = %e, "webhook auto-disable failed"),
            }
        }
    });
    let processor = crate::alerts::process::Processor {
        db: state.db.clone(),
        intake: state.intake.clone(),
        changes: state.changes.clone(),
        i18n: state.i18n.clone(),
        domain: state.config.inbound_domain.clone(),
    };
    r.register(crate::alerts::PROCESS_JOB, move |ctx| {
        let processor = processor.clone();
        async move { processor.run(ctx).await }
    });
    let db = state.db.clone();
    r.every("webhooks.purge", every, move || {
        let db = db.clone();
        async move {
            match db.write(crate::webhooks::purge_old).await {
                Ok(n) => tracing::debug!(rows = n, "old webhook deliveries purged"),
                Err(e) => tracing::warn!(error = %e, "webhook delivery purge failed"),
            }
        }
    });
    let (db, changes, live) = (state.db.clone(), state.changes.clone(), state.live.clone());
    let grace = state.config.presence_grace_secs;
    r.every("routing.sweep", Duration::from_secs(state.config.routing_sweep_secs), move || {
        let (db, changes, live) = (db.clone(), changes.clone(), live.clone());
        async move {
            match crate::routing::followup::sweep(&db, &changes, &live, grace).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tickets = n, "routing sweep assigned or handed off tickets"),
                Err(e) => tracing::warn!(error = %e, "routing sweep failed"),
            }
        }
    });
    r
}

/// The event consumers every server runs.
pub fn default_consumers(state: &AppState) -> Vec<Arc<dyn Consumer>> {
    let remote = matches!(state.db.target(), crate::db::DbTarget::Postgres(_));
    vec![
        Arc::new(crate::events::live::LiveFanout::new(state.live.clone(), remote)),
        Arc::new(crate::email::outbound::consumer::MailConsumer::new(
            state.config.inbound_domain.clone(),
            state.i18n.clone(),
        )),
        Arc::new(crate::webhooks::consumer::WebhookConsumer),
        Arc::new(crate::routing::followup::RoutingConsumer),
    ]
}
