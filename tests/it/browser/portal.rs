//! The help center's customer portal in headless Chromium: from the header's *My requests* to
//! the sign-in form, the link read from the mail the server sent, the ticket, and its rating.
//! Each portal page passes axe-core (serious and critical rules).

use anyhow::{bail, ensure, Context, Result};
use reqwest::Method;
use serde_json::json;

use super::console::WAIT;
use super::console_pages::{axe_source, AXE_JS, OVERFLOW_JS};
use super::{launch, Browser, Until};
use crate::harness::Backend;
use crate::kb::portal::{link_in_mail, start, ticket_of};
use crate::kb::{call, tenant_with_token};

/// The serious and critical axe-core violations of the current page, named by `at`.
async fn axe(b: &Browser, axe: &Option<String>, at: &str, problems: &mut Vec<String>) -> Result<()> {
    let Some(src) = axe else { return Ok(()) };
    b.execute(src).await.context("injecting axe-core")?;
    let found = b.execute_async(AXE_JS, vec![]).await?;
    for v in found.as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
        problems.push(format!("{at}: axe: {v}"));
    }
    Ok(())
}

#[actix_web::test]
async fn customer_signs_in_by_mailed_link_and_rates_a_solved_ticket() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let (app, sink) = start(Backend::Sqlite).await.expect("sqlite app");
    let (acme, tok) = tenant_with_token(&app, "acme", "en");
    let t = ticket_of(&app, &acme, "ana@example.com", "My parcel is late");
    let (_, agents) = call(&app, &tok, Method::GET, "/api/v1/agents", None).await;
    let agent = agents["data"][0]["id"].clone();
    let reply = json!({"body": "It arrives tomorrow.", "author_agent_id": agent});
    call(&app, &tok, Method::POST, &format!("/api/v1/tickets/{}/messages", t.id), Some(reply)).await;
    call(&app, &tok, Method::PATCH, &format!("/api/v1/tickets/{}", t.id), Some(json!({"status": "solved"}))).await;
    let axe_src = axe_source();
    let mut problems = Vec::new();

    // From the help center's header to the sign-in form.
    b.goto(&app.url("/h/acme/en")).await?;
    let mine = b.find("header a.portal-link").await?;
    b.click(&mine).await?;
    b.wait_for(Until::Css("#portal-sign-in"), WAIT).await?;
    axe(&b, &axe_src, "sign-in", &mut problems).await?;
    b.fill("#portal-sign-in input[name=email]", "ana@example.com").await?;
    let send = b.find("#portal-sign-in button[type=submit]").await?;
    b.click(&send).await?;
    b.wait_for(Until::Css("[data-testid=portal-sent]"), WAIT).await?;
    axe(&b, &axe_src, "sent", &mut problems).await?;

    // The link from the mail shows a button; pressing it signs in and lists the tickets.
    let link = link_in_mail(&sink, 1, "ana@example.com").await;
    b.goto(&app.url(&link[link.find("/h/").unwrap()..])).await?;
    b.wait_for(Until::Css("#portal-verify"), WAIT).await?;
    axe(&b, &axe_src, "verify", &mut problems).await?;
    let go = b.find("#portal-verify button[type=submit]").await?;
    b.click(&go).await?;
    b.wait_for(Until::Css("table.portal-tickets"), WAIT).await?;
    axe(&b, &axe_src, "list", &mut problems).await?;
    ensure!(b.text("table.portal-tickets").await?.contains("My parcel is late"), "the ticket is listed");

    // The ticket, with the agent's reply; rate it good with a comment.
    let open = b.find("table.portal-tickets a").await?;
    b.click(&open).await?;
    b.wait_for(Until::Css("#rating"), WAIT).await?;
    ensure!(b.text("main").await?.contains("It arrives tomorrow."), "the agent's reply");
    axe(&b, &axe_src, "ticket", &mut problems).await?;
    let good = b.find("#rating input[value=good]").await?;
    b.click(&good).await?;
    b.fill("#rating textarea[name=comment]", "Thank you!").await?;
    let rate = b.find("#rating button[type=submit]").await?;
    b.click(&rate).await?;
    b.wait_for(Until::Css("[data-testid=portal-rated]"), WAIT).await?;
    axe(&b, &axe_src, "rated", &mut problems).await?;
    // Right to left, the portal fits its page like the rest of the help center.
    b.goto(&app.url("/h/acme/he/portal")).await?;
    b.wait_for(Until::Css("table.portal-tickets"), WAIT).await?;
    ensure!(b.execute("return getComputedStyle(document.body).direction").await? == json!("rtl"), "rtl layout");
    if let Some(o) = b.execute(OVERFLOW_JS).await?.as_str() {
        problems.push(format!("he list: {o}"));
    }
    let ticket = app.api_json(&tok, &format!("/api/v1/tickets/{}", t.id)).await;
    ensure!(ticket["csat_score"] == json!(5) && ticket["csat_comment"] == json!("Thank you!"), "{ticket}");
    if !problems.is_empty() {
        bail!("{} problems:\n{}", problems.len(), problems.join("\n"));
    }
    Ok(())
}
