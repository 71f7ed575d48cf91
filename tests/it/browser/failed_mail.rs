//! The admin "Failed mail" list in a real browser: reached from the email setup page, a
//! quarantined message shown with its sender, subject and error, its raw download, and retry.

use anyhow::{ensure, Result};

use super::console::{page_is_clean, sign_in, WAIT};
use super::{launch, Until};
use crate::harness::{Backend, TestApp};

#[actix_web::test]
async fn admin_downloads_and_retries_failed_mail() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (acme, email, password) = app.seed_tenant("acme");
    let raw = "From: Ivy <ivy@customer.example>\r\nTo: acme@mail.desk.test\r\nSubject: Lost in the outage\r\nMessage-ID: <outage-b@customer.example>\r\n\r\nPlease file me.\r\n";
    let id = crate::email::failed_mail::quarantined(&app, &acme, raw);
    sign_in(&b, &app, "acme", &email, &password).await?;

    b.goto(&app.url("/admin/email")).await?;
    b.wait_for(Until::Css("[data-testid=failed-mail-link]"), WAIT).await?;
    let link = b.find("[data-testid=failed-mail-link]").await?;
    b.click(&link).await?;
    let row = format!("tr[data-failed-mail='{id}']");
    b.wait_for(Until::Css(&row), WAIT).await?;
    let text = b.text(&row).await?;
    for shown in ["ivy@customer.example", "Lost in the outage", "database unavailable", "Download original"] {
        ensure!(text.contains(shown), "{shown:?} not in the row: {text:?}");
    }
    let current = b.find("nav a[href='/admin/email/failed']").await?;
    ensure!(b.attribute(&current, "aria-current").await?.as_deref() == Some("page"), "the nav marks the page");
    page_is_clean(&b, "/admin/email/failed").await?;

    // The download link serves the raw message to this session.
    let href = b.attribute(&b.find(&format!("{row} a[download]")).await?, "href").await?.unwrap_or_default();
    ensure!(href == format!("/admin/email/failed/{id}/raw"), "download link {href:?}");
    let fetched = b
        .execute(&format!(
            "return fetch('{href}').then(r => r.text().then(t => r.status + ' ' + r.headers.get('content-type') + ' ' + t.length))"
        ))
        .await?;
    ensure!(fetched == format!("200 message/rfc822 {}", raw.len()), "download: {fetched}");

    let retry = b.find(&format!("{row} form button[type=submit]")).await?;
    b.click(&retry).await?;
    b.wait_for(Until::Css("[data-testid=failed-mail-retried]"), WAIT).await?;
    // The filing job runs after the redirect; the list empties once it has.
    for _ in 0..50 {
        b.goto(&app.url("/admin/email/failed")).await?;
        b.wait_for(Until::Css("h1"), WAIT).await?;
        if b.find_all("[data-testid=failed-mail-none]").await?.len() == 1 {
            b.goto(&app.url("/inbox?view=all_open")).await?;
            b.wait_for(Until::Text("Lost in the outage"), WAIT).await?;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the retried message never left the failed list")
}
