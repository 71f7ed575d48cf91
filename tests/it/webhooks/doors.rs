//! The doors: tenant isolation of every webhook endpoint, bad input, the console admin page.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::harness::{Backend, TestApp};

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
