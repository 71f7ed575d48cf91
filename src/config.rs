//! Typed, layered configuration: built-in defaults, then `meridian.toml`, then `MERIDIAN_*` env.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::db::DbTarget;

/// One documented setting: its TOML key, its environment name, its default and what it does.
pub struct Setting {
    /// Key in `meridian.toml`.
    pub key: &'static str,
    /// Environment variable that overrides the file.
    pub env: &'static str,
    /// Default, as written in the table (derived defaults are described in words).
    pub default: &'static str,
    /// One line for `--help` and the README.
    pub help: &'static str,
}

/// Every setting Meridian reads. `meridian --help` and the README print this table.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "listen",
        env: "MERIDIAN_LISTEN",
        default: "127.0.0.1:8080",
        help: "address and port the HTTP server binds",
    },
    Setting {
        key: "database_url",
        env: "DATABASE_URL",
        default: "sqlite://<data_dir>/meridian.db",
        help: "sqlite://PATH or postgres://USER@HOST/DB",
    },
    Setting {
        key: "data_dir",
        env: "MERIDIAN_DATA_DIR",
        default: "./data",
        help: "folder for the SQLite file and attachments",
    },
    Setting {
        key: "base_url",
        env: "MERIDIAN_BASE_URL",
        default: "http://<listen>",
        help: "public URL used in links and cookies; https:// turns on Secure __Host- cookies",
    },
    Setting {
        key: "base_domain",
        env: "MERIDIAN_BASE_DOMAIN",
        default: "host of base_url",
        help: "help centers answer on {slug}.<base_domain> (and /h/{slug} everywhere)",
    },
    Setting {
        key: "secret_key",
        env: "MERIDIAN_SECRET_KEY",
        default: "generated once, kept in the database",
        help: "key that signs session tokens (at least 32 characters)",
    },
    Setting { key: "log", env: "MERIDIAN_LOG", default: "info", help: "log filter (tracing env-filter syntax)" },
    Setting { key: "log_format", env: "MERIDIAN_LOG_FORMAT", default: "text", help: "text or json" },
    Setting { key: "workers", env: "MERIDIAN_WORKERS", default: "number of CPUs", help: "HTTP worker threads" },
    Setting {
        key: "db_pool_size",
        env: "MERIDIAN_DB_POOL_SIZE",
        default: "16",
        help: "database connections per process",
    },
    Setting { key: "session_hours", env: "MERIDIAN_SESSION_HOURS", default: "12", help: "console session lifetime" },
    Setting {
        key: "max_concurrent_hashes",
        env: "MERIDIAN_MAX_CONCURRENT_HASHES",
        default: "number of CPUs",
        help: "password hashes computed at once (each takes 19 MiB)",
    },
    Setting {
        key: "signin_account_limit",
        env: "MERIDIAN_SIGNIN_ACCOUNT_LIMIT",
        default: "5",
        help: "failed sign-ins per account per window before throttling",
    },
    Setting {
        key: "signin_ip_limit",
        env: "MERIDIAN_SIGNIN_IP_LIMIT",
        default: "30",
        help: "failed sign-ins per client IP per window before throttling",
    },
    Setting {
        key: "signin_window_minutes",
        env: "MERIDIAN_SIGNIN_WINDOW_MINUTES",
        default: "15",
        help: "sign-in throttling window",
    },
    Setting {
        key: "trust_proxy",
        env: "MERIDIAN_TRUST_PROXY",
        default: "false",
        help: "take the client IP from X-Forwarded-For (only behind your own proxy)",
    },
    Setting {
        key: "metrics_token",
        env: "MERIDIAN_METRICS_TOKEN",
        default: "(none: /metrics is open)",
        help: "bearer token required by /metrics",
    },
    Setting {
        key: "api_rate_per_minute",
        env: "MERIDIAN_API_RATE_PER_MINUTE",
        default: "3000",
        help: "API requests per token per minute in each process (429 with Retry-After beyond)",
    },
    Setting {
        key: "max_attachment_bytes",
        env: "MERIDIAN_MAX_ATTACHMENT_BYTES",
        default: "26214400",
        help: "largest attachment accepted (bytes); files live under <data_dir>/attachments",
    },
    Setting {
        key: "s3_bucket",
        env: "MERIDIAN_S3_BUCKET",
        default: "(none: attachments in <data_dir>/attachments)",
        help: "keep attachments in this S3-compatible bucket instead of the local folder",
    },
    Setting {
        key: "s3_endpoint",
        env: "MERIDIAN_S3_ENDPOINT",
        default: "(AWS)",
        help: "endpoint of an S3-compatible service (MinIO, R2, Ceph…); http:// is allowed",
    },
    Setting { key: "s3_region", env: "MERIDIAN_S3_REGION", default: "us-east-1", help: "bucket region" },
    Setting {
        key: "s3_access_key_id",
        env: "MERIDIAN_S3_ACCESS_KEY_ID",
        default: "AWS_ACCESS_KEY_ID",
        help: "access key for the bucket (else the standard AWS_* variables)",
    },
    Setting {
        key: "s3_secret_access_key",
        env: "MERIDIAN_S3_SECRET_ACCESS_KEY",
        default: "AWS_SECRET_ACCESS_KEY",
        help: "secret key for the bucket (never logged)",
    },
    Setting {
        key: "max_body_bytes",
        env: "MERIDIAN_MAX_BODY_BYTES",
        default: "1048576",
        help: "largest JSON or form body accepted",
    },
    Setting {
        key: "sqlite_wal_limit_mb",
        env: "MERIDIAN_SQLITE_WAL_LIMIT_MB",
        default: "64",
        help: "SQLite write-ahead log size past which it is checkpointed and truncated",
    },
    Setting {
        key: "max_streams_per_session",
        env: "MERIDIAN_MAX_STREAMS_PER_SESSION",
        default: "16",
        help: "live console streams (browser tabs) one session may hold open; more are refused with 429",
    },
    Setting {
        key: "body_timeout_secs",
        env: "MERIDIAN_BODY_TIMEOUT_SECS",
        default: "20",
        help: "time allowed to send a request body, plus a second per body_min_rate bytes received (408 beyond)",
    },
    Setting {
        key: "body_min_rate",
        env: "MERIDIAN_BODY_MIN_RATE",
        default: "500",
        help: "bytes per second a slow upload must keep up to earn more time",
    },
    Setting {
        key: "job_poll_ms",
        env: "MERIDIAN_JOB_POLL_MS",
        default: "1000",
        help: "how often the job worker looks for due jobs",
    },
    Setting {
        key: "job_backoff_ms",
        env: "MERIDIAN_JOB_BACKOFF_MS",
        default: "2000",
        help: "first retry delay; doubles each attempt, with jitter, up to an hour",
    },
    Setting {
        key: "job_lease_secs",
        env: "MERIDIAN_JOB_LEASE_SECS",
        default: "300",
        help: "a running job older than this belonged to a process that died and runs again (it is also the handler's time limit, halved)",
    },
    Setting {
        key: "job_concurrency",
        env: "MERIDIAN_JOB_CONCURRENCY",
        default: "8",
        help: "jobs one process runs at once; one kind of job may hold at most half of them, so a slow webhook receiver cannot hold up mail",
    },
    Setting {
        key: "job_max_attempts",
        env: "MERIDIAN_JOB_MAX_ATTEMPTS",
        default: "8",
        help: "attempts before a job is kept as dead",
    },
    Setting {
        key: "shutdown_secs",
        env: "MERIDIAN_SHUTDOWN_SECS",
        default: "30",
        help: "grace period for in-flight requests and jobs on shutdown",
    },
    Setting {
        key: "smtp_listen",
        env: "MERIDIAN_SMTP_LISTEN",
        default: "127.0.0.1:2525",
        help: "address the built-in SMTP listener binds for inbound mail; off disables it",
    },
    Setting {
        key: "inbound_domain",
        env: "MERIDIAN_INBOUND_DOMAIN",
        default: "host of base_url",
        help: "mail for {slug}@<inbound_domain> (and {slug}+{reply token}@…) becomes tickets",
    },
    Setting {
        key: "max_message_bytes",
        env: "MERIDIAN_MAX_MESSAGE_BYTES",
        default: "31457280",
        help: "largest inbound email accepted, raw (SMTP answers 552 beyond, HTTP 413)",
    },
    Setting {
        key: "mail_throttle_tickets",
        env: "MERIDIAN_MAIL_THROTTLE_TICKETS",
        default: "5",
        help: "new tickets one sender may open by mail within mail_throttle_minutes; more of their new mail joins their latest ticket, tagged mail-throttled (0: off)",
    },
    Setting {
        key: "mail_throttle_minutes",
        env: "MERIDIAN_MAIL_THROTTLE_MINUTES",
        default: "10",
        help: "the window of mail_throttle_tickets",
    },
    Setting {
        key: "routing_sweep_secs",
        env: "MERIDIAN_ROUTING_SWEEP_SECS",
        default: "30",
        help: "how often queued tickets are offered to agents with capacity and ended shifts are handed off",
    },
    Setting {
        key: "presence_grace_secs",
        env: "MERIDIAN_PRESENCE_GRACE_SECS",
        default: "120",
        help: "an online agent whose last console stream closed this long ago is set offline (0: never)",
    },
    Setting {
        key: "smtp_max_connections",
        env: "MERIDIAN_SMTP_MAX_CONNECTIONS",
        default: "100",
        help: "SMTP connections served at once; more are answered 421 and closed",
    },
    Setting {
        key: "smtp_max_recipients",
        env: "MERIDIAN_SMTP_MAX_RECIPIENTS",
        default: "50",
        help: "recipients one SMTP message may have (452 beyond)",
    },
    Setting {
        key: "smtp_timeout_secs",
        env: "MERIDIAN_SMTP_TIMEOUT_SECS",
        default: "60",
        help: "time an SMTP client has for each command or line of a message before it is disconnected",
    },
    Setting {
        key: "smtp_tls_cert",
        env: "MERIDIAN_SMTP_TLS_CERT",
        default: "(none: no STARTTLS)",
        help: "PEM certificate chain for SMTP STARTTLS (with smtp_tls_key)",
    },
    Setting {
        key: "smtp_tls_key",
        env: "MERIDIAN_SMTP_TLS_KEY",
        default: "(none)",
        help: "PEM private key for SMTP STARTTLS (never logged)",
    },
    Setting {
        key: "smtp_url",
        env: "MERIDIAN_SMTP_URL",
        default: "(none: mail is written to <data_dir>/outbox/)",
        help: "relay for outgoing mail, lettre's URL form: smtp://user:pass@host:587?tls=required or smtps://host:465 (never logged)",
    },
    Setting {
        key: "webhook_allow_http",
        env: "MERIDIAN_WEBHOOK_ALLOW_HTTP",
        default: "false",
        help: "webhook URLs may use plain http:// (otherwise https:// only)",
    },
    Setting {
        key: "webhook_allow_private",
        env: "MERIDIAN_WEBHOOK_ALLOW_PRIVATE",
        default: "false",
        help: "webhooks may be delivered to loopback and private addresses (link-local and cloud metadata never)",
    },
    Setting {
        key: "webhook_retry_schedule",
        env: "MERIDIAN_WEBHOOK_RETRY_SCHEDULE",
        default: "0,5,300,1800,7200,18000,36000,50400,72000,86400",
        help: "seconds before each webhook delivery attempt (one entry per attempt; a tenth of jitter is added)",
    },
    Setting {
        key: "meili_url",
        env: "MEILI_URL",
        default: "(none: the embedded index under <data_dir>/search)",
        help: "Meilisearch server for knowledge-base search, e.g. http://127.0.0.1:7700",
    },
    Setting { key: "meili_key", env: "MEILI_KEY", default: "(none)", help: "Meilisearch API key (never logged)" },
    Setting {
        key: "webhook_disable_after_hours",
        env: "MERIDIAN_WEBHOOK_DISABLE_AFTER_HOURS",
        default: "120",
        help: "a webhook whose every delivery attempt failed for this many hours (a fraction is allowed) is turned off and its tenant's admins told",
    },
    Setting {
        key: "demo",
        env: "MERIDIAN_DEMO",
        default: "true",
        help: "seed a demo tenant on first start of an empty database",
    },
];

