//! Holidays imported from an iCalendar file (`POST /api/v1/teams/{id}/holidays/import`): yearly
//! rules expanded over this year and the next two, beside the schedule's own dates; routing
//! honours them; other tenants' teams are not found; a file that cannot be read names its line.

use chrono::Datelike;
use reqwest::{Client, Method};
use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::routing::{agent, ok, preview, send, team, token};

async fn import(
    app: &TestApp,
    tok: &str,
    team: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let res = Client::new()
        .post(app.url(&format!("/api/v1/teams/{team}/holidays/import")))
        .bearer_auth(tok)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

const CALENDAR: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Holidays//EN\r\nBEGIN:VEVENT\r\nUID:xmas@test\r\n\
DTSTART;VALUE=DATE:20201225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christmas Day\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:ny@test\r\n\
DTSTART;VALUE=DATE:20200101\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:New Year\\'s\r\n  Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn dates(schedule: &Value) -> Vec<String> {
    schedule["holidays"].as_array().unwrap().iter().map(|h| h["date"].as_str().unwrap().to_string()).collect()
}

async fn holidays_come_from_an_ics_file_and_routing_honours_them(app: TestApp) {
    let (t, _, _) = app.seed_tenant("ics");
    let tok = token(&app, &t);
    let every_day =
        json!([{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "17:00"}]);
    let id = team(&app, &tok, "Support", "UTC", every_day.clone()).await;
    agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &id, 8).await;
    let y = chrono::Utc::now().year();
    let own =
        json!({"time_zone": "UTC", "shifts": every_day, "holidays": [{"date": format!("{y}-12-25"), "name": "Natal"}]});
    ok(&app, &tok, Method::PUT, &format!("/api/v1/teams/{id}/schedule"), own).await;
    let (s, saved) = import(&app, &tok, &id, "text/calendar; charset=utf-8", CALENDAR).await;
    assert_eq!(s, 200, "{saved}");
    let mut want: Vec<String> = (y..=y + 2).flat_map(|y| [format!("{y}-01-01"), format!("{y}-12-25")]).collect();
    want.sort();
    assert_eq!(dates(&saved), want);
    let name = |d: &str| saved["holidays"].as_array().unwrap().iter().find(|h| h["date"] == d).unwrap()["name"].clone();
    assert_eq!(name(&format!("{y}-01-01")), "New Year's Day", "escapes and folded lines are read");
    assert_eq!(name(&format!("{y}-12-25")), "Natal", "a date the schedule had keeps its name");
    assert_eq!(name(&format!("{}-12-25", y + 1)), "Christmas Day");
    assert_eq!(app.api_json(&tok, &format!("/api/v1/teams/{id}/schedule")).await, saved);
    // Importing the same file again changes nothing.
    let (s, again) = import(&app, &tok, &id, "text/calendar", CALENDAR).await;
    assert_eq!((s, &again), (200, &saved));

    // Next Christmas nobody is on shift; the day before, Ana is.
    let at =
        |d: &str| json!({"subject": "Conta", "message": {"body": "não consigo entrar"}, "language": "pt", "at": d});
    let eve = preview(&app, &tok, at(&format!("{}-12-24T10:00:00Z", y + 1))).await;
    assert_eq!(eve["decision"]["outcome"], "assigned", "{eve}");
    let xmas = preview(&app, &tok, at(&format!("{}-12-25T10:00:00Z", y + 1))).await;
    assert_eq!(xmas["decision"]["outcome"], "queued", "{xmas}");
    assert_eq!(xmas["decision"]["expected_pickup_at"], format!("{}-12-26T08:00:00Z", y + 1));

    // A team without a schedule gets one in the tenant's zone, with no shifts.
    let bare = ok(&app, &tok, Method::POST, "/api/v1/teams", json!({"name": "Bare"})).await;
    let bare = bare["id"].as_str().unwrap();
    let zone = app.api_json(&tok, &format!("/api/v1/teams/{bare}/schedule")).await["time_zone"].clone();
    let (s, v) = import(&app, &tok, bare, "text/calendar", CALENDAR).await;
    assert_eq!((s, &v["time_zone"], v["shifts"].as_array().map(Vec::len)), (200, &zone, Some(0)), "{v}");
    assert_eq!(dates(&v).len(), 6);
}
both!(holidays_come_from_an_ics_file_and_routing_honours_them);

