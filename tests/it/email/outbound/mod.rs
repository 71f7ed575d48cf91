//! Outbound mail end to end: what Meridian sends arrives at a real SMTP server on loopback
//! ([`Sink`]), threaded so the customer's answer comes back to the same ticket. The helpers are
//! here; the tests, by topic, beside: `delivery` (threading, the outbox folder, retries, loops,
//! relay settings) and `setup` (the tenant's email setup page, DKIM).

use std::time::Duration;

use super::sink::Received;
use super::*;
use crate::harness::{Backend, TestApp};
use meridian::email::outbound::{self, state};
use meridian::tenancy::Tenant;

pub(super) async fn start_out(backend: Backend, relay: Option<String>) -> Option<TestApp> {
    TestApp::start_with(
        backend,
        |env| {
            env.insert("MERIDIAN_MAX_MESSAGE_BYTES".into(), MAX_BYTES.into());
            env.insert("MERIDIAN_JOB_BACKOFF_MS".into(), "100".into());
            if let Some(u) = relay {
                env.insert("MERIDIAN_SMTP_URL".into(), u);
            }
        },
        meridian::jobs::Registry::new(),
    )
    .await
}

/// Generate `sqlite` and `postgres` tests that get a sink answering DATA with `$script` first
/// and a server relaying to it.
macro_rules! both_sink {
    ($name:ident, $script:expr) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let sink = crate::email::sink::Sink::start(&$script).await;
                let app = crate::email::outbound::start_out(crate::harness::Backend::Sqlite, Some(sink.url()))
                    .await
                    .expect("sqlite");
                super::$name(app, sink).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let sink = crate::email::sink::Sink::start(&$script).await;
                let Some(app) =
                    crate::email::outbound::start_out(crate::harness::Backend::Postgres, Some(sink.url())).await
                else {
                    return;
                };
                super::$name(app, sink).await;
            }
        }
    };
}

/// The outbound rows of a tenant once there are at least `n` and none waits for its job.
pub(super) async fn outbound_settled(app: &TestApp, tenant: &Tenant, n: usize) -> Vec<outbound::Outbound> {
    let tid = tenant.tenant_id();
    for _ in 0..300 {
        let t = tid.clone();
        let rows = app.state.db.read(move |c| outbound::list(c, &t)).await.unwrap();
        if rows.len() >= n && rows.iter().all(|r| r.state == state::SENT || r.state == state::DEAD) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("outbound mail did not settle");
}

/// The ticket a customer's first mail opened: (id, number).
pub(super) async fn first_ticket(app: &TestApp, tok: &str) -> (String, i64) {
    let list = tickets(app, tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    (list[0]["id"].as_str().unwrap().to_string(), list[0]["number"].as_i64().unwrap())
}

/// Carol writes to acme, copying Dave; the ticket is opened.
pub(super) async fn carol_writes(app: &TestApp, acme: &Tenant) {
    let to = format!("acme@{DOMAIN}");
    let first = mail(
        "Carol <carol@customer.example>",
        &to,
        "Printer on fire",
        "Message-ID: <c1@customer.example>\r\nCc: dave@customer.example\r\n",
        "It is on fire.",
    );
    accepted(&smtp(app, "carol@customer.example", &[&to], &first).await);
    settled(app, acme).await;
}

pub(super) async fn agent_reply(app: &TestApp, tok: &str, ticket: &str, agent: &str, kind: &str, body: &str) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .bearer_auth(tok)
        .json(&serde_json::json!({"kind": kind, "body": body, "author_agent_id": agent}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

pub(super) fn refs(r: &Received) -> String {
    r.header("References").unwrap_or_default()
}

mod composer_mail;
mod csat_link;
mod delivery;
mod setup;
