//! Bulk work in the inbox in a real browser, on both databases: select all, find an agent by
//! typing, apply, undo from the notice, and sidebar counts that follow a new ticket without a reload.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use meridian::accounts::Role;

use super::tickets::{sign_in, wait_js};
use super::{launch, Until};
use crate::console_safety::ticket_from;
use crate::harness::{Backend, TestApp};

const WAIT: Duration = Duration::from_secs(15);

async fn bulk_assign_undo_and_live_counts(backend: Backend) -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let Some(app) = TestApp::start(backend).await else { return Ok(()) };
    let (t, email, pw) = app.seed_tenant("acme");
    let (bruno_id, _, _) = app.add_agent(&t, "Bruno", Role::Agent);
    for s in ["Refund one", "Refund two", "Refund three"] {
        ticket_from(&app, &t, s, "maria@example.com", "Maria Silva");
    }
    sign_in(&b, &app, "acme", &email, &pw).await?;
    b.goto(&app.url("/inbox?view=all_open")).await?;
    b.wait_for(Until::Css("#select-all"), WAIT).await?;

    let all = b.find("#select-all").await?;
    b.click(&all).await?;
    let checked = "const b = [...document.querySelectorAll('#inbox-rows input[type=checkbox]')]; \
                   return [b.length === 3 && b.every((x) => x.checked), document.getElementById('selected-count').textContent];";
    wait_js(&b, "every row selected", checked, WAIT).await?;
    ensure!(b.text("#selected-count").await?.contains("3 selected"), "the selection count");

    b.fill(".bulkbar input.select-search", "bru").await?;
    let picked = b.execute("return document.querySelector('.bulkbar select[name=assignee]').value").await?;
    ensure!(picked == bruno_id.as_str(), "typing 'bru' picked {picked}");
    let apply = b.find(".bulkbar button[type=submit]").await?;
    b.click(&apply).await?;
    b.wait_for(Until::Css("[data-testid=bulk-notice]"), WAIT).await.context("the notice after applying")?;
    ensure!(b.text("[data-testid=bulk-notice]").await?.contains("Changed 3 tickets."), "the notice");
    let undo = b.find("[data-testid=bulk-notice] button[type=submit]").await?;
    b.click(&undo).await?;
    b.wait_for(Until::Css("[data-testid=bulk-undone]"), WAIT).await.context("after undoing")?;
    ensure!(b.text("[data-testid=bulk-undone]").await?.contains("3 tickets are back"), "the undo notice");

    // A new ticket elsewhere: the sidebar's count follows without a reload.
    b.goto(&app.url("/inbox?view=all_open")).await?;
    b.wait_for(Until::Css("#inbox-views"), WAIT).await?;
    b.execute("window.__noReload = 1; return null").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ticket_from(&app, &t, "Refund four", "joe@example.net", "Joe");
    let count = "const c = document.querySelector('[data-view=all_open] .count'); \
                 return [!!c && c.textContent.trim() === '4', c ? c.textContent : null];";
    wait_js(&b, "the All open count at 4", count, WAIT).await?;
    ensure!(b.execute("return window.__noReload === 1").await? == true, "the inbox reloaded");
    Ok(())
}

#[actix_web::test]
async fn bulk_assign_undo_and_live_counts_sqlite() -> Result<()> {
    bulk_assign_undo_and_live_counts(Backend::Sqlite).await
}

#[actix_web::test]
async fn bulk_assign_undo_and_live_counts_postgres() -> Result<()> {
    bulk_assign_undo_and_live_counts(Backend::Postgres).await
}
