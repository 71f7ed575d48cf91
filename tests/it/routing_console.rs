//! The routing admin page: shift grids in each team's zone, the coverage gaps per language, and
//! the simulator, in both locales; only this tenant's teams and agents, admins only.

use serde_json::json;

use crate::harness::TestApp;
use crate::routing::{agent, ok, team, token};
use meridian::accounts::Role;
use reqwest::Method;

async fn page(c: &reqwest::Client, app: &TestApp, query: &str, lang: &str) -> (u16, String) {
    let r = c.get(app.url(&format!("/admin/routing{query}"))).header("Accept-Language", lang).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn grids_coverage_and_the_simulator(app: TestApp) {
    let (t, owner_email, owner_pw) = app.seed_tenant("grid");
    let (rival, _, _) = app.seed_tenant("rival");
    let tok = token(&app, &t);
    let weekdays = json!([{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "17:00"}]);
    let emea = team(&app, &tok, "EMEA", "Europe/Lisbon", weekdays).await;
    agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &emea, 8).await;
    // Another tenant covers Japanese around the clock; this tenant's Japanese speaker has no shift.
    let rtok = token(&app, &rival);
    let all_day = json!([{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "12:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "12:00", "end": "00:00"}]);
    let theirs = team(&app, &rtok, "RivalTeam", "UTC", all_day).await;
    agent(&app, &rtok, &rival, "Ren", json!([{"code": "ja", "level": "native"}]), &theirs, 8).await;
    let (kenji, _, _) = app.add_agent(&t, "Kenji", Role::Agent);
    ok(
        &app,
        &tok,
        Method::PATCH,
        &format!("/api/v1/agents/{kenji}"),
        json!({"languages": [{"code": "ja", "level": "native"}]}),
    )
    .await;

    let (c, _) = app.signed_in("grid", &owner_email, &owner_pw).await;
    let (s, html) = page(&c, &app, "", "en").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("EMEA") && html.contains("Europe/Lisbon"));
    assert!(!html.contains("RivalTeam") && !html.contains("Ren"), "another tenant's team");
    // Five days of nine hours, in Lisbon's hours.
    let grid = &html[html.find("data-team=\"EMEA\"").unwrap()..];
    let grid = &grid[..grid.find("</section>").unwrap()];
    assert_eq!(grid.matches("class=\"on\"").count(), 45, "{grid}");
    assert!(grid.contains("<th scope=\"row\">Mon</th>"));
    // Japanese: nobody here is ever on shift (the other tenant's speaker does not count).
    let ja = &html[html.find("data-language=\"ja\"").unwrap()..];
    let ja = &ja[..ja.find("</li>").unwrap()];
    assert!(ja.contains("data-gaps") && !ja.contains("covered every hour"), "{ja}");
    let pt = &html[html.find("data-language=\"pt\"").unwrap()..];
    assert!(pt[..pt.find("</li>").unwrap()].contains("data-gaps"), "pt is covered on weekdays only");

    // The simulator: Monday 09:00 in the workspace's zone (UTC; Lisbon is UTC+0 in December).
    let (_, html) = page(&c, &app, "?language=pt&at=2030-12-02T09:00&priority=high", "en").await;
    assert!(html.contains("Would be assigned"), "{html}");
    assert!(html.contains("routed to Ana — pt (native), EMEA shift 08:00–17:00 Europe/Lisbon, load 0/8"), "{html}");
    let (_, html) = page(&c, &app, "?language=pt&at=2030-12-02T20:00&priority=normal", "en").await;
    assert!(html.contains("Would wait in the queue") && html.contains("queued for EMEA"), "{html}");
    let (_, html) = page(&c, &app, "?language=pt&at=2030-12-02T09:00&priority=normal", "zh-CN").await;
    assert!(html.contains("模拟器") && html.contains("将被分配") && html.contains("已分配给 Ana"), "{html}");
    // Bad input: a precise message, no result, the fields kept.
    for (q, msg) in [
        ("?language=pt&at=yesterday", "Enter a date and time such as"),
        ("?language=not%20a%20tag&at=", "Enter a language tag such as"),
        ("?language=pt&priority=asap", "Choose low, normal, high or urgent."),
    ] {
        let (s, html) = page(&c, &app, q, "en").await;
        assert_eq!(s, 200);
        assert!(html.contains(msg) && !html.contains("data-sim-result"), "{q}: {html}");
    }
    // Agents who are not admins do not get the page.
    let (_, email, pw) = app.add_agent(&t, "Plain", Role::Agent);
    let (pc, _) = app.signed_in("grid", &email, &pw).await;
    let (s, _) = page(&pc, &app, "", "en").await;
    assert!(s == 403 || s == 404, "{s}");
}
both!(grids_coverage_and_the_simulator);
