//! Routing after a ticket opens: queued tickets assigned when capacity frees (an agent online, a
//! ticket solved, a language corrected), follow-the-sun handoffs at shift end (once, across
//! restarts and processes), auto offline after the last console stream closed, and rules on the
//! requester's domain and VIP flag. Sweeps are run by calling the chore's function, so no test
//! waits on its interval.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::routing::{agent, ok, send, team, token};
use meridian::db::schema::{agents, routing_handoffs, ticket_events, tickets};
use meridian::tenancy::Tenant;
use reqwest::Method;

const EVERY_DAY: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Every day, from `back` minutes before now to `fwd` minutes after (UTC).
fn around_now(back: i64, fwd: i64) -> Value {
    let now = Utc::now();
    let hm = |m: i64| (now + Duration::minutes(m)).format("%H:%M").to_string();
    json!([{"days": EVERY_DAY, "start": hm(-back), "end": hm(fwd)}])
}

async fn sweep(app: &TestApp) -> usize {
    let s = &app.state;
    meridian::routing::followup::sweep(&s.db, &s.changes, &s.live, 120).await.expect("sweep")
}

async fn ticket(app: &TestApp, tok: &str, subject: &str, extra: Value) -> Value {
    let mut body = json!({"subject": subject, "message": {"body": "Olá, não consigo entrar na minha conta desde ontem."},
        "requester": {"email": "cliente@example.com.br"}, "language": "pt"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    ok(app, tok, Method::POST, "/api/v1/tickets", body).await
}

async fn get_ticket(app: &TestApp, tok: &str, id: &Value) -> Value {
    app.api_json(tok, &format!("/api/v1/tickets/{}", id.as_str().unwrap())).await
}

/// The routing notes of a ticket, oldest first, as `(key, args)`.
fn notes(app: &TestApp, ticket_id: &str) -> Vec<(String, Value)> {
    let id = ticket_id.to_string();
    let rows: Vec<Option<String>> = app
        .state
        .db
        .write_blocking(move |c| {
            Ok(ticket_events::table
                .filter(ticket_events::ticket_id.eq(&id))
                .filter(ticket_events::action.eq("routed"))
                .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
                .select(ticket_events::after_value)
                .load(c)?)
        })
        .unwrap();
    rows.into_iter()
        .flatten()
        .map(|r| {
            let v: Value = serde_json::from_str(&r).unwrap();
            (v["key"].as_str().unwrap().to_string(), v["args"].clone())
        })
        .collect()
}

/// How many times a ticket's assignee was changed.
fn assignments(app: &TestApp, ticket_id: &str) -> i64 {
    let id = ticket_id.to_string();
    app.state
        .db
        .write_blocking(move |c| {
            Ok(ticket_events::table
                .filter(ticket_events::ticket_id.eq(&id))
                .filter(ticket_events::field.eq("assignee_id"))
                .count()
                .get_result(c)?)
        })
        .unwrap()
}

/// Move a tenant's tickets and audit trail `hours` into the past, as if they were that old.
fn age(app: &TestApp, t: &Tenant, hours: i64) {
    let tid = t.tenant_id().as_str().to_string();
    app.state
        .db
        .write_blocking(move |c| {
            let events: Vec<(String, chrono::NaiveDateTime)> = ticket_events::table
                .filter(ticket_events::tenant_id.eq(&tid))
                .select((ticket_events::id, ticket_events::created_at))
                .load(c)?;
            for (id, at) in events {
                diesel::update(ticket_events::table.find((&tid, &id)))
                    .set(ticket_events::created_at.eq(at - Duration::hours(hours)))
                    .execute(c)?;
            }
            let ts: Vec<(String, chrono::NaiveDateTime)> = tickets::table
                .filter(tickets::tenant_id.eq(&tid))
                .select((tickets::id, tickets::created_at))
                .load(c)?;
            for (id, at) in ts {
                diesel::update(tickets::table.find((&tid, &id)))
                    .set(tickets::created_at.eq(at - Duration::hours(hours)))
                    .execute(c)?;
            }
            Ok(())
        })
        .unwrap();
}

async fn wait_for_assignee(app: &TestApp, tok: &str, id: &Value, want: &str) -> Value {
    for _ in 0..300 {
        let t = get_ticket(app, tok, id).await;
        if t["assignee_id"] == want {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("ticket {id} never went to {want}");
}

async fn queued_tickets_are_assigned_when_capacity_frees(app: TestApp) {
    let (t, _, _) = app.seed_tenant("queue");
    let (other, _, _) = app.seed_tenant("elsewhere");
    let (tok, other_tok) = (token(&app, &t), token(&app, &other));
    let desk = team(&app, &tok, "Desk", "UTC", around_now(120, 120)).await;
    let ana = agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &desk, 1).await;
    ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{ana}"), json!({"presence": "offline"})).await;
    // Another tenant's queued ticket: nobody there, and Ana must never get it.
    let theirs = team(&app, &other_tok, "Theirs", "UTC", around_now(120, 120)).await;
    let _ = theirs;
    let foreign = ticket(&app, &other_tok, "Deles", json!({})).await;
    assert_eq!(foreign["assignee_id"], Value::Null);

    let older = ticket(&app, &tok, "Conta", json!({})).await;
    let urgent = ticket(&app, &tok, "Fatura", json!({"priority": "high"})).await;
    assert_eq!((older["assignee_id"].clone(), urgent["assignee_id"].clone()), (Value::Null, Value::Null));
    assert_eq!(notes(&app, older["id"].as_str().unwrap())[0].0, "system-routing-queued");
    // Nothing changes while nobody can take them.
    sweep(&app).await;
    assert_eq!(get_ticket(&app, &tok, &older["id"]).await["assignee_id"], Value::Null);

    // Ana comes online with room for one: the higher priority goes first, with its reason.
    ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{ana}"), json!({"presence": "online"})).await;
    sweep(&app).await;
    let u = get_ticket(&app, &tok, &urgent["id"]).await;
    assert_eq!((u["assignee_id"].as_str(), u["status"].as_str()), (Some(ana.as_str()), Some("open")));
    assert_eq!(get_ticket(&app, &tok, &older["id"]).await["assignee_id"], Value::Null, "Ana is at her maximum");
    let n = notes(&app, urgent["id"].as_str().unwrap());
    assert_eq!(n.last().unwrap().0, "system-routing-assigned");
    assert_eq!(n.last().unwrap().1["agent"], "Ana");
    assert_eq!(get_ticket(&app, &other_tok, &foreign["id"]).await["assignee_id"], Value::Null);

    // Solving it frees her: the event consumer gives her the older one.
    ok(
        &app,
        &tok,
        Method::PATCH,
        &format!("/api/v1/tickets/{}", urgent["id"].as_str().unwrap()),
        json!({"status": "solved"}),
    )
    .await;
    wait_for_assignee(&app, &tok, &older["id"], &ana).await;
    assert_eq!(assignments(&app, older["id"].as_str().unwrap()), 1);
    // Sweeping again assigns nothing twice.
    sweep(&app).await;
    assert_eq!(assignments(&app, older["id"].as_str().unwrap()), 1);
    assert_eq!(get_ticket(&app, &other_tok, &foreign["id"]).await["assignee_id"], Value::Null);
}
both!(queued_tickets_are_assigned_when_capacity_frees);

async fn shift_end_hands_tickets_to_the_next_shift_once(app: TestApp) {
    let (t, owner_email, owner_pw) = app.seed_tenant("sun");
    let tok = token(&app, &t);
    let emea = team(&app, &tok, "EMEA", "UTC", around_now(120, 120)).await;
    let apac = team(&app, &tok, "APAC", "UTC", around_now(120, 120)).await;
    let ana = agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &emea, 5).await;
    let wei = agent(&app, &tok, &t, "Wei", json!([{"code": "pt", "level": "fluent"}]), &apac, 0).await;
    let waiting = ticket(&app, &tok, "Conta", json!({})).await;
    let pending = ticket(&app, &tok, "Senha", json!({})).await;
    assert_eq!(
        (waiting["assignee_id"].as_str(), pending["assignee_id"].as_str()),
        (Some(ana.as_str()), Some(ana.as_str()))
    );
    ok(
        &app,
        &tok,
        Method::PATCH,
        &format!("/api/v1/tickets/{}", pending["id"].as_str().unwrap()),
        json!({"status": "pending"}),
    )
    .await;
    ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{wei}"), json!({"max_load": 5})).await;
    // The tickets were routed two hours ago; EMEA's shift ended a minute ago.
    age(&app, &t, 2);
    let ended = json!({"time_zone": "UTC", "shifts": around_now(180, -1), "holidays": []});
    ok(&app, &tok, Method::PUT, &format!("/api/v1/teams/{emea}/schedule"), ended).await;
    sweep(&app).await;

    let w = get_ticket(&app, &tok, &waiting["id"]).await;
    assert_eq!((w["assignee_id"].as_str(), w["team_id"].as_str()), (Some(wei.as_str()), Some(apac.as_str())));
    let n = notes(&app, waiting["id"].as_str().unwrap());
    let (key, args) = n.last().unwrap();
    assert_eq!(
        (key.as_str(), args["from"].as_str(), args["agent"].as_str()),
        ("system-routing-handoff", Some("Ana"), Some("Wei"))
    );
    // Pending waits on the customer: it stays with Ana.
    assert_eq!(get_ticket(&app, &tok, &pending["id"]).await["assignee_id"], ana.as_str());
    let (c, _) = app.signed_in("sun", &owner_email, &owner_pw).await;
    let page = c.get(app.url(&format!("/tickets/{}", w["number"]))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("handed off from Ana at the end of their shift to Wei — APAC shift"), "{page}");
    let page = c
        .get(app.url(&format!("/tickets/{}", w["number"])))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Ana 班次结束，已移交给 Wei"), "zh-CN handoff note");

    // Given back to Ana on purpose after her shift: later sweeps, and a restart, leave it.
    ok(
        &app,
        &tok,
        Method::PATCH,
        &format!("/api/v1/tickets/{}", waiting["id"].as_str().unwrap()),
        json!({"assignee_id": ana}),
    )
    .await;
    sweep(&app).await;
    let app = app.restart(meridian::jobs::Registry::new()).await;
    sweep(&app).await;
    assert_eq!(get_ticket(&app, &tok, &waiting["id"]).await["assignee_id"], ana.as_str());
    assert_eq!(assignments(&app, waiting["id"].as_str().unwrap()), 2, "one handoff, one manual change");
    let tid = t.tenant_id().as_str().to_string();
    let rows: i64 = app
        .state
        .db
        .write_blocking(move |c| {
            Ok(routing_handoffs::table.filter(routing_handoffs::tenant_id.eq(&tid)).count().get_result(c)?)
        })
        .unwrap();
    assert_eq!(rows, 1, "one shift end, handled once");
}
both!(shift_end_hands_tickets_to_the_next_shift_once);

/// Two processes sweeping one PostgreSQL database at once assign every ticket exactly once.
#[actix_web::test]
async fn two_processes_never_assign_a_ticket_twice() {
    let Some(app) = TestApp::start(crate::harness::Backend::Postgres).await else { return };
    let (t, _, _) = app.seed_tenant("pair");
    let tok = token(&app, &t);
    let desk = team(&app, &tok, "Desk", "UTC", around_now(120, 120)).await;
    let ana = agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &desk, 100).await;
    let bo = agent(&app, &tok, &t, "Bo", json!([{"code": "pt", "level": "native"}]), &desk, 100).await;
    for a in [&ana, &bo] {
        ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{a}"), json!({"presence": "offline"})).await;
    }
    let mut ids = vec![];
    for i in 0..30 {
        ids.push(ticket(&app, &tok, &format!("Conta {i}"), json!({})).await["id"].clone());
    }
    // A second process: its own pool on the same database.
    let peer = meridian::app::AppState::init((*app.state.config).clone()).expect("peer state");
    for a in [&ana, &bo] {
        ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{a}"), json!({"presence": "online"})).await;
    }
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            meridian::routing::followup::sweep(&app.state.db, &app.state.changes, &app.state.live, 120),
            meridian::routing::followup::sweep(&peer.db, &peer.changes, &peer.live, 120),
        );
        a.unwrap();
        b.unwrap();
    }
    for id in &ids {
        let tk = get_ticket(&app, &tok, id).await;
        assert!(tk["assignee_id"] == ana.as_str() || tk["assignee_id"] == bo.as_str(), "{tk}");
        assert_eq!(assignments(&app, id.as_str().unwrap()), 1, "{id}");
    }
    peer.close();
}

