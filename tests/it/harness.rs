//! TestApp: the real server on 127.0.0.1:0 against a fresh SQLite file or PostgreSQL database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use meridian::accounts::agents::{self, NewAgent};
use meridian::accounts::{passwords, tokens, Role};
use meridian::app::AppState;
use meridian::config::Config;
use meridian::db::{Db, DbTarget};
use meridian::jobs::Registry;
use meridian::server::{self, Running};
use meridian::tenancy::{self, NewTenant, Tenant};

/// Which database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use: `TEST_DATABASE_URL`, else the local server.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The URL of database `db` on the test PostgreSQL server.
pub fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    match admin.rfind('/') {
        Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap_or(0) + 2 => {
            format!("{}/{db}", &admin[..i])
        }
        _ => format!("{admin}/{db}"),
    }
}

/// Connect to the PostgreSQL admin database, or explain why not. In CI an unreachable server fails.
pub fn pg_admin() -> Option<PgConnection> {
    match PgConnection::establish(&pg_admin_url()) {
        Ok(c) => Some(c),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PostgreSQL must be reachable in CI ({}): {e}", pg_admin_url());
            }
            eprintln!("skipping PostgreSQL test: {e}");
            None
        }
    }
}

fn migrations_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = walk(&root);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    hex::encode(&h.finalize()[..6])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh PostgreSQL database cloned from a migrated template (made once per migration set).
pub fn fresh_pg_database() -> Option<String> {
    let mut admin = pg_admin()?;
    let template = format!("meridian_tpl_{}", migrations_fingerprint());
    // Test processes run in parallel (nextest); one builds the template, the others wait.
    admin.batch_execute("SELECT pg_advisory_lock(8675309)").expect("advisory lock");
    let exists: i64 = diesel::sql_query(format!("SELECT count(*) AS n FROM pg_database WHERE datname = '{template}'"))
        .get_result::<Count>(&mut admin)
        .map(|c| c.n)
        .unwrap_or(0);
    if exists == 0 {
        admin.batch_execute(&format!("CREATE DATABASE {template}")).expect("create template");
        let db = Db::connect(DbTarget::Postgres(pg_url_for(&template)), 1).expect("connect template");
        db.migrate().expect("migrate template");
        drop(db);
    }
    let name = format!(
        "meridian_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        tokens::random_secret(4).to_lowercase().replace(['-', '_'], "x")
    );
    let created = admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"));
    admin.batch_execute("SELECT pg_advisory_unlock(8675309)").ok();
    created.expect("create test database");
    Some(name)
}

/// Drop a test database, disconnecting whoever is still on it.
pub fn drop_pg_database(name: &str) {
    if let Ok(mut admin) = PgConnection::establish(&pg_admin_url()) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A running Meridian for one test.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    pub pg_database: Option<String>,
    /// The SMTP listener's address, when it is on.
    pub smtp: Option<std::net::SocketAddr>,
    running: Option<Running>,
}

/// Settings most tests want: fast job polling, no demo tenant, a test base domain.
pub fn test_env(backend: Backend, dir: &std::path::Path, pg_db: Option<&str>) -> HashMap<String, String> {
    let mut env = HashMap::new();
    env.insert("MERIDIAN_LISTEN".into(), "127.0.0.1:0".into());
    env.insert("MERIDIAN_DATA_DIR".into(), dir.display().to_string());
    env.insert("MERIDIAN_WORKERS".into(), "2".into());
    env.insert("MERIDIAN_DB_POOL_SIZE".into(), "6".into());
    env.insert("MERIDIAN_DEMO".into(), "false".into());
    env.insert("MERIDIAN_JOB_POLL_MS".into(), "50".into());
    env.insert("MERIDIAN_BASE_DOMAIN".into(), "desk.test".into());
    env.insert("MERIDIAN_SMTP_LISTEN".into(), "127.0.0.1:0".into());
    env.insert("MERIDIAN_INBOUND_DOMAIN".into(), "mail.desk.test".into());
    env.insert("MERIDIAN_LOG".into(), "warn".into());
    // Short, so a stream that is not closed at shutdown gets cut off (and tests notice).
    env.insert("MERIDIAN_SHUTDOWN_SECS".into(), "3".into());
    match (backend, pg_db) {
        (Backend::Postgres, Some(db)) => env.insert("DATABASE_URL".into(), pg_url_for(db)),
        _ => env.insert("DATABASE_URL".into(), format!("sqlite://{}/meridian.db", dir.display())),
    };
    env
}

