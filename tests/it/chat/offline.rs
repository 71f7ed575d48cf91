//! Nobody on shift: the widget is told when someone will be back, the conversation gets a
//! localized notice, and an agent's later reply goes out by mail once the visitor has left
//! (not while they read it live), and their mailed answer threads back into the conversation.

use std::time::Duration;

use chrono::{Timelike, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use super::{agent_posts, api_token, owner_id, ticket_messages, Widget};
use crate::harness::TestApp;
use meridian::email::outbound;

async fn api(app: &TestApp, tok: &str, method: Method, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new().request(method, app.url(path)).bearer_auth(tok).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

async fn nobody_on_shift_says_when_and_replies_by_mail(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let agent = owner_id(&app, &tok).await;
    // One team whose only shift starts about three hours from now, on the hour (UTC).
    let start = (Utc::now() + chrono::Duration::hours(3))
        .with_minute(0)
        .unwrap()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let end = start + chrono::Duration::hours(1);
    let team = api(&app, &tok, Method::POST, "/api/v1/teams", json!({"name": "Day"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let days = json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    let shift =
        json!({"days": days, "start": start.format("%H:%M").to_string(), "end": end.format("%H:%M").to_string()});
    api(
        &app,
        &tok,
        Method::PUT,
        &format!("/api/v1/teams/{team}/schedule"),
        json!({"time_zone": "UTC", "shifts": [shift], "holidays": []}),
    )
    .await;
    let profile = json!({"languages": [{"code": "en", "level": "native"}], "team_ids": [team], "presence": "online", "max_load": 5});
    api(&app, &tok, Method::PATCH, &format!("/api/v1/agents/{agent}"), profile).await;

    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let off = w.recv_type("offline").await;
    let back = chrono::DateTime::parse_from_rfc3339(off["back_at"].as_str().expect("back_at")).unwrap();
    assert_eq!(back.with_timezone(&Utc), start, "{off}");

    let ack = w.say("c-1", "Is anyone there?").await;
    let ticket = ack["conversation_id"].as_str().unwrap().to_string();
    let mut frames = vec![];
    while frames.len() < 2 {
        let f = w.recv_type("message").await;
        frames.push((f["author"].as_str().unwrap().to_string(), f["body"].as_str().unwrap().to_string()));
    }
    assert_eq!(frames[0], ("visitor".into(), "Is anyone there?".into()));
    assert_eq!(frames[1].0, "system");
    assert!(frames[1].1.starts_with("Nobody is available right now."), "{frames:?}");
    assert!(frames[1].1.contains(&start.format("%H:%M").to_string()), "{frames:?}");

    // The widget's email form: the next hello carries the address, which the conversation's
    // (so far anonymous) contact takes.
    w.leave().await;
    let hello = json!({"visitor_token": token, "email": "Rita@Customer.example", "last_seen_id": null});
    let (mut w, welcome) = Widget::hello(&app, "acme", hello).await;
    assert_eq!(welcome["conversation_id"], ticket.as_str());
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    let contact = app.api_json(&tok, &format!("/api/v1/contacts/{}", t["requester_id"].as_str().unwrap())).await;
    assert_eq!(contact["email"], "rita@customer.example");
    // (The replayed history comes first.)
    assert_eq!(w.recv_type("message").await["body"], "Is anyone there?");
    w.recv_type("message").await;

    // Read live: no mail for this one.
    let live = agent_posts(&app, &tok, &ticket, &agent, "reply", "I am here early").await;
    assert_eq!(w.recv_type("message").await["body"], "I am here early");
    w.leave().await;
    // Gone: this one is mailed to the address the visitor gave.
    let mailed = agent_posts(&app, &tok, &ticket, &agent, "reply", "Your parcel ships today").await;
    let tid = acme.tenant_id();
    let mut replies = vec![];
    for _ in 0..300 {
        let t = tid.clone();
        let rows = app.state.db.read(move |c| outbound::list(c, &t)).await.unwrap();
        replies = rows.into_iter().filter(|r| r.kind == "reply").collect::<Vec<_>>();
        if !replies.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The consumer takes events in order, so the live reply was decided before this one.
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0].to_address, "rita@customer.example");
    assert_eq!(replies[0].message_row_id.as_deref(), mailed["id"].as_str());
    assert_ne!(replies[0].message_row_id.as_deref(), live["id"].as_str());
    let kinds: Vec<String> = ticket_messages(&app, &tok, &ticket).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["reply", "system", "reply", "reply"]);

    // Rita answers the mail: it threads into the chat, and the widget shows it when she is back.
    let (t, tk) = (acme.tenant_id(), ticket.clone());
    let (secret, plus) = app
        .state
        .db
        .write_blocking(move |c| {
            let secret = meridian::email::store::inbound_secret(c, &t)?;
            Ok((secret, meridian::email::threads::reply_token_for(c, &t, &tk)?))
        })
        .unwrap();
    let raw = format!(
        "From: Rita <rita@customer.example>\r\nTo: acme+{plus}@mail.desk.test\r\nSubject: Re: Is anyone there?\r\n\
         Message-ID: <r1@customer.example>\r\nIn-Reply-To: <{}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nGreat, thank you!\r\n",
        replies[0].message_id_header
    );
    let r = reqwest::Client::new()
        .post(app.url("/inbound/email/acme"))
        .bearer_auth(&secret)
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let mut stored = vec![];
    for _ in 0..300 {
        stored = ticket_messages(&app, &tok, &ticket).await;
        if stored.len() == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored.last().map(|(_, b)| b.as_str()), Some("Great, thank you!"), "{stored:?}");
    let (mut w, _) = Widget::hello(&app, "acme", json!({"visitor_token": token})).await;
    let mut bodies = vec![];
    while bodies.len() < 5 {
        let f = w.recv_type("message").await;
        bodies.push((f["author"].as_str().unwrap().to_string(), f["body"].as_str().unwrap().to_string()));
    }
    assert_eq!(bodies[4], ("visitor".into(), "Great, thank you!".into()), "{bodies:?}");
}
both!(nobody_on_shift_says_when_and_replies_by_mail);

async fn a_desk_without_schedules_is_never_offline(app: TestApp) {
    app.seed_tenant("acme");
    let (mut w, _) = Widget::hello(&app, "acme", json!({"locale": "zh-CN"})).await;
    // The first frame after the welcome answers the message: no offline frame came before it.
    w.send(json!({"type": "message", "client_id": "c-1", "body": "你好"})).await;
    let f = w.recv().await;
    assert_eq!(f["type"], "ack", "{f}");
}
both!(a_desk_without_schedules_is_never_offline);
