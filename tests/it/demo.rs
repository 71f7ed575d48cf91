//! The demo workspace a first start creates: teams on shifts in several zones, agents who speak
//! several languages and can sign in, tickets in several languages over email and chat with
//! replies, notes, tags and solved ones; made once, never again on a restart.

use std::collections::BTreeSet;

use diesel::prelude::*;
use meridian::db::schema::{messages, teams, tickets};

use crate::harness::TestApp;

/// (tickets, languages, channels, statuses, notes, agent replies, teams' zones)
type Shape = (i64, BTreeSet<String>, BTreeSet<String>, BTreeSet<String>, i64, i64, BTreeSet<String>);

fn shape(app: &TestApp) -> Shape {
    app.state
        .db
        .write_blocking(|c| {
            let t = meridian::tenancy::by_slug(c, meridian::demo::DEMO_SLUG)?;
            let rows: Vec<(Option<String>, String, String)> = tickets::table
                .filter(tickets::tenant_id.eq(&t.id))
                .select((tickets::language, tickets::channel, tickets::status))
                .load(c)?;
            let kinds: Vec<(String, String)> = messages::table
                .filter(messages::tenant_id.eq(&t.id))
                .select((messages::kind, messages::author_type))
                .load(c)?;
            let schedules: Vec<Option<String>> =
                teams::table.filter(teams::tenant_id.eq(&t.id)).select(teams::schedule).load(c)?;
            let zones = schedules
                .into_iter()
                .flatten()
                .map(|s| {
                    serde_json::from_str::<serde_json::Value>(&s).unwrap()["time_zone"].as_str().unwrap().to_string()
                })
                .collect();
            Ok((
                rows.len() as i64,
                rows.iter().filter_map(|r| r.0.clone()).collect(),
                rows.iter().map(|r| r.1.clone()).collect(),
                rows.iter().map(|r| r.2.clone()).collect(),
                kinds.iter().filter(|k| k.0 == "note").count() as i64,
                kinds.iter().filter(|k| k.0 == "reply" && k.1 == "agent").count() as i64,
                zones,
            ))
        })
        .unwrap()
}

async fn the_demo_has_a_desk_to_try_and_is_made_once(app: TestApp) {
    let creds = meridian::demo::seed_if_empty(&app.state.db).unwrap().expect("an empty database gets the demo");
    let first = shape(&app);
    let (n, langs, channels, statuses, notes, replies, zones) = first.clone();
    assert!(n >= 20, "{n} tickets");
    for l in ["en", "pt-BR", "es", "de", "zh-CN", "ja"] {
        assert!(langs.contains(l), "{l} in {langs:?}");
    }
    assert_eq!(channels, ["chat", "email"].iter().map(|s| s.to_string()).collect::<BTreeSet<_>>());
    assert!(statuses.contains("solved") && statuses.contains("open") && statuses.contains("pending"), "{statuses:?}");
    assert!(notes >= 3 && replies >= 10, "{notes} notes, {replies} replies");
    assert_eq!(zones.len(), 3, "three teams on shifts in three zones: {zones:?}");

    // The other agents sign in with the printed password, and speak their languages.
    assert_eq!(creds.agents.len(), 2);
    for email in &creds.agents {
        let r = app.sign_in(&app.client(), "demo", email, &creds.agents_password).await;
        assert_eq!(r.status(), 303, "{email} signs in");
    }
    let (c, _) = app.signed_in("demo", &creds.email, &creds.password).await;
    let page = c.get(app.url("/inbox?view=all_open")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Pedido não chegou") && page.contains("无法登录账户"), "the inbox shows them");
    let tok = {
        let tid = meridian::tenancy::TenantId::from_trusted(
            app.state.db.write_blocking(|c| meridian::tenancy::by_slug(c, "demo")).unwrap().id,
        );
        app.state.db.write_blocking(|c| meridian::accounts::tokens::create(c, &tid, "t", None)).unwrap().1
    };
    let agents = app.api_json(&tok, "/api/v1/agents").await;
    let text = agents.to_string();
    assert!(text.contains("Ana Souza") && text.contains("Kenji Tanaka"), "{text}");

    // A restart (and a second start on the same database) adds nothing.
    let app = app.restart(meridian::jobs::Registry::new()).await;
    assert!(meridian::demo::seed_if_empty(&app.state.db).unwrap().is_none());
    assert_eq!(shape(&app), first, "the demo is made once");
}
both!(the_demo_has_a_desk_to_try_and_is_made_once);