impl TestApp {
    /// Start on `backend` with default settings; `None` when PostgreSQL is unavailable outside CI.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}, Registry::new()).await
    }

    /// Start with adjusted environment and extra job handlers.
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut HashMap<String, String>),
        registry: Registry,
    ) -> Option<TestApp> {
        Self::start_full(backend, adjust, registry, vec![]).await
    }

    /// Start with adjusted environment, extra job handlers and extra event consumers.
    pub async fn start_full(
        backend: Backend,
        adjust: impl FnOnce(&mut HashMap<String, String>),
        registry: Registry,
        consumers: Vec<std::sync::Arc<dyn meridian::events::Consumer>>,
    ) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("tempdir");
        let pg_database = match backend {
            Backend::Postgres => Some(fresh_pg_database()?),
            Backend::Sqlite => None,
        };
        let mut env = test_env(backend, dir.path(), pg_database.as_deref());
        adjust(&mut env);
        let config = Config::from_sources(None, &env).expect("config");
        let state = AppState::init(config).expect("init");
        let running = server::start_with_consumers(state.clone(), registry, consumers).await.expect("start");
        let base = format!("http://{}", running.addr());
        let smtp = running.smtp_addr();
        Some(TestApp { backend, base, state, dir, pg_database, smtp, running: Some(running) })
    }

    /// Restart on the same database (jobs and data must survive).
    pub async fn restart(self, registry: Registry) -> TestApp {
        self.restart_full(registry, vec![]).await
    }

    /// Restart on the same database with extra job handlers and event consumers.
    pub async fn restart_full(
        mut self,
        registry: Registry,
        consumers: Vec<std::sync::Arc<dyn meridian::events::Consumer>>,
    ) -> TestApp {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let config = (*self.state.config).clone();
        let state = AppState::init(config).expect("init");
        let running = server::start_with_consumers(state.clone(), registry, consumers).await.expect("start");
        self.base = format!("http://{}", running.addr());
        self.smtp = running.smtp_addr();
        self.state = state;
        self.running = Some(running);
        self
    }

    /// A second server on the same database, as another process of a scale-out install would be.
    pub async fn peer(&self) -> (Running, String) {
        let state = AppState::init((*self.state.config).clone()).expect("init peer");
        let running = server::start(state, Registry::new()).await.expect("start peer");
        let base = format!("http://{}", running.addr());
        (running, base)
    }

    /// Stop the server gracefully.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// A URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// GET an API path with a bearer token; the JSON body of a 200.
    pub async fn api_json(&self, token: &str, path: &str) -> serde_json::Value {
        let r = reqwest::Client::new().get(self.url(path)).bearer_auth(token).send().await.expect("request");
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.expect("json body")
    }

    /// Open a ticket through the intake's in-transaction door, as a system actor.
    pub fn open_ticket(
        &self,
        tenant: &Tenant,
        new: meridian::tickets::commands::NewTicket,
    ) -> meridian::tickets::Ticket {
        use meridian::tickets::intake::{open_in_transaction, Unrouted};
        let tid = tenant.tenant_id();
        let creation = meridian::tickets::commands::Creation::new(meridian::tickets::Actor::System, new);
        let mut opened = self
            .state
            .db
            .write_blocking(|c| open_in_transaction(c, &tid, &Unrouted, vec![creation]))
            .expect("open ticket");
        self.state.tickets_changed(&tid);
        opened.pop().expect("one result").expect("ticket opened").0
    }

    /// A tenant with an owner; returns the tenant, the owner's email and password.
    pub fn seed_tenant(&self, slug: &str) -> (Tenant, String, String) {
        self.seed_tenant_with(slug, "en", Role::Owner)
    }

    /// A tenant with one agent of `role` and the tenant default `locale`.
    pub fn seed_tenant_with(&self, slug: &str, locale: &str, role: Role) -> (Tenant, String, String) {
        let email = format!("owner@{slug}.example");
        let password = format!("pw-{slug}-correct-horse");
        let hash = passwords::hash_blocking(&password).expect("hash");
        let tenant = self
            .state
            .db
            .write_blocking(|c| {
                let t = tenancy::create(
                    c,
                    &NewTenant {
                        slug: slug.into(),
                        name: format!("{slug} Support"),
                        locale: locale.into(),
                        time_zone: "Europe/Lisbon".into(),
                    },
                )?;
                agents::create(
                    c,
                    &t.tenant_id(),
                    &NewAgent {
                        email: email.clone(),
                        name: format!("{slug} Owner"),
                        role,
                        locale: None,
                        time_zone: None,
                    },
                    Some(hash),
                )?;
                Ok(t)
            })
            .expect("seed tenant");
        (tenant, email, password)
    }

    /// Add an agent to a tenant; returns (agent id, email, password).
    pub fn add_agent(&self, tenant: &Tenant, name: &str, role: Role) -> (String, String, String) {
        let email = format!("{}@{}.example", name.to_lowercase(), tenant.slug);
        let password = format!("pw-{name}-battery-staple");
        let hash = passwords::hash_blocking(&password).expect("hash");
        let a = self
            .state
            .db
            .write_blocking(|c| {
                agents::create(
                    c,
                    &tenant.tenant_id(),
                    &NewAgent { email: email.clone(), name: name.into(), role, locale: None, time_zone: None },
                    Some(hash),
                )
            })
            .expect("add agent");
        (a.id.into_string(), email, password)
    }

    /// Sign in through the real form; returns the response to the POST.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        workspace: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        sign_in_at(&self.base, client, workspace, email, password).await
    }

    /// Sign in and return a client holding the session, plus the session's CSRF token.
    pub async fn signed_in(&self, workspace: &str, email: &str, password: &str) -> (reqwest::Client, String) {
        self.signed_in_at(&self.base, workspace, email, password).await
    }

    /// [`TestApp::signed_in`] on another server of the same database (see [`TestApp::peer`]).
    pub async fn signed_in_at(
        &self,
        base: &str,
        workspace: &str,
        email: &str,
        password: &str,
    ) -> (reqwest::Client, String) {
        let client = self.client();
        let res = sign_in_at(base, &client, workspace, email, password).await;
        assert_eq!(res.status(), 303, "sign-in should redirect");
        let html = client.get(format!("{base}/inbox")).send().await.expect("inbox").text().await.expect("body");
        let csrf = meta_csrf(&html).expect("csrf meta on the inbox");
        (client, csrf)
    }
}

