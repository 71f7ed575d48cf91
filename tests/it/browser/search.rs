//! The header search box in a real browser, on both databases: typing shows suggestions from
//! message bodies (a combobox with a listbox), arrow down selects, Enter opens the ticket,
//! Escape closes the list.

use std::time::Duration;

use anyhow::{ensure, Result};
use meridian::tickets::commands::{self, NewMessage};
use meridian::tickets::{Actor, Channel, MessageKind};

use super::tickets::{sign_in, wait_js};
use super::{launch, Until};
use crate::console_safety::ticket_from;
use crate::harness::{Backend, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn header_search(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, email, pw) = app.seed_tenant("acme");
    // The word is only in a reply's body, never in a subject.
    let first = ticket_from(&app, &t, "Printer jams", "ana@example.com", "Ana");
    let second = ticket_from(&app, &t, "Scanner offline", "bo@example.com", "Bo");
    let tid = t.tenant_id();
    for (tk, text) in [(&first, "The fuser of the quokkaprint unit is worn."), (&second, "Our quokkaprint scanner.")] {
        let msg = NewMessage {
            kind: MessageKind::Reply,
            channel: Channel::Web,
            body_text: text.into(),
            body_html: None,
            attachments: vec![],
        };
        let (tid, id, actor) = (tid.clone(), tk.id.clone(), Actor::Contact(tk.requester_id.clone()));
        app.state.db.write_blocking(move |c| commands::add_message(c, &tid, &actor, &id, &msg))?;
    }
    sign_in(&b, &app, "acme", &email, &pw).await?;

    let input = b.find("#global-search").await?;
    b.click(&input).await?;
    b.type_focused("quokkaprint").await?;
    let shown = "const l = document.getElementById('global-search-list'); \
        const o = [...l.querySelectorAll('[role=option]')]; \
        return [!l.hidden && o.length === 3 && document.getElementById('global-search').getAttribute('aria-expanded') === 'true', o.map(x => x.textContent)];";
    wait_js(&b, "three suggestions (two tickets, all results)", shown, WAIT).await?;
    let texts = b.text("#global-search-list").await?;
    ensure!(texts.contains("quokkaprint"), "the snippet quotes the body: {texts}");

    // Escape closes; arrow down opens again and selects the first option.
    b.press_key("\u{E00C}").await?;
    wait_js(&b, "closed", "return [document.getElementById('global-search-list').hidden, '']", WAIT).await?;
    b.press_key("\u{E015}").await?;
    let selected =
        "const i = document.getElementById('global-search'); const a = i.getAttribute('aria-activedescendant'); \
        const o = a && document.getElementById(a); return [!!o && o.getAttribute('aria-selected') === 'true', a];";
    wait_js(&b, "the first option selected", selected, WAIT).await?;
    let href: String =
        b.execute("const i = document.getElementById('global-search'); return [document.getElementById(i.getAttribute('aria-activedescendant')).dataset.href, '']").await?[0]
            .as_str()
            .unwrap_or_default()
            .to_string();
    ensure!(href.starts_with("/tickets/"), "the first option is a ticket: {href}");
    b.press_key("\u{E007}").await?;
    b.wait_for(Until::Css("[data-live=ticket]"), WAIT).await?;
    let url = b.current_url().await?;
    ensure!(url.ends_with(&href), "Enter opened {url}, not {href}");
    let log = b.browser_log().await?.unwrap_or_default();
    let errors: Vec<_> = log.iter().filter(|e| e.level == "SEVERE").map(|e| e.message.clone()).collect();
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    Ok(())
}

#[actix_web::test]
async fn header_search_sqlite() -> Result<()> {
    header_search(Backend::Sqlite).await
}

#[actix_web::test]
async fn header_search_postgres() -> Result<()> {
    header_search(Backend::Postgres).await
}