/// Where attachments go when they live in an S3-compatible bucket.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The resolved configuration, passed around in `AppState`.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database: DbTarget,
    pub data_dir: PathBuf,
    pub base_url: url::Url,
    pub base_domain: String,
    pub secret_key: Option<String>,
    pub log: String,
    pub log_format: LogFormat,
    pub workers: usize,
    pub db_pool_size: u32,
    pub session_hours: i64,
    pub max_concurrent_hashes: usize,
    pub signin_account_limit: i64,
    pub signin_ip_limit: i64,
    pub signin_window_minutes: i64,
    pub trust_proxy: bool,
    pub metrics_token: Option<String>,
    pub api_rate_per_minute: u32,
    pub max_body_bytes: usize,
    pub max_attachment_bytes: usize,
    pub body_timeout_secs: u64,
    pub body_min_rate: u64,
    pub s3: Option<S3Config>,
    /// SQLite WAL size (MiB) past which a TRUNCATE checkpoint runs.
    pub sqlite_wal_limit_mb: u64,
    /// Live streams one console session may hold open.
    pub max_streams_per_session: usize,
    pub job_poll_ms: u64,
    pub job_backoff_ms: u64,
    /// Seconds after which a running job is taken to belong to a dead process.
    pub job_lease_secs: u64,
    pub job_max_attempts: i32,
    /// Jobs this process runs at once.
    pub job_concurrency: usize,
    pub shutdown_secs: u64,
    pub demo: bool,
    /// Where the SMTP listener binds; `None` when it is off.
    pub smtp_listen: Option<SocketAddr>,
    /// The domain inbound addresses live under (lowercase).
    pub inbound_domain: String,
    pub max_message_bytes: usize,
    /// New tickets one sender may open by mail per `mail_throttle_minutes` (0: no throttle).
    pub mail_throttle_tickets: i64,
    pub mail_throttle_minutes: i64,
    /// Seconds between routing sweeps (queued tickets, shift-end handoffs, auto offline).
    pub routing_sweep_secs: u64,
    /// Seconds after an agent's last console stream closed before they are set offline (0: never).
    pub presence_grace_secs: u64,
    pub smtp_max_connections: usize,
    pub smtp_max_recipients: usize,
    pub smtp_timeout_secs: u64,
    /// Certificate chain and key (PEM files) that turn on STARTTLS.
    pub smtp_tls: Option<(PathBuf, PathBuf)>,
    /// The relay for outgoing mail; `None` writes it to `<data_dir>/outbox/`.
    pub smtp_url: Option<String>,
    /// Webhook URLs may be http://.
    pub webhook_allow_http: bool,
    /// Webhooks may go to loopback and private addresses.
    pub webhook_allow_private: bool,
    /// The delay before each webhook delivery attempt.
    pub webhook_retry_schedule: Vec<std::time::Duration>,
    /// Meilisearch for knowledge-base search; `None` uses the embedded index.
    pub meili_url: Option<String>,
    /// Meilisearch API key.
    pub meili_key: Option<String>,
    /// How long a webhook may fail every attempt before it is turned off.
    pub webhook_disable_after: std::time::Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach a log line.
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &self.database.backend_name())
            .field("data_dir", &self.data_dir)
            .field("base_url", &self.base_url.as_str())
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults, then the TOML file (if `file` is given, it must exist), then the process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(file, &env)
    }

    /// Like [`Config::load`] with an explicit environment (for tests).
    pub fn from_sources(file: Option<&Path>, env: &HashMap<String, String>) -> anyhow::Result<Config> {
        let mut raw: HashMap<&'static str, String> = HashMap::new();
        let file = file.map(Path::to_path_buf).or_else(|| {
            let p = PathBuf::from("meridian.toml");
            p.exists().then_some(p)
        });
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
            let table: toml::Table =
                text.parse().map_err(|e| anyhow::anyhow!("config file {} is not valid TOML: {e}", path.display()))?;
            for (k, v) in table {
                let setting = SETTINGS
                    .iter()
                    .find(|s| s.key == k)
                    .ok_or_else(|| anyhow::anyhow!("config file {}: unknown setting {k:?}", path.display()))?;
                let value = match v {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    _ => anyhow::bail!("config file {}: {k} must be a string, number or boolean", path.display()),
                };
                raw.insert(setting.key, value);
            }
        }
        for s in SETTINGS {
            if let Some(v) = env.get(s.env).filter(|v| !v.is_empty()) {
                raw.insert(s.key, v.clone());
            }
        }
        let get = |k: &str| raw.get(k).map(String::as_str);
        let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);

        let listen: SocketAddr = parse(get("listen").unwrap_or("127.0.0.1:8080"), "MERIDIAN_LISTEN")?;
        let data_dir = PathBuf::from(get("data_dir").unwrap_or("./data"));
        let database = match get("database_url") {
            Some(url) => DbTarget::parse(url).map_err(|e| anyhow::anyhow!(e))?,
            None => DbTarget::Sqlite(data_dir.join("meridian.db")),
        };
        let base_url_text = get("base_url").map(str::to_string).unwrap_or_else(|| format!("http://{listen}"));
        let base_url = url::Url::parse(&base_url_text)
            .map_err(|e| anyhow::anyhow!("MERIDIAN_BASE_URL {base_url_text:?} is not a URL: {e}"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            anyhow::bail!("MERIDIAN_BASE_URL must start with http:// or https://");
        }
        let base_domain = match get("base_domain") {
            Some(d) => d.to_ascii_lowercase(),
            None => base_url.host_str().unwrap_or("localhost").to_ascii_lowercase(),
        };
        let smtp_listen = match get("smtp_listen").unwrap_or("127.0.0.1:2525").trim() {
            "off" => None,
            other => Some(parse::<SocketAddr>(other, "MERIDIAN_SMTP_LISTEN")?),
        };
        let inbound_domain = match get("inbound_domain") {
            Some(d) => d.trim().trim_end_matches('.').to_ascii_lowercase(),
            None => base_url.host_str().unwrap_or("localhost").to_ascii_lowercase(),
        };
        if inbound_domain.is_empty() || inbound_domain.contains(['@', ' ', '/']) {
            anyhow::bail!("MERIDIAN_INBOUND_DOMAIN {inbound_domain:?} is not a domain");
        }
        let smtp_tls = match (get("smtp_tls_cert"), get("smtp_tls_key")) {
            (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
            (None, None) => None,
            _ => anyhow::bail!("MERIDIAN_SMTP_TLS_CERT and MERIDIAN_SMTP_TLS_KEY go together"),
        };
        let smtp_url = get("smtp_url").map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        if let Some(u) = &smtp_url {
            // Checked here so a typo stops the start instead of failing every mail; the URL may
            // hold a password, so it is not repeated.
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) || url::Url::parse(u).is_err() {
                anyhow::bail!("MERIDIAN_SMTP_URL must be an smtp:// or smtps:// URL");
            }
        }
        let webhook_retry_schedule = match get("webhook_retry_schedule") {
            Some(t) => crate::webhooks::deliver::parse_schedule(t)
                .map_err(|e| anyhow::anyhow!("MERIDIAN_WEBHOOK_RETRY_SCHEDULE: {e}"))?,
            None => crate::webhooks::deliver::DEFAULT_SCHEDULE
                .iter()
                .map(|s| std::time::Duration::from_secs_f64(*s))
                .collect(),
        };
        let webhook_disable_after = match get("webhook_disable_after_hours") {
            Some(t) => t
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|h| *h > 0.0)
                .and_then(|h| std::time::Duration::try_from_secs_f64(h * 3600.0).ok())
                .ok_or_else(|| {
                    anyhow::anyhow!("MERIDIAN_WEBHOOK_DISABLE_AFTER_HOURS {t:?} is not a positive number of hours")
                })?,
            None => std::time::Duration::from_secs_f64(crate::webhooks::disable::DEFAULT_AFTER_HOURS * 3600.0),
        };
        let secret_key = get("secret_key").map(str::to_string);
        if let Some(k) = &secret_key {
            if k.len() < 32 {
                anyhow::bail!("MERIDIAN_SECRET_KEY must be at least 32 characters");
            }
        }
        let log_format = match get("log_format").unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => anyhow::bail!("MERIDIAN_LOG_FORMAT must be text or json, not {other:?}"),
        };
        Ok(Config {
            listen,
            database,
            data_dir,
            base_url,
            base_domain,
            secret_key,
            log: get("log").unwrap_or("info").to_string(),
            log_format,
            workers: opt(get("workers"), "MERIDIAN_WORKERS")?.unwrap_or(cpus).max(1),
            db_pool_size: opt(get("db_pool_size"), "MERIDIAN_DB_POOL_SIZE")?.unwrap_or(16),
            session_hours: opt(get("session_hours"), "MERIDIAN_SESSION_HOURS")?.unwrap_or(12),
            max_concurrent_hashes: opt(get("max_concurrent_hashes"), "MERIDIAN_MAX_CONCURRENT_HASHES")?
                .unwrap_or(cpus)
                .max(1),
            signin_account_limit: opt(get("signin_account_limit"), "MERIDIAN_SIGNIN_ACCOUNT_LIMIT")?.unwrap_or(5),
            signin_ip_limit: opt(get("signin_ip_limit"), "MERIDIAN_SIGNIN_IP_LIMIT")?.unwrap_or(30),
            signin_window_minutes: opt(get("signin_window_minutes"), "MERIDIAN_SIGNIN_WINDOW_MINUTES")?.unwrap_or(15),
            trust_proxy: opt(get("trust_proxy"), "MERIDIAN_TRUST_PROXY")?.unwrap_or(false),
            metrics_token: get("metrics_token").map(str::to_string),
            api_rate_per_minute: opt(get("api_rate_per_minute"), "MERIDIAN_API_RATE_PER_MINUTE")?.unwrap_or(3000),
            s3: get("s3_bucket").map(|bucket| S3Config {
                bucket: bucket.to_string(),
                endpoint: get("s3_endpoint").map(str::to_string),
                region: get("s3_region").unwrap_or("us-east-1").to_string(),
                access_key_id: get("s3_access_key_id").map(str::to_string),
                secret_access_key: get("s3_secret_access_key").map(str::to_string),
            }),
            max_attachment_bytes: opt(get("max_attachment_bytes"), "MERIDIAN_MAX_ATTACHMENT_BYTES")?
                .unwrap_or(25 << 20),
            max_body_bytes: opt(get("max_body_bytes"), "MERIDIAN_MAX_BODY_BYTES")?.unwrap_or(1 << 20),
            sqlite_wal_limit_mb: opt(get("sqlite_wal_limit_mb"), "MERIDIAN_SQLITE_WAL_LIMIT_MB")?.unwrap_or(64),
            max_streams_per_session: opt(get("max_streams_per_session"), "MERIDIAN_MAX_STREAMS_PER_SESSION")?
                .unwrap_or(16),
            body_timeout_secs: opt(get("body_timeout_secs"), "MERIDIAN_BODY_TIMEOUT_SECS")?.unwrap_or(20).max(1),
            body_min_rate: opt(get("body_min_rate"), "MERIDIAN_BODY_MIN_RATE")?.unwrap_or(500).max(1),
            job_poll_ms: opt(get("job_poll_ms"), "MERIDIAN_JOB_POLL_MS")?.unwrap_or(1000),
            job_backoff_ms: opt(get("job_backoff_ms"), "MERIDIAN_JOB_BACKOFF_MS")?.unwrap_or(2000),
            job_lease_secs: opt(get("job_lease_secs"), "MERIDIAN_JOB_LEASE_SECS")?.unwrap_or(300).max(1),
            job_max_attempts: opt(get("job_max_attempts"), "MERIDIAN_JOB_MAX_ATTEMPTS")?.unwrap_or(8).max(1),
            job_concurrency: opt(get("job_concurrency"), "MERIDIAN_JOB_CONCURRENCY")?.unwrap_or(8).clamp(1, 256),
            shutdown_secs: opt(get("shutdown_secs"), "MERIDIAN_SHUTDOWN_SECS")?.unwrap_or(30),
            demo: opt(get("demo"), "MERIDIAN_DEMO")?.unwrap_or(true),
            smtp_listen,
            inbound_domain,
            max_message_bytes: opt(get("max_message_bytes"), "MERIDIAN_MAX_MESSAGE_BYTES")?
                .unwrap_or(30 << 20)
                .max(1024),
            mail_throttle_tickets: opt(get("mail_throttle_tickets"), "MERIDIAN_MAIL_THROTTLE_TICKETS")?
                .unwrap_or(5)
                .max(0),
            mail_throttle_minutes: opt(get("mail_throttle_minutes"), "MERIDIAN_MAIL_THROTTLE_MINUTES")?
                .unwrap_or(10)
                .max(1),
            routing_sweep_secs: opt(get("routing_sweep_secs"), "MERIDIAN_ROUTING_SWEEP_SECS")?.unwrap_or(30).max(1),
            presence_grace_secs: opt(get("presence_grace_secs"), "MERIDIAN_PRESENCE_GRACE_SECS")?.unwrap_or(120),
            smtp_max_connections: opt(get("smtp_max_connections"), "MERIDIAN_SMTP_MAX_CONNECTIONS")?
                .unwrap_or(100)
                .max(1),
            smtp_max_recipients: opt(get("smtp_max_recipients"), "MERIDIAN_SMTP_MAX_RECIPIENTS")?.unwrap_or(50).max(1),
            smtp_timeout_secs: opt(get("smtp_timeout_secs"), "MERIDIAN_SMTP_TIMEOUT_SECS")?.unwrap_or(60).max(1),
            smtp_tls,
            smtp_url,
            webhook_allow_http: opt(get("webhook_allow_http"), "MERIDIAN_WEBHOOK_ALLOW_HTTP")?.unwrap_or(false),
            webhook_allow_private: opt(get("webhook_allow_private"), "MERIDIAN_WEBHOOK_ALLOW_PRIVATE")?
                .unwrap_or(false),
            webhook_retry_schedule,
            meili_url: get("meili_url").map(|u| u.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty()),
            meili_key: get("meili_key").map(str::to_string).filter(|k| !k.is_empty()),
            webhook_disable_after,
        })
    }

    /// Whether cookies must be `Secure` and `__Host-` prefixed.
    pub fn https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// The settings table as plain text, for `meridian --help`.
    pub fn help_table() -> String {
        let mut out = String::from("Settings (meridian.toml key / environment variable, default: meaning):\n");
        for s in SETTINGS {
            out.push_str(&format!("  {:<22} {:<32} default {}\n      {}\n", s.key, s.env, s.default, s.help));
        }
        out
    }
}

fn parse<T: std::str::FromStr>(v: &str, name: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    v.trim().parse().map_err(|e| anyhow::anyhow!("{name} {v:?} is invalid: {e}"))
}

fn opt<T: std::str::FromStr>(v: Option<&str>, name: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    v.map(|v| parse(v, name)).transpose()
}
