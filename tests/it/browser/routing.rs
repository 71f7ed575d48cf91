//! The routing admin page in a real browser: the shift grid, the coverage panel and the
//! simulator's answer.

use anyhow::{ensure, Result};
use serde_json::json;

use super::console::{page_is_clean, sign_in, WAIT};
use super::{launch, Until};
use crate::harness::{Backend, TestApp};
use crate::routing::{agent, team, token};

#[actix_web::test]
async fn admin_simulates_a_portuguese_ticket() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (t, email, password) = app.seed_tenant("acme");
    let tok = token(&app, &t);
    let weekdays = json!([{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "17:00"}]);
    let emea = team(&app, &tok, "EMEA", "Europe/Lisbon", weekdays).await;
    agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &emea, 8).await;
    sign_in(&b, &app, "acme", &email, &password).await?;

    // Admin pages sit in the navigation's Settings menu.
    b.click(&b.find("nav .nav-settings summary").await?).await?;
    let link = b.find("nav a[href='/admin/routing']").await?;
    b.click(&link).await?;
    b.wait_for(Until::Css("section.shift-grid[data-team=EMEA]"), WAIT).await?;
    let on = b.execute("return document.querySelectorAll('section.shift-grid td.on').length").await?;
    ensure!(on == json!(45), "five days of nine hours on shift: {on}");
    let pt = b.text("li[data-language=pt]").await?;
    // Labels are in the workspace's zone (UTC), so Lisbon's summer time moves them an hour. The
    // panel covers the week from now: run on a weekend, the gap starts now rather than Fri 17:00.
    let gaps = pt.split_once(": ").map_or(pt.as_str(), |(_, gaps)| gaps);
    let weekend = gaps.split("; ").map(str::trim).any(|gap| {
        let ends_monday = gap.ends_with("– Mon 08:00") || gap.ends_with("– Mon 07:00");
        ends_monday && (gap.starts_with("Fri") || gap.starts_with("Sat") || gap.starts_with("Sun"))
    });
    ensure!(weekend, "the weekend is a gap: {pt}");
    page_is_clean(&b, "/admin/routing").await?;

    b.fill("input[name=language]", "pt").await?;
    b.execute("document.querySelector('input[name=at]').value = '2030-12-02T09:00'; return null").await?;
    b.execute("document.querySelector('select[name=priority]').value = 'high'; return null").await?;
    let run = b.find("#simulator button[type=submit]").await?;
    b.click(&run).await?;
    b.wait_for(Until::Css("[data-sim-result]"), WAIT).await?;
    let answer = b.text("[data-sim-result]").await?;
    ensure!(answer.contains("Would be assigned"), "{answer}");
    ensure!(answer.contains("routed to Ana — pt (native), EMEA shift 08:00–17:00 Europe/Lisbon"), "{answer}");
    let kept = b.execute("return document.querySelector('select[name=priority]').value").await?;
    ensure!(kept == json!("high"), "the form keeps what was asked: {kept}");
    Ok(())
}
