//! The help center in headless Chromium: search from the header, switch language, a
//! right-to-left page, and the request form suggesting articles while the customer types.

use anyhow::{ensure, Result};
use serde_json::json;

use super::console::WAIT;
use super::{launch, Until};
use crate::harness::{Backend, TestApp};
use crate::kb::{article, call, settle, tenant_with_token, tr};

#[actix_web::test]
async fn reader_searches_switches_language_and_gets_suggestions() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (_t, tok) = tenant_with_token(&app, "acme", "en");
    let id = article(
        &app,
        &tok,
        "public",
        vec![
            tr("en", "Reset your password", "Open settings and pick a new password.", "published"),
            tr("pt-BR", "Redefinir a senha", "Abra as configurações e escolha uma nova senha.", "published"),
        ],
    )
    .await;
    let rtl = article(&app, &tok, "public", vec![tr("he", "איפוס סיסמה", "פתחו את ההגדרות", "published")]).await;
    settle(&app).await;

    // Search from the header of the home page.
    b.goto(&app.url("/h/acme/en")).await?;
    b.fill("#help-q", "pasword").await?;
    let go = b.find("form[role=search] button[type=submit]").await?;
    b.click(&go).await?;
    b.wait_for(Until::Css(".search-results mark"), WAIT).await?;
    ensure!(b.text(".search-results").await?.contains("Reset your password"), "the typo still finds it");

    // Open it, then switch to Portuguese with the switcher.
    let link = b.find(".search-results a").await?;
    b.click(&link).await?;
    b.wait_for(Until::Css("[data-testid=locale-switcher]"), WAIT).await?;
    let pt = b.find("[data-testid=locale-switcher] a[hreflang='pt-BR']").await?;
    b.click(&pt).await?;
    b.wait_for(Until::Text("Redefinir a senha"), WAIT).await?;
    ensure!(b.current_url().await?.ends_with(&format!("/h/acme/pt-BR/articles/{id}")), "{}", b.current_url().await?);
    ensure!(b.execute("return document.documentElement.lang").await? == json!("pt-BR"), "lang follows the page");

    // Hebrew reads right to left.
    b.goto(&app.url(&format!("/h/acme/he/articles/{rtl}"))).await?;
    b.wait_for(Until::Css("article h1"), WAIT).await?;
    ensure!(b.execute("return getComputedStyle(document.body).direction").await? == json!("rtl"), "rtl layout");

    // The request form suggests the article while the customer types, then opens a ticket.
    b.goto(&app.url("/h/acme/en/requests/new")).await?;
    b.fill("input[name=name]", "Ana").await?;
    b.fill("input[name=email]", "ana@example.com").await?;
    b.fill("input[name=subject]", "I forgot my password").await?;
    b.wait_for(Until::Css("#suggestions:not([hidden]) a"), WAIT).await?;
    let suggested = b.find("#suggestions a").await?;
    let href = b.attribute(&suggested, "href").await?.unwrap_or_default();
    ensure!(href == format!("/h/acme/en/articles/{id}"), "suggested {href:?}");
    b.fill("textarea[name=body]", "It says the link expired.").await?;
    let send = b.find("#request-form button[type=submit]").await?;
    b.click(&send).await?;
    b.wait_for(Until::Text("#1"), WAIT).await?;
    let (_, tickets) = call(&app, &tok, reqwest::Method::GET, "/api/v1/tickets?view=all_open", None).await;
    ensure!(tickets["data"][0]["subject"] == json!("I forgot my password"), "{tickets}");
    ensure!(tickets["data"][0]["channel"] == json!("web"), "{tickets}");
    Ok(())
}

async fn stats(app: &TestApp, tok: &str, id: &str) -> serde_json::Value {
    call(app, tok, reqwest::Method::GET, &format!("/api/v1/kb/articles/{id}"), None).await.1["stats"].clone()
}

/// Serious or critical axe-core violations on the current page (none when axe-core is missing).
async fn axe_violations(b: &super::Browser) -> Result<Vec<String>> {
    let Some(axe) = super::console_pages::axe_source() else { return Ok(vec![]) };
    b.execute(&axe).await?;
    let v = b.execute_async(super::console_pages::AXE_JS, vec![]).await?;
    Ok(v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect())
}

