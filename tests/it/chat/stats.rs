//! The widget's numbers beside the knowledge base's: articles it suggested (once per draft and
//! article) and visitors they answered (deflections), per article in the console list, the
//! editor's numbers and the API (and its OpenAPI document), and the last 30 days' deflections on
//! the chat admin page. Another workspace's suggestions and deflections never count.

use diesel::prelude::*;
use serde_json::{json, Value};

use super::Widget;
use crate::harness::TestApp;
use crate::kb::{article, call, settle, tenant_with_token, tr, urlencode};

async fn suggest(app: &TestApp, slug: &str, q: &str, seen: Option<&str>) -> (u16, Value) {
    let mut url = format!("/widget/{slug}/suggestions?q={}&locale=en", urlencode(q));
    if let Some(s) = seen {
        url.push_str(&format!("&seen={}", urlencode(s)));
    }
    let r = reqwest::get(app.url(&url)).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(v: &Value) -> Vec<String> {
    v["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
}

/// A new visitor of `slug` says `article` answered them.
async fn deflect(app: &TestApp, slug: &str, article: &str) -> u16 {
    let (_w, welcome) = Widget::hello(app, slug, json!({"locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap();
    reqwest::Client::new()
        .post(app.url(&format!("/widget/{slug}/deflections")))
        .bearer_auth(token)
        .json(&json!({"article_id": article, "locale": "en"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn stats(app: &TestApp, tok: &str, id: &str) -> Value {
    let (s, a) = call(app, tok, reqwest::Method::GET, &format!("/api/v1/kb/articles/{id}"), None).await;
    assert_eq!(s, 200, "{a}");
    a["stats"].clone()
}

fn row<'a>(list: &'a str, id: &str) -> &'a str {
    let start = list.find(&format!("data-article=\"{id}\"")).expect("the article's row");
    let rest = &list[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn widget_numbers_per_article_and_on_the_admin_page(app: TestApp) {
    let (_acme, tok) = tenant_with_token(&app, "acme", "en");
    let (_globex, gtok) = tenant_with_token(&app, "globex", "en");
    let reset = article(
        &app,
        &tok,
        "public",
        vec![tr("en", "Reset your password", "Open settings and choose reset password.", "published")],
    )
    .await;
    let refund =
        article(&app, &tok, "public", vec![tr("en", "Ask for a refund", "Refunds take five days.", "published")]).await;
    let theirs = article(
        &app,
        &gtok,
        "public",
        vec![tr("en", "Reset your password at Globex", "Globex password help.", "published")],
    )
    .await;
    settle(&app).await;

    // Suggested: counted once per draft; what the widget says it offered already is not
    // counted again as the draft grows. Each workspace's widget counts its own articles.
    let (s, b) = suggest(&app, "acme", "how do I reset my password", None).await;
    assert_eq!((s, ids(&b)), (200, vec![reset.clone()]), "{b}");
    let (s, b) = suggest(&app, "acme", "how do I reset my password today", Some(&reset)).await;
    assert_eq!((s, ids(&b)), (200, vec![reset.clone()]), "{b}");
    let (_, b) = suggest(&app, "globex", "how do I reset my password", None).await;
    assert_eq!(ids(&b), vec![theirs.clone()]);
    // A too-short draft is offered nothing and counts nothing.
    assert_eq!(ids(&suggest(&app, "acme", "reset password", None).await.1).len(), 0);
    // Refused: a NUL in the list, more ids than a draft can have been offered, an overlong id.
    let (s, _) = suggest(&app, "acme", "how do I reset my password", Some("a\u{0}b")).await;
    assert_eq!(s, 422);
    let many = vec!["x"; 21].join(",");
    let (s, b) = suggest(&app, "acme", "how do I reset my password", Some(&many)).await;
    assert_eq!((s, b["field"].as_str()), (422, Some("seen")), "{b}");
    assert!(b["detail"].as_str().unwrap_or("").contains("at most 20"), "{b}");
    let (s, _) = suggest(&app, "acme", "how do I reset my password", Some(&"x".repeat(65))).await;
    assert_eq!(s, 422);
    let hostile = format!("<script>alert(1)</script>,{reset}");
    let (s, b) = suggest(&app, "acme", "how do I reset my password", Some(&hostile)).await;
    assert_eq!((s, ids(&b)), (200, vec![reset.clone()]), "an unknown id is only ignored: {b}");
    meridian::kb::feedback::flush(&app.state.db, &app.state.kb_tally).await;

    // Deflections: two of acme's visitors on one article, one on another (made 40 days old,
    // so it is not among the last 30 days'), and one of globex's visitors on its own.
    assert_eq!(deflect(&app, "acme", &reset).await, 200);
    assert_eq!(deflect(&app, "acme", &reset).await, 200);
    assert_eq!(deflect(&app, "acme", &refund).await, 200);
    assert_eq!(deflect(&app, "globex", &theirs).await, 200);
    assert_eq!(deflect(&app, "acme", &theirs).await, 404, "globex's article at acme");
    let old = refund.clone();
    app.state
        .db
        .write_blocking(move |c| {
            use meridian::kb::schema::kb_deflections as d;
            let at = meridian::db::now() - chrono::Duration::days(40);
            Ok(diesel::update(d::table.filter(d::article_id.eq(old))).set(d::created_at.eq(at)).execute(c)?)
        })
        .unwrap();

    // The API's numbers, documented in the OpenAPI document.
    let s = stats(&app, &tok, &reset).await;
    assert_eq!((s["widget_suggestions_shown"].as_i64(), s["widget_deflections"].as_i64()), (Some(1), Some(2)), "{s}");
    assert_eq!(s["suggestions_shown"], 0, "the request form's count is its own: {s}");
    let s = stats(&app, &tok, &refund).await;
    assert_eq!((s["widget_suggestions_shown"].as_i64(), s["widget_deflections"].as_i64()), (Some(0), Some(1)), "{s}");
    let s = stats(&app, &gtok, &theirs).await;
    assert_eq!((s["widget_suggestions_shown"].as_i64(), s["widget_deflections"].as_i64()), (Some(1), Some(1)), "{s}");
    let (st, _) = call(&app, &tok, reqwest::Method::GET, &format!("/api/v1/kb/articles/{theirs}"), None).await;
    assert_eq!(st, 404, "another workspace's article");
    let doc = app.api_json(&tok, "/api/v1/openapi.json").await;
    let props = &doc["components"]["schemas"]["KbArticleStats"]["properties"];
    for field in ["widget_deflections", "widget_suggestions_shown"] {
        assert_eq!(props[field]["type"], "integer", "{field}: {props}");
        assert!(props[field]["description"].as_str().is_some_and(|d| d.contains("widget")), "{props}");
    }

    // The console: the list's row and the editor's numbers; globex's article is not acme's.
    let (c, _) = app.signed_in("acme", "owner@acme.example", "pw-acme-correct-horse").await;
    let (_, list) = page(&c, &app, "/kb").await;
    let r = row(&list, &reset);
    assert!(r.contains("data-testid=\"deflections\">2<") && r.contains("data-testid=\"widget-suggested\">1<"), "{r}");
    assert!(row(&list, &refund).contains("data-testid=\"deflections\">1<"));
    assert!(!list.contains(&theirs));
    assert!(list.contains("Suggested in chat"), "the column is named");
    let (_, editor) = page(&c, &app, &format!("/kb/articles/{reset}")).await;
    assert!(
        editor.contains("data-testid=\"deflections\">2<") && editor.contains("data-testid=\"widget-suggested\">1<")
    );
    assert_eq!(page(&c, &app, &format!("/kb/articles/{theirs}")).await.0, 404);

    // The chat admin page: the last 30 days' deflections of this workspace only.
    let (_, admin) = page(&c, &app, "/admin/chat").await;
    assert!(admin.contains("data-testid=\"recent-deflections\" data-count=\"2\""), "{admin}");
    assert!(admin.contains("2 times visitors said a suggested article answered their question in the last 30 days"));
    let (g, _) = app.signed_in("globex", "owner@globex.example", "pw-globex-correct-horse").await;
    let (_, admin) = page(&g, &app, "/admin/chat").await;
    assert!(admin.contains("data-count=\"1\"") && admin.contains("One visitor said"), "{admin}");
    super::healthy(&app).await;
}
both!(widget_numbers_per_article_and_on_the_admin_page);

async fn the_admin_page_counts_for_admins_only(app: TestApp) {
    let (t, email, pw) = app.seed_tenant("acme");
    let (_, agent_email, agent_pw) = app.add_agent(&t, "Ana", meridian::accounts::Role::Agent);
    let (c, _) = app.signed_in("acme", &agent_email, &agent_pw).await;
    assert_eq!(page(&c, &app, "/admin/chat").await.0, 403);
    let (c, _) = app.signed_in("acme", &email, &pw).await;
    let (s, admin) = page(&c, &app, "/admin/chat").await;
    assert_eq!(s, 200);
    assert!(admin.contains("data-count=\"0\""), "none yet: {admin}");
}
both!(the_admin_page_counts_for_admins_only);