async fn sign_in_at(
    base: &str,
    client: &reqwest::Client,
    workspace: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = client.get(format!("{base}/login")).send().await.expect("GET /login").text().await.expect("body");
    let csrf = field_value(&page, "_csrf").expect("login csrf field");
    client
        .post(format!("{base}/login"))
        .form(&[("workspace", workspace), ("email", email), ("password", password), ("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST /login")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            drop(r);
        }
        if let Some(db) = self.pg_database.take() {
            drop_pg_database(&db);
        }
    }
}

/// The value of the first `<input name="{name}" value="…">` in a page.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The CSRF token from the console layout's meta tag.
pub fn meta_csrf(html: &str) -> Option<String> {
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string()).filter(|s| !s.is_empty())
}

/// Generate `sqlite` and `postgres` tests from one `async fn(TestApp)`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::harness::TestApp::start($crate::harness::Backend::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let Some(app) = $crate::harness::TestApp::start($crate::harness::Backend::Postgres).await else {
                    return;
                };
                super::$name(app).await;
            }
        }
    };
}

/// Read an SSE stream until `pred` matches a frame, or give up after `secs`.
pub async fn wait_for_frame(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Unpin),
    secs: u64,
    pred: impl Fn(&str) -> bool,
) -> Option<String> {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let next = tokio::time::timeout_at(deadline, futures_util::StreamExt::next(stream)).await.ok()??.ok()?;
        buf.push_str(&String::from_utf8_lossy(&next));
        while let Some(end) = buf.find("\n\n") {
            let frame = buf[..end].to_string();
            buf.drain(..end + 2);
            if pred(&frame) {
                return Some(frame);
            }
        }
    }
}
