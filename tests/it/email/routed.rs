//! Mail opens tickets through the same routing as every channel: the language of the visible text,
//! then an on-shift speaker.

use serde_json::json;

use super::*;
use crate::harness::TestApp;
use meridian::accounts::Role;

async fn a_portuguese_mail_reaches_the_portuguese_speaker(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let api = reqwest::Client::new();
    let team: Value = api
        .post(app.url("/api/v1/teams"))
        .bearer_auth(&tok)
        .json(&json!({"name": "All"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let team_id = team["id"].as_str().unwrap().to_string();
    let every = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let schedule = json!({"time_zone": "UTC", "shifts": [{"days": every, "start": "00:00", "end": "12:00"},
        {"days": every, "start": "12:00", "end": "00:00"}]});
    let r =
        api.put(app.url(&format!("/api/v1/teams/{team_id}/schedule"))).bearer_auth(&tok).json(&schedule).send().await;
    assert_eq!(r.unwrap().status(), 200);
    let mut ids = vec![];
    for (name, lang) in [("Eric", "en"), ("Ana", "pt")] {
        let (id, _, _) = app.add_agent(&acme, name, Role::Agent);
        let patch =
            json!({"languages": [{"code": lang, "level": "native"}], "team_ids": [team_id], "presence": "online"});
        let r = api.patch(app.url(&format!("/api/v1/agents/{id}"))).bearer_auth(&tok).json(&patch).send().await;
        assert_eq!(r.unwrap().status(), 200);
        ids.push(id);
    }
    let raw = mail(
        "joao@cliente.example",
        "acme@mail.desk.test",
        "Pedido atrasado",
        "Message-ID: <pt1@cliente.example>\r\n",
        "Olá, o meu pedido ainda não chegou e já passaram duas semanas. Podem verificar, por favor?",
    );
    let report = smtp(&app, "joao@cliente.example", &["acme@mail.desk.test"], &raw).await;
    accepted(&report);
    assert_eq!(settled(&app, &acme).await[0].state, "filed");
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["language"], "pt");
    assert_eq!(list[0]["assignee_id"], ids[1].as_str(), "Ana, not Eric: {}", list[0]);
    assert_eq!(list[0]["team_id"], team_id.as_str());
}
both_mail!(a_portuguese_mail_reaches_the_portuguese_speaker);
