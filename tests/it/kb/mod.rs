//! The knowledge base: its API, the search suite on each backend, the help center and its
//! request form, and the files of articles.

mod api;
mod console;
mod console_structure;
mod console_ticket;
mod feedback;
mod files;
mod help;
mod history_diff;
pub(crate) mod portal;
mod search;

use crate::harness::TestApp;
use meridian::accounts::tokens;
use meridian::tenancy::Tenant;
use serde_json::{json, Value};

/// A tenant with an API token; (tenant, token secret).
pub fn tenant_with_token(app: &TestApp, slug: &str, locale: &str) -> (Tenant, String) {
    let (t, _, _) = app.seed_tenant_with(slug, locale, meridian::accounts::Role::Owner);
    let (_, secret) = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "kb", None)).unwrap();
    (t, secret)
}

/// A JSON request; (status, body or null).
pub async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new().request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// One translation as the API takes it.
pub fn tr(locale: &str, title: &str, body: &str, status: &str) -> Value {
    json!({"locale": locale, "title": title, "body_markdown": body, "keywords": [], "status": status})
}

/// Create an article; its id.
pub async fn article(app: &TestApp, token: &str, visibility: &str, translations: Vec<Value>) -> String {
    let (s, b) = call(
        app,
        token,
        reqwest::Method::POST,
        "/api/v1/kb/articles",
        Some(json!({"visibility": visibility, "translations": translations})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_string()
}

/// Wait until every `kb.index` job has run (none left queued or running), and none died.
pub async fn settle(app: &TestApp) {
    use diesel::prelude::*;
    use meridian::db::schema::jobs;
    for _ in 0..400 {
        let states: Vec<String> = app
            .state
            .db
            .write_blocking(|c| Ok(jobs::table.filter(jobs::kind.eq("kb.index")).select(jobs::state).load(c)?))
            .unwrap();
        assert!(!states.iter().any(|s| s == "dead"), "an index job died");
        if states.iter().all(|s| s == "done") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("index jobs did not finish");
}

/// The public search of a help center: (ids, the whole answer).
pub async fn public_search(app: &TestApp, slug: &str, q: &str, locale: &str) -> (Vec<String>, Value) {
    let url = format!("/h/{slug}/api/search?q={}&locale={locale}&limit=20", urlencode(q));
    let res = reqwest::get(app.url(&url)).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    let body: Value = res.json().await.unwrap();
    let ids = body["data"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect();
    (ids, body)
}

/// Percent-encode a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
