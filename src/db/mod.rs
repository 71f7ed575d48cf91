//! Database access: one connection enum over PostgreSQL and SQLite, the pool, and migrations.

pub mod backend;
pub mod batch;
pub mod chain;
pub mod rare_trigrams;
pub mod schema;
pub mod wal;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

/// Run one diesel query on the concrete connection inside a [`DbConnection`]. For query shapes
/// that diesel's `MultiConnection` cannot express (multi-row inserts); the query text is the same
/// on both backends, so this is not backend-specific SQL.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Migrations for each backend; the two folders hold the same migration names.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// See [`SQLITE_MIGRATIONS`].
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for scale-out installs.
    Postgresql(diesel::PgConnection),
    /// SQLite, the single-node default.
    Sqlite(diesel::SqliteConnection),
}

/// Which database a URL points at, parsed once at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DbTarget {
    /// Parse `sqlite://path`, `sqlite:path`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if rest.is_empty() {
                return Err("DATABASE_URL sqlite:// needs a file path".into());
            }
            return Ok(DbTarget::Sqlite(PathBuf::from(rest)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(url.to_string()));
        }
        let scheme = url.split(':').next().unwrap_or(url);
        Err(format!("DATABASE_URL has an unsupported scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"))
    }

    /// A short backend name for logs and metrics.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DbTarget::Sqlite(_) => "sqlite",
            DbTarget::Postgres(_) => "postgres",
        }
    }
}

/// Lets [`Db::close`] refuse new connections and wait for those the pool's threads are opening.
#[derive(Default)]
struct ConnectGate {
    state: std::sync::Mutex<GateState>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct GateState {
    closed: bool,
    opening: usize,
}

/// Marks one connection being opened; leaving the gate even if opening panics.
struct Opening<'a>(&'a ConnectGate);

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.opening -= 1;
        self.0.changed.notify_all();
    }
}

impl ConnectGate {
    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enter(&self) -> Option<Opening<'_>> {
        let mut s = self.lock();
        if s.closed {
            return None;
        }
        s.opening += 1;
        Some(Opening(self))
    }

    fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Close the gate; wait up to `bound` for connections being opened. False if some still are.
    fn close_and_wait(&self, bound: Duration) -> bool {
        let mut s = self.lock();
        s.closed = true;
        let deadline = std::time::Instant::now() + bound;
        while s.opening > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self.changed.wait_timeout(s, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        true
    }
}

/// Pool errors go to our log, except the refusals of a pool that is being closed.
#[derive(Debug)]
struct PoolErrors(Arc<ConnectGate>);

impl r2d2::HandleError<diesel::r2d2::Error> for PoolErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        if !self.0.is_closed() {
            tracing::warn!(error = %error, "cannot open a database connection");
        }
    }
}

impl std::fmt::Debug for ConnectGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectGate").field("closed", &self.is_closed()).finish_non_exhaustive()
    }
}

/// r2d2 manager that opens the right backend and applies SQLite's durability pragmas.
pub struct Manager {
    target: DbTarget,
    gate: Arc<ConnectGate>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let Some(_opening) = self.gate.enter() else {
            return Err(diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                "the database pool is closed".into(),
            )));
        };
        match &self.target {
            DbTarget::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Postgresql)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DbTarget::Sqlite(path) => {
                // Pool connections never create the file (`Db::connect` did, once): if it vanishes
                // under a running server, new connections fail and /readyz says so, rather than
                // an empty database appearing in its place.
                let path = path.to_string_lossy().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
                let uri = format!("file:{path}?mode=rw");
                let mut conn =
                    diesel::SqliteConnection::establish(&uri).map_err(diesel::r2d2::Error::ConnectionError)?;
                // Reads come straight from the page cache the connections share, instead of a
                // pread and a copy into each connection's own 2 MB cache; the database file is
                // mapped up to 64 GiB (the bundled SQLite's cap, set in .cargo/config.toml).
                // Writes still go through the journal, so a crash cannot corrupt through the map.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_size_limit = 67108864; PRAGMA mmap_size = 68719476736;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        // Once closed, a connection handed back is closed right there instead of kept idle.
        self.gate.is_closed()
    }
}

/// Pooled connection type.
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The database handle the server shares: a pool plus the SQLite writer lock.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    target: Arc<DbTarget>,
    // SQLite allows one writer; serialising writers in-process turns lock-upgrade
    // SQLITE_BUSY failures into a short wait. PostgreSQL does not take it.
    sqlite_writer: Arc<std::sync::Mutex<()>>,
    wal: Arc<wal::WalStats>,
    gate: Arc<ConnectGate>,
}

impl Db {
    /// Open a pool of `size` connections; creates the SQLite file's folder if needed.
    pub fn connect(target: DbTarget, size: u32) -> anyhow::Result<Self> {
        if let DbTarget::Sqlite(path) = &target {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            if !path.exists() {
                diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(|e| anyhow::anyhow!("cannot create the SQLite database: {e}"))?;
            }
        }
        let gate = Arc::new(ConnectGate::default());
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .test_on_check_out(false)
            .error_handler(Box::new(PoolErrors(gate.clone())))
            .build(Manager { target: target.clone(), gate: gate.clone() })
            .map_err(|e| anyhow::anyhow!("cannot open the database ({}): {e}", target.backend_name()))?;
        Ok(Db {
            pool,
            target: Arc::new(target),
            sqlite_writer: Arc::new(std::sync::Mutex::new(())),
            wal: Arc::default(),
            gate,
        })
    }

