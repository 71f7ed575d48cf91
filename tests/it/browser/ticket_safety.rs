//! The ticket page's safety nets in a real browser, on both databases: `?` opens the shortcut help,
//! `s` solves only after a few seconds that the agent can undo, a reply lands on the new message
//! with a confirmation, and a merge first shows both tickets and warns when their requesters differ.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use meridian::tickets::commands;

use super::tickets::{sign_in, wait_js};
use super::{launch, Until};
use crate::console_safety::ticket_from;
use crate::harness::{Backend, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn ticket_safety_nets(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, email, pw) = app.seed_tenant("acme");
    let maria = ticket_from(&app, &t, "Parcel lost", "maria@example.com", "Maria Silva");
    let joe = ticket_from(&app, &t, "Parcel damaged", "joe@example.net", "Joe Bloggs");
    // A long conversation, so landing at the top of the page would hide a new reply.
    for i in 0..12 {
        let msg = commands::NewMessage {
            kind: meridian::tickets::MessageKind::Reply,
            channel: meridian::tickets::Channel::Email,
            body_text: format!("Follow-up {i}:\n{}", "Still waiting for news about the parcel.\n".repeat(6)),
            body_html: None,
            attachments: vec![],
        };
        let actor = meridian::tickets::Actor::Contact(maria.requester_id.clone());
        app.state.db.write_blocking(|c| commands::add_message(c, &t.tenant_id(), &actor, &maria.id, &msg))?;
    }
    let status_of = |id: &meridian::types::TicketId| -> Result<String> {
        let id = id.clone();
        Ok(app.state.db.write_blocking(|c| commands::get(c, &t.tenant_id(), &id))?.status.as_str().to_string())
    };
    sign_in(&b, &app, "acme", &email, &pw).await?;
    // The inbox keeps its one-line help; the ticket page's is a dialog (below).
    let help = b.press_key_for_alert("?").await.context("? in the inbox")?;
    ensure!(help.contains("j / k"), "the inbox help reads {help:?}");
    b.goto(&app.url(&format!("/tickets/{}", maria.number))).await?;
    b.wait_for(Until::Css("[data-live=ticket]"), WAIT).await?;
    b.execute("window.__noReload = 1; return null").await?;

    // 1. "?" opens the shortcut help as a dialog; Escape closes it.
    b.press_key("?").await?;
    let open = "const d = document.getElementById('shortcuts-help'); return [d.open, d.textContent.slice(0, 200)];";
    wait_js(&b, "the shortcut help open", open, WAIT).await?;
    let help = b.text("#shortcuts-help").await?;
    ensure!(help.contains("Keyboard shortcuts") && help.contains("Write a public reply"), "help reads {help:?}");
    b.press_key("\u{E00C}").await?;
    wait_js(&b, "the help closed", "return [!document.getElementById('shortcuts-help').open, '']", WAIT).await?;

    // 2. "s" offers an undo; taking it leaves the ticket unsolved, even after the delay.
    b.press_key("s").await?;
    wait_js(&b, "the undo notice", "return [!document.getElementById('solve-undo').hidden, '']", WAIT).await?;
    let notice = b.text("#solve-undo").await?;
    ensure!(notice.contains("Solving this ticket") && notice.contains("Undo"), "notice reads {notice:?}");
    let delay = b.execute("return Number(document.getElementById('solve-undo').dataset.delayMs)").await?;
    let delay = delay.as_u64().context("the undo delay")?;
    let undo = b.find("#solve-undo [data-undo]").await?;
    b.click(&undo).await?;
    wait_js(&b, "the notice gone", "return [document.getElementById('solve-undo').hidden, '']", WAIT).await?;
    tokio::time::sleep(Duration::from_millis(delay + 1000)).await;
    ensure!(status_of(&maria.id)? == "new", "the undone solve went through");
    ensure!(b.execute("return window.__noReload === 1").await? == true, "the undo reloaded the page");

    // 3. A reply lands on the new message, in view, with a confirmation.
    let body = b.find("#body").await?;
    b.click(&body).await?;
    b.send_keys(&body, "A new parcel is on its way.").await?;
    let send = b.find("#composer button[type=submit]").await?;
    b.click(&send).await?;
    b.wait_for(Until::Css("[data-testid=sent-notice]"), WAIT).await.context("the sent confirmation")?;
    let url = b.current_url().await?;
    ensure!(url.contains("sent=reply#m-"), "after sending the page is {url}");
    ensure!(b.text("#sent-notice").await? == "Your reply was sent.", "the confirmation");
    let in_view = "const m = document.getElementById(location.hash.slice(1)); \
                   if (!m) return [false, 'no message ' + location.hash]; const r = m.getBoundingClientRect(); \
                   return [r.top >= -1 && r.top < innerHeight && m.textContent.includes('A new parcel'), \
                   {top: r.top, height: innerHeight, scrolled: scrollY}];";
    wait_js(&b, "the new message in view", in_view, WAIT).await?;
    let scrolled = b.execute("return scrollY").await?;
    ensure!(scrolled.as_f64().unwrap_or(0.0) > 0.0, "the page stayed at the top");

    // 4. Merging shows both tickets and warns that the requesters differ before anything happens.
    b.fill("#merge input[name=target]", &joe.number.to_string()).await?;
    let review = b.find("#merge button[type=submit]").await?;
    b.click(&review).await?;
    b.wait_for(Until::Css("[data-testid=merge-preview]"), WAIT).await.context("the merge preview")?;
    let preview = b.text("[data-testid=merge-preview]").await?;
    for needle in ["Parcel lost", "Parcel damaged", "Maria Silva", "Joe Bloggs", "joe@example.net"] {
        ensure!(preview.contains(needle), "the preview lacks {needle}: {preview}");
    }
    let warning = b.text("[data-testid=merge-requesters-differ]").await?;
    ensure!(warning.contains("different requesters"), "warning reads {warning:?}");
    ensure!(status_of(&maria.id)? == "open", "the preview merged already (the reply opened the ticket)");
    let confirm = b.find("[data-testid=merge-preview] button.danger").await?;
    b.click(&confirm).await?;
    b.wait_for(Until::Text("was merged into"), WAIT).await.context("after confirming the merge")?;
    ensure!(status_of(&maria.id)? == "closed", "the merge did not happen");

    // 5. On the remaining ticket, "s" without undo solves once the delay is over.
    b.goto(&app.url(&format!("/tickets/{}", joe.number))).await?;
    b.wait_for(Until::Css("[data-live=ticket]"), WAIT).await?;
    b.press_key("s").await?;
    wait_js(&b, "the undo notice", "return [!document.getElementById('solve-undo').hidden, '']", WAIT).await?;
    let solved =
        "const s = document.getElementById('ticket-status'); return [!!s && s.textContent.includes('Solved'), \
                  s ? s.textContent : null];";
    wait_js(&b, "the ticket solved after the delay", solved, WAIT).await?;
    ensure!(status_of(&joe.id)? == "solved", "the solve did not reach the database");
    let log = b.browser_log().await?.unwrap_or_default();
    let errors: Vec<_> = log.iter().filter(|e| e.level == "SEVERE").map(|e| e.message.clone()).collect();
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    Ok(())
}

#[actix_web::test]
async fn ticket_safety_nets_sqlite() -> Result<()> {
    ticket_safety_nets(Backend::Sqlite).await
}

#[actix_web::test]
async fn ticket_safety_nets_postgres() -> Result<()> {
    ticket_safety_nets(Backend::Postgres).await
}
