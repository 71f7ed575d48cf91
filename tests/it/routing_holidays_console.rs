//! A team's holidays on the console's teams page: added and removed one by one, or imported
//! from an `.ics` file through the multipart form; a file that cannot be read is named by line at
//! the field and changes nothing; another tenant's team is not found; no CSRF token, no change.

use chrono::Datelike;
use reqwest::multipart::{Form, Part};

use meridian::jobs::Registry;

use crate::harness::{Backend, TestApp};

const CALENDAR: &str =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Holidays//EN\r\nBEGIN:VEVENT\r\nUID:xmas@test\r\n\
DTSTART;VALUE=DATE:20201225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const BROKEN: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@test\r\nDTSTART;VALUE=DATE:20201225\r\n\
RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn ics_form(csrf: Option<&str>, body: &str) -> Form {
    let mut f = Form::new();
    if let Some(c) = csrf {
        f = f.text("_csrf", c.to_string());
    }
    let part = Part::bytes(body.as_bytes().to_vec()).file_name("holidays.ics").mime_str("text/calendar").unwrap();
    f.part("ics", part)
}

fn stored_dates(app: &TestApp, tenant: &meridian::tenancy::Tenant, team: &str) -> Vec<String> {
    let (tid, team) = (tenant.tenant_id(), team.to_string());
    app.state
        .db
        .write_blocking(move |c| meridian::routing::store::team_schedule(c, &tid, &team))
        .unwrap()
        .map(|s| s.holidays.into_iter().map(|h| h.date).collect())
        .unwrap_or_default()
}

async fn holidays_are_kept_and_imported_from_the_teams_page(app: TestApp) {
    let (a, email, pw) = app.seed_tenant("hol");
    let (b, _, _) = app.seed_tenant("other");
    let team = app.state.db.write_blocking(|c| meridian::tickets::teams::create(c, &a.tenant_id(), "Lisbon")).unwrap();
    let foreign =
        app.state.db.write_blocking(|c| meridian::tickets::teams::create(c, &b.tenant_id(), "Theirs")).unwrap();
    let (team, foreign) = (team.id.to_string(), foreign.id.to_string());
    let (c, csrf) = app.signed_in("hol", &email, &pw).await;
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No holidays yet."), "{page}");

    // One date by hand, then a bad one that names the field and changes nothing.
    let add = |date: &'static str| {
        let (c, csrf, url) = (c.clone(), csrf.clone(), app.url(&format!("/admin/teams/{team}/holidays")));
        async move {
            c.post(url)
                .form(&[("_csrf", csrf.as_str()), ("date", date), ("name", "Dia de Portugal")])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(add("2030-06-10").await.status(), 303);
    assert_eq!(stored_dates(&app, &a, &team), ["2030-06-10"]);
    let r = add("10/06/2030").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter dates as YYYY-MM-DD.") && html.contains("value=\"10/06/2030\""), "{html}");
    assert!(html.contains(&format!("id=\"date-error-{team}\"")) && html.contains("aria-invalid=\"true\""));
    assert_eq!(stored_dates(&app, &a, &team), ["2030-06-10"]);

    // An .ics file through the multipart form: Christmas for this year and the next two.
    let import = app.url(&format!("/admin/teams/{team}/holidays/import"));
    let r = c.post(&import).multipart(ics_form(Some(&csrf), CALENDAR)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let y = chrono::Utc::now().year();
    let mut want: Vec<String> = (y..=y + 2).map(|y| format!("{y}-12-25")).collect();
    want.push("2030-06-10".into());
    want.sort();
    assert_eq!(stored_dates(&app, &a, &team), want);
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<time datetime=\"{y}-12-25\">")) && page.contains("Christmas Day"));

    // A file that cannot be read: the line at the field, nothing changed.
    let r = c.post(&import).multipart(ics_form(Some(&csrf), BROKEN)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("id=\"ics-error-{team}\"")), "{html}");
    assert!(html.contains("cannot be read at line 6:") && html.contains("FREQ=DAILY"), "{html}");
    assert_eq!(stored_dates(&app, &a, &team), want);

    // Without the CSRF token: refused, nothing changed.
    let r = c.post(&import).multipart(ics_form(None, CALENDAR)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r =
        c.post(app.url(&format!("/admin/teams/{team}/holidays"))).form(&[("date", "2030-01-02")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(stored_dates(&app, &a, &team), want);

    // Another tenant's team is not found, by any of the three forms.
    let r = c
        .post(app.url(&format!("/admin/teams/{foreign}/holidays/import")))
        .multipart(ics_form(Some(&csrf), CALENDAR))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .post(app.url(&format!("/admin/teams/{foreign}/holidays")))
        .form(&[("_csrf", csrf.as_str()), ("date", "2030-01-02")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .post(app.url(&format!("/admin/teams/{foreign}/holidays/2030-01-02/remove")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(stored_dates(&app, &b, &foreign).is_empty());

    // A hostile name is text; a form without a file names the file field.
    let r = c
        .post(app.url(&format!("/admin/teams/{team}/holidays")))
        .form(&[("_csrf", csrf.as_str()), ("date", "2030-05-01"), ("name", "<script>alert(1)</script>")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = c.get(app.url("/admin/teams")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&#60;script&#62;alert(1)") && !page.contains("<script>alert(1)"), "{page}");
    let r = c
        .post(app.url(&format!("/admin/teams/{team}/holidays/2030-05-01/remove")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let empty = Form::new().text("_csrf", csrf.clone()).part("ics", Part::bytes(Vec::new()).file_name(""));
    let r = c.post(&import).multipart(empty).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("id=\"ics-error-{team}\"")) && html.contains("Choose an .ics file to import."),
        "{html}"
    );
    assert_eq!(stored_dates(&app, &a, &team), want);

    // Removing one date keeps the others.
    let r = c
        .post(app.url(&format!("/admin/teams/{team}/holidays/2030-06-10/remove")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    want.retain(|d| d != "2030-06-10");
    assert_eq!(stored_dates(&app, &a, &team), want);
}
both!(holidays_are_kept_and_imported_from_the_teams_page);

/// A file over the console's attachment limit is refused before it is read, and changes nothing.
async fn an_oversized_file_is_refused(backend: Backend) {
    let adjust = |e: &mut std::collections::HashMap<String, String>| {
        e.insert("MERIDIAN_MAX_ATTACHMENT_BYTES".into(), "1000".into());
    };
    let Some(app) = TestApp::start_with(backend, adjust, Registry::new()).await else { return };
    let (a, email, pw) = app.seed_tenant("big");
    let team = app.state.db.write_blocking(|c| meridian::tickets::teams::create(c, &a.tenant_id(), "Lisbon")).unwrap();
    let team = team.id.to_string();
    let (c, csrf) = app.signed_in("big", &email, &pw).await;
    let big = format!("{CALENDAR}{}", "X-PAD:0123456789\r\n".repeat(100));
    let url = app.url(&format!("/admin/teams/{team}/holidays/import"));
    let r = c.post(url).multipart(ics_form(Some(&csrf), &big)).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert!(stored_dates(&app, &a, &team).is_empty());
}

#[actix_web::test]
async fn an_oversized_file_is_refused_sqlite() {
    an_oversized_file_is_refused(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_oversized_file_is_refused_postgres() {
    an_oversized_file_is_refused(Backend::Postgres).await;
}
