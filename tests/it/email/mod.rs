//! Inbound email end to end: a real SMTP client (Python's smtplib) delivers into the listener on
//! loopback, the HTTP door takes posted messages, and the filing job puts them on tickets. The
//! helpers are here; the tests, by topic, in the files beside.

use serde_json::Value;

use crate::harness::{Backend, TestApp};
use meridian::accounts::tokens;
use meridian::email::store;
use meridian::tenancy::Tenant;

pub(super) const DOMAIN: &str = "mail.desk.test";
/// Small, so the oversize test need not send 30 MiB; every corpus message fits.
pub(super) const MAX_BYTES: &str = "100000";

pub(super) async fn start(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(
        backend,
        |env| {
            env.insert("MERIDIAN_MAX_MESSAGE_BYTES".into(), MAX_BYTES.into());
        },
        meridian::jobs::Registry::new(),
    )
    .await
}

/// Generate `sqlite` and `postgres` tests that start a server with the email test settings.
macro_rules! both_mail {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let app = crate::email::start(crate::harness::Backend::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let Some(app) = crate::email::start(crate::harness::Backend::Postgres).await else { return };
                super::$name(app).await;
            }
        }
    };
}

mod corpus;
mod crash;
mod doors;
pub(crate) mod failed_mail;
mod group_commit;
mod outbound;
mod replies;
mod routed;
pub(crate) mod sink;
mod smtp;
mod threading;
mod timeline;

/// Deliver files over one SMTP connection with smtplib; its JSON report.
pub(super) async fn smtp_files(app: &TestApp, from: &str, rcpts: &[&str], files: Vec<String>) -> Value {
    smtp_files_with(app, from, rcpts, files, false).await
}

/// [`smtp_files`], optionally after STARTTLS.
pub(super) async fn smtp_files_with(
    app: &TestApp,
    from: &str,
    rcpts: &[&str],
    files: Vec<String>,
    starttls: bool,
) -> Value {
    let addr = app.smtp.expect("SMTP listener on");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_send.py");
    let mut args =
        vec![script.to_string(), addr.ip().to_string(), addr.port().to_string(), from.into(), rcpts.join(",")];
    args.extend(files);
    let tls = if starttls { "1" } else { "0" };
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(&args).env("SMTP_STARTTLS", tls).output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    assert!(out.status.success(), "smtp_send.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// Deliver one message; the report of that message.
pub(super) async fn smtp(app: &TestApp, from: &str, rcpts: &[&str], raw: &str) -> Value {
    let file = app.dir.path().join(format!("out-{}.eml", meridian::db::new_id()));
    std::fs::write(&file, raw).unwrap();
    let report = smtp_files(app, from, rcpts, vec![file.display().to_string()]).await;
    report["results"][0].clone()
}

/// A plain message from `from`.
pub(super) fn mail(from: &str, to: &str, subject: &str, headers: &str, body: &str) -> String {
    format!("From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
}

/// Wait until no inbound row of the tenant waits for filing; its rows.
pub(super) async fn settled(app: &TestApp, tenant: &Tenant) -> Vec<store::Inbound> {
    let tid = tenant.tenant_id();
    for _ in 0..400 {
        let t = tid.clone();
        let rows = app.state.db.read(move |c| store::list(c, &t)).await.unwrap();
        if rows.iter().all(|r| r.state != store::state::RECEIVED) {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("inbound mail was not filed in time");
}

pub(super) fn token_for(app: &TestApp, tenant: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "mail", None)).unwrap().1
}

pub(super) async fn tickets(app: &TestApp, tok: &str) -> Vec<Value> {
    let v = app.api_json(tok, "/api/v1/tickets?channel=email&sort=age&limit=200").await;
    v["data"].as_array().unwrap().clone()
}

pub(super) async fn messages(app: &TestApp, tok: &str, ticket_id: &str) -> Vec<Value> {
    let v = app.api_json(tok, &format!("/api/v1/tickets/{ticket_id}/messages")).await;
    v["data"].as_array().unwrap().clone()
}

pub(super) fn accepted(report: &Value) {
    assert!(report["error"].is_null() && report["refused"].as_object().unwrap().is_empty(), "{report}");
}

pub(super) async fn post_raw(app: &TestApp, slug: &str, secret: &str, raw: &[u8]) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/inbound/email/{slug}")))
        .bearer_auth(secret)
        .header("content-type", "message/rfc822")
        .body(raw.to_vec())
        .send()
        .await
        .unwrap()
}

/// One line from the server (a multi-line reply as its last line).
pub(super) async fn answer(r: &mut tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    use tokio::io::AsyncBufReadExt;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return line;
        }
    }
}