async fn another_tenants_team_is_not_found(app: TestApp) {
    let (a, _, _) = app.seed_tenant("alpha");
    let (b, _, _) = app.seed_tenant("bravo");
    let (ta, tb) = (token(&app, &a), token(&app, &b));
    let b_team = team(&app, &tb, "Bravo", "UTC", json!([])).await;
    let before = app.api_json(&tb, &format!("/api/v1/teams/{b_team}/schedule")).await;
    let (s, v) = import(&app, &ta, &b_team, "text/calendar", CALENDAR).await;
    assert_eq!(s, 404, "{v}");
    assert_eq!(app.api_json(&tb, &format!("/api/v1/teams/{b_team}/schedule")).await, before);
    let (s, _) = import(&app, &ta, "no-such-team", "text/calendar", CALENDAR).await;
    assert_eq!(s, 404);
    let _ = a;
}
both!(another_tenants_team_is_not_found);

async fn a_file_that_cannot_be_read_names_its_line(app: TestApp) {
    let (t, _, _) = app.seed_tenant("badics");
    let tok = token(&app, &t);
    let id = team(&app, &tok, "EMEA", "Europe/Lisbon", json!([])).await;
    let before = app.api_json(&tok, &format!("/api/v1/teams/{id}/schedule")).await;
    let y = chrono::Utc::now().year();
    // A month at a time, 424 days in all: more than a schedule holds.
    let month = |y: i32, m: u32| {
        let (ey, em) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        format!("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{y}{m:02}01\r\nDTEND;VALUE=DATE:{ey}{em:02}01\r\nEND:VEVENT\r\n")
    };
    let crowded = format!(
        "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
        (1..=11).map(|m| month(y, m)).collect::<String>(),
        (1..=3).map(|m| month(y + 1, m)).collect::<String>()
    );
    for (body, field) in [
        ("".as_bytes().to_vec(), "line 1"),
        (b"{\"holidays\": []}".to_vec(), "line 1"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026-12-25\nEND:VEVENT\nEND:VCALENDAR\n".to_vec(), "line 3"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261225\r\nRRULE:FREQ=MONTHLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_vec(), "line 4"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:no start\nEND:VEVENT\nEND:VCALENDAR\n".to_vec(), "line 2"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225\n".to_vec(), "line 3"),
        (b"BEGIN:VCALENDAR\nSUMMARY:\xff\xfe\nEND:VCALENDAR\n".to_vec(), "line 2"),
        (b"BEGIN:VCALENDAR\nX-\x00:1\nEND:VCALENDAR\n".to_vec(), "line 2"),
        (crowded.into_bytes(), "holidays"),
    ] {
        let (s, v) = import(&app, &tok, &id, "text/calendar", body.clone()).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{v} for {:?}", String::from_utf8_lossy(&body));
        if field.starts_with("line") {
            assert!(v["detail"].as_str().unwrap().starts_with(field), "{v}");
        }
    }
    let (s, v) = import(&app, &tok, &id, "application/json", CALENDAR).await;
    assert_eq!(s, 400, "{v}");
    let (s, _) = import(&app, &tok, &id, "text/calendar", vec![b'x'; 2 << 20]).await;
    assert_eq!(s, 413);
    // Nothing was stored, and the server still answers.
    assert_eq!(app.api_json(&tok, &format!("/api/v1/teams/{id}/schedule")).await, before);
    let (s, _) = send(&app, &tok, Method::GET, &format!("/api/v1/teams/{id}/schedule"), None).await;
    assert_eq!(s, 200);
}
both!(a_file_that_cannot_be_read_names_its_line);
