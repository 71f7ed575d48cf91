//! A contact's page and a merge in Chromium, at 1366 px and at phone width: from the ticket's
//! requester to their page, pick the other contact, preview both, confirm; the page then lists
//! the tickets of both and does not scroll sideways.

use std::time::Duration;

use anyhow::{ensure, Result};

use super::tickets::sign_in;
use super::{launch, Until};
use crate::console_safety::ticket_from;
use crate::harness::{Backend, TestApp};

const WAIT: Duration = Duration::from_secs(15);

#[actix_web::test]
async fn open_a_contact_and_merge_at_both_widths() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (t, email, pw) = app.seed_tenant("acme");
    sign_in(&b, &app, "acme", &email, &pw).await?;
    for (i, (width, height)) in [(1366u32, 900u32), (390, 844)].into_iter().enumerate() {
        b.set_window_size(width, height).await?;
        let keep = ticket_from(
            &app,
            &t,
            &format!("Work address {i}"),
            &format!("wang{i}@globex.example"),
            &format!("Wang Fang {i}"),
        );
        let gone = ticket_from(
            &app,
            &t,
            &format!("Private address {i}"),
            &format!("wang.fang{i}@qq.com"),
            &format!("Fang W {i}"),
        );
        b.goto(&app.url(&format!("/tickets/{}", keep.number))).await?;
        b.wait_for(Until::Css("[data-testid=requester-link]"), WAIT).await?;
        let link = b.find("[data-testid=requester-link]").await?;
        b.click(&link).await?;
        b.wait_for(Until::Css("[data-testid=contact-tickets]"), WAIT).await?;
        ensure!(
            b.current_url().await?.contains(&format!("/contacts/{}", keep.requester_id)),
            "{width}px: on the contact page"
        );
        let merge = b.find("[data-testid=merge-link]").await?;
        b.click(&merge).await?;
        b.wait_for(Until::Css("[data-testid=merge-search]"), WAIT).await?;
        b.fill("[data-testid=merge-search]", &format!("wang.fang{i}@")).await?;
        let find = b.find("form[role=search] button[type=submit]").await?;
        b.click(&find).await?;
        b.wait_for(Until::Css("[data-testid=merge-candidates] a"), WAIT).await?;
        let candidate = b.find("[data-testid=merge-candidates] a").await?;
        b.click(&candidate).await?;
        b.wait_for(Until::Css("[data-testid=contact-merge-preview]"), WAIT).await?;
        let preview = b.text("[data-testid=contact-merge-preview]").await?;
        ensure!(
            preview.contains(&format!("Wang Fang {i}")) && preview.contains(&format!("wang.fang{i}@qq.com")),
            "{width}px: both sides: {preview}"
        );
        let wide = b
            .execute("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
            .await?;
        ensure!(wide == true, "{width}px: the preview scrolls sideways");
        let confirm = b.find("[data-testid=merge-confirm]").await?;
        b.click(&confirm).await?;
        b.wait_for(Until::Css("[data-testid=contact-notice]"), WAIT).await?;
        let list = b.text("[data-testid=contact-tickets]").await?;
        ensure!(
            list.contains(&format!("#{}", keep.number)) && list.contains(&format!("#{}", gone.number)),
            "{width}px: both tickets listed: {list}"
        );
        ensure!(
            b.text("[data-testid=contact-aliases]").await?.contains(&format!("wang.fang{i}@qq.com")),
            "{width}px: the old address is shown"
        );
        let wide = b
            .execute("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
            .await?;
        ensure!(wide == true, "{width}px: the contact page scrolls sideways");
    }
    Ok(())
}
