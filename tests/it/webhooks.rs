//! Webhooks: a real receiver on loopback, every delivery verified by the Standard Webhooks
//! Python library; retries through a flaky receiver and a restart; rotation; SSRF refusals;
//! 410; tenant isolation; bad input.

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
enum Mode {
    Ok,
    /// The first request of every webhook-id fails (500), the next succeeds: half of all requests.
    FailFirst,
    Gone,
    /// 302 to another path of the receiver.
    Redirect,
}

/// A request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
    answered: u16,
}

/// What the receiver records and how it answers.
type Shared = (Arc<Mutex<Vec<Received>>>, Arc<Mutex<Mode>>);

#[derive(Clone)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    url: String,
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

async fn receiver(mode: Mode) -> Receiver {
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
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn set(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }
}

/// Verify each (secret, request) with the reference library; `true` where it accepts.
fn verify(items: &[(String, &Received)]) -> Vec<bool> {
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

fn token(app: &TestApp, t: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "hooks", None)).unwrap().1
}

async fn call(app: &TestApp, tok: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let c = reqwest::Client::new();
    let mut r = c.request(method.parse().unwrap(), app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn subscribe(app: &TestApp, tok: &str, url: &str, events: &[&str]) -> (String, String) {
    let (s, v) = call(app, tok, "POST", "/api/v1/webhooks", Some(json!({"url": url, "event_types": events}))).await;
    assert_eq!(s, 201, "{v}");
    assert!(v["secret"].as_str().unwrap().starts_with("whsec_"));
    (v["id"].as_str().unwrap().to_string(), v["secret"].as_str().unwrap().to_string())
}

async fn deliveries(app: &TestApp, tok: &str, sub: &str) -> Vec<Value> {
    let (s, v) = call(app, tok, "GET", &format!("/api/v1/webhooks/{sub}/deliveries?limit=200"), None).await;
    assert_eq!(s, 200, "{v}");
    v["data"].as_array().unwrap().clone()
}

/// Wait until every delivery of `sub` is settled (succeeded or failed) and there are at least `n`.
async fn settled(app: &TestApp, tok: &str, sub: &str, n: usize) -> Vec<Value> {
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
fn hook_env(env: &mut HashMap<String, String>) {
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

async fn start(backend: Backend, adjust: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    TestApp::start_with(backend, adjust, meridian::jobs::Registry::new()).await.expect("app")
}

async fn new_ticket(app: &TestApp, tok: &str, subject: &str) -> String {
    let (s, v) = call(app, tok, "POST", "/api/v1/tickets",
        Some(json!({"subject": subject, "message": {"body": "It broke."}, "requester": {"email": format!("{subject}@customer.example")}}))).await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn every_event_arrives_signed_through_failures_and_a_restart(backend: Backend) {
    let rx = receiver(Mode::FailFirst).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let all =
        ["ticket.created", "ticket.updated", "ticket.assigned", "ticket.solved", "message.created", "contact.created"];
    let (sub, secret) = subscribe(&app, &tok, &rx.url, &all).await;
    let (agent, _, _) = app.add_agent(&acme, "Ana", meridian::accounts::Role::Agent);
    let t1 = new_ticket(&app, &tok, "first").await;
    let (s, _) = call(
        &app,
        &tok,
        "PATCH",
        &format!("/api/v1/tickets/{t1}"),
        Some(json!({"assignee_id": agent, "priority": "high"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) =
        call(&app, &tok, "POST", &format!("/api/v1/tickets/{t1}/messages"), Some(json!({"body": "More detail"}))).await;
    assert_eq!(s, 201);
    // A restart while deliveries are in flight: their jobs survive it.
    let app = app.restart(meridian::jobs::Registry::new()).await;
    let (s, _) = call(&app, &tok, "PATCH", &format!("/api/v1/tickets/{t1}"), Some(json!({"status": "solved"}))).await;
    assert_eq!(s, 200);
    new_ticket(&app, &tok, "second").await;

    let list = settled(&app, &tok, &sub, 8).await;
    let types: Vec<&str> = list.iter().map(|d| d["event_type"].as_str().unwrap()).collect();
    for t in all {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    for d in &list {
        assert_eq!(d["state"], "succeeded", "{d:#}");
        assert!(d["attempts"].as_i64().unwrap() >= 2, "the receiver fails every first request");
    }
    // Sequence numbers are 1..=n without gaps.
    let mut seqs: Vec<i64> = list.iter().map(|d| d["sequence"].as_i64().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=list.len() as i64).collect::<Vec<_>>());

    let got = rx.got();
    assert!(got.iter().filter(|r| r.answered >= 500).count() * 2 >= got.len() - 1, "about half failed");
    for d in &list {
        let id = d["webhook_id"].as_str().unwrap();
        let mine: Vec<&Received> = got.iter().filter(|r| r.headers["webhook-id"] == id).collect();
        assert!(mine.len() >= 2 && mine.iter().any(|r| r.answered == 204), "{id}: {mine:?}");
        assert!(mine.iter().all(|r| r.body == mine[0].body), "every retry sends the same body");
    }
    let verdicts = verify(&got.iter().map(|r| (secret.clone(), r)).collect::<Vec<_>>());
    assert!(verdicts.iter().all(|v| *v), "every delivery verifies: {verdicts:?}");

    // The payloads: the API's shapes.
    let body = |kind: &str| -> Value {
        let d = list.iter().find(|d| d["event_type"] == kind).unwrap();
        d["payload"].clone()
    };
    let created = body("ticket.created");
    assert_eq!(created["type"], "ticket.created");
    assert!(created["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(created["data"]["ticket"]["number"].is_i64());
    assert_eq!(created["data"]["message"]["body_text"], "It broke.");
    let msg = body("message.created");
    assert_eq!(msg["data"]["message"]["kind"], "reply");
    assert_eq!(msg["data"]["message"]["channel"], "api");
    let changed = |field: &str, after: &str| {
        list.iter().filter(|d| d["event_type"] == "ticket.updated").any(|d| {
            d["payload"]["data"]["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == field && c["after"] == after)
        })
    };
    assert!(changed("priority", "high") && changed("status", "solved"), "before → after of each change");
    assert_eq!(body("ticket.assigned")["data"]["assignee_after"], json!(agent));
    assert_eq!(body("ticket.solved")["data"]["ticket"]["status"], "solved");
    assert!(body("contact.created")["data"]["contact"]["email"].is_string());

    // Manual redelivery: the same webhook-id and body once more.
    let first = &list[0];
    let before = rx.got().len();
    let (s, v) = call(
        &app,
        &tok,
        "POST",
        &format!("/api/v1/webhooks/{sub}/deliveries/{}/retry", first["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, 202, "{v}");
    for _ in 0..100 {
        if rx.got().len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = rx.got();
    assert!(again.len() > before, "redelivered");
    assert_eq!(again[before].headers["webhook-id"], first["webhook_id"].as_str().unwrap());
}
both_own!(every_event_arrives_signed_through_failures_and_a_restart);

async fn rotation_signs_with_both_secrets_during_the_grace_period(backend: Backend) {
    let rx = receiver(Mode::Ok).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (sub, old) = subscribe(&app, &tok, &rx.url, &["ticket.created"]).await;
    let (s, v) = call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret"), None).await;
    assert_eq!(s, 200, "{v}");
    let new = v["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(v["previous_secret_expires_at"].is_string());
    let (s, _) = call(&app, &tok, "GET", &format!("/api/v1/webhooks/{sub}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await.0, 202);
    settled(&app, &tok, &sub, 1).await;
    let got = rx.got();
    assert_eq!(got[0].headers["webhook-signature"].split(' ').count(), 2, "{:?}", got[0].headers);
    assert_eq!(verify(&[(new.clone(), &got[0]), (old.clone(), &got[0])]), vec![true, true]);

    // A rotation with a one-second grace: after it, only the newest secret signs.
    let (s, v) = call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret?grace_seconds=1"), None).await;
    assert_eq!(s, 200);
    let newest = v["secret"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await;
    settled(&app, &tok, &sub, 2).await;
    let got = rx.got();
    let last = got.last().unwrap();
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 1);
    assert_eq!(verify(&[(newest, last), (new, last), (old, last)]), vec![true, false, false]);
    let ping: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(ping["type"], "ping");
}
both_own!(rotation_signs_with_both_secrets_during_the_grace_period);

/// The last attempt's error of a ping to `url`.
async fn ping_error(app: &TestApp, tok: &str, url: &str) -> (Value, String) {
    let (sub, _) = subscribe(app, tok, url, &["ticket.created"]).await;
    assert_eq!(call(app, tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await.0, 202);
    let d = settled(app, tok, &sub, 1).await;
    let log = d[0]["log"].as_array().unwrap();
    (d[0].clone(), log.last().unwrap()["error"].as_str().unwrap_or("").to_string())
}

async fn internal_addresses_are_refused_with_the_reason_logged(backend: Backend) {
    let rx = receiver(Mode::Ok).await;
    let port = rx.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_string();
    let app = start(backend, |env| {
        hook_env(env);
        env.insert("MERIDIAN_WEBHOOK_ALLOW_PRIVATE".into(), "false".into());
        env.insert("MERIDIAN_WEBHOOK_RETRY_SCHEDULE".into(), "0".into());
    })
    .await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    for (url, why) in [
        (rx.url.clone(), "loopback"),
        (format!("http://localhost:{port}/hook"), "loopback"),
        ("http://10.1.2.3/hook".to_string(), "private"),
        ("http://169.254.169.254/latest/meta-data".to_string(), "metadata"),
    ] {
        let (d, err) = ping_error(&app, &tok, &url).await;
        assert_eq!(d["state"], "failed");
        assert!(err.contains("refused") && err.contains(why), "{url}: {err}");
    }
    assert!(rx.got().is_empty(), "nothing reached the loopback receiver");
    drop(app);

    // With private addresses allowed (as in tests), metadata stays refused and redirects are
    // answers, not directions.
    let app = start(backend, |env| {
        hook_env(env);
        env.insert("MERIDIAN_WEBHOOK_RETRY_SCHEDULE".into(), "0".into());
    })
    .await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (_, err) = ping_error(&app, &tok, "http://169.254.169.254/").await;
    assert!(err.contains("metadata"), "{err}");
    rx.set(Mode::Redirect);
    let (d, _) = ping_error(&app, &tok, &rx.url).await;
    assert_eq!(d["state"], "failed");
    assert_eq!(d["last_status"], 302);
    assert_eq!(d["log"][0]["response_headers"]["location"], "/landed");
    assert!(rx.got().iter().all(|r| r.path != "/landed"), "the redirect was not followed");
}
both_own!(internal_addresses_are_refused_with_the_reason_logged);

async fn gone_disables_the_subscription(backend: Backend) {
    let rx = receiver(Mode::Gone).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (sub, _) = subscribe(&app, &tok, &rx.url, &["ticket.created"]).await;
    new_ticket(&app, &tok, "gone").await;
    let d = settled(&app, &tok, &sub, 1).await;
    assert_eq!(d[0]["state"], "failed");
    assert_eq!(d[0]["attempts"], 1, "410 is not retried");
    let (_, w) = call(&app, &tok, "GET", &format!("/api/v1/webhooks/{sub}"), None).await;
    assert_eq!(w["enabled"], false);
    assert!(w["disabled_reason"].as_str().unwrap().contains("410"));
    new_ticket(&app, &tok, "after").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(deliveries(&app, &tok, &sub).await.len(), 1, "a disabled webhook gets nothing");
    // Enabling it again clears the reason.
    let (s, w) = call(&app, &tok, "PATCH", &format!("/api/v1/webhooks/{sub}"), Some(json!({"enabled": true}))).await;
    assert_eq!(s, 200);
    assert_eq!(w["enabled"], true);
    assert!(w["disabled_reason"].is_null());
}
both_own!(gone_disables_the_subscription);

async fn tenants_never_see_each_others_webhooks(backend: Backend) {
    let (rx_a, rx_b) = (receiver(Mode::Ok).await, receiver(Mode::Ok).await);
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let (ta, tb) = (token(&app, &acme), token(&app, &globex));
    let (sub_a, _) = subscribe(&app, &ta, &rx_a.url, &["ticket.created"]).await;
    let (sub_b, _) = subscribe(&app, &tb, &rx_b.url, &["ticket.created"]).await;
    new_ticket(&app, &ta, "only-acme").await;
    let d = settled(&app, &ta, &sub_a, 1).await;
    let delivery_a = d[0]["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx_b.got().is_empty(), "globex heard nothing of acme");
    assert!(deliveries(&app, &tb, &sub_b).await.is_empty());
    for (method, path, body) in [
        ("GET", format!("/api/v1/webhooks/{sub_a}"), None),
        ("PATCH", format!("/api/v1/webhooks/{sub_a}"), Some(json!({"enabled": false}))),
        ("DELETE", format!("/api/v1/webhooks/{sub_a}"), None),
        ("POST", format!("/api/v1/webhooks/{sub_a}/rotate-secret"), None),
        ("POST", format!("/api/v1/webhooks/{sub_a}/test"), None),
        ("GET", format!("/api/v1/webhooks/{sub_a}/deliveries"), None),
        ("POST", format!("/api/v1/webhooks/{sub_a}/deliveries/{delivery_a}/retry"), None),
        ("POST", format!("/api/v1/webhooks/{sub_b}/deliveries/{delivery_a}/retry"), None),
    ] {
        let (s, v) = call(&app, &tb, method, &path, body).await;
        assert_eq!(s, 404, "{method} {path}: {v}");
    }
    let (_, list) = call(&app, &tb, "GET", "/api/v1/webhooks", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], json!(sub_b));
    assert!(list["data"][0].get("secret").is_none(), "secrets are shown once");
    // Still there for its owner; deleting it is the owner's.
    assert_eq!(call(&app, &ta, "GET", &format!("/api/v1/webhooks/{sub_a}"), None).await.0, 200);
    assert_eq!(call(&app, &ta, "DELETE", &format!("/api/v1/webhooks/{sub_a}"), None).await.0, 204);
    assert_eq!(call(&app, &ta, "GET", &format!("/api/v1/webhooks/{sub_a}"), None).await.0, 404);
}
both_own!(tenants_never_see_each_others_webhooks);

async fn bad_input_names_the_field(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let c = reqwest::Client::new();
    let r = c
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{\"url\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    for (body, field) in [
        (json!({"url": "http://hooks.example/x", "event_types": ["ticket.created"]}), "url"),
        (json!({"url": "ftp://hooks.example/x", "event_types": ["ticket.created"]}), "url"),
        (json!({"url": "https://user:pw@hooks.example/x", "event_types": ["ticket.created"]}), "url"),
        (json!({"url": "not a url", "event_types": ["ticket.created"]}), "url"),
        (
            json!({"url": "https://hooks.example/x", "event_types": ["ticket.created", "ticket.exploded"]}),
            "event_types[1]",
        ),
        (json!({"url": "https://hooks.example/x", "event_types": []}), "event_types"),
        (json!({"url": "https://hooks.example/x"}), "event_types"),
        (json!({"url": "https://hooks.example/x", "event_types": ["ticket.created"], "colour": "red"}), "colour"),
    ] {
        let (s, v) = call(&app, &tok, "POST", "/api/v1/webhooks", Some(body.clone())).await;
        assert_eq!(s, 422, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
    }
    let (_, list) = call(&app, &tok, "GET", "/api/v1/webhooks", None).await;
    assert!(list["data"].as_array().unwrap().is_empty(), "nothing was created");
    let (sub, _) = subscribe(&app, &tok, "https://hooks.example/x", &["ticket.created"]).await;
    let (s, v) =
        call(&app, &tok, "PATCH", &format!("/api/v1/webhooks/{sub}"), Some(json!({"url": "http://hooks.example/x"})))
            .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("url")), "{v}");
    let (s, v) =
        call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/rotate-secret?grace_seconds=-1"), None).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("grace_seconds")), "{v}");
    let (_, w) = call(&app, &tok, "GET", &format!("/api/v1/webhooks/{sub}"), None).await;
    assert_eq!(w["url"], "https://hooks.example/x", "a refused change loses nothing");
}
both!(bad_input_names_the_field);

/// The text of the element after `marker`, with HTML entities of base64 characters undone.
fn text_after(page: &str, marker: &str) -> Option<String> {
    let start = page.find(marker)? + marker.len();
    let raw = &page[start..start + page[start..].find('<')?];
    Some(raw.replace("&#x2f;", "/").replace("&#47;", "/").replace("&#43;", "+").replace("&#61;", "="))
}

async fn console_admins_manage_webhooks(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (globex, g_email, g_pw) = app.seed_tenant("globex");
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = client
        .post(app.url("/admin/webhooks"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("url", "https://crm.example/hooks"),
            ("description", "CRM"),
            ("event:ticket.created", "on"),
            ("event:ticket.solved", "on"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = text_after(&page, "data-testid=\"webhook-secret\">").expect("secret shown once");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let tok = token(&app, &acme);
    let (_, list) = call(&app, &tok, "GET", "/api/v1/webhooks", None).await;
    let w = &list["data"][0];
    assert_eq!(w["event_types"], json!(["ticket.created", "ticket.solved"]));
    let id = w["id"].as_str().unwrap().to_string();
    let listing = client.get(app.url("/admin/webhooks")).send().await.unwrap().text().await.unwrap();
    assert!(listing.contains("crm.example") && !listing.contains(&secret), "the secret is not shown again");

    // Without the CSRF token nothing changes; with it, disable, rotate and delete work.
    let r = client.post(app.url(&format!("/admin/webhooks/{id}/disable"))).form(&[("x", "y")]).send().await.unwrap();
    assert_ne!(r.status(), 303);
    let r = client
        .post(app.url(&format!("/admin/webhooks/{id}/disable")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(call(&app, &tok, "GET", &format!("/api/v1/webhooks/{id}"), None).await.1["enabled"], false);
    let page = client
        .post(app.url(&format!("/admin/webhooks/{id}/rotate")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rotated = text_after(&page, "data-testid=\"webhook-secret\">").expect("new secret shown once");
    assert_ne!(rotated, secret);
    let log = client.get(app.url(&format!("/admin/webhooks/{id}"))).send().await.unwrap();
    assert_eq!(log.status(), 200);

    // Another tenant's admin: 404 for this webhook's pages and actions.
    let (other, other_csrf) = app.signed_in("globex", &g_email, &g_pw).await;
    assert_eq!(other.get(app.url(&format!("/admin/webhooks/{id}"))).send().await.unwrap().status(), 404);
    for action in ["disable", "enable", "rotate", "test", "delete"] {
        let r = other
            .post(app.url(&format!("/admin/webhooks/{id}/{action}")))
            .form(&[("_csrf", other_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{action}");
    }
    let _ = globex;
    // An agent who is not an admin may not see the page.
    let (_, a_email, a_pw) = app.add_agent(&acme, "Ana", meridian::accounts::Role::Agent);
    let (agent, _) = app.signed_in("acme", &a_email, &a_pw).await;
    assert_eq!(agent.get(app.url("/admin/webhooks")).send().await.unwrap().status(), 403);

    let r = client
        .post(app.url(&format!("/admin/webhooks/{id}/delete")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(call(&app, &tok, "GET", &format!("/api/v1/webhooks/{id}"), None).await.0, 404);
}
both!(console_admins_manage_webhooks);

async fn deliveries_older_than_thirty_days_are_purged(backend: Backend) {
    use diesel::prelude::*;
    use meridian::db::schema::{webhook_attempts, webhook_deliveries};
    let rx = receiver(Mode::Ok).await;
    let app = start(backend, hook_env).await;
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token(&app, &acme);
    let (sub, _) = subscribe(&app, &tok, &rx.url, &["ticket.created"]).await;
    for _ in 0..2 {
        call(&app, &tok, "POST", &format!("/api/v1/webhooks/{sub}/test"), None).await;
    }
    let list = settled(&app, &tok, &sub, 2).await;
    let (old, kept) = (list[1]["id"].as_str().unwrap().to_string(), list[0]["id"].as_str().unwrap().to_string());
    let aged = meridian::db::now() - chrono::Duration::days(31);
    let purged = app
        .state
        .db
        .write_blocking(move |c| {
            diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(&old)))
                .set(webhook_deliveries::created_at.eq(aged))
                .execute(c)?;
            diesel::update(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq(&old)))
                .set(webhook_attempts::created_at.eq(aged))
                .execute(c)?;
            meridian::webhooks::purge_old(c)
        })
        .unwrap();
    assert_eq!(purged, 2, "one attempt and its delivery");
    let left: Vec<String> =
        deliveries(&app, &tok, &sub).await.iter().map(|d| d["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(left, vec![kept]);
}
both_own!(deliveries_older_than_thirty_days_are_purged);
