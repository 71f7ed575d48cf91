//! The admin email setup page in a real browser: the addresses shown, saving the outgoing
//! identity, and a test message through the outbox folder (no relay), with the banner saying so.

use anyhow::{ensure, Result};

use super::console::{page_is_clean, sign_in, WAIT};
use super::{launch, Until};
use crate::harness::{Backend, TestApp};

#[actix_web::test]
async fn admin_sets_up_email_and_sends_a_test() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (_t, email, password) = app.seed_tenant("acme");
    sign_in(&b, &app, "acme", &email, &password).await?;

    // Admin pages sit in the navigation's Settings menu.
    b.click(&b.find("nav .nav-settings summary").await?).await?;
    let link = b.find("nav a[href='/admin/email']").await?;
    b.click(&link).await?;
    b.wait_for(Until::Css("[data-testid=forwarding-address]"), WAIT).await?;
    let forwarding = b.text("[data-testid=forwarding-address]").await?;
    ensure!(forwarding == "acme@mail.desk.test", "forwarding address {forwarding:?}");
    ensure!(b.text("[data-testid=inbound-secret]").await?.starts_with("mri_"), "the inbound secret is shown");
    let banner = b.text("[data-testid=mail-banner]").await?;
    ensure!(banner.contains("not being delivered"), "banner: {banner:?}");
    page_is_clean(&b, "/admin/email").await?;

    b.fill("input[name=support_address]", "help@acme.example").await?;
    b.fill("input[name=display_name]", "Acme Help").await?;
    let save = b.find("form[action='/admin/email'] button[type=submit]").await?;
    b.click(&save).await?;
    b.wait_for(Until::Text("Saved."), WAIT).await?;
    let value = b.execute("return document.querySelector('input[name=support_address]').value").await?;
    ensure!(value == "help@acme.example", "the saved address is shown: {value}");

    let test = b.find("form[action='/admin/email/test'] button[type=submit]").await?;
    b.click(&test).await?;
    b.wait_for(Until::Css("[data-testid=test-status]"), WAIT).await?;
    // The job writes it to the outbox folder; the page shows it sent on the next view.
    for _ in 0..50 {
        b.goto(&app.url("/admin/email")).await?;
        b.wait_for(Until::Css("[data-testid=test-status]"), WAIT).await?;
        let status = b.find("[data-testid=test-status]").await?;
        if b.attribute(&status, "data-state").await?.as_deref() == Some("sent") {
            ensure!(b.text("[data-testid=test-status]").await?.contains("sent."), "the state is shown in words");
            let files = std::fs::read_dir(app.dir.path().join("outbox"))?.count();
            ensure!(files == 1, "one .eml in the outbox, found {files}");
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the test message never showed as sent")
}
