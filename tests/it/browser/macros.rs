//! The ticket page's macro picker in a real browser, on both databases: `m` opens it, typing
//! filters by name, arrows move, Enter fills the composer with the macro rendered in the ticket's
//! language for this agent, Esc closes; sending applies the macro's actions.

use std::time::Duration;

use anyhow::{ensure, Result};
use meridian::tickets::macros::{self, MacroInput};

use super::tickets::{sign_in, wait_js};
use super::{launch, Until};
use crate::console_safety::ticket_from;
use crate::harness::{Backend, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn macro_picker(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, email, pw) = app.seed_tenant("acme");
    let tk = ticket_from(&app, &t, "Reembolso", "maria@example.com", "Maria Silva");
    let tid = t.tenant_id();
    app.state.db.write_blocking(|c| {
        meridian::tickets::commands::update_ticket(
            c,
            &tid,
            &meridian::tickets::Actor::System,
            &tk.id,
            &meridian::tickets::commands::TicketChanges { language: Some(Some("pt-BR".into())), ..Default::default() },
            None,
        )
    })?;
    for (name, en, pt) in [
        ("Greeting", "Hello {{requester.name}}", "Olá {{requester.name}}"),
        (
            "Refund sent",
            "Hi {{requester.name}}, refund for #{{ticket.number}} sent. {{agent.name}}",
            "Olá {{requester.name}}, o reembolso do #{{ticket.number}} foi enviado. {{agent.name}}",
        ),
        ("Refund refused", "No refund", "Sem reembolso"),
    ] {
        let input = MacroInput {
            name: Some(name.into()),
            bodies: Some([("en".to_string(), en.to_string()), ("pt".to_string(), pt.to_string())].into()),
            status: Some(Some("pending".into())),
            ..Default::default()
        };
        app.state.db.write_blocking(|c| macros::create(c, &tid, &input))?;
    }
    sign_in(&b, &app, "acme", &email, &pw).await?;
    b.goto(&app.url(&format!("/tickets/{}", tk.number))).await?;
    b.wait_for(Until::Css("[data-live=ticket]"), WAIT).await?;

    // The help dialog lists the shortcut.
    b.press_key("?").await?;
    wait_js(&b, "the help", "return [document.getElementById('shortcuts-help').open, '']", WAIT).await?;
    ensure!(b.text("#shortcuts-help").await?.contains("Insert a macro"), "the help names m");
    b.press_key("\u{E00C}").await?;
    wait_js(&b, "the help closed", "return [!document.getElementById('shortcuts-help').open, '']", WAIT).await?;

    // m opens; Esc closes without touching the composer.
    b.press_key("m").await?;
    wait_js(&b, "the picker open", "return [document.getElementById('macro-picker').open, '']", WAIT).await?;
    b.press_key("\u{E00C}").await?;
    wait_js(&b, "the picker closed", "return [!document.getElementById('macro-picker').open, '']", WAIT).await?;

    // m, type to filter, down to the second match, Enter.
    b.press_key("m").await?;
    wait_js(
        &b,
        "the picker open",
        "return [document.activeElement.id === 'macro-search', document.activeElement.id]",
        WAIT,
    )
    .await?;
    b.type_focused("refund").await?;
    let shown = "const v = [...document.querySelectorAll('#macro-options [role=option]')].filter(o => !o.hidden).map(o => o.textContent); return [v.length === 2 && v[0] === 'Refund refused', v];";
    wait_js(&b, "two matches", shown, WAIT).await?;
    b.press_key("\u{E015}").await?;
    b.press_key("\u{E007}").await?;
    let want = format!("Olá Maria Silva, o reembolso do #{} foi enviado. acme Owner", tk.number);
    let filled = format!(
        "const v = document.getElementById('body').value; return [v === {want:?} && !document.getElementById('macro-picker').open, v];"
    );
    wait_js(&b, "the composer filled with the rendered macro", &filled, WAIT).await?;
    ensure!(b.text("#macro-note").await?.contains("Pending"), "the composer says what sending applies");

    // Sending applies the actions.
    let send = b.find("#composer button[type=submit]").await?;
    b.click(&send).await?;
    b.wait_for(Until::Css("#sent-notice"), WAIT).await?;
    let id = tk.id.clone();
    let after = app.state.db.write_blocking(|c| meridian::tickets::commands::get(c, &tid, &id))?;
    ensure!(after.status.as_str() == "pending", "status is {}", after.status.as_str());
    let log = b.browser_log().await?.unwrap_or_default();
    let errors: Vec<_> = log.iter().filter(|e| e.level == "SEVERE").map(|e| e.message.clone()).collect();
    ensure!(errors.is_empty(), "console errors: {errors:?}");
    Ok(())
}

#[actix_web::test]
async fn macro_picker_sqlite() -> Result<()> {
    macro_picker(Backend::Sqlite).await
}

#[actix_web::test]
async fn macro_picker_postgres() -> Result<()> {
    macro_picker(Backend::Postgres).await
}