#[actix_web::test]
async fn reader_votes_follows_a_suggestion_and_rates_the_answer() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (t, tok) = tenant_with_token(&app, "acme", "en");
    let id = article(&app, &tok, "public", vec![tr("en", "Reset your password", "Open settings.", "published")]).await;
    settle(&app).await;

    // "Was this helpful?" answered in place.
    b.goto(&app.url(&format!("/h/acme/en/articles/{id}"))).await?;
    b.wait_for(Until::Css("[data-testid=vote-yes]"), WAIT).await?;
    let problems = axe_violations(&b).await?;
    ensure!(problems.is_empty(), "article page: {problems:?}");
    let yes = b.find("[data-testid=vote-yes]").await?;
    b.click(&yes).await?;
    b.wait_for(Until::Css("[data-testid=vote-thanks]:not([hidden])"), WAIT).await?;
    ensure!(b.current_url().await?.ends_with(&format!("/articles/{id}")), "voted without leaving the page");
    ensure!(stats(&app, &tok, &id).await["helpful_yes"] == json!(1), "{}", stats(&app, &tok, &id).await);

    // A suggestion clicked on the request form counts as a click, abandoned until the
    // customer comes back and sends the request from the same form session.
    b.goto(&app.url("/h/acme/en/requests/new")).await?;
    b.fill("input[name=subject]", "I forgot my password").await?;
    b.wait_for(Until::Css("#suggestions:not([hidden]) a"), WAIT).await?;
    let suggested = b.find("#suggestions a").await?;
    b.click(&suggested).await?;
    b.wait_for(Until::Css("[data-testid=vote-form]"), WAIT).await?;
    let mut s = json!(null);
    for _ in 0..100 {
        meridian::kb::feedback::flush(&app.state.db, &app.state.kb_tally).await;
        s = stats(&app, &tok, &id).await;
        if s["suggestion_clicks"] == json!(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    ensure!(s["suggestion_clicks"] == json!(1) && s["abandoned_after_click"] == json!(1), "{s}");
    ensure!(s["suggestions_shown"] == json!(1), "{s}");
    b.goto(&app.url("/h/acme/en/requests/new")).await?;
    b.fill("input[name=name]", "Ana").await?;
    b.fill("input[name=email]", "ana@example.com").await?;
    b.fill("input[name=subject]", "Still locked out").await?;
    b.fill("textarea[name=body]", "The reset mail never came.").await?;
    let send = b.find("#request-form button[type=submit]").await?;
    b.click(&send).await?;
    b.wait_for(Until::Text("#1"), WAIT).await?;
    meridian::kb::feedback::flush(&app.state.db, &app.state.kb_tally).await;
    let s = stats(&app, &tok, &id).await;
    ensure!(s["suggestion_clicks"] == json!(1) && s["abandoned_after_click"] == json!(0), "{s}");

    // The ticket is solved; its rating page passes axe and rates it.
    let (_, tickets) = call(&app, &tok, reqwest::Method::GET, "/api/v1/tickets?view=all_open", None).await;
    let ticket = tickets["data"][0]["id"].as_str().unwrap_or_default().to_string();
    let (st, _) = call(
        &app,
        &tok,
        reqwest::Method::PATCH,
        &format!("/api/v1/tickets/{ticket}"),
        Some(json!({"status": "solved"})),
    )
    .await;
    ensure!(st == 200, "solved: {st}");
    let link = meridian::tickets::csat_link::Link {
        tenant_id: t.id.clone(),
        ticket_id: ticket.clone(),
        expires: chrono::Utc::now().timestamp() + 3600,
    };
    let token = meridian::tickets::csat_link::sign(&app.state.session_keys, &link);
    b.goto(&app.url(&format!("/h/acme/en/satisfaction/{token}?rating=bad"))).await?;
    b.wait_for(Until::Css("[data-testid=csat-form]"), WAIT).await?;
    let problems = axe_violations(&b).await?;
    ensure!(problems.is_empty(), "satisfaction page: {problems:?}");
    b.fill("textarea[name=comment]", "Took too long").await?;
    let send = b.find("[data-testid=csat-form] button[type=submit]").await?;
    b.click(&send).await?;
    b.wait_for(Until::Css("[data-testid=csat-thanks]"), WAIT).await?;
    let (_, rated) = call(&app, &tok, reqwest::Method::GET, &format!("/api/v1/tickets/{ticket}"), None).await;
    ensure!(rated["csat_score"] == json!(1) && rated["csat_comment"] == json!("Took too long"), "{rated}");
    Ok(())
}
