//! The inbox and ticket page at laptop and phone sizes: one line per ticket with relative times at
//! 1366 px, labelled cards and a menu button at 390 px, long addresses that never push the page.

use anyhow::{ensure, Context, Result};
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};

use super::console::WAIT;
use super::console_pages::LONG_EMAIL;
use super::{launch, Browser, Until};
use crate::harness::{Backend, TestApp};

async fn num(b: &Browser, script: &str) -> Result<f64> {
    b.execute(script).await?.as_f64().with_context(|| format!("no number from {script}"))
}

#[actix_web::test]
async fn inbox_and_ticket_fit_laptop_and_phone() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (t, email, pw) = app.seed_tenant("acme");
    let long_subject = "The invoice for order 12345 was charged twice and the second charge shows a different amount \
                        than the first, which our accountant cannot reconcile with the statement";
    let mut number = 0;
    for i in 0..30 {
        number = app
            .open_ticket(
                &t,
                NewTicket {
                    subject: format!("{long_subject} ({i})"),
                    body_text: "Details inside.".into(),
                    body_html: None,
                    requester: Requester::Email { email: LONG_EMAIL.into(), name: Some("Wang Fang".into()) },
                    priority: Priority::Normal,
                    tags: vec![],
                    language: None,
                    channel: Channel::Email,
                    assignee_id: None,
                    team_id: None,
                },
            )
            .number;
    }
    super::tickets::sign_in(&b, &app, "acme", &email, &pw).await?;

    // Laptop: the inbox uses the width; each ticket is one line; times are relative, exact on hover.
    b.set_window_size(1366, 900).await?;
    b.goto(&app.url("/inbox?view=all_open")).await?;
    b.wait_for(Until::Css("#inbox-rows tr"), WAIT).await?;
    let main = num(&b, "return document.querySelector('main').getBoundingClientRect().width").await?;
    ensure!(main > 1300.0, "main is {main} px wide on a 1366 px screen");
    let row = num(&b, "return document.querySelector('#inbox-rows tr').getBoundingClientRect().height").await?;
    ensure!(row < 48.0, "a row is {row} px high: the subject wraps");
    let visible = num(
        &b,
        "return [...document.querySelectorAll('#inbox-rows tr')].filter((r) => r.getBoundingClientRect().bottom <= innerHeight).length",
    )
    .await?;
    ensure!(visible >= 12.0, "only {visible} rows fit in 900 px");
    let ellipsis = b
        .execute("const a = document.querySelector('#inbox-rows td.subject a'); return [a.scrollWidth > a.clientWidth || a.closest('td').scrollWidth > a.closest('td').clientWidth, a.title]")
        .await?;
    ensure!(ellipsis[0] == true && ellipsis[1].as_str().is_some_and(|t| t.starts_with("The invoice")), "{ellipsis}");
    let when = b.find("#inbox-rows td.when time").await?;
    let shown = b.element_text(&when).await?;
    ensure!(shown == "just now" || shown.ends_with("min ago"), "relative time: {shown}");
    let title = b.attribute(&when, "title").await?.unwrap_or_default();
    ensure!(title.contains("WE") || title.contains(':'), "the exact time in the agent's zone on hover: {title}");
    ensure!(b.find_all("nav.pager a[rel=next]").await?.is_empty(), "30 tickets fit one page");

    // Ticket page: a long address is truncated with a tooltip, never widening the page.
    b.goto(&app.url(&format!("/tickets/{number}"))).await?;
    b.wait_for(Until::Css("[data-testid=requester-email]"), WAIT).await?;
    for (w, h) in [(1366u32, 900u32), (390, 844)] {
        b.set_window_size(w, h).await?;
        let wide = num(&b, "return document.documentElement.scrollWidth").await?;
        ensure!(wide <= w as f64, "ticket page is {wide} px wide at {w}");
        let email_el = b.find("[data-testid=requester-email]").await?;
        ensure!(b.attribute(&email_el, "title").await?.as_deref() == Some(LONG_EMAIL));
        // The composer stays reachable: it is on the page, inside the viewport's width.
        let composer = b.rect(&b.find("#composer").await?).await?;
        ensure!(composer.x >= 0.0 && composer.x + composer.width <= w as f64 + 1.0, "composer {composer:?} at {w}");
    }

    // Phone: the navigation folds behind a menu button; rows are labelled cards.
    b.set_window_size(390, 844).await?;
    b.goto(&app.url("/inbox?view=all_open")).await?;
    b.wait_for(Until::Css("#inbox-rows tr"), WAIT).await?;
    let wide = num(&b, "return document.documentElement.scrollWidth").await?;
    ensure!(wide <= 390.0, "the phone inbox is {wide} px wide");
    let nav_h = num(&b, "return document.getElementById('primary-nav').getBoundingClientRect().height").await?;
    ensure!(nav_h == 0.0, "the navigation is open before the menu button is pressed ({nav_h} px)");
    let toggle = b.find(".menu-toggle").await?;
    ensure!(b.attribute(&toggle, "aria-expanded").await?.as_deref() == Some("false"));
    b.click(&toggle).await?;
    ensure!(b.attribute(&toggle, "aria-expanded").await?.as_deref() == Some("true"));
    let inbox_link = b.find("#primary-nav a[href='/inbox']").await?;
    ensure!(b.rect(&inbox_link).await?.height > 0.0, "the menu opens the navigation");
    b.click(&toggle).await?;
    let card = num(&b, "return document.querySelector('#inbox-rows tr').getBoundingClientRect().height").await?;
    ensure!(card < 844.0 / 5.0, "a card is {card} px: fewer than five per screen");
    let label = b
        .execute("return getComputedStyle(document.querySelector('#inbox-rows td.requester'), '::before').content")
        .await?;
    ensure!(label.as_str().is_some_and(|l| l.contains("Requester")), "cards label their lines: {label}");
    Ok(())
}
