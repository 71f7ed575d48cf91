//! The knowledge base in a real browser, on both databases: typing in the editor's body updates
//! the preview (rendered and sanitised by the server, swapped in by the page's script), hostile
//! Markdown typed there stays inert; on a ticket, a found article's link goes into the composer.

use std::time::Duration;

use anyhow::{ensure, Result};

use super::tickets::{sign_in, wait_js};
use super::{launch, Until};
use crate::harness::{Backend, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn live_preview(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, email, pw) = app.seed_tenant("acme");
    let new = meridian::kb::articles::NewArticle {
        section_id: None,
        visibility: meridian::kb::Visibility::Public,
        translations: vec![meridian::kb::articles::TranslationIn {
            locale: Some("en".into()),
            title: "Reset your password".into(),
            body_markdown: "Open settings.".into(),
            keywords: vec![],
            status: None,
        }],
    };
    let tid = t.tenant_id();
    let a = app
        .state
        .db
        .write_blocking(|c| meridian::kb::articles::create(c, &tid, &meridian::types::Actor::System, &new))?;
    sign_in(&b, &app, "acme", &email, &pw).await?;
    b.goto(&app.url(&format!("/kb/articles/{}", a.id))).await?;
    b.wait_for(Until::Css("textarea[data-preview]"), WAIT).await?;
    ensure!(b.text("#kb-preview").await?.contains("Open settings."), "the stored body is previewed");

    let body = b.find("textarea[name=body_markdown]").await?;
    b.click(&body).await?;
    b.execute("const t = document.querySelector('textarea[name=body_markdown]'); t.selectionStart = t.selectionEnd = t.value.length;").await?;
    b.send_keys(&body, " Then pick **Security**.").await?;
    wait_js(
        &b,
        "the preview to follow the typing",
        "const p = document.getElementById('kb-preview'); return [p.innerHTML.includes('<strong>Security</strong>'), p.innerHTML]",
        WAIT,
    )
    .await?;

    // Hostile Markdown typed into the body: the preview shows what the server's sanitiser kept.
    b.execute("window.__fired = false;").await?;
    b.send_keys(
        &body,
        "\n\n<img src=x onerror=\"window.__fired=true\"> <script>window.__fired=true</script> [x](javascript:window.__fired=true) <svg onload=\"window.__fired=true\"></svg> **done**",
    )
    .await?;
    wait_js(
        &b,
        "the hostile preview",
        "const p = document.getElementById('kb-preview'); return [p.innerHTML.includes('<strong>done</strong>'), p.innerHTML]",
        WAIT,
    )
    .await?;
    let html = b.execute("return document.getElementById('kb-preview').innerHTML").await?;
    let html = html.as_str().unwrap_or_default().to_string();
    for bad in ["<script", "onerror", "onload", "javascript:", "<svg"] {
        ensure!(!html.contains(bad), "{bad} in the preview: {html}");
    }
    for a in b.find_all("#kb-preview a").await? {
        let href = b.attribute(&a, "href").await?.unwrap_or_default();
        ensure!(!href.to_ascii_lowercase().starts_with("javascript"), "a javascript: link: {href}");
    }
    ensure!(b.execute("return window.__fired").await? == serde_json::json!(false), "a handler ran");

    // Saving keeps what was typed.
    let save = b.find("#kb-form button[value=save]").await?;
    b.click(&save).await?;
    b.wait_for(Until::Css("[data-testid=kb-saved]"), WAIT).await?;
    ensure!(b.text("#kb-preview").await?.contains("Security"), "the saved body is previewed");
    Ok(())
}

async fn insert_link(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, tok) = crate::kb::tenant_with_token(&app, "acme", "en");
    let id = crate::kb::article(
        &app,
        &tok,
        "public",
        vec![crate::kb::tr("en", "Export your invoices", "Billing, then Export.", "published")],
    )
    .await;
    crate::kb::settle(&app).await;
    let tk = crate::console_safety::ticket_from(&app, &t, "Where is my receipt?", "maria@example.com", "Maria");
    sign_in(&b, &app, "acme", "owner@acme.example", "pw-acme-correct-horse").await?;
    b.goto(&app.url(&format!("/tickets/{}", tk.number))).await?;
    b.wait_for(Until::Css("#kb-link-search"), WAIT).await?;
    ensure!(b.find_all("[data-testid=kb-suggested-none]").await?.len() == 1, "nothing matches the subject");
    b.fill("#kb-link-search input[name=q]", "invoices").await?;
    let find = b.find("#kb-link-search button[type=submit]").await?;
    b.click(&find).await?;
    b.wait_for(Until::Css("#kb-link-results [data-insert-link]"), WAIT).await?;
    ensure!(b.current_url().await?.ends_with(&format!("/tickets/{}", tk.number)), "the page stays");
    b.fill("#body", "Hello Maria, see").await?;
    let insert = b.find("#kb-link-results [data-insert-link]").await?;
    b.click(&insert).await?;
    let want = format!("/h/acme/en/articles/{id}");
    wait_js(
        &b,
        "the link in the composer",
        &format!("const v = document.getElementById('body').value; return [v.startsWith('Hello Maria, see Export your invoices: http') && v.endsWith('{want}'), v]"),
        WAIT,
    )
    .await?;
    Ok(())
}

#[actix_web::test]
async fn insert_link_sqlite() -> Result<()> {
    insert_link(Backend::Sqlite).await
}

#[actix_web::test]
async fn insert_link_postgres() -> Result<()> {
    insert_link(Backend::Postgres).await
}

#[actix_web::test]
async fn live_preview_sqlite() -> Result<()> {
    live_preview(Backend::Sqlite).await
}

#[actix_web::test]
async fn live_preview_postgres() -> Result<()> {
    live_preview(Backend::Postgres).await
}
