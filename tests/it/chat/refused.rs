//! What the widget endpoint refuses, each with its documented close code (or handshake status),
//! leaving the server up: another tenant's token or slug, forged identities, disallowed origins,
//! oversize frames, floods, malformed JSON, binary frames, a first frame that is not `hello`.

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use tokio_tungstenite::tungstenite::Message;

use super::{api_token, healthy, ticket_messages, Ending, Widget};
use crate::harness::TestApp;

fn sign(secret: &str, user: &str, email: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{user}:{email}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn other_tenants_tokens_and_conversations_are_refused(app: TestApp) {
    app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let ticket = w.say("c-1", "hello from acme").await["conversation_id"].as_str().unwrap().to_string();
    w.vanish();

    // Acme's visitor token at globex's widget: refused, nothing created there.
    let mut g = Widget::connect(&app, "globex").await;
    g.send(json!({"type": "hello", "visitor_token": token})).await;
    assert_eq!(g.closed().await, Ending::Closed(4003));
    // A made-up token too.
    let mut g = Widget::connect(&app, "acme").await;
    g.send(json!({"type": "hello", "visitor_token": "vt_forged"})).await;
    assert_eq!(g.closed().await, Ending::Closed(4003));
    // A tenant that does not exist has no widget.
    assert_eq!(Widget::try_connect(&app, "nobody-here", None).await.err(), Some(Ending::Refused(404)));
    // Acme's conversation through globex's API: not found.
    let gtok = api_token(&app, &globex);
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .bearer_auth(&gtok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let list = app.api_json(&gtok, "/api/v1/tickets").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0), "{list}");
    healthy(&app).await;
}
both!(other_tenants_tokens_and_conversations_are_refused);

async fn identities_attach_to_the_contact_and_forgeries_are_refused(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    // Without a secret no identity can verify.
    let mut w = Widget::connect(&app, "acme").await;
    let sig = sign("anything", "u-7", "ana@customer.example");
    w.send(json!({"type": "hello", "identity": {"user_id": "u-7", "email": "ana@customer.example", "signature": sig}}))
        .await;
    assert_eq!(w.closed().await, Ending::Closed(4004));

    let r =
        reqwest::Client::new().post(app.url("/api/v1/chat/identity-secret")).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let rotated: serde_json::Value = r.json().await.unwrap();
    assert_eq!(rotated["identity_secret_set"], true);
    let secret = rotated["identity_secret"].as_str().unwrap().to_string();
    assert!(app.api_json(&tok, "/api/v1/chat/settings").await.get("identity_secret").is_none(), "shown once");
    let identity = json!({"user_id": "u-7", "email": "ana@customer.example", "signature": sign(&secret, "u-7", "ana@customer.example")});
    let (mut w, _) = Widget::hello(&app, "acme", json!({"identity": identity})).await;
    let ticket = w.say("c-1", "I was charged twice").await["conversation_id"].as_str().unwrap().to_string();
    w.vanish();
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    let contact = app.api_json(&tok, &format!("/api/v1/contacts/{}", t["requester_id"].as_str().unwrap())).await;
    assert_eq!(contact["email"], "ana@customer.example", "{contact}");

    // Another device (a fresh browser, no token) with the same signed identity continues it.
    let (mut other, welcome) = Widget::hello(&app, "acme", json!({"identity": identity})).await;
    assert_eq!(welcome["conversation_id"], ticket.as_str());
    assert_eq!(other.recv_type("message").await["body"], "I was charged twice");

    // A signature for another email, or made with another secret: refused.
    for forged in [
        json!({"user_id": "u-7", "email": "eve@evil.example", "signature": identity["signature"]}),
        json!({"user_id": "u-7", "email": "ana@customer.example", "signature": sign("guess", "u-7", "ana@customer.example")}),
        json!({"user_id": "u-7", "email": "ana@customer.example", "signature": "not-hex"}),
    ] {
        let mut w = Widget::connect(&app, "acme").await;
        w.send(json!({"type": "hello", "identity": forged})).await;
        assert_eq!(w.closed().await, Ending::Closed(4004), "{forged}");
    }
    assert_eq!(ticket_messages(&app, &tok, &ticket).await.len(), 1);
    healthy(&app).await;
}
both!(identities_attach_to_the_contact_and_forgeries_are_refused);