async fn the_last_stream_closing_sets_an_agent_offline(app: TestApp) {
    let (t, _, _) = app.seed_tenant("away");
    let tok = token(&app, &t);
    let desk = team(&app, &tok, "Desk", "UTC", around_now(120, 120)).await;
    let ana = agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &desk, 5).await;
    let bea = agent(&app, &tok, &t, "Bea", json!([{"code": "pt", "level": "native"}]), &desk, 5).await;
    let (c, _) = app.signed_in("away", "ana@away.example", "pw-Ana-battery-staple").await;
    let res = c.get(app.url("/events")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream();
    assert!(crate::harness::wait_for_frame(&mut stream, 30, |f| f.contains("connected")).await.is_some());
    let (bc, _) = app.signed_in("away", "bea@away.example", "pw-Bea-battery-staple").await;
    let bres = bc.get(app.url("/events")).send().await.unwrap();
    let mut bstream = bres.bytes_stream();
    assert!(crate::harness::wait_for_frame(&mut bstream, 30, |f| f.contains("connected")).await.is_some());
    sweep(&app).await;
    ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{bea}"), json!({"presence": "away"})).await;
    drop(bstream);
    let tid = t.tenant_id().as_str().to_string();
    let stale = move |app: &TestApp| {
        let tid = tid.clone();
        app.state
            .db
            .write_blocking(move |c| {
                diesel::update(agents::table.filter(agents::tenant_id.eq(&tid)))
                    .set(agents::streams_seen_at.eq(Some(Utc::now().naive_utc() - Duration::hours(1))))
                    .execute(c)?;
                Ok(())
            })
            .unwrap()
    };
    // While her stream is open, an old stamp is renewed: she stays online.
    stale(&app);
    sweep(&app).await;
    assert_eq!(app.api_json(&tok, &format!("/api/v1/agents/{ana}")).await["presence"], "online");
    // Her stream closes; once the server has let go of it and the grace has passed, she is offline.
    drop(stream);
    for _ in 0..300 {
        let here = app.state.live.agents_streaming();
        if !here.iter().any(|(_, a)| a == &ana || a == &bea) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stale(&app);
    sweep(&app).await;
    assert_eq!(app.api_json(&tok, &format!("/api/v1/agents/{ana}")).await["presence"], "offline");
    // Bea said "away" herself: auto offline leaves that alone.
    assert_eq!(app.api_json(&tok, &format!("/api/v1/agents/{bea}")).await["presence"], "away");
    // Saying "online" again starts a new grace period.
    ok(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{ana}"), json!({"presence": "online"})).await;
    sweep(&app).await;
    assert_eq!(app.api_json(&tok, &format!("/api/v1/agents/{ana}")).await["presence"], "online");
}
both!(the_last_stream_closing_sets_an_agent_offline);

async fn a_corrected_language_reroutes_a_queued_ticket(app: TestApp) {
    let (t, _, _) = app.seed_tenant("fix");
    let tok = token(&app, &t);
    let desk = team(&app, &tok, "Desk", "UTC", around_now(120, 120)).await;
    let german = team(&app, &tok, "German", "UTC", around_now(120, 120)).await;
    let ana = agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &desk, 5).await;
    let rules = json!({"rules": [{"when": {"language": "de"}, "then": {"team_id": german}}]});
    ok(&app, &tok, Method::PUT, "/api/v1/routing/rules", rules).await;
    // Wrongly in German: the German team has nobody, so it waits.
    let tk = ticket(&app, &tok, "Conta", json!({"language": "de"})).await;
    assert_eq!((tk["assignee_id"].clone(), tk["team_id"].as_str()), (Value::Null, Some(german.as_str())));
    let path = format!("/api/v1/tickets/{}", tk["id"].as_str().unwrap());
    let (s, v) = send(&app, &tok, Method::PATCH, &path, Some(json!({"language": "not a tag"}))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("language")));
    ok(&app, &tok, Method::PATCH, &path, json!({"language": "pt"})).await;
    let fixed = wait_for_assignee(&app, &tok, &tk["id"], &ana).await;
    assert_eq!((fixed["language"].as_str(), fixed["team_id"].as_str()), (Some("pt"), Some(desk.as_str())));
    // The correction is in the audit trail.
    let id = tk["id"].as_str().unwrap().to_string();
    let changed: Vec<(Option<String>, Option<String>)> = app
        .state
        .db
        .write_blocking(move |c| {
            Ok(ticket_events::table
                .filter(ticket_events::ticket_id.eq(&id))
                .filter(ticket_events::field.eq("language"))
                .select((ticket_events::before_value, ticket_events::after_value))
                .load(c)?)
        })
        .unwrap();
    assert_eq!(changed, vec![(Some("de".to_string()), Some("pt".to_string()))]);
    // Another tenant cannot correct it.
    let (other, _, _) = app.seed_tenant("other");
    let (s, _) = send(&app, &token(&app, &other), Method::PATCH, &path, Some(json!({"language": "de"}))).await;
    assert_eq!(s, 404);
}
both!(a_corrected_language_reroutes_a_queued_ticket);