    /// Close the pool for good, before the process exits: refuse new connections, wait for those
    /// the pool's background threads are opening, and close every idle one on this thread.
    ///
    /// r2d2 opens connections on its own threads (to keep one idle after each checkout) and
    /// cannot join them. Left alone, one of them can be inside libpq while the exit handlers tear
    /// down OpenSSL, which crashes the process after its work is done. After `close` no thread
    /// can enter libpq again: the pool's threads stay parked with nothing to open.
    pub fn close(self) {
        if !self.gate.close_and_wait(Duration::from_secs(15)) {
            tracing::warn!("a database connection was still being opened at shutdown");
        }
        // Handing the idle connections back closes them (`has_broken` is true from now on).
        let idle: Vec<PooledConn> = std::iter::from_fn(|| self.pool.try_get()).collect();
        drop(idle);
    }

    /// Which database this is.
    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// A pooled connection, for synchronous callers (CLI, blocking tasks).
    pub fn conn(&self) -> Result<PooledConn, AppError> {
        self.pool.get().map_err(|e| AppError::Unavailable(format!("database pool: {e}")))
    }

    /// Pool usage for metrics: (open connections, idle connections, max size).
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections, self.pool.max_size())
    }

    /// Run a read on the blocking pool with the caller's tracing span.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = db.conn()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Run `f` inside one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            db.write_blocking(f)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Synchronous form of [`Db::write`], for the CLI and blocking tasks.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError>,
    {
        let mut conn = self.conn()?;
        let _guard = match *self.target {
            DbTarget::Sqlite(_) => Some(self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner())),
            DbTarget::Postgres(_) => None,
        };
        let conn: &mut DbConnection = &mut conn;
        conn.transaction(f)
    }

    /// Apply pending migrations; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
        let applied = match &mut *conn {
            DbConnection::Postgresql(c) => {
                // Several server processes may start at once; one migrates, the others wait.
                c.batch_execute("SELECT pg_advisory_lock(7412209)")?;
                let r = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
                c.batch_execute("SELECT pg_advisory_unlock(7412209)")?;
                r
            }
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
    }

    /// Revert every applied migration (used by tests of down migrations).
    pub fn revert_all(&self) -> anyhow::Result<usize> {
        let mut conn = self.conn().map_err(|e| anyhow::anyhow!("{e}"))?;
        let reverted = match &mut *conn {
            DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        };
        reverted.map_err(|e| anyhow::anyhow!("revert failed: {e}"))
    }

    /// Whether the database answers and every migration is applied; the reason when not.
    pub fn readiness(&self) -> Result<(), NotReady> {
        if let DbTarget::Sqlite(path) = &*self.target {
            if !Path::new(path).exists() {
                return Err(NotReady::Unavailable(format!("database file {} is missing", path.display())));
            }
        }
        let unreachable = |e: &dyn std::fmt::Display| NotReady::Unavailable(format!("database unreachable: {e}"));
        let mut conn = self.pool.get_timeout(Duration::from_secs(2)).map_err(|e| unreachable(&e))?;
        conn.batch_execute("SELECT 1").map_err(|e| unreachable(&e))?;
        let pending = match &mut *conn {
            DbConnection::Postgresql(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
            DbConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        }
        .map_err(|e| NotReady::Unavailable(format!("cannot read migration state: {e}")))?;
        if pending > 0 {
            return Err(NotReady::MigrationsPending(pending));
        }
        Ok(())
    }
}

/// Why the database cannot serve requests yet.
#[derive(Debug)]
pub enum NotReady {
    /// It cannot be reached or fails; the detail (paths, hosts, driver messages) is for the log.
    Unavailable(String),
    /// It answers, but this many migrations are not applied.
    MigrationsPending(usize),
}

impl NotReady {
    /// The reason an unauthenticated caller may be told: no paths, hosts or driver messages.
    pub fn public_reason(&self) -> &'static str {
        match self {
            NotReady::Unavailable(_) => "database unavailable",
            NotReady::MigrationsPending(_) => "migrations pending",
        }
    }
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotReady::Unavailable(detail) => f.write_str(detail),
            NotReady::MigrationsPending(n) => write!(f, "{n} migration(s) not applied"),
        }
    }
}

/// Serde helpers that write stored UTC timestamps as RFC 3339 with `Z`
/// (`2026-11-21T10:44:43.042296Z`), the `date-time` the API documents.
pub mod utc {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    /// A stored UTC timestamp, as RFC 3339.
    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    /// An optional stored UTC timestamp, as RFC 3339 or null.
    pub fn serialize_opt<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serialize(t, s),
            None => s.serialize_none(),
        }
    }
}

/// Current UTC time truncated to microseconds, the precision both backends keep.
pub fn now() -> chrono::NaiveDateTime {
    let n = chrono::Utc::now().naive_utc();
    use chrono::Timelike;
    n.with_nanosecond(n.nanosecond() / 1000 * 1000).unwrap_or(n)
}

/// A new time-ordered text id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
