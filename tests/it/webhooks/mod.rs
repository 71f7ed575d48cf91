//! Webhooks: a real receiver on loopback, every delivery verified by the Standard Webhooks
//! Python library (`delivery.rs`: retries through a flaky receiver and a restart, rotation, SSRF
//! refusals, 410, the purge); the API and console doors (`doors.rs`: tenant isolation, bad
//! input, the admin page). This file holds the receiver and the helpers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::harness::{Backend, TestApp};
use meridian::accounts::tokens;
use meridian::tenancy::Tenant;

/// How the receiver answers.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Mode {
    Ok,
    /// The first request of every webhook-id fails (500), the next succeeds: half of all requests.
    FailFirst,
    Gone,
    /// 302 to another path of the receiver.
    Redirect,
}

/// A request the receiver got.
#[derive(Clone, Debug)]
pub(super) struct Received {
    pub(super) path: String,
    pub(super) headers: HashMap<String, String>,
    pub(super) body: String,
    pub(super) answered: u16,
}

/// What the receiver records and how it answers.
pub(super) type Shared = (Arc<Mutex<Vec<Received>>>, Arc<Mutex<Mode>>);

#[derive(Clone)]
pub(super) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    pub(super) url: String,
    _server: actix_web::dev::ServerHandle,
}

async fn receive(req: HttpRequest, body: web::Bytes, st: web::Data<Shared>) -> HttpResponse {
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("webhook-"))
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mode = *st.1.lock().unwrap();
    let mut got = st.0.lock().unwrap();
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let seen = got.iter().filter(|r| r.headers.get("webhook-id") == Some(&id)).count();
    let (status, resp) = match mode {
        Mode::Ok => (200, HttpResponse::Ok().body("thanks")),
        Mode::FailFirst if seen % 2 == 0 => (500, HttpResponse::InternalServerError().body("try again")),
        Mode::FailFirst => (204, HttpResponse::NoContent().finish()),
        Mode::Gone => (410, HttpResponse::Gone().finish()),
        Mode::Redirect => (302, HttpResponse::Found().insert_header(("location", "/landed")).finish()),
    };
    got.push(Received {
        path: req.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        answered: status,
    });
    resp
}

pub(super) async fn receiver(mode: Mode) -> Receiver {
    let got = Arc::new(Mutex::new(Vec::new()));
    let mode = Arc::new(Mutex::new(mode));
    let data = web::Data::new((got.clone(), mode.clone()));
    let server =
        HttpServer::new(move || actix_web::App::new().app_data(data.clone()).default_service(web::to(receive)))
            .workers(1)
            .bind("127.0.0.1:0")
            .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Receiver { got, mode, url: format!("http://{addr}/hook"), _server: handle }
}

impl Receiver {
    pub(super) fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    pub(super) fn set(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }
}

/// Verify each (secret, request) with the reference library; `true` where it accepts.
pub(super) fn verify(items: &[(String, &Received)]) -> Vec<bool> {
    let input: Vec<Value> =
        items.iter().map(|(secret, r)| json!({"secret": secret, "headers": r.headers, "body": r.body})).collect();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/webhooks_verify.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(Value::Array(input).to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "verifier failed (pip install standardwebhooks)");
    serde_json::from_slice(&out.stdout).expect("verifier output")
}

pub(super) fn token(app: &TestApp, t: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "hooks", None)).unwrap().1
}

pub(super) async fn call(app: &TestApp, tok: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let c = reqwest::Client::new();
    let mut r = c.request(method.parse().unwrap(), app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(super) async fn subscribe(app: &TestApp, tok: &str, url: &str, events: &[&str]) -> (String, String) {
    let (s, v) = call(app, tok, "POST", "/api/v1/webhooks", Some(json!({"url": url, "event_types": events}))).await;
    assert_eq!(s, 201, "{v}");
    assert!(v["secret"].as_str().unwrap().starts_with("whsec_"));
    (v["id"].as_str().unwrap().to_string(), v["secret"].as_str().unwrap().to_string())
}

pub(super) async fn deliveries(app: &TestApp, tok: &str, sub: &str) -> Vec<Value> {
    let (s, v) = call(app, tok, "GET", &format!("/api/v1/webhooks/{sub}/deliveries?limit=200"), None).await;
    assert_eq!(s, 200, "{v}");
    v["data"].as_array().unwrap().clone()
}

/// Wait until every delivery of `sub` is settled (succeeded or failed) and there are at least `n`.
pub(super) async fn settled(app: &TestApp, tok: &str, sub: &str, n: usize) -> Vec<Value> {
    for _ in 0..300 {
        let d = deliveries(app, tok, sub).await;
        if d.len() >= n && d.iter().all(|d| d["state"] == "succeeded" || d["state"] == "failed") {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("deliveries did not settle: {:#?}", deliveries(app, tok, sub).await);
}

/// Settings for webhook tests: http and loopback allowed, retries within a fraction of a second.
pub(super) fn hook_env(env: &mut HashMap<String, String>) {
    env.insert("MERIDIAN_WEBHOOK_ALLOW_HTTP".into(), "true".into());
    env.insert("MERIDIAN_WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
    env.insert("MERIDIAN_WEBHOOK_RETRY_SCHEDULE".into(), "0,0.1,0.1,0.1,0.1,0.1".into());
}

/// Like `both!`, for tests that start their own servers.
macro_rules! both_own {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name(crate::harness::Backend::Sqlite).await;
            }
            #[actix_web::test]
            async fn postgres() {
                if crate::harness::fresh_pg_database().map(|d| crate::harness::drop_pg_database(&d)).is_none() {
                    return;
                }
                super::$name(crate::harness::Backend::Postgres).await;
            }
        }
    };
}

pub(super) async fn start(backend: Backend, adjust: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    TestApp::start_with(backend, adjust, meridian::jobs::Registry::new()).await.expect("app")
}

pub(super) async fn new_ticket(app: &TestApp, tok: &str, subject: &str) -> String {
    let (s, v) = call(app, tok, "POST", "/api/v1/tickets",
        Some(json!({"subject": subject, "message": {"body": "It broke."}, "requester": {"email": format!("{subject}@customer.example")}}))).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

// After `both_own!`, which they use (macros are in scope from their definition on).
mod auto_disable;
mod csat;
mod delivery;
mod doors;
