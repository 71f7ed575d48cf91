//! Article suggestions while the visitor types, and deflections: published public articles of
//! the widget's own workspace only, in the visitor's language; nothing for a short draft;
//! hostile text harmless; a deflection recorded once per visitor and article, with no ticket.

use serde_json::{json, Value};

use super::Widget;
use crate::harness::TestApp;
use crate::kb::{article, settle, tenant_with_token, tr, urlencode};

async fn suggest(app: &TestApp, slug: &str, q: &str, locale: &str) -> (u16, Value) {
    let url = format!("/widget/{slug}/suggestions?q={}&locale={locale}", urlencode(q));
    let r = reqwest::get(app.url(&url)).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(v: &Value) -> Vec<String> {
    v["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
}

async fn deflect(app: &TestApp, slug: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(app.url(&format!("/widget/{slug}/deflections")))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn articles_are_suggested_and_deflections_recorded(app: TestApp) {
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let (_globex, gtok) = tenant_with_token(&app, "globex", "en");
    let reset = article(
        &app,
        &tok,
        "public",
        vec![tr("en", "Reset your password", "Open settings and choose a new <b>password</b>.", "published")],
    )
    .await;
    let refund =
        article(&app, &tok, "public", vec![tr("zh-CN", "如何申请退款", "在订单页面点击申请退款按钮。", "published")])
            .await;
    let draft = article(
        &app,
        &tok,
        "public",
        vec![tr("en", "Reset your password on the router", "A draft about passwords.", "draft")],
    )
    .await;
    let internal = article(
        &app,
        &tok,
        "internal",
        vec![tr("en", "Reset a password for a customer", "Agents only: reset passwords.", "published")],
    )
    .await;
    let theirs = article(
        &app,
        &gtok,
        "public",
        vec![tr("en", "Reset your password at Globex", "Globex password help.", "published")],
    )
    .await;
    settle(&app).await;

    let (s, body) = suggest(&app, "acme", "how do I reset my password", "en").await;
    assert_eq!(s, 200, "{body}");
    let found = ids(&body);
    assert_eq!(found, vec![reset.clone()], "only the published public article of this workspace: {body}");
    let a = &body["articles"][0];
    assert_eq!(a["title"], "Reset your password");
    assert_eq!(a["url"], format!("/h/acme/en/articles/{reset}"));
    let snippet = a["snippet"].as_str().unwrap();
    assert!(snippet.contains("password") && !snippet.contains("<mark>"), "plain text: {snippet}");
    for never in [&draft, &internal, &theirs] {
        assert!(!found.contains(never));
    }
    // In Chinese, where words are not spaced.
    let (_, zh) = suggest(&app, "acme", "我想申请退款", "zh-CN").await;
    assert_eq!(ids(&zh), vec![refund.clone()], "{zh}");
    // The other workspace's widget sees its own only.
    let (_, g) = suggest(&app, "globex", "how do I reset my password", "en").await;
    assert_eq!(ids(&g), vec![theirs.clone()]);
    // Too short, empty, missing: none (and no error).
    for q in ["reset password", "", "  退款 "] {
        let (s, b) = suggest(&app, "acme", q, "en").await;
        assert_eq!((s, ids(&b).len()), (200, 0), "{q:?}: {b}");
    }
    let r = reqwest::get(app.url("/widget/acme/suggestions")).await.unwrap();
    assert_eq!(r.status(), 200);
    // Hostile text: still JSON, nothing of it echoed, the match still found.
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> reset my password";
    let r =
        reqwest::get(app.url(&format!("/widget/acme/suggestions?q={}&locale=en", urlencode(hostile)))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let text = r.text().await.unwrap();
    assert!(!text.contains("<script") && !text.contains("onerror"), "{text}");
    assert_eq!(suggest(&app, "acme", "reset my pass\u{0}word please", "en").await.0, 422);
    assert_eq!(suggest(&app, "nope", "how do I reset my password", "en").await.0, 404);

    // "That answered it": recorded once per visitor, no ticket opened.
    let (_, welcome) = Widget::hello(&app, "acme", json!({"locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let body = json!({"article_id": reset, "locale": "en"}).to_string();
    assert_eq!(deflect(&app, "acme", Some(&token), &body).await, (200, json!({"recorded": true})));
    assert_eq!(deflect(&app, "acme", Some(&token), &body).await, (200, json!({"recorded": false})));
    let (tid, r2) = (acme.tenant_id(), reset.clone());
    let n = app.state.db.read(move |c| meridian::chat::suggestions::deflections(c, &tid, &r2)).await.unwrap();
    assert_eq!(n, 1);
    let tickets = app.api_json(&tok, "/api/v1/tickets").await;
    assert_eq!(tickets["data"].as_array().unwrap().len(), 0, "no ticket: {tickets}");
    // Refused: a draft, an internal article, another workspace's article or token, no token,
    // malformed JSON, an unknown field.
    for id in [&draft, &internal, &theirs] {
        let (s, _) = deflect(&app, "acme", Some(&token), &json!({"article_id": id}).to_string()).await;
        assert_eq!(s, 404);
    }
    let (_, gwelcome) = Widget::hello(&app, "globex", json!({})).await;
    let gtoken = gwelcome["visitor_token"].as_str().unwrap().to_string();
    assert_eq!(deflect(&app, "acme", Some(&gtoken), &body).await.0, 404);
    assert_eq!(deflect(&app, "globex", Some(&gtoken), &body).await.0, 404, "acme's article at globex");
    assert_eq!(deflect(&app, "acme", None, &body).await.0, 401);
    assert_eq!(deflect(&app, "acme", Some(&token), "{\"article_id\":").await.0, 400);
    assert_eq!(deflect(&app, "acme", Some(&token), "{\"article_id\":\"x\",\"more\":1}").await.0, 400);
    let (tid, r2) = (acme.tenant_id(), reset.clone());
    let n = app.state.db.read(move |c| meridian::chat::suggestions::deflections(c, &tid, &r2)).await.unwrap();
    assert_eq!(n, 1, "nothing more recorded");
    super::healthy(&app).await;
}
both!(articles_are_suggested_and_deflections_recorded);

async fn suggestions_are_rate_limited_per_address(app: TestApp) {
    app.seed_tenant("initech");
    // The bucket refills while the loop runs, so count how many pass before the first 429.
    let per_minute = meridian::chat::suggestions::PER_MINUTE as usize;
    let mut passed = 0;
    let mut refused = None;
    for _ in 0..per_minute * 4 {
        let r = reqwest::get(app.url("/widget/initech/suggestions?q=hi")).await.unwrap();
        if r.status() == 429 {
            refused = Some(r);
            break;
        }
        assert_eq!(r.status(), 200);
        passed += 1;
    }
    let refused = refused.expect("a 429 once the bucket is empty");
    assert!(refused.headers().contains_key("retry-after"));
    assert!(passed >= per_minute, "the whole burst passes first: {passed}");
    super::healthy(&app).await;
}
both!(suggestions_are_rate_limited_per_address);
