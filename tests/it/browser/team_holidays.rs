//! The teams page's holidays in a real browser: an `.ics` file chosen in the file input and
//! imported, then a file that cannot be read named by its line at the field.

use anyhow::{ensure, Result};

use super::console::{page_is_clean, WAIT};
use super::tickets::sign_in;
use super::{launch, Until};
use crate::harness::{Backend, TestApp};

const CALENDAR: &str =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Holidays//EN\r\nBEGIN:VEVENT\r\nUID:xmas@test\r\n\
DTSTART;VALUE=DATE:20201225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const BROKEN: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@test\r\nDTSTART;VALUE=DATE:20201225\r\n\
RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[actix_web::test]
async fn admin_imports_holidays_from_an_ics_file() -> Result<()> {
    let Some(b) = launch().await else { return Ok(()) };
    let app = TestApp::start(Backend::Sqlite).await.expect("sqlite app");
    let (t, email, password) = app.seed_tenant("acme");
    let team = app.state.db.write_blocking(|c| meridian::tickets::teams::create(c, &t.tenant_id(), "Lisbon")).unwrap();
    let dir = tempfile::tempdir()?;
    let (good, bad) = (dir.path().join("holidays.ics"), dir.path().join("broken.ics"));
    std::fs::write(&good, CALENDAR)?;
    std::fs::write(&bad, BROKEN)?;
    sign_in(&b, &app, "acme", &email, &password).await?;

    b.goto(&app.url("/admin/teams")).await?;
    let section = format!("#team-{}", team.id);
    b.wait_for(Until::Css(&format!("{section} input[name=ics]")), WAIT).await?;
    let input = b.find(&format!("{section} input[name=ics]")).await?;
    b.send_keys(&input, &good.to_string_lossy()).await?;
    let import = b.find(&format!("{section} form[enctype='multipart/form-data'] button[type=submit]")).await?;
    b.click(&import).await?;
    b.wait_for(Until::Text("Christmas Day"), WAIT).await?;
    let listed = b.text(&format!("{section} [data-holidays]")).await?;
    ensure!(listed.matches("Christmas Day").count() == 3, "this year and the next two: {listed}");
    page_is_clean(&b, "/admin/teams").await?;

    let input = b.find(&format!("{section} input[name=ics]")).await?;
    b.send_keys(&input, &bad.to_string_lossy()).await?;
    let import = b.find(&format!("{section} form[enctype='multipart/form-data'] button[type=submit]")).await?;
    b.click(&import).await?;
    let error = format!("#ics-error-{}", team.id);
    b.wait_for(Until::Css(&error), WAIT).await?;
    let message = b.text(&error).await?;
    ensure!(message.contains("line 6") && message.contains("FREQ=DAILY"), "{message}");
    let invalid = b.attribute(&input_after(&b, &section).await?, "aria-invalid").await?;
    ensure!(invalid.as_deref() == Some("true"), "the file input is marked: {invalid:?}");
    let listed = b.text(&format!("{section} [data-holidays]")).await?;
    ensure!(listed.matches("Christmas Day").count() == 3, "nothing changed: {listed}");
    Ok(())
}

/// The file input of the page as it is now (the refused form is a new page).
async fn input_after(b: &super::Browser, section: &str) -> Result<super::webdriver::Element> {
    b.find(&format!("{section} input[name=ics]")).await
}
