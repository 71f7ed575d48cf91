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
