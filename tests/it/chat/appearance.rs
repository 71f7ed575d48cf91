//! The widget's pre-chat form and its colour and greeting per language: set through the API,
//! told in `welcome` in the visitor's language, a required form enforced by the server, bad
//! input refused naming the field, and one workspace's settings never another's.

use serde_json::{json, Value};

use super::{api_token, Widget};
use crate::harness::TestApp;

async fn put(app: &TestApp, tok: &str, body: Value) -> (u16, Value) {
    let r =
        reqwest::Client::new().put(app.url("/api/v1/chat/settings")).bearer_auth(tok).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn the_welcome_carries_the_form_and_the_look_of_the_visitors_language(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    app.seed_tenant("globex");
    let tok = api_token(&app, &acme);
    let looks =
        json!({"en": {"color": "#AA3300", "greeting": "Hi! How can we help?"}, "zh-CN": {"greeting": "您好！"}});
    let (s, v) = put(&app, &tok, json!({"prechat": "required", "appearance": looks})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prechat"], "required");
    assert_eq!(v["appearance"]["en"], json!({"color": "#aa3300", "greeting": "Hi! How can we help?"}));
    assert!(v["allowed_origins"].as_array().unwrap().is_empty(), "origins kept: {v}");

    let (_, zh) = Widget::hello(&app, "acme", json!({"locale": "zh-CN"})).await;
    assert_eq!((zh["greeting"].as_str(), zh["color"].as_str()), (Some("您好！"), None), "{zh}");
    // A language without its own look gets the workspace default language's.
    let (mut w, pt) = Widget::hello(&app, "acme", json!({"locale": "pt-BR"})).await;
    assert_eq!((pt["greeting"].as_str(), pt["color"].as_str()), (Some("Hi! How can we help?"), Some("#aa3300")));
    assert_eq!(pt["prechat"], "required");
    // Required: no message before an email address.
    w.send(json!({"type": "message", "client_id": "c-1", "body": "hello?"})).await;
    let e = w.recv_type("error").await;
    assert_eq!((e["code"].as_str(), e["client_id"].as_str()), (Some("error-chat-prechat"), Some("c-1")), "{e}");
    let token = pt["visitor_token"].as_str().unwrap().to_string();
    w.vanish();
    let (mut w, again) =
        Widget::hello(&app, "acme", json!({"visitor_token": token, "name": "Rita", "email": "rita@example.com"})).await;
    assert_eq!(again["prechat"], "off", "the email is known now: {again}");
    let ack = w.say("c-1", "hello?").await;
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{}", ack["conversation_id"].as_str().unwrap())).await;
    assert_eq!(t["channel"], "chat");

    // Another workspace's widget has none of it.
    let (_, other) = Widget::hello(&app, "globex", json!({"locale": "en"})).await;
    assert_eq!((other["prechat"].as_str(), other["greeting"].as_str()), (Some("off"), None), "{other}");
}
both!(the_welcome_carries_the_form_and_the_look_of_the_visitors_language);

async fn bad_looks_are_refused_naming_the_field(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    for (body, field) in [
        (json!({"appearance": {"en": {"color": "blue"}}}), "appearance.en.color"),
        (json!({"appearance": {"en": {"greeting": "x".repeat(501)}}}), "appearance.en.greeting"),
        (json!({"appearance": {"en": {"greeting": "a\u{7}b"}}}), "appearance.en.greeting"),
        (json!({"appearance": {"not a tag": {"greeting": "hi"}}}), "appearance.not a tag"),
    ] {
        let (s, v) = put(&app, &tok, body.clone()).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{body}: {v}");
    }
    let (s, v) = put(&app, &tok, json!({"prechat": "sometimes"})).await;
    assert!((400..500).contains(&s), "{v}");
    let v = app.api_json(&tok, "/api/v1/chat/settings").await;
    assert_eq!((v["prechat"].as_str(), v["appearance"].clone()), (Some("off"), json!({})), "nothing stored: {v}");
    super::healthy(&app).await;
}
both!(bad_looks_are_refused_naming_the_field);
