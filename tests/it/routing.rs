//! Routing by language and shifts, through the API: schedules, agents' profiles, the preview at a
//! chosen instant, new tickets routed with their reason on the ticket page, tenant isolation and
//! precise errors.

use reqwest::Client;
use serde_json::{json, Value};

use crate::harness::TestApp;
use meridian::accounts::{tokens, Role};
use meridian::tenancy::Tenant;

pub(crate) fn token(app: &TestApp, t: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &t.tenant_id(), "routing", None)).unwrap().1
}

pub(crate) async fn send(
    app: &TestApp,
    tok: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = Client::new().request(method, app.url(path)).bearer_auth(tok);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn ok(app: &TestApp, tok: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let (s, v) = send(app, tok, method.clone(), path, Some(body)).await;
    assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
    v
}

pub(crate) async fn team(app: &TestApp, tok: &str, name: &str, zone: &str, shifts: Value) -> String {
    let t = ok(app, tok, reqwest::Method::POST, "/api/v1/teams", json!({"name": name})).await;
    let id = t["id"].as_str().unwrap().to_string();
    let body = json!({"time_zone": zone, "shifts": shifts, "holidays": [{"date": "2030-12-25", "name": "Christmas"}]});
    let saved = ok(app, tok, reqwest::Method::PUT, &format!("/api/v1/teams/{id}/schedule"), body.clone()).await;
    assert_eq!(saved, body);
    id
}

pub(crate) async fn agent(
    app: &TestApp,
    tok: &str,
    tenant: &Tenant,
    name: &str,
    langs: Value,
    team_id: &str,
    max: i64,
) -> String {
    let (id, _, _) = app.add_agent(tenant, name, Role::Agent);
    let patch = json!({"languages": langs, "team_ids": [team_id], "presence": "online", "max_load": max, "skills": ["Billing"]});
    let v = ok(app, tok, reqwest::Method::PATCH, &format!("/api/v1/agents/{id}"), patch).await;
    assert_eq!(v["presence"], "online");
    assert_eq!(v["skills"], json!(["billing"]));
    assert_eq!(v["team_ids"], json!([team_id]));
    id
}

fn week(start: &str, end: &str) -> Value {
    json!([{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": start, "end": end}])
}

pub(crate) async fn preview(app: &TestApp, tok: &str, body: Value) -> Value {
    ok(app, tok, reqwest::Method::POST, "/api/v1/routing/preview", body).await
}

fn pt_ticket(at: &str) -> Value {
    json!({"subject": "Conta bloqueada", "message": {"body": "Olá, não consigo entrar na minha conta desde ontem. Podem ajudar?"},
           "requester": {"email": "joao@example.com.br"}, "language": "pt-BR", "at": at})
}

async fn sao_paulo_dublin_singapore(app: TestApp) {
    let (t, _, _) = app.seed_tenant("sun");
    let tok = token(&app, &t);
    let amer = team(&app, &tok, "AMER", "America/Sao_Paulo", week("09:00", "18:00")).await;
    let emea = team(&app, &tok, "EMEA", "Europe/Dublin", week("08:00", "17:00")).await;
    let apac = team(&app, &tok, "APAC", "Asia/Singapore", week("08:00", "17:00")).await;
    let bruna = agent(&app, &tok, &t, "Bruna", json!([{"code": "pt", "level": "native"}]), &amer, 8).await;
    agent(
        &app,
        &tok,
        &t,
        "Sean",
        json!([{"code": "en", "level": "native"}, {"code": "pt", "level": "basic"}]),
        &emea,
        8,
    )
    .await;
    let rita = agent(
        &app,
        &tok,
        &t,
        "Rita",
        json!([{"code": "pt-BR", "level": "fluent"}, {"code": "en", "level": "native"}]),
        &apac,
        8,
    )
    .await;
    let a = app.api_json(&tok, &format!("/api/v1/agents/{rita}")).await;
    assert_eq!(a["languages"], json!([{"code": "en", "level": "native"}, {"code": "pt-BR", "level": "fluent"}]));
    assert_eq!((a["max_load"].as_i64(), a["open_load"].as_i64()), (Some(8), Some(0)));

    // 03:00 in São Paulo (a Monday in 2030, UTC−3): Singapore is at 14:00, Dublin at 06:00.
    let p = preview(&app, &tok, pt_ticket("2030-12-02T06:00:00Z")).await;
    assert_eq!(p["language"], json!({"code": "pt-BR", "confidence": 1.0, "source": "explicit"}));
    let d = &p["decision"];
    assert_eq!(d["outcome"], "assigned");
    assert_eq!(d["agent_id"], rita.as_str());
    assert_eq!(d["team_id"], apac.as_str());
    assert_eq!(d["reason"], "routed to Rita — pt (fluent), APAC shift 08:00–17:00 Asia/Singapore, load 0/8");
    // At noon in São Paulo, Bruna; the language is detected when the body names none.
    let mut body = pt_ticket("2030-12-02T15:00:00Z");
    body.as_object_mut().unwrap().remove("language");
    let p = preview(&app, &tok, body).await;
    assert_eq!((p["language"]["code"].as_str(), p["language"]["source"].as_str()), (Some("pt"), Some("detected")));
    assert!(p["language"]["confidence"].as_f64().unwrap() >= 0.5);
    assert_eq!(p["decision"]["agent_id"], bruna.as_str());
    // 22:00 UTC: everyone is off (São Paulo 19:00, Dublin 22:00, Singapore 06:00): queued for the
    // team whose next shift with a speaker starts first, Singapore at 08:00 local = 00:00 UTC.
    let p = preview(&app, &tok, pt_ticket("2030-12-02T22:00:00Z")).await;
    assert_eq!(p["decision"]["outcome"], "queued");
    assert_eq!(p["decision"]["team_id"], apac.as_str());
    assert_eq!(p["decision"]["agent_id"], Value::Null);
    assert_eq!(p["decision"]["expected_pickup_at"], "2030-12-03T00:00:00Z");
    // Christmas is a holiday in every team's zone: the next shift is Singapore's on the 26th.
    let p = preview(&app, &tok, pt_ticket("2030-12-24T22:00:00Z")).await;
    assert_eq!(p["decision"]["expected_pickup_at"], "2030-12-26T00:00:00Z");
    // The basic fallback takes Sean in Dublin's morning when no fluent speaker is on.
    ok(&app, &tok, reqwest::Method::PUT, "/api/v1/routing/settings", json!({"fallback": "basic"})).await;
    let p = preview(&app, &tok, pt_ticket("2030-12-02T10:00:00Z")).await;
    assert_eq!(p["decision"]["reason"].as_str().unwrap().split(" — ").next(), Some("routed to Sean"));
    let (_, s) = send(&app, &tok, reqwest::Method::GET, "/api/v1/routing/settings", None).await;
    assert_eq!(s["fallback"], "basic");
}
both!(sao_paulo_dublin_singapore);

async fn dst_edges_through_the_preview(app: TestApp) {
    let (t, _, _) = app.seed_tenant("dst");
    let tok = token(&app, &t);
    let emea = team(&app, &tok, "EMEA", "Europe/Lisbon", week("08:00", "17:00")).await;
    let ana = agent(&app, &tok, &t, "Ana", json!([{"code": "pt", "level": "native"}]), &emea, 8).await;
    // Saturday before Lisbon's spring change (UTC+0): 07:30 UTC is 07:30 local, off shift.
    let p = preview(&app, &tok, pt_ticket("2030-03-30T07:30:00Z")).await;
    assert_eq!(p["decision"]["outcome"], "queued");
    assert_eq!(p["decision"]["expected_pickup_at"], "2030-03-30T08:00:00Z");
    // The Sunday after (UTC+1): the same UTC instant is 08:30 local, on shift.
    let p = preview(&app, &tok, pt_ticket("2030-03-31T07:30:00Z")).await;
    assert_eq!(p["decision"]["agent_id"], ana.as_str());
    assert_eq!(p["decision"]["reason"], "routed to Ana — pt (native), EMEA shift 08:00–17:00 Europe/Lisbon, load 0/8");
    // The shift ends at 17:00 local = 16:00 UTC in summer.
    let p = preview(&app, &tok, pt_ticket("2030-03-31T16:00:00+00:00")).await;
    assert_eq!(p["decision"]["expected_pickup_at"], "2030-04-01T07:00:00Z");
    // Autumn change (2030-10-27, back to UTC+0): 07:30 UTC is 07:30 local again.
    let p = preview(&app, &tok, pt_ticket("2030-10-27T07:30:00Z")).await;
    assert_eq!(p["decision"]["expected_pickup_at"], "2030-10-27T08:00:00Z");
    // A night shift across that night: 22:00 Saturday to 06:00 Sunday local, nine real hours.
    let night = json!({"time_zone": "Europe/Lisbon", "shifts": [{"days": ["sat"], "start": "22:00", "end": "06:00"}], "holidays": []});
    ok(&app, &tok, reqwest::Method::PUT, &format!("/api/v1/teams/{emea}/schedule"), night).await;
    let p = preview(&app, &tok, pt_ticket("2030-10-27T05:30:00Z")).await;
    assert_eq!(p["decision"]["agent_id"], ana.as_str());
    let p = preview(&app, &tok, pt_ticket("2030-10-27T06:00:00Z")).await;
    assert_eq!(p["decision"]["outcome"], "queued");
}
both!(dst_edges_through_the_preview);

async fn new_tickets_are_routed_never_to_unavailable_agents(app: TestApp) {
    let (t, owner_email, owner_pw) = app.seed_tenant("desk");
    let tok = token(&app, &t);
    // On shift around the clock, whenever the test runs.
    let all = team(
        &app,
        &tok,
        "All",
        "UTC",
        json!([{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "12:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "12:00", "end": "00:00"}]),
    )
    .await;
    let pt = json!([{"code": "pt", "level": "native"}]);
    let ana = agent(&app, &tok, &t, "Ana", pt.clone(), &all, 2).await;
    let bea = agent(&app, &tok, &t, "Bea", pt.clone(), &all, 9).await;
    let caio = agent(&app, &tok, &t, "Caio", pt.clone(), &all, 9).await;
    let duda = agent(&app, &tok, &t, "Duda", pt.clone(), &all, 1).await;
    let eva = agent(&app, &tok, &t, "Eva", pt.clone(), &all, 9).await;
    ok(&app, &tok, reqwest::Method::PATCH, &format!("/api/v1/agents/{bea}"), json!({"presence": "away"})).await;
    ok(&app, &tok, reqwest::Method::PATCH, &format!("/api/v1/agents/{caio}"), json!({"presence": "offline"})).await;
    // Eva's own week has no shift now: a one-minute window two hours away.
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).format("%H:%M").to_string();
    let later_end =
        (chrono::Utc::now() + chrono::Duration::hours(2) + chrono::Duration::minutes(1)).format("%H:%M").to_string();
    let own = json!({"shifts": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": later, "end": later_end}]});
    let e = ok(&app, &tok, reqwest::Method::PATCH, &format!("/api/v1/agents/{eva}"), own).await;
    assert_eq!(e["shifts"][0]["start"], later.as_str());
    // Duda is full: one open ticket of a maximum of one.
    let body = |subject: &str| {
        json!({"subject": subject, "message": {"body": "Olá, não consigo entrar na minha conta desde ontem. Podem ajudar, por favor?"},
               "requester": {"email": "cliente@example.com.br"}})
    };
    let mut pinned = body("Fatura");
    pinned["assignee_id"] = json!(duda);
    ok(&app, &tok, reqwest::Method::POST, "/api/v1/tickets", pinned).await;

    let first = ok(&app, &tok, reqwest::Method::POST, "/api/v1/tickets", body("Conta bloqueada")).await;
    assert_eq!(first["assignee_id"], ana.as_str(), "{first}");
    assert_eq!(first["team_id"], all.as_str());
    assert_eq!(first["status"], "open");
    assert_eq!(first["language"], "pt", "detected");
    let second = ok(&app, &tok, reqwest::Method::POST, "/api/v1/tickets", body("Senha")).await;
    assert_eq!(second["assignee_id"], ana.as_str());
    // Ana is now at her maximum; everyone else is away, offline, off shift or full: the ticket
    // waits for the team, at the next shift start with a free speaker.
    let third = ok(&app, &tok, reqwest::Method::POST, "/api/v1/tickets", body("Pedido")).await;
    assert_eq!(third["assignee_id"], Value::Null, "{third}");
    assert_eq!(third["team_id"], all.as_str());
    assert_eq!(third["status"], "new");
    let a = app.api_json(&tok, &format!("/api/v1/agents/{ana}")).await;
    assert_eq!(a["open_load"], 2);

    // The reason is on the ticket page, in the reader's language.
    let (c, _) = app.signed_in("desk", &owner_email, &owner_pw).await;
    let page = c.get(app.url(&format!("/tickets/{}", first["number"]))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("routed to Ana — pt (native), All shift 00:00–12:00 UTC, load 0/2")
            || page.contains("routed to Ana — pt (native), All shift 12:00–00:00 UTC, load 0/2"),
        "{page}"
    );
    let page = c
        .get(app.url(&format!("/tickets/{}", first["number"])))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已分配给 Ana — pt（母语），All 班次"), "zh-CN reason");
    let page = c.get(app.url(&format!("/tickets/{}", third["number"]))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("queued for All — the next pt speaker"), "queued reason");

    // The console's presence control takes Ana out of the rotation.
    let (ac, csrf) = app.signed_in("desk", "ana@desk.example", "pw-Ana-battery-staple").await;
    let r = ac
        .post(app.url("/profile/presence"))
        .form(&[("presence", "away"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    assert_eq!(app.api_json(&tok, &format!("/api/v1/agents/{ana}")).await["presence"], "away");
}
both!(new_tickets_are_routed_never_to_unavailable_agents);

async fn other_tenants_ids_are_not_found_and_never_routed_to(app: TestApp) {
    let (a, _, _) = app.seed_tenant("alpha");
    let (b, _, _) = app.seed_tenant("bravo");
    let (ta, tb) = (token(&app, &a), token(&app, &b));
    let b_team = team(&app, &tb, "Bravo", "UTC", week("00:00", "12:00")).await;
    let b_agent = agent(&app, &tb, &b, "Bruno", json!([{"code": "pt", "level": "native"}]), &b_team, 8).await;
    let a_team = team(&app, &ta, "Alpha", "UTC", week("00:00", "12:00")).await;
    let schedule = json!({"time_zone": "UTC", "shifts": [], "holidays": []});
    use reqwest::Method;
    for (m, path, body) in [
        (Method::GET, format!("/api/v1/teams/{b_team}/schedule"), None),
        (Method::PUT, format!("/api/v1/teams/{b_team}/schedule"), Some(schedule.clone())),
        (Method::GET, format!("/api/v1/agents/{b_agent}"), None),
        (Method::PATCH, format!("/api/v1/agents/{b_agent}"), Some(json!({"presence": "offline"}))),
    ] {
        let (s, v) = send(&app, &ta, m.clone(), &path, body).await;
        assert_eq!(s, 404, "{m} {path}: {v}");
    }
    // B's team in A's agent profile is an unknown team.
    let (a_agent, _, _) = app.add_agent(&a, "Alice", Role::Agent);
    let (s, v) =
        send(&app, &ta, Method::PATCH, &format!("/api/v1/agents/{a_agent}"), Some(json!({"team_ids": [b_team]}))).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("team_ids[0]")));
    // Bruno is untouched, and A's routing never sees him even with nobody of its own.
    let bruno = app.api_json(&tb, &format!("/api/v1/agents/{b_agent}")).await;
    assert_eq!(bruno["presence"], "online");
    let b_sched = app.api_json(&tb, &format!("/api/v1/teams/{b_team}/schedule")).await;
    assert_eq!(b_sched["shifts"].as_array().map(Vec::len), Some(1));
    let p = preview(&app, &ta, pt_ticket("2030-12-02T06:00:00Z")).await;
    assert_eq!(p["decision"]["agent_id"], Value::Null);
    assert_ne!(p["decision"]["team_id"], b_team.as_str());
    let _ = a_team;
}
both!(other_tenants_ids_are_not_found_and_never_routed_to);

async fn bad_input_names_the_field_and_loses_nothing(app: TestApp) {
    let (t, _, _) = app.seed_tenant("strict");
    let tok = token(&app, &t);
    let id = team(&app, &tok, "EMEA", "Europe/Lisbon", week("08:00", "17:00")).await;
    let path = format!("/api/v1/teams/{id}/schedule");
    let shift = |s: &str, e: &str| json!([{"days": ["mon"], "start": s, "end": e}]);
    for (body, field) in [
        (json!({"time_zone": "Europe/Atlantis", "shifts": []}), "time_zone"),
        (json!({"time_zone": "UTC", "shifts": shift("8:00", "17:00")}), "shifts[0].start"),
        (json!({"time_zone": "UTC", "shifts": shift("08:00", "24:00")}), "shifts[0].end"),
        (json!({"time_zone": "UTC", "shifts": shift("08:00", "08:00")}), "shifts[0].end"),
        (
            json!({"time_zone": "UTC", "shifts": [{"days": ["monday"], "start": "08:00", "end": "09:00"}]}),
            "shifts[0].days[0]",
        ),
        (json!({"time_zone": "UTC", "holidays": [{"date": "2030-02-30"}]}), "holidays[0].date"),
    ] {
        let (s, v) = send(&app, &tok, reqwest::Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(s, 422, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
    }
    let kept = app.api_json(&tok, &path).await;
    assert_eq!(kept["time_zone"], "Europe/Lisbon", "a refused body changes nothing");
    let (agent_id, _, _) = app.add_agent(&t, "Ana", Role::Agent);
    let apath = format!("/api/v1/agents/{agent_id}");
    for (body, field) in [
        (json!({"languages": [{"code": "xx", "level": "native"}]}), "languages[0].code"),
        (
            json!({"languages": [{"code": "pt", "level": "native"}, {"code": "klingon", "level": "basic"}]}),
            "languages[1].code",
        ),
        (json!({"languages": [{"code": "pt", "level": "expert"}]}), "languages[0].level"),
        (json!({"max_load": -1}), "max_load"),
        (json!({"presence": "busy"}), "presence"),
        (json!({"skills": ["no spaces allowed"]}), "skills"),
        (json!({"shifts": [{"days": ["mon"], "start": "09:00", "end": "09:00"}]}), "shifts[0].end"),
        (json!({"time_off": [{"date": "tomorrow"}]}), "time_off[0].date"),
    ] {
        let (s, v) = send(&app, &tok, reqwest::Method::PATCH, &apath, Some(body.clone())).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{body}: {v}");
    }
    // A refused patch wrote none of its fields, even the valid ones before the bad one.
    let (s, _) = send(
        &app,
        &tok,
        reqwest::Method::PATCH,
        &apath,
        Some(json!({"max_load": 3, "languages": [{"code": "xx", "level": "basic"}]})),
    )
    .await;
    assert_eq!(s, 422);
    let a = app.api_json(&tok, &apath).await;
    assert_eq!((a["max_load"].as_i64(), a["languages"].as_array().map(Vec::len)), (Some(10), Some(0)));
    for (at, field) in [("yesterday", "at"), ("2030-12-02 06:00:00Z", "at")] {
        let (s, v) = send(&app, &tok, reqwest::Method::POST, "/api/v1/routing/preview", Some(pt_ticket(at))).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{at}: {v}");
    }
    let mut bad_lang = pt_ticket("2030-12-02T06:00:00Z");
    bad_lang["language"] = json!("not a tag");
    let (s, v) = send(&app, &tok, reqwest::Method::POST, "/api/v1/routing/preview", Some(bad_lang)).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("language")));
}
both!(bad_input_names_the_field_and_loses_nothing);

async fn rules_send_matches_to_a_team_and_change_priority(app: TestApp) {
    let (t, _, _) = app.seed_tenant("rules");
    let (other, _, _) = app.seed_tenant("other");
    let tok = token(&app, &t);
    let foreign = team(&app, &token(&app, &other), "Theirs", "UTC", week("00:00", "12:00")).await;
    let day = json!([{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "12:00"},
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "12:00", "end": "00:00"}]);
    let general = team(&app, &tok, "General", "UTC", day.clone()).await;
    let vip = team(&app, &tok, "VIP", "UTC", day).await;
    agent(&app, &tok, &t, "Gil", json!([{"code": "pt", "level": "native"}]), &general, 8).await;
    let vera = agent(&app, &tok, &t, "Vera", json!([{"code": "pt", "level": "native"}]), &vip, 8).await;
    for (rules, field) in [
        (json!([{"then": {"team_id": foreign}}]), "rules[0].then.team_id"),
        (json!([{"when": {"language": "not a tag"}}]), "rules[0].when.language"),
        (json!([{"when": {"tags": ["two words"]}}]), "rules[0].when.tags"),
    ] {
        let (s, v) =
            send(&app, &tok, reqwest::Method::PUT, "/api/v1/routing/rules", Some(json!({"rules": rules}))).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{v}");
    }
    let rules = json!({"rules": [{"when": {"tags": ["VIP"]}, "then": {"team_id": vip, "priority": "urgent"}}]});
    let saved = ok(&app, &tok, reqwest::Method::PUT, "/api/v1/routing/rules", rules).await;
    assert_eq!(saved["rules"][0]["when"]["tags"], json!(["vip"]));
    assert_eq!(app.api_json(&tok, "/api/v1/routing/rules").await, saved);
    let body = json!({"subject": "Conta", "message": {"body": "Olá, não consigo entrar na minha conta desde ontem."},
        "requester": {"email": "vip@example.com.br"}, "tags": ["vip"], "language": "pt"});
    let tk = ok(&app, &tok, reqwest::Method::POST, "/api/v1/tickets", body).await;
    assert_eq!((tk["assignee_id"].as_str(), tk["team_id"].as_str()), (Some(vera.as_str()), Some(vip.as_str())));
    assert_eq!(tk["priority"], "urgent");
    let mut p = pt_ticket("2030-12-02T06:00:00Z");
    p["tags"] = json!(["vip"]);
    let d = preview(&app, &tok, p).await;
    assert_eq!(
        (d["decision"]["agent_id"].as_str(), d["decision"]["priority"].as_str()),
        (Some(vera.as_str()), Some("urgent"))
    );
}
both!(rules_send_matches_to_a_team_and_change_priority);
