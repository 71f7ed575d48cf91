//! Readers' feedback on the help center: "was this helpful?" votes, page views counted in
//! memory and written in batches, the request form's suggestion beacons, and the numbers in the
//! console list and the API.

use reqwest::Method;
use serde_json::{json, Value};

use super::{article, call, tr};
use crate::harness::TestApp;
use meridian::accounts::{tokens, Role};
use meridian::tenancy::Tenant;

/// A tenant with an API token and its owner's sign-in: (tenant, token, email, password).
fn desk(app: &TestApp, slug: &str) -> (Tenant, String, String, String) {
    let (t, email, pw) = app.seed_tenant_with(slug, "en", Role::Owner);
    let (_, secret) = app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "kb", None)).unwrap();
    (t, secret, email, pw)
}

/// Write the counts this server holds in memory, as its periodic flush does.
async fn flush(app: &TestApp) {
    meridian::kb::feedback::flush(&app.state.db, &app.state.kb_tally).await;
}

async fn stats(app: &TestApp, tok: &str, id: &str) -> Value {
    let (s, a) = call(app, tok, Method::GET, &format!("/api/v1/kb/articles/{id}"), None).await;
    assert_eq!(s, 200, "{a}");
    a["stats"].clone()
}

async fn vote(app: &TestApp, client: &reqwest::Client, path: &str, helpful: &str) -> (u16, String) {
    let res = client.post(app.url(path)).form(&[("helpful", helpful)]).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn votes_one_per_reader_and_translation(app: TestApp) {
    let (_, tok, email, pw) = desk(&app, "alpha");
    let (_, other_tok, _, _) = desk(&app, "beta");
    let id = article(
        &app,
        &tok,
        "public",
        vec![tr("en", "Reset a password", "Open settings.", "published"), tr("de", "Passwort", "Entwurf", "draft")],
    )
    .await;
    let internal = article(&app, &tok, "internal", vec![tr("en", "Refunds", "agents only", "published")]).await;
    let foreign = article(&app, &other_tok, "public", vec![tr("en", "Beta's", "theirs", "published")]).await;
    let path = format!("/h/alpha/en/articles/{id}/vote");

    // The article page asks, in a form that works without JavaScript.
    let page = app.client().get(app.url(&format!("/h/alpha/en/articles/{id}"))).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("action=\"/h/alpha/en/articles/{id}/vote\"")), "{html}");
    assert!(html.contains("Was this article helpful?") && html.contains("value=\"yes\""), "{html}");

    // Yes, then no, from the same reader: one vote, no. The thank-you is shown.
    let ana = app.client();
    let (s, html) = vote(&app, &ana, &path, "yes").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("data-testid=\"vote-thanks\">Thank you"), "{html}");
    assert!(!html.contains("data-testid=\"vote-form\""), "the question is answered");
    let (s, _) = vote(&app, &ana, &path, "no").await;
    assert_eq!(s, 200);
    assert_eq!(stats(&app, &tok, &id).await["helpful_yes"], 0);
    assert_eq!(stats(&app, &tok, &id).await["helpful_no"], 1);
    // A second reader is a second vote; asked for JSON, the answer is JSON.
    let res = app
        .client()
        .post(app.url(&path))
        .header("accept", "application/json")
        .form(&[("helpful", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("SameSite=Lax"));
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"helpful": "yes"}));
    let s = stats(&app, &tok, &id).await;
    assert_eq!((s["helpful_yes"].as_i64(), s["helpful_no"].as_i64()), (Some(1), Some(1)), "{s}");

    // Another tenant's article, a draft translation, an internal article, an unknown id: 404.
    for p in [
        format!("/h/alpha/en/articles/{foreign}/vote"),
        format!("/h/alpha/de/articles/{id}/vote"),
        format!("/h/alpha/en/articles/{internal}/vote"),
        "/h/alpha/en/articles/nope/vote".to_string(),
        format!("/h/nobody/en/articles/{id}/vote"),
    ] {
        assert_eq!(vote(&app, &ana, &p, "yes").await.0, 404, "{p}");
    }
    assert_eq!(stats(&app, &other_tok, &foreign).await["helpful_yes"], 0);
    // A broken form: 422 for a choice that is neither, 400 for a body that is not the form.
    assert_eq!(vote(&app, &ana, &path, "maybe").await.0, 422);
    let res = ana.post(app.url(&path)).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = ana
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("helpful=yes&helpful=no")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // A page of another site posting here is refused.
    let res = app
        .client()
        .post(app.url(&path))
        .header("origin", "http://evil.example")
        .form(&[("helpful", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let s = stats(&app, &tok, &id).await;
    assert_eq!((s["helpful_yes"].as_i64(), s["helpful_no"].as_i64()), (Some(1), Some(1)), "nothing changed: {s}");

    // The console list shows the counts.
    let (console, _) = app.signed_in("alpha", &email, &pw).await;
    let html = console.get(app.url("/kb")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-testid=\"helpful\">1 yes · 1 no<"), "{html}");
    let html = console.get(app.url(&format!("/kb/articles/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-testid=\"editor-stats\"") && html.contains(">1 yes · 1 no<"), "{html}");

    // Votes are limited per address.
    let mut limited = false;
    for _ in 0..40 {
        let (s, _) = vote(&app, &ana, &path, "yes").await;
        if s == 429 {
            limited = true;
            break;
        }
        assert_eq!(s, 200);
    }
    assert!(limited, "the vote limit applies");
}
both!(votes_one_per_reader_and_translation);

async fn views_are_counted_in_memory_and_flushed(app: TestApp) {
    let (_, tok, _, _) = desk(&app, "alpha");
    let (_, other_tok, _, _) = desk(&app, "beta");
    let id = article(&app, &tok, "public", vec![tr("en", "Invoices", "Download them.", "published")]).await;
    let foreign = article(&app, &other_tok, "public", vec![tr("en", "Beta's", "theirs", "published")]).await;
    let get = |path: String, ua: &'static str| {
        let c = app.client();
        let url = app.url(&path);
        async move { c.get(url).header("user-agent", ua).send().await.unwrap().status().as_u16() }
    };
    let page = format!("/h/alpha/en/articles/{id}");
    for _ in 0..7 {
        assert_eq!(get(page.clone(), "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0").await, 200);
    }
    // Robots are not counted; another tenant's article is not found here and counts nowhere.
    for ua in ["Googlebot/2.1", "Baiduspider", "ExampleCrawler/1.0"] {
        assert_eq!(get(page.clone(), ua).await, 200);
    }
    assert_eq!(get(format!("/h/alpha/en/articles/{foreign}"), "Mozilla/5.0").await, 404);
    // Nothing is written per view: the counts wait in memory for the flush.
    assert_eq!(stats(&app, &tok, &id).await["views"], 0);
    flush(&app).await;
    assert_eq!(stats(&app, &tok, &id).await["views"], 7);
    assert_eq!(stats(&app, &other_tok, &foreign).await["views"], 0);
    // What is still in memory at shutdown is written then.
    for _ in 0..2 {
        assert_eq!(get(page.clone(), "Mozilla/5.0").await, 200);
    }
    let app = app.restart(meridian::jobs::Registry::new()).await;
    assert_eq!(stats(&app, &tok, &id).await["views"], 9);
}
both!(views_are_counted_in_memory_and_flushed);

async fn beacon(app: &TestApp, body: Value) -> u16 {
    let res = reqwest::Client::new().post(app.url("/h/alpha/api/deflection")).json(&body).send().await.unwrap();
    res.status().as_u16()
}

async fn request_from(app: &TestApp, session: &str) {
    let form = [
        ("name", "Ana"),
        ("email", "ana@example.com"),
        ("subject", "Still stuck"),
        ("body", "The article did not help."),
        ("website", ""),
        ("form_session", session),
    ];
    let res = app.client().post(app.url("/h/alpha/en/requests/new")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

async fn deflection_on_the_request_form(app: TestApp) {
    let (_, tok, email, pw) = desk(&app, "alpha");
    let (_, other_tok, _, _) = desk(&app, "beta");
    let a1 = article(&app, &tok, "public", vec![tr("en", "Reset a password", "Settings.", "published")]).await;
    let a2 = article(&app, &tok, "public", vec![tr("en", "Change your email", "Profile.", "published")]).await;
    let draft = article(&app, &tok, "public", vec![tr("en", "Soon", "Draft.", "draft")]).await;
    let foreign = article(&app, &other_tok, "public", vec![tr("en", "Beta's", "theirs", "published")]).await;
    let item = |id: &str| json!({"id": id, "locale": "en"});
    let (s1, s2, s3) = ("session-one-0123456789", "session-two-0123456789", "session-three-012345678");

    // The request form sends its session with the request.
    let html = app.client().get(app.url("/h/alpha/en/requests/new")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"form_session\"") && html.contains("data-beacon-url=\"/h/alpha/api/deflection\""));

    // Shown: counted for this tenant's published articles; the others are ignored.
    let shown = json!({"event": "shown", "session": s1,
        "items": [item(&a1), item(&a2), item(&draft), item(&foreign), item("unknown-article-id")]});
    assert_eq!(beacon(&app, shown).await, 204);
    // Clicked in two sessions; a request is sent from the second (before the flush), and a
    // third session's click is flushed before its request follows.
    assert_eq!(beacon(&app, json!({"event": "click", "session": s1, "items": [item(&a1)]})).await, 204);
    assert_eq!(beacon(&app, json!({"event": "click", "session": s1, "items": [item(&a1)]})).await, 204);
    assert_eq!(beacon(&app, json!({"event": "click", "session": s2, "items": [item(&a1)]})).await, 204);
    assert_eq!(beacon(&app, json!({"event": "click", "session": s3, "items": [item(&a2)]})).await, 204);
    assert_eq!(beacon(&app, json!({"event": "click", "session": s1, "items": [item(&foreign)]})).await, 204);
    request_from(&app, s2).await;
    flush(&app).await;
    request_from(&app, s3).await;
    flush(&app).await;
    let s = stats(&app, &tok, &a1).await;
    assert_eq!(s["suggestions_shown"], 1, "{s}");
    assert_eq!(s["suggestion_clicks"], 2, "once per session: {s}");
    assert_eq!(s["abandoned_after_click"], 1, "the second session sent a request: {s}");
    let s = stats(&app, &tok, &a2).await;
    assert_eq!((s["suggestions_shown"].as_i64(), s["suggestion_clicks"].as_i64()), (Some(1), Some(1)), "{s}");
    assert_eq!(s["abandoned_after_click"], 0, "a request followed the flushed click: {s}");
    assert_eq!(stats(&app, &tok, &draft).await["suggestions_shown"], 0);
    let s = stats(&app, &other_tok, &foreign).await;
    assert_eq!((s["suggestions_shown"].as_i64(), s["suggestion_clicks"].as_i64()), (Some(0), Some(0)), "{s}");

    // Hostile beacons: 4xx, nothing counted, the server fine.
    let huge = json!({"event": "shown", "session": s1, "items": [item(&a1)], "pad": "x".repeat(10_000)});
    assert_eq!(beacon(&app, huge).await, 413);
    let nested = format!("{}{}", "[".repeat(3000), "]".repeat(3000));
    let res = reqwest::Client::new().post(app.url("/h/alpha/api/deflection")).body(nested).send().await.unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    for bad in [
        json!({"event": 1, "session": s1, "items": [item(&a1)]}),
        json!({"event": "shown", "session": s1, "items": "a1"}),
        json!({"event": "shown", "session": "a\u{0}b-0123456789abcdef", "items": [item(&a1)]}),
        json!({"event": "shown", "session": s1, "items": [{"id": format!("{a1}\u{0}"), "locale": "en"}]}),
        json!({"event": "shown", "session": s1, "items": [{"id": a1, "locale": "en\u{0}"}]}),
        json!({"event": "shown", "session": s1, "items": [item(&a1)], "extra": true}),
        json!({"event": "vanish", "session": s1, "items": [item(&a1)]}),
        json!({"event": "shown", "session": "short", "items": [item(&a1)]}),
        json!({"event": "shown", "session": s1, "items": []}),
        json!({"event": "shown", "session": s1, "items": vec![item(&a1); 21]}),
        json!({"event": "click", "session": s1, "items": [item(&a1), item(&a2)]}),
        json!(null),
    ] {
        assert_eq!(beacon(&app, bad.clone()).await, 422, "{bad}");
    }
    let res = reqwest::Client::new().post(app.url("/h/alpha/api/deflection")).body("not json").send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = reqwest::Client::new()
        .post(app.url("/h/alpha/api/deflection"))
        .header("origin", "http://evil.example")
        .json(&json!({"event": "shown", "session": s1, "items": [item(&a1)]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = reqwest::Client::new().post(app.url("/h/nobody/api/deflection")).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 404);
    flush(&app).await;
    assert_eq!(stats(&app, &tok, &a1).await["suggestions_shown"], 1, "nothing hostile was counted");
    assert_eq!(app.client().get(app.url("/h/alpha/en")).send().await.unwrap().status(), 200);

    // The console list shows the numbers.
    let (console, _) = app.signed_in("alpha", &email, &pw).await;
    let html = console.get(app.url("/kb")).send().await.unwrap().text().await.unwrap();
    let row = &html[html.find(&format!("data-article=\"{a1}\"")).expect("a1 listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    for (cell, n) in [("suggested", 1), ("clicks", 2), ("abandoned", 1), ("views", 0)] {
        assert!(row.contains(&format!("data-testid=\"{cell}\">{n}<")), "{cell}: {row}");
    }
}
both!(deflection_on_the_request_form);
