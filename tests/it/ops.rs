//! Operations endpoints, security headers and static assets.

use crate::harness::{Backend, TestApp};
use meridian::jobs::Registry;

async fn metrics_count_requests_by_route(app: TestApp) {
    let c = app.client();
    for _ in 0..3 {
        c.get(app.url("/login")).send().await.unwrap();
    }
    c.get(app.url("/api/v1/agents/some-id")).send().await.unwrap();
    let m = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("meridian_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"} 3"), "{m}");
    assert!(m.contains("route=\"/api/v1/agents/{id}\",status=\"401\""), "routes are labelled by pattern: {m}");
    assert!(m.contains("meridian_http_request_duration_seconds_bucket{method=\"GET\",route=\"/login\",le=\"+Inf\"} 3"));
    assert!(m.contains("meridian_jobs{state=\"dead\"} 0"));
    assert!(m.contains("meridian_db_pool_connections{state=\"max\"} 6"));
}
both!(metrics_count_requests_by_route);

#[actix_web::test]
async fn metrics_token_is_enforced_when_set() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            e.insert("MERIDIAN_METRICS_TOKEN".into(), "scrape-secret-123".into());
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let c = app.client();
    assert_eq!(c.get(app.url("/metrics")).send().await.unwrap().status(), 401);
    assert_eq!(c.get(app.url("/metrics")).bearer_auth("scrape-secret-123").send().await.unwrap().status(), 200);
}

#[actix_web::test]
async fn console_pages_carry_security_headers() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let res = app.client().get(app.url("/login")).send().await.unwrap();
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>") && !html.contains("onclick="), "no inline script");
}

#[actix_web::test]
async fn static_assets_are_served_with_types_and_etags() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let c = app.client();
    let css = c.get(app.url("/static/css/app.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css");
    let etag = css.headers()["etag"].to_str().unwrap().to_string();
    let again = c.get(app.url("/static/css/app.css")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let js = c.get(app.url("/static/js/app.js")).send().await.unwrap();
    assert!(js.headers()["content-type"].to_str().unwrap().contains("javascript"));
    for bad in ["/static/../Cargo.toml", "/static/%2e%2e/Cargo.toml", "/static/nope.css"] {
        assert_eq!(c.get(app.url(bad)).send().await.unwrap().status(), 404, "{bad}");
    }
}

#[actix_web::test]
async fn unknown_routes_are_problem_json_under_api_and_pages_elsewhere() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let c = app.client();
    let res = c.get(app.url("/api/v2/nothing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["status"], 404);
    assert_eq!(p["type"], "urn:meridian:problem:not-found");
    let res = c.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Not found"));
}