async fn rules_match_the_requester_domain_and_vip(app: TestApp) {
    let (t, _, _) = app.seed_tenant("vipdesk");
    let (other, _, _) = app.seed_tenant("vipother");
    let tok = token(&app, &t);
    let general = team(&app, &tok, "General", "UTC", around_now(120, 120)).await;
    let key = team(&app, &tok, "Key accounts", "UTC", around_now(120, 120)).await;
    let vips = team(&app, &tok, "VIP", "UTC", around_now(120, 120)).await;
    let gil = agent(&app, &tok, &t, "Gil", json!([{"code": "pt", "level": "native"}]), &general, 8).await;
    let kim = agent(&app, &tok, &t, "Kim", json!([{"code": "pt", "level": "native"}]), &key, 8).await;
    let vera = agent(&app, &tok, &t, "Vera", json!([{"code": "pt", "level": "native"}]), &vips, 8).await;
    let (s, v) = send(
        &app,
        &tok,
        Method::PUT,
        "/api/v1/routing/rules",
        Some(json!({"rules": [{"when": {"requester_domain": "not a domain"}}]})),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("rules[0].when.requester_domain")), "{v}");
    let rules = json!({"rules": [
        {"when": {"vip": true}, "then": {"team_id": vips}},
        {"when": {"requester_domain": "@BigCorp.example."}, "then": {"team_id": key}}]});
    let saved = ok(&app, &tok, Method::PUT, "/api/v1/routing/rules", rules).await;
    assert_eq!(saved["rules"][1]["when"]["requester_domain"], "bigcorp.example");
    // A subdomain matches; a lookalike does not.
    let k = ticket(&app, &tok, "Conta", json!({"requester": {"email": "ana@eu.BigCorp.example"}})).await;
    assert_eq!(k["assignee_id"], kim.as_str());
    let g = ticket(&app, &tok, "Conta", json!({"requester": {"email": "ana@notbigcorp.example"}})).await;
    assert_eq!(g["assignee_id"], gil.as_str());
    // The contact becomes a VIP through the contacts API; their next ticket goes to the VIP team.
    let contact = g["requester_id"].as_str().unwrap().to_string();
    let c = ok(&app, &tok, Method::PATCH, &format!("/api/v1/contacts/{contact}"), json!({"vip": true})).await;
    assert_eq!(c["vip"], true);
    let v = ticket(&app, &tok, "Conta", json!({"requester": {"email": "ana@notbigcorp.example"}})).await;
    assert_eq!(v["assignee_id"], vera.as_str());
    let v = ticket(&app, &tok, "Conta", json!({"requester": {"id": contact}})).await;
    assert_eq!(v["assignee_id"], vera.as_str(), "named by id");
    let (s, v) =
        send(&app, &tok, Method::PATCH, &format!("/api/v1/contacts/{contact}"), Some(json!({"vip": "yes"}))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("vip")), "{v}");
    // Another tenant cannot see or flag the contact.
    let (s, _) = send(
        &app,
        &token(&app, &other),
        Method::PATCH,
        &format!("/api/v1/contacts/{contact}"),
        Some(json!({"vip": false})),
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(app.api_json(&tok, &format!("/api/v1/contacts/{contact}")).await["vip"], true);
}
both!(rules_match_the_requester_domain_and_vip);
