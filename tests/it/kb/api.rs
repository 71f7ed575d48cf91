//! /api/v1/kb: create, read, change and delete; precise validation errors; another tenant's
//! ids are 404 on every endpoint, the API's and the help center's.

use reqwest::Method;
use serde_json::json;

use super::{article, call, tenant_with_token, tr};
use crate::harness::TestApp;

async fn kb_crud_and_validation(app: TestApp) {
    let (_t, tok) = tenant_with_token(&app, "alpha", "en");
    let (s, cat) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/categories",
        Some(json!({"translations": [{"locale": "en", "name": "Billing"}, {"locale": "pt-br", "name": "Cobrança"}]})),
    )
    .await;
    assert_eq!(s, 201, "{cat}");
    assert_eq!(cat["translations"][1]["locale"], "pt-BR", "locales are stored canonical");
    let cat_id = cat["id"].as_str().unwrap();
    let (s, sec) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/sections",
        Some(json!({"category_id": cat_id, "translations": [{"locale": "en", "name": "Invoices", "description": "All about invoices"}]})),
    )
    .await;
    assert_eq!(s, 201, "{sec}");
    let sec_id = sec["id"].as_str().unwrap();
    let (s, a) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/articles",
        Some(json!({"section_id": sec_id, "translations": [
            {"locale": "en", "title": "Download an invoice", "body_markdown": "Open **Billing**.", "keywords": ["pdf", "pdf", " receipt "], "status": "published"}
        ]})),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["visibility"], "public");
    assert_eq!(a["section_id"], sec_id);
    let t0 = &a["translations"][0];
    assert_eq!(t0["body_html"], "<p>Open <strong>Billing</strong>.</p>\n");
    assert_eq!(t0["keywords"], json!(["pdf", "receipt"]));
    assert_eq!(t0["version"], 1);
    assert_eq!(t0["author"]["type"], "api");
    let id = a["id"].as_str().unwrap().to_string();

    // A new locale is created (201), an existing one replaced (200) with a new version.
    let path = format!("/api/v1/kb/articles/{id}/translations/pt-BR");
    let put =
        json!({"title": "Baixar fatura", "body_markdown": "Abra **Cobrança**.", "keywords": [], "status": "draft"});
    let (s, b) = call(&app, &tok, Method::PUT, &path, Some(put.clone())).await;
    assert_eq!((s, b["version"].clone()), (201, json!(1)), "{b}");
    let (s, b) = call(
        &app,
        &tok,
        Method::PUT,
        &path,
        Some(json!({"title": "Baixar a fatura", "body_markdown": "x", "status": "published"})),
    )
    .await;
    assert_eq!((s, b["version"].clone(), b["status"].clone()), (200, json!(2), json!("published")), "{b}");
    let (s, v) = call(&app, &tok, Method::GET, &format!("{path}/versions"), None).await;
    assert_eq!(s, 200);
    let titles: Vec<&str> = v["data"].as_array().unwrap().iter().map(|v| v["title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["Baixar a fatura", "Baixar fatura"]);
    let (s, b) = call(&app, &tok, Method::POST, &format!("{path}/versions/1/restore"), None).await;
    assert_eq!(
        (s, b["version"].clone(), b["title"].clone(), b["status"].clone()),
        (200, json!(3), json!("Baixar fatura"), json!("draft")),
        "{b}"
    );
    let (s, _) = call(&app, &tok, Method::POST, &format!("{path}/versions/9/restore"), None).await;
    assert_eq!(s, 404);
    let (s, b) = call(
        &app,
        &tok,
        Method::PUT,
        &path,
        Some(json!({"title": "Baixar a fatura", "body_markdown": "x", "status": "published"})),
    )
    .await;
    assert_eq!((s, b["version"].clone()), (200, json!(4)));

    let (s, got) = call(&app, &tok, Method::GET, &format!("/api/v1/kb/articles/{id}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(got["translations"].as_array().unwrap().len(), 2);
    let (s, list) = call(&app, &tok, Method::GET, &format!("/api/v1/kb/articles?section_id={sec_id}"), None).await;
    assert_eq!((s, list["data"].as_array().unwrap().len()), (200, 1));

    // Validation: each error names its field.
    let cases = [
        (json!({"translations": []}), "translations"),
        (json!({"translations": [tr("not a tag", "T", "b", "draft")]}), "translations[0].locale"),
        (json!({"translations": [tr("en", "   ", "b", "draft")]}), "translations[0].title"),
        (json!({"translations": [tr("en", "A", "b", "draft"), tr("EN", "B", "b", "draft")]}), "translations[1].locale"),
        (json!({"translations": [tr("en", "A", "b", "live")]}), "translations[0].status"),
        (json!({"section_id": "nope", "translations": [tr("en", "A", "b", "draft")]}), "section_id"),
        (json!({"visibility": "secret", "translations": [tr("en", "A", "b", "draft")]}), "visibility"),
        (json!({"translations": [tr("en", "A", "b", "draft")], "colour": "red"}), "colour"),
        (
            json!({"translations": [{"locale": "en", "title": "A", "body_markdown": "b", "keywords": ["ok", "bad\u{7}"]}]}),
            "translations[0].keywords[1]",
        ),
    ];
    for (body, field) in cases {
        let (s, p) = call(&app, &tok, Method::POST, "/api/v1/kb/articles", Some(body.clone())).await;
        assert_eq!(s, 422, "{body} -> {p}");
        assert_eq!(p["field"], field, "{body} -> {p}");
    }
    let (s, p) = call(&app, &tok, Method::PUT, &format!("/api/v1/kb/articles/{id}/translations/x_y"), Some(put)).await;
    assert_eq!((s, p["field"].clone()), (422, json!("locale")), "{p}");
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/kb/articles"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let (s, _) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/categories",
        Some(json!({"translations": [{"locale": "en", "name": ""}]})),
    )
    .await;
    assert_eq!(s, 422);
    let (s, p) = call(
        &app,
        &tok,
        Method::POST,
        "/api/v1/kb/sections",
        Some(json!({"category_id": "nope", "translations": [{"locale": "en", "name": "S"}]})),
    )
    .await;
    assert_eq!((s, p["field"].clone()), (422, json!("category_id")));

    // Non-empty containers are kept; the last translation cannot go.
    let (s, _) = call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/sections/{sec_id}"), None).await;
    assert_eq!(s, 409);
    let (s, _) = call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/categories/{cat_id}"), None).await;
    assert_eq!(s, 409);
    let (s, _) = call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/articles/{id}/translations/pt-BR"), None).await;
    assert_eq!(s, 204);
    let (s, _) = call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/articles/{id}/translations/en"), None).await;
    assert_eq!(s, 409);

    // Out of its section, then the section and category can go.
    let (s, b) = call(
        &app,
        &tok,
        Method::PATCH,
        &format!("/api/v1/kb/articles/{id}"),
        Some(json!({"section_id": null, "visibility": "internal"})),
    )
    .await;
    assert_eq!((s, b["section_id"].clone(), b["visibility"].clone()), (200, json!(null), json!("internal")), "{b}");
    let (s, b) =
        call(&app, &tok, Method::PATCH, &format!("/api/v1/kb/sections/{sec_id}"), Some(json!({"position": 3}))).await;
    assert_eq!((s, b["position"].clone()), (200, json!(3)));
    let (s, b) = call(
        &app,
        &tok,
        Method::PATCH,
        &format!("/api/v1/kb/categories/{cat_id}"),
        Some(json!({"translations": [{"locale": "de", "name": "Abrechnung"}]})),
    )
    .await;
    assert_eq!((s, b["translations"][0]["name"].clone()), (200, json!("Abrechnung")));
    assert_eq!(call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/sections/{sec_id}"), None).await.0, 204);
    assert_eq!(call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/categories/{cat_id}"), None).await.0, 204);
    assert_eq!(call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/articles/{id}"), None).await.0, 204);
    assert_eq!(call(&app, &tok, Method::GET, &format!("/api/v1/kb/articles/{id}"), None).await.0, 404);

    // The document describes every endpoint with the methods served.
    let (_, doc) = call(&app, &tok, Method::GET, "/api/v1/openapi.json", None).await;
    for (p, m) in [
        ("/api/v1/kb/articles", "post"),
        ("/api/v1/kb/articles/{id}", "patch"),
        ("/api/v1/kb/articles/{id}/translations/{locale}", "put"),
        ("/api/v1/kb/categories/{id}", "delete"),
        ("/api/v1/kb/sections", "get"),
        ("/api/v1/kb/search", "get"),
    ] {
        assert!(doc["paths"][p][m].is_object(), "{m} {p} documented");
    }
    assert_eq!(doc["components"]["schemas"]["KbTranslationIn"]["properties"]["title"]["maxLength"], 200);
    // The ticket's `Status` keeps its name; the article's is its own.
    assert!(doc["components"]["schemas"]["Status"]["enum"].as_array().unwrap().contains(&json!("new")));
    assert_eq!(doc["components"]["schemas"]["KbStatus"]["enum"], json!(["draft", "published"]));
}
both!(kb_crud_and_validation);

async fn kb_cross_tenant_ids_are_not_found(app: TestApp) {
    let (_a, a_tok) = tenant_with_token(&app, "alpha", "en");
    let (_b, b_tok) = tenant_with_token(&app, "bravo", "en");
    let (_, cat) = call(
        &app,
        &b_tok,
        Method::POST,
        "/api/v1/kb/categories",
        Some(json!({"translations": [{"locale": "en", "name": "Bravo cat"}]})),
    )
    .await;
    let cat = cat["id"].as_str().unwrap().to_string();
    let (_, sec) = call(
        &app,
        &b_tok,
        Method::POST,
        "/api/v1/kb/sections",
        Some(json!({"category_id": cat, "translations": [{"locale": "en", "name": "Bravo sec"}]})),
    )
    .await;
    let sec = sec["id"].as_str().unwrap().to_string();
    let art = article(&app, &b_tok, "public", vec![tr("en", "Bravo secret", "bravo body", "published")]).await;

    let put = json!({"title": "Hijack", "body_markdown": "x", "status": "published"});
    let patch = json!({"position": 9});
    let names = json!({"translations": [{"locale": "en", "name": "Hijack"}]});
    let probes: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/kb/articles/{art}"), None),
        (Method::PATCH, format!("/api/v1/kb/articles/{art}"), Some(patch.clone())),
        (Method::PUT, format!("/api/v1/kb/articles/{art}/translations/en"), Some(put.clone())),
        (Method::PUT, format!("/api/v1/kb/articles/{art}/translations/fr"), Some(put)),
        (Method::DELETE, format!("/api/v1/kb/articles/{art}/translations/en"), None),
        (Method::GET, format!("/api/v1/kb/articles/{art}/translations/en/versions"), None),
        (Method::POST, format!("/api/v1/kb/articles/{art}/translations/en/versions/1/restore"), None),
        (Method::DELETE, format!("/api/v1/kb/articles/{art}"), None),
        (Method::GET, format!("/api/v1/kb/categories/{cat}"), None),
        (Method::PATCH, format!("/api/v1/kb/categories/{cat}"), Some(names.clone())),
        (Method::DELETE, format!("/api/v1/kb/categories/{cat}"), None),
        (Method::GET, format!("/api/v1/kb/sections/{sec}"), None),
        (Method::PATCH, format!("/api/v1/kb/sections/{sec}"), Some(patch)),
        (Method::DELETE, format!("/api/v1/kb/sections/{sec}"), None),
    ];
    for (m, p, body) in probes {
        let (s, b) = call(&app, &a_tok, m.clone(), &p, body).await;
        assert_eq!(s, 404, "{m} {p}");
        assert!(!b.to_string().contains("Bravo"), "{b}");
    }
    // Naming another tenant's section or category is naming nothing.
    let (s, b) = call(
        &app,
        &a_tok,
        Method::POST,
        "/api/v1/kb/articles",
        Some(json!({"section_id": sec, "translations": [tr("en", "A", "b", "draft")]})),
    )
    .await;
    assert_eq!((s, b["field"].clone()), (422, json!("section_id")));
    let (s, b) = call(
        &app,
        &a_tok,
        Method::POST,
        "/api/v1/kb/sections",
        Some(json!({"category_id": cat, "translations": [{"locale": "en", "name": "S"}]})),
    )
    .await;
    assert_eq!((s, b["field"].clone()), (422, json!("category_id")));
    // Lists and search hold only the asker's own.
    let (_, list) = call(&app, &a_tok, Method::GET, "/api/v1/kb/articles", None).await;
    assert_eq!(list["data"], json!([]));
    let (_, list) = call(&app, &a_tok, Method::GET, &format!("/api/v1/kb/sections?category_id={cat}"), None).await;
    assert_eq!(list["data"], json!([]));
    super::settle(&app).await;
    let (_, found) = call(&app, &a_tok, Method::GET, "/api/v1/kb/search?q=bravo&locale=en", None).await;
    assert_eq!(found["data"], json!([]), "{found}");

    // The help center under alpha's slug does not show bravo's pages.
    for p in [
        format!("/h/alpha/en/articles/{art}"),
        format!("/h/alpha/en/categories/{cat}"),
        format!("/h/alpha/en/sections/{sec}"),
    ] {
        let res = reqwest::get(app.url(&p)).await.unwrap();
        assert_eq!(res.status(), 404, "{p}");
        assert!(!res.text().await.unwrap().contains("Bravo"));
    }
    let (ids, _) = super::public_search(&app, "alpha", "bravo", "en").await;
    assert!(ids.is_empty());
    // Bravo still has it all.
    assert_eq!(call(&app, &b_tok, Method::GET, &format!("/api/v1/kb/articles/{art}"), None).await.0, 200);
    assert_eq!(reqwest::get(app.url(&format!("/h/bravo/en/articles/{art}"))).await.unwrap().status(), 200);
}
both!(kb_cross_tenant_ids_are_not_found);
