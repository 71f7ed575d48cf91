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

#[actix_web::test]
async fn openapi_document_and_reference_page_cover_the_api() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let c = app.client();
    let doc: serde_json::Value = c.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/tickets", "post"),
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets/{id}", "get"),
        ("/api/v1/tickets/{id}", "patch"),
        ("/api/v1/tickets/{id}/messages", "get"),
        ("/api/v1/tickets/{id}/messages", "post"),
        ("/api/v1/contacts", "post"),
        ("/api/v1/contacts/{id}", "patch"),
        ("/api/v1/teams", "get"),
        ("/api/v1/mail/failed", "get"),
        ("/api/v1/mail/failed/{id}/raw", "get"),
        ("/api/v1/mail/failed/{id}/retry", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} undocumented");
    }
    let create = &doc["components"]["schemas"]["CreateTicket"];
    let required: Vec<&str> = create["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(required.contains(&"subject") && required.contains(&"message") && required.contains(&"requester"));
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every operation documents the errors it can answer, as problem+json.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let mut expected = vec!["401", "429"];
            if path.contains('{') {
                expected.push("404");
            }
            if op.get("requestBody").is_some() {
                expected.extend(["400", "413", "422"]);
            }
            for status in expected {
                let r = responses.get(status).unwrap_or_else(|| panic!("{method} {path}: {status} undocumented"));
                assert!(r["content"]["application/problem+json"].is_object(), "{method} {path} {status}: {r}");
            }
            for (status, r) in responses.iter().filter(|(s, _)| s.starts_with('4')) {
                assert!(r["content"].get("application/json").is_none(), "{method} {path} {status}");
            }
        }
    }
    assert!(doc["paths"]["/api/v1/tickets/{id}"]["patch"]["responses"]["412"].is_object());
    // Every route the server answers under /api/v1 is documented (and vice versa).
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = app.url(&path.replace("{id}", "x"));
            let r = c.request(method.to_uppercase().parse().unwrap(), url).send().await.unwrap();
            assert_ne!(r.status(), 405, "{method} {path}");
            assert!(
                r.status() == 401 || r.status() == 400 || path == "/api/v1/openapi.json",
                "{method} {path}: {}",
                r.status()
            );
        }
    }
    // A documented path asked with another method says which methods it takes.
    let r = c.delete(app.url("/api/v1/tickets")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = c.request(reqwest::Method::TRACE, app.url("/api/v1/tickets/bulk")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["allow"].to_str().unwrap()), (405, "POST"));
    assert_eq!(c.get(app.url("/api/v1/nothing/here")).send().await.unwrap().status(), 404);
    let (_t, email, pw) = app.seed_tenant("acme");
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let page = c.get(app.url("/api-reference")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("POST /api/v1/tickets")
            && page.contains("Idempotency-Key")
            && page.contains("href=\"/api/v1/openapi.json\"")
    );
    assert!(page.contains("id=\"schema-CreateTicket\""));
}

async fn hsts_header(base_url: Option<&str>) -> Vec<Option<String>> {
    let app = TestApp::start_with(
        Backend::Sqlite,
        |e| {
            if let Some(b) = base_url {
                e.insert("MERIDIAN_BASE_URL".into(), b.into());
            }
        },
        Registry::new(),
    )
    .await
    .unwrap();
    let client = app.client();
    let mut seen = vec![];
    for path in ["/login", "/healthz", "/api/v1/me", "/no-such-page", "/static/css/app.css"] {
        let res = client.get(app.url(path)).send().await.unwrap();
        seen.push(res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_string()));
    }
    seen
}

#[actix_web::test]
async fn https_base_url_sends_hsts_on_every_response() {
    for h in hsts_header(Some("https://desk.example.com")).await {
        assert_eq!(h.as_deref(), Some("max-age=31536000; includeSubDomains"));
    }
}

#[actix_web::test]
async fn http_base_url_sends_no_hsts() {
    assert!(hsts_header(None).await.iter().all(Option::is_none));
}
