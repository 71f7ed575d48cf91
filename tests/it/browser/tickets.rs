//! Two agents on one ticket in real browsers: inbox to ticket page, presence, a reply that reaches
//! the other agent live without a reload, and the composer's keyboard shortcut.

use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure, Context, Result};
use meridian::accounts::Role;
use meridian::tickets::commands::{NewTicket, Requester};
use meridian::tickets::{Channel, Priority};
use serde_json::Value;

use super::{launch, Browser, Until};
use crate::harness::{Backend, TestApp};

/// Longest any single wait may take, so a broken page fails the test instead of hanging it.
const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);

const SUBJECT: &str = "Printer on fire";
const REQUESTER_MESSAGE: &str = "The office printer is smoking and there are flames coming out of the tray.";
const REPLY: &str = "Please unplug it and step away; a technician is on the way.";

/// Sign in through the real form and wait for the inbox.
pub(super) async fn sign_in(b: &Browser, app: &TestApp, workspace: &str, email: &str, password: &str) -> Result<()> {
    b.goto(&app.url("/login")).await?;
    b.fill("input[name=workspace]", workspace).await?;
    b.fill("input[name=email]", email).await?;
    b.fill("input[name=password]", password).await?;
    let submit = b.find("form[action='/login'] button[type=submit]").await?;
    b.click(&submit).await?;
    b.wait_for(Until::Css("[data-live=inbox]"), WAIT).await.with_context(|| format!("{email} signing in"))?;
    let url = b.current_url().await?;
    ensure!(url.ends_with("/inbox"), "{email} landed on {url} instead of the inbox");
    Ok(())
}

