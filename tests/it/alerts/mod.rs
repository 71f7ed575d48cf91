//! Monitoring alerts: posts to `/inbound/alerts/{slug}` become tickets (`tickets.rs`: firing,
//! repeats, a concurrent storm, resolved, routing), every format is read and bad input named
//! (`formats.rs`: Alertmanager, Grafana, Zabbix, generic, malformed, tenant isolation). This file
//! holds the helpers.

use std::time::Duration;

use serde_json::Value;

use crate::harness::TestApp;
use meridian::accounts::tokens;
use meridian::tenancy::Tenant;

pub(super) fn token(app: &TestApp, t: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "monitoring", None)).unwrap().1
}

/// POST a body to the alert door of `slug`; the status and the JSON answer.
pub(super) async fn post(app: &TestApp, slug: &str, tok: &str, body: &str) -> (u16, Value) {
    post_at(app, &format!("/inbound/alerts/{slug}"), tok, body).await
}

pub(super) async fn post_at(app: &TestApp, path: &str, tok: &str, body: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(tok)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(ct, "application/problem+json", "{v}");
    }
    (status, v)
}

/// Post and expect 202; returns the stored post's id.
pub(super) async fn accepted(app: &TestApp, slug: &str, tok: &str, body: &str) -> String {
    let (s, v) = post(app, slug, tok, body).await;
    assert_eq!(s, 202, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Wait until the posts' jobs ran; their final states.
pub(super) async fn processed(app: &TestApp, tenant: &Tenant, ids: &[String]) -> Vec<String> {
    for _ in 0..400 {
        let (t, ids2) = (tenant.tenant_id(), ids.to_vec());
        let states: Vec<String> = app
            .state
            .db
            .read(move |c| {
                ids2.iter().map(|i| Ok(meridian::alerts::get_with_raw(c, &t, i)?.0.state)).collect::<Result<_, _>>()
            })
            .await
            .unwrap();
        if states.iter().all(|s| s != "received") {
            return states;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("alert posts were not processed");
}

/// The tenant's alert tickets, oldest first.
pub(super) async fn alert_tickets(app: &TestApp, tok: &str) -> Vec<Value> {
    let v = app.api_json(tok, "/api/v1/tickets?channel=alert&sort=age&limit=200").await;
    let mut list = v["data"].as_array().unwrap().clone();
    list.sort_by_key(|t| t["number"].as_i64());
    list
}

pub(super) async fn messages(app: &TestApp, tok: &str, ticket_id: &str) -> Vec<Value> {
    let v = app.api_json(tok, &format!("/api/v1/tickets/{ticket_id}/messages")).await;
    v["data"].as_array().unwrap().clone()
}

/// A generic-format alert.
pub(super) fn generic(fingerprint: &str, status: &str, severity: &str) -> String {
    serde_json::json!({
        "fingerprint": fingerprint, "status": status, "title": format!("Disk full on {fingerprint}"),
        "description": "The data volume on the primary database server has less than one percent free space left.",
        "severity": severity, "labels": {"host": "db1", "team": "infra"}
    })
    .to_string()
}

mod formats;
mod tickets;
