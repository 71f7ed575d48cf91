//! The search suite, the same on each backend: the embedded index always, Meilisearch when
//! `MEILI_URL` (and `MEILI_KEY`) are set. Then the database fallback, and convergence after the
//! index is lost.

use reqwest::Method;
use serde_json::json;

use super::{article, call, public_search, settle, tenant_with_token, tr, urlencode};
use crate::harness::{Backend, TestApp};

/// The behaviour every backend must have.
async fn suite(app: TestApp) {
    let (_a, tok) = tenant_with_token(&app, "alpha", "en");
    let (_b, b_tok) = tenant_with_token(&app, "bravo", "en");
    let reset = article(
        &app,
        &tok,
        "public",
        vec![tr("en", "Reset your password", "Open settings and choose a new password.", "published")],
    )
    .await;
    let refund_zh =
        article(&app, &tok, "public", vec![tr("zh", "如何申请退款", "在订单页面点击申请退款按钮。", "published")])
            .await;
    let ja = article(
        &app,
        &tok,
        "public",
        vec![tr("ja", "パスワードを再設定する方法", "設定画面から新しいパスワードを選びます。", "published")],
    )
    .await;
    let kanji = article(&app, &tok, "public", vec![tr("ja", "返品方法", "返品受付期間内に手続き", "published")]).await;
    let ko = article(
        &app,
        &tok,
        "public",
        vec![tr("ko", "비밀번호 재설정", "설정에서 새 비밀번호를 고르세요", "published")],
    )
    .await;
    let pt = article(
        &app,
        &tok,
        "public",
        vec![
            tr("en", "Shipping times", "Orders ship within two days.", "published"),
            tr("pt", "Prazos de entrega", "Os pedidos são enviados em dois dias.", "published"),
        ],
    )
    .await;
    let de = article(
        &app,
        &tok,
        "public",
        vec![tr("de", "Rechnungen herunterladen", "Alle Rechnungen finden Sie im Kundenkonto.", "published")],
    )
    .await;
    let internal = article(
        &app,
        &tok,
        "internal",
        vec![tr("en", "Escalation runbook", "Page the on-call escalation lead.", "published")],
    )
    .await;
    let draft =
        article(&app, &tok, "public", vec![tr("en", "Unreleased escalation feature", "Coming soon.", "draft")]).await;
    let hostile = article(
        &app,
        &tok,
        "public",
        vec![tr(
            "en",
            "Dangerous markup",
            "Danger <script>alert('x')</script> <b onmouseover=\"alert(1)\">zone</b> [c](javascript:alert(2)) <iframe src=\"https://evil.test\"></iframe> <svg onload=\"alert(3)\"></svg>",
            "published",
        )],
    )
    .await;
    let _other =
        article(&app, &b_tok, "public", vec![tr("en", "Reset your password at bravo", "bravo password", "published")])
            .await;
    settle(&app).await;

    // Tenant isolation: bravo's article never shows for alpha.
    let (ids, _) = public_search(&app, "alpha", "password", "en").await;
    assert_eq!(ids, vec![reset.clone()], "only alpha's");
    let (ids, _) = public_search(&app, "bravo", "password", "en").await;
    assert_eq!(ids.len(), 1);
    assert_ne!(ids[0], reset);

    // Typos and stemming in Latin scripts.
    let (ids, _) = public_search(&app, "alpha", "pasword", "en").await;
    assert_eq!(ids, vec![reset.clone()], "one typo still matches");
    let (ids, _) = public_search(&app, "alpha", "resetting passwords", "en").await;
    assert_eq!(ids.first(), Some(&reset), "stemmed forms match");
    let (ids, _) = public_search(&app, "alpha", "Rechnung", "de").await;
    assert_eq!(ids, vec![de.clone()], "German stemming");
    let (ids, _) = public_search(&app, "alpha", "how do I change my forgotten password", "en").await;
    assert_eq!(ids.first(), Some(&reset), "a long question finds its key word");

    // CJK: words inside unspaced text, each language by its own locale.
    let (ids, _) = public_search(&app, "alpha", "退款", "zh").await;
    assert_eq!(ids, vec![refund_zh.clone()]);
    let (ids, _) = public_search(&app, "alpha", "パスワード", "ja").await;
    assert_eq!(ids, vec![ja.clone()]);
    let (ids, _) = public_search(&app, "alpha", "返品", "ja").await;
    assert_eq!(ids, vec![kanji.clone()], "kanji-only Japanese found in Japanese");
    let (ids, _) = public_search(&app, "alpha", "返品", "zh").await;
    assert!(!ids.contains(&kanji), "…and not for a Chinese reader");
    let (ids, _) = public_search(&app, "alpha", "비밀번호", "ko").await;
    assert_eq!(ids, vec![ko.clone()]);

    // Locale fallback: pt-BR reads pt, and what exists only in the tenant's default.
    let (ids, body) = public_search(&app, "alpha", "pedidos", "pt-BR").await;
    assert_eq!(ids, vec![pt.clone()]);
    assert_eq!(body["data"][0]["locale"], "pt");
    assert_eq!(body["data"][0]["url"], format!("/h/alpha/pt/articles/{pt}"));
    let (ids, body) = public_search(&app, "alpha", "password", "pt-BR").await;
    assert_eq!(ids, vec![reset.clone()], "the default locale backs every reader");
    assert_eq!(body["data"][0]["locale"], "en");
    let (_, body) = public_search(&app, "alpha", "shipping", "en").await;
    assert_eq!(body["data"][0]["title"], "Shipping times");

    // Drafts never; internal articles for agents only.
    let (ids, _) = public_search(&app, "alpha", "escalation", "en").await;
    assert!(ids.is_empty(), "no draft, no internal article in public: {ids:?}");
    let (s, found) = call(&app, &tok, Method::GET, "/api/v1/kb/search?q=escalation&locale=en", None).await;
    assert_eq!(s, 200);
    let agent_ids: Vec<&str> = found["data"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(agent_ids, vec![internal.as_str()], "agents see internal, nobody sees drafts");
    assert_eq!(found["fallback"], false);
    assert!(!agent_ids.contains(&draft.as_str()));

    // Hostile HTML: sanitised on the page, escaped in the snippet.
    let (_, a) = call(&app, &tok, Method::GET, &format!("/api/v1/kb/articles/{hostile}"), None).await;
    let html = a["translations"][0]["body_html"].as_str().unwrap();
    for bad in ["<script", "onmouseover", "javascript:", "<iframe", "<svg", "onload"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    let (ids, body) = public_search(&app, "alpha", "danger", "en").await;
    assert_eq!(ids, vec![hostile.clone()]);
    let snippet = body["data"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>Danger</mark>"), "{snippet}");
    assert!(!snippet.contains("<b") && !snippet.contains("<script") && !snippet.contains("<svg"), "{snippet}");

    // Changes reach the index: unpublished leaves, a deleted article leaves.
    let put = json!({"title": "Reset your password", "body_markdown": "x", "status": "draft"});
    call(&app, &tok, Method::PUT, &format!("/api/v1/kb/articles/{reset}/translations/en"), Some(put)).await;
    call(&app, &tok, Method::DELETE, &format!("/api/v1/kb/articles/{de}"), None).await;
    settle(&app).await;
    assert!(public_search(&app, "alpha", "password", "en").await.0.is_empty());
    assert!(public_search(&app, "alpha", "Rechnung", "de").await.0.is_empty());

    // The results page shows the same, escaped and marked.
    let page = reqwest::get(app.url("/h/alpha/en/search?q=danger")).await.unwrap().text().await.unwrap();
    assert!(page.contains("<mark>Danger</mark>"), "{page}");
    assert!(!page.contains("data-testid=\"search-fallback\""));
}
both!(suite);

fn with_meili(env: &mut std::collections::HashMap<String, String>) -> bool {
    let Ok(url) = std::env::var("MEILI_URL") else { return false };
    env.insert("MEILI_URL".into(), url);
    if let Ok(key) = std::env::var("MEILI_KEY") {
        env.insert("MEILI_KEY".into(), key);
    }
    true
}

async fn with_meilisearch(backend: Backend) {
    if std::env::var("MEILI_URL").is_err() {
        eprintln!("MEILI_URL is not set: the Meilisearch run of the search suite is skipped");
        return;
    }
    let Some(app) = TestApp::start_with(backend, |e| assert!(with_meili(e)), meridian::jobs::Registry::new()).await
    else {
        return;
    };
    assert_eq!(app.state.search.index.name(), "meilisearch");
    // The consistency check counts what the index holds per tenant (each translation's first
    // chunk), which needs that field filterable.
    let (t, tok) = tenant_with_token(&app, "counted", "en");
    article(
        &app,
        &tok,
        "public",
        vec![tr("en", "Counted", "One.", "published"), tr("de", "Gezählt", "Eins.", "draft")],
    )
    .await;
    settle(&app).await;
    assert_eq!(app.state.search.index.count(&t.id).await.expect("count on Meilisearch"), 2);
    meridian::search::indexing::check_consistency(&app.state.db, &app.state.search).await.expect("consistency check");
    suite(app).await;
}

#[actix_web::test]
async fn suite_on_meilisearch_sqlite() {
    with_meilisearch(Backend::Sqlite).await;
}

#[actix_web::test]
async fn suite_on_meilisearch_postgres() {
    with_meilisearch(Backend::Postgres).await;
}

/// With the index unreachable the database answers, says so, and pages still work.
async fn search_falls_back_to_the_database(backend: Backend) {
    // Nothing listens on port 9 of the loopback: every index call fails at once.
    let adjust = |e: &mut std::collections::HashMap<String, String>| {
        e.insert("MEILI_URL".into(), "http://127.0.0.1:9".into());
    };
    let Some(app) = TestApp::start_with(backend, adjust, meridian::jobs::Registry::new()).await else { return };
    let (_t, tok) = tenant_with_token(&app, "alpha", "en");
    let id = article(&app, &tok, "public", vec![tr("en", "Reset your password", "Open settings.", "published")]).await;
    article(&app, &tok, "internal", vec![tr("en", "Password vault runbook", "internal", "published")]).await;
    let (ids, body) = public_search(&app, "alpha", "PASSWORD", "en").await;
    assert_eq!(ids, vec![id.clone()], "{body}");
    assert_eq!(body["fallback"], true);
    let (_, found) = call(&app, &tok, Method::GET, "/api/v1/kb/search?q=password&locale=en", None).await;
    assert_eq!((found["fallback"].clone(), found["data"].as_array().unwrap().len()), (json!(true), 2));
    let page = reqwest::get(app.url(&format!("/h/alpha/en/search?q={}", urlencode("password")))).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"search-fallback\"") && html.contains("Reset your password"), "{html}");
    assert_eq!(reqwest::get(app.url(&format!("/h/alpha/en/articles/{id}"))).await.unwrap().status(), 200);
}

#[actix_web::test]
async fn search_falls_back_to_the_database_sqlite() {
    search_falls_back_to_the_database(Backend::Sqlite).await;
}

#[actix_web::test]
async fn search_falls_back_to_the_database_postgres() {
    search_falls_back_to_the_database(Backend::Postgres).await;
}

/// The embedded index folder is deleted while the server is down; `meridian reindex` rebuilds
/// it, and so does the consistency check when nobody runs the command.
async fn index_converges_after_it_is_lost(mut app: TestApp) {
    let (_t, tok) = tenant_with_token(&app, "alpha", "en");
    let id = article(&app, &tok, "public", vec![tr("en", "Reset your password", "Open settings.", "published")]).await;
    settle(&app).await;
    assert_eq!(public_search(&app, "alpha", "password", "en").await.0, vec![id.clone()]);
    app.stop().await;
    let dir = app.state.config.data_dir.clone();
    std::fs::remove_dir_all(dir.join("search")).unwrap();
    let database = match app.state.db.target() {
        meridian::db::DbTarget::Sqlite(p) => format!("sqlite://{}", p.display()),
        meridian::db::DbTarget::Postgres(u) => u.clone(),
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(["reindex", "--tenant", "alpha"])
        .env("DATABASE_URL", &database)
        .env("MERIDIAN_DATA_DIR", &dir)
        .env("MERIDIAN_LOG", "warn")
        .env_remove("MEILI_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("1/1") && stderr.contains("reindexed 1 articles"), "{stderr}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(["reindex", "--tenant", "nobody"])
        .env("DATABASE_URL", &database)
        .env("MERIDIAN_DATA_DIR", &dir)
        .env_remove("MEILI_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tenant"));
    let mut app = app.restart(meridian::jobs::Registry::new()).await;
    assert_eq!(public_search(&app, "alpha", "password", "en").await.0, vec![id.clone()]);

    // Lost again, and no one runs the command: the consistency check at start rebuilds it.
    app.stop().await;
    std::fs::remove_dir_all(dir.join("search")).unwrap();
    let app = app.restart(meridian::jobs::Registry::new()).await;
    let mut found = vec![];
    for _ in 0..200 {
        found = public_search(&app, "alpha", "password", "en").await.0;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(found, vec![id]);
}
both!(index_converges_after_it_is_lost);
