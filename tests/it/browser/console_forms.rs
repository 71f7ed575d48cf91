//! Refused forms in a real browser: the 422 keeps what was typed with the reason by the field, a
//! lost race (412) shows theirs against yours and saves mine on request, and an unsent reply
//! survives a reload until it is sent.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

use super::console::WAIT;
use super::{launch, Browser, Until};
use crate::harness::{Backend, TestApp};

async fn value(b: &Browser, css: &str) -> Result<String> {
    let v = b.execute_with("return document.querySelector(arguments[0]).value", vec![css.into()]).await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

async fn wait_until(b: &Browser, what: &str, script: &str) -> Result<()> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if b.execute(script).await?.as_bool() == Some(true) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("waited {WAIT:?} for {what} on {}", b.current_url().await?)
}

#[actix_web::test]
async fn refused_forms_drafts_and_races_in_the_browser() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = app.open_ticket(
        &t,
        NewTicket {
            subject: "Invoice copy".into(),
            body_text: "Please send March's invoice again.".into(),
            body_html: None,
            requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria".into()) },
            priority: Priority::Normal,
            tags: vec![],
            language: None,
            channel: Channel::Email,
            assignee_id: None,
            team_id: None,
        },
    );
    super::tickets::sign_in(&b, &app, "acme", &email, &pw).await?;

    for (width, height) in [(1366u32, 900u32), (390, 844)] {
        b.set_window_size(width, height).await?;
        // New ticket with a bad address: the browser's own check is bypassed so the server decides.
        b.goto(&app.url("/tickets/new")).await?;
        b.execute("document.getElementById('new-ticket').noValidate = true").await?;
        b.fill("input[name=email]", "joe-at-example").await?;
        b.fill("input[name=subject]", "Phoned about a refund").await?;
        b.fill("textarea[name=body]", "Wants the refund to his card.").await?;
        b.click(&b.find("#new-ticket button[type=submit]").await?).await?;
        b.wait_for(Until::Css("#email-error"), WAIT).await.context("the error next to the email field")?;
        ensure!(b.text("#email-error").await? == "Enter a valid email address.");
        ensure!(value(&b, "input[name=subject]").await? == "Phoned about a refund", "subject lost at {width}px");
        ensure!(value(&b, "textarea[name=body]").await? == "Wants the refund to his card.", "body lost");
        ensure!(b.find_all("nav#primary-nav a[href='/inbox']").await?.len() == 1, "no navigation on the refused form");
        // The error sits under its field, not somewhere else on the page.
        let field = b.rect(&b.find("input[name=email]").await?).await?;
        let err = b.rect(&b.find("#email-error").await?).await?;
        ensure!(err.y >= field.y + field.height - 1.0 && err.y - (field.y + field.height) < 40.0, "{field:?} {err:?}");
    }
    b.set_window_size(1366, 900).await?;

    // A draft survives a reload and is gone once sent.
    let page = app.url(&format!("/tickets/{}", tk.number));
    b.goto(&page).await?;
    b.wait_for(Until::Css("#composer"), WAIT).await?;
    let body = b.find("#body").await?;
    b.send_keys(&body, "Here is the invoice again — half typed").await?;
    b.goto(&page).await?;
    b.wait_for(Until::Css("#composer"), WAIT).await?;
    wait_until(&b, "the draft back", "return document.getElementById('body').value.includes('half typed')").await?;
    b.click(&b.find("#composer button[type=submit]").await?).await?;
    b.wait_for(Until::Text("half typed"), WAIT).await?;
    wait_until(&b, "the sent draft dropped", "return document.getElementById('body').value === ''").await?;
    b.goto(&page).await?;
    b.wait_for(Until::Css("#composer"), WAIT).await?;
    ensure!(value(&b, "#body").await?.is_empty(), "a sent reply came back as a draft");

    // Someone else saves first: the agent sees theirs vs yours and can save theirs over.
    let (other, csrf) = app.signed_in("acme", &email, &pw).await;
    let version = crate::harness::field_value(&b.page_source().await?, "version").context("version")?;
    let r = other
        .post(app.url(&format!("/tickets/{}/update", tk.number)))
        .form(&[("_csrf", csrf.as_str()), ("version", version.as_str()), ("priority", "high")])
        .send()
        .await?;
    ensure!(r.status() == 303);
    b.execute("document.querySelector('#properties select[name=priority]').value = 'low'").await?;
    b.click(&b.find("#properties button[type=submit]").await?).await?;
    b.wait_for(Until::Css("[data-testid=conflict]"), WAIT).await?;
    let conflict = b.text("[data-testid=conflict]").await?;
    ensure!(conflict.contains("High") && conflict.contains("Low"), "{conflict}");
    ensure!(value(&b, "#properties select[name=priority]").await? == "low", "my value kept");
    b.click(&b.find("#properties button[type=submit]").await?).await?;
    b.wait_for(Until::Css("#properties"), WAIT).await?;
    wait_until(&b, "the conflict gone", "return !document.querySelector('[data-testid=conflict]')").await?;
    ensure!(value(&b, "#properties select[name=priority]").await? == "low", "mine saved over theirs");
    Ok(())
}