/// Poll a script returning `[done, detail]` until `done` is true; fail with the last detail after `timeout`.
pub(super) async fn wait_js(b: &Browser, what: &str, script: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match b.execute(script).await {
            Ok(v) if v[0] == Value::Bool(true) => return Ok(()),
            Ok(v) => v[1].to_string(),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() >= deadline {
            let url = b.current_url().await.unwrap_or_else(|e| format!("<unknown: {e}>"));
            return Err(anyhow!("waited {timeout:?} for {what} on {url}; last saw {last}"));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Poll until the browser's URL ends with `suffix`.
async fn wait_url(b: &Browser, suffix: &str) -> Result<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = b.current_url().await?;
        if url.ends_with(suffix) {
            return Ok(url);
        }
        ensure!(Instant::now() < deadline, "waited {WAIT:?} for a URL ending in {suffix}; still on {url}");
        tokio::time::sleep(POLL).await;
    }
}

/// With `MERIDIAN_TEST_SCREENSHOTS` set, keep a laptop-size picture of what the agent sees.
async fn keep_screenshot(b: &Browser, name: &str) -> Result<()> {
    if let Some(dir) = std::env::var_os("MERIDIAN_TEST_SCREENSHOTS") {
        std::fs::create_dir_all(&dir)?;
        b.screenshot_png(&std::path::Path::new(&dir).join(name)).await?;
    }
    Ok(())
}

/// The text of `#timeline` contains `needle` (a script for `wait_js`).
fn timeline_has(needle: &str) -> String {
    format!(
        "const t = document.getElementById('timeline'); const s = t ? t.textContent : '<no #timeline>'; \
         return [s.includes({}), s.slice(-300)];",
        Value::from(needle)
    )
}

#[actix_web::test]
async fn two_agents_work_one_ticket_live() -> Result<()> {
    let Some(a) = launch().await else { return Ok(()) };
    let b = launch().await.context("second browser")?;
    let started = Instant::now();
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");

    // 1. A tenant with its owner, a second agent, and one ticket from a customer.
    let (tenant, owner_email, owner_password) = app.seed_tenant("acme");
    let (_, bruno_email, bruno_password) = app.add_agent(&tenant, "Bruno", Role::Agent);
    let new = NewTicket {
        subject: SUBJECT.into(),
        body_text: REQUESTER_MESSAGE.into(),
        body_html: None,
        requester: Requester::Email { email: "maria@example.com".into(), name: Some("Maria Silva".into()) },
        priority: Priority::Urgent,
        tags: vec![],
        language: Some("en".into()),
        channel: Channel::Email,
        assignee_id: None,
        team_id: None,
    };
    let ticket = app.open_ticket(&tenant, new);
    ensure!(ticket.number == 1, "the first ticket is numbered {}", ticket.number);
    let ticket_path = format!("/tickets/{}", ticket.number);

    // 2. Each agent signs in through the form in their own browser.
    sign_in(&a, &app, "acme", &owner_email, &owner_password).await?;
    sign_in(&b, &app, "acme", &bruno_email, &bruno_password).await?;

    // 3. A finds the ticket in "All open" and opens it by its subject.
    a.goto(&app.url("/inbox?view=all_open")).await?;
    keep_screenshot(&a, "inbox.png").await?;
    let row = format!("#inbox-rows tr[data-ticket='{}']", ticket.id);
    a.wait_for(Until::Css(&row), WAIT).await.context("the ticket's row in All open")?;
    let link_css = format!("{row} a[href='{ticket_path}']");
    let link_text = a.text(&link_css).await?;
    ensure!(link_text == SUBJECT, "the row's ticket link reads {link_text:?}");
    let subject_link = a.find(&link_css).await?;
    a.click(&subject_link).await?;
    wait_url(&a, &ticket_path).await.context("clicking the subject")?;
    a.wait_for(Until::Css(&format!("[data-live=ticket][data-ticket='{}']", ticket.id)), WAIT).await?;
    let heading = a.text("h1").await?;
    ensure!(heading.contains(SUBJECT), "ticket page heading is {heading:?}");
    let timeline = a.text("#timeline").await?;
    ensure!(timeline.contains(REQUESTER_MESSAGE), "A's timeline lacks the requester's message: {timeline:?}");
    ensure!(timeline.contains("Maria Silva"), "A's timeline does not name the requester: {timeline:?}");

    // 4. B opens the same ticket; A sees B among the viewers.
    b.goto(&app.url(&ticket_path)).await?;
    b.wait_for(Until::Css(&format!("[data-live=ticket][data-ticket='{}']", ticket.id)), WAIT).await?;
    b.wait_for(Until::Text(REQUESTER_MESSAGE), WAIT).await?;
    let viewers = "const v = document.getElementById('viewers'); \
                   return [v.textContent.includes('Bruno') && !v.textContent.includes('acme Owner'), v.textContent];";
    wait_js(&a, "Bruno in A's #viewers", viewers, WAIT).await?;
    let viewers = "const v = document.getElementById('viewers'); \
                   return [v.textContent.includes('acme Owner') && !v.textContent.includes('Bruno'), v.textContent];";
    wait_js(&b, "acme Owner in B's #viewers", viewers, WAIT).await?;

    // B's page must update in place from here on: anything that reloads it loses this marker.
    b.execute("window.__noReload = 1; return null").await?;
    let b_url = b.current_url().await?;

    // 5. A answers with a public reply.
    a.execute("window.__beforeSubmit = 1; return null").await?;
    let reply_checked = a.execute("return document.querySelector('input[name=kind][value=reply]').checked").await?;
    ensure!(reply_checked == true, "the composer does not default to Public reply");
    let composer = a.find("#body").await?;
    a.click(&composer).await?;
    a.send_keys(&composer, REPLY).await?;
    let typed = a.execute("return document.getElementById('body').value").await?;
    ensure!(typed == REPLY, "the composer holds {typed} after typing");
    let send = a.find("#composer button[type=submit]").await?;
    a.click(&send).await?;
    let reloaded = "return [window.__beforeSubmit === undefined && !!document.getElementById('timeline'), \
                    document.readyState];";
    wait_js(&a, "the page after sending", reloaded, WAIT).await?;
    let after = a.current_url().await?;
    ensure!(after.contains(&format!("{ticket_path}?sent=reply#m-")), "after sending the reply A is on {after}");
    wait_js(&a, "the reply in A's #timeline", &timeline_has(REPLY), WAIT).await?;
    let is_note = a.execute("return [...document.querySelectorAll('#timeline li.msg-note')].length").await?;
    ensure!(is_note == 0, "a public reply shows up as an internal note ({is_note} notes)");

    // 6. B sees the reply appear without reloading.
    let live = Instant::now();
    wait_js(&b, "A's reply in B's #timeline without a reload", &timeline_has(REPLY), WAIT).await?;
    // The agent's reply opened the ticket; B's status line follows without a reload too.
    let status = b.text("#ticket-status").await?;
    ensure!(status.contains("Open") && !status.contains("New"), "B's status line still says {status:?}");
    let viewers = b.text("#viewers").await?;
    ensure!(viewers.starts_with("Also viewing:"), "presence reads {viewers:?}");
    keep_screenshot(&b, "ticket.png").await?;
    let live = live.elapsed();
    let marker = b.execute("return window.__noReload === 1").await?;
    ensure!(marker == true, "B's page was reloaded instead of updated in place");
    let now = b.current_url().await?;
    ensure!(now == b_url, "B's page moved from {b_url} to {now}");

    // 7. In B, "?" shows the shortcuts, then "n" starts an internal note: the composer gets focus
    // with "Internal note" selected.
    let focus = b.execute("return [document.activeElement === document.body, document.activeElement.tagName]").await?;
    ensure!(focus[0] == true, "something other than the page has focus before the shortcut: {focus}");
    b.press_key("?").await?;
    let open = "const d = document.getElementById('shortcuts-help'); return [d.open, d.textContent.slice(0, 200)];";
    wait_js(&b, "? on the ticket page shows the shortcuts", open, Duration::from_secs(5)).await?;
    let help = b.text("#shortcuts-help").await?;
    ensure!(
        help.contains("Write a public reply") && help.contains("Show this help"),
        "the help names the shortcuts: {help}"
    );
    b.press_key("\u{E00C}").await?;
    let closed = "return [!document.getElementById('shortcuts-help').open, document.activeElement.tagName];";
    wait_js(&b, "Escape closes the help", closed, Duration::from_secs(5)).await?;
    b.press_key("n").await?;
    let focused = "return [document.activeElement.id === 'body' && \
                   document.querySelector('input[name=kind][value=note]').checked, \
                   {active: document.activeElement.id || document.activeElement.tagName, \
                    note: document.querySelector('input[name=kind][value=note]').checked}];";
    wait_js(&b, "the composer focused for a note after pressing n", focused, Duration::from_secs(5)).await?;
    let typed = b.execute("return document.getElementById('body').value").await?;
    ensure!(typed == "", "the shortcut key leaked into the composer: {typed}");
    let reply_checked = b.execute("return document.querySelector('input[name=kind][value=reply]').checked").await?;
    ensure!(reply_checked == false, "both reply and note are selected");
    let marker = b.execute("return window.__noReload === 1").await?;
    ensure!(marker == true, "the shortcut reloaded B's page");

    eprintln!("two agents on one ticket: reply reached B in {live:?}; test took {:?}", started.elapsed());
    Ok(())
}