async fn origins_are_checked_once_the_tenant_lists_any(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (globex, _, _) = app.seed_tenant("globex");
    let tok = api_token(&app, &acme);
    let put = |body: serde_json::Value| {
        reqwest::Client::new().put(app.url("/api/v1/chat/settings")).bearer_auth(&tok).json(&body).send()
    };
    // None listed: any origin.
    let w = Widget::try_connect(&app, "acme", Some("https://anywhere.example")).await;
    assert!(w.is_ok());
    let s = app.api_json(&tok, "/api/v1/chat/settings").await;
    assert_eq!(s["allowed_origins"], json!([]));
    assert!(s["snippet"].as_str().unwrap().contains("data-tenant=\"acme\""), "{s}");
    // Not an origin: refused with the field named, nothing changed.
    let r = put(json!({"allowed_origins": ["https://app.acme.example/path"]})).await.unwrap();
    assert_eq!(r.status(), 422);
    let problem: serde_json::Value = r.json().await.unwrap();
    assert!(problem.to_string().contains("allowed_origins"), "{problem}");
    let r = put(json!({"allowed_origins": ["HTTPS://App.Acme.example"]})).await.unwrap();
    assert_eq!(r.status(), 200);
    let saved: serde_json::Value = r.json().await.unwrap();
    assert_eq!(saved["allowed_origins"], json!(["https://app.acme.example"]));

    let refused = Widget::try_connect(&app, "acme", Some("https://evil.example")).await.err();
    assert_eq!(refused, Some(Ending::Refused(403)));
    assert_eq!(Widget::try_connect(&app, "acme", None).await.err(), Some(Ending::Refused(403)));
    let mut w = Widget::try_connect(&app, "acme", Some("https://app.acme.example")).await.expect("allowed origin");
    w.send(json!({"type": "hello"})).await;
    assert_eq!(w.recv().await["type"], "welcome");
    // Acme's list is acme's: globex still takes any origin, and its token sees its own settings.
    assert!(Widget::try_connect(&app, "globex", Some("https://evil.example")).await.is_ok());
    let gtok = api_token(&app, &globex);
    assert_eq!(app.api_json(&gtok, "/api/v1/chat/settings").await["allowed_origins"], json!([]));
    healthy(&app).await;
}
both!(origins_are_checked_once_the_tenant_lists_any);

async fn abusive_frames_close_with_their_code_and_the_server_stays_up(app: TestApp) {
    app.seed_tenant("acme");
    // Oversize.
    let (mut w, _) = Widget::hello(&app, "acme", json!({})).await;
    let big = json!({"type": "message", "client_id": "c-1", "body": "x".repeat(20 * 1024)});
    w.send_raw(Message::text(big.to_string())).await;
    assert_eq!(w.closed().await, Ending::Closed(1009));
    healthy(&app).await;
    // A flood of frames.
    let (mut w, _) = Widget::hello(&app, "acme", json!({})).await;
    for _ in 0..300 {
        w.send_raw(Message::text(r#"{"type":"typing"}"#)).await;
    }
    assert_eq!(w.closed().await, Ending::Closed(4008));
    healthy(&app).await;
    // Not JSON; JSON of no known frame.
    for bad in ["{nope", r#"{"type":"shout","body":"hi"}"#, r#"{"type":"message","body":"no client id"}"#] {
        let (mut w, _) = Widget::hello(&app, "acme", json!({})).await;
        w.send_raw(Message::text(bad)).await;
        assert_eq!(w.closed().await, Ending::Closed(4000), "{bad}");
    }
    // Binary.
    let (mut w, _) = Widget::hello(&app, "acme", json!({})).await;
    w.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    assert_eq!(w.closed().await, Ending::Closed(1003));
    // Anything before hello.
    let mut w = Widget::connect(&app, "acme").await;
    w.send(json!({"type": "message", "client_id": "c", "body": "hi"})).await;
    assert_eq!(w.closed().await, Ending::Closed(4001));
    healthy(&app).await;
}
both!(abusive_frames_close_with_their_code_and_the_server_stays_up);
