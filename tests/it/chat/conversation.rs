//! A conversation is a chat ticket: opened by the first message, acknowledged after commit,
//! stored once per client id, answered live from the REST API, notes never shown, and nothing
//! lost or doubled across a reconnect in the middle of a burst.

use serde_json::json;

use super::{agent_posts, api_token, owner_id, ticket_messages, Widget};
use crate::harness::TestApp;

async fn a_chat_is_a_ticket_answered_live(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let agent = owner_id(&app, &tok).await;
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"name": "Rita", "locale": "en"})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    assert!(token.len() > 30, "{welcome}");
    assert!(welcome["conversation_id"].is_null(), "no conversation before the first message: {welcome}");

    let ack = w.say("c-1", "My parcel has not arrived").await;
    let ticket = ack["conversation_id"].as_str().unwrap().to_string();
    let first = ack["message_id"].as_str().unwrap().to_string();
    let echo = w.recv_type("message").await;
    assert_eq!((echo["id"].as_str(), echo["author"].as_str()), (Some(first.as_str()), Some("visitor")));
    assert_eq!(echo["name"], "Rita");
    assert_eq!(echo["body"], "My parcel has not arrived");

    let t = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await;
    assert_eq!(t["channel"], "chat", "{t}");
    assert_eq!(t["subject"], "My parcel has not arrived");

    // The same client id again (the phone resent it): the same message, not a second one.
    let again = w.say("c-1", "My parcel has not arrived").await;
    assert_eq!(again["message_id"], first.as_str());
    let second = w.say("c-2", "Order 1234").await;
    assert_ne!(second["message_id"], first.as_str());
    assert_eq!(second["conversation_id"], ticket.as_str());
    assert_eq!(
        ticket_messages(&app, &tok, &ticket).await,
        vec![("reply".into(), "My parcel has not arrived".into()), ("reply".into(), "Order 1234".into())]
    );

    // The agent answers through the API: the widget shows it with the agent's name. A note
    // between two replies never reaches the widget: the next frame after the first reply is
    // the second reply.
    agent_posts(&app, &tok, &ticket, &agent, "reply", "Let me check that for you").await;
    agent_posts(&app, &tok, &ticket, &agent, "note", "INTERNAL: carrier lost it").await;
    agent_posts(&app, &tok, &ticket, &agent, "reply", "It is on its way").await;
    let mut seen = vec![];
    while seen.len() < 3 {
        let f = w.recv_type("message").await;
        seen.push((
            f["author"].as_str().unwrap().to_string(),
            f["name"].as_str().unwrap().to_string(),
            f["body"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(seen[0].2, "Order 1234");
    assert_eq!(seen[1], ("agent".into(), "acme Owner".into(), "Let me check that for you".into()));
    assert_eq!(seen[2], ("agent".into(), "acme Owner".into(), "It is on its way".into()));

    // A reload: the same token, nothing seen yet, gets the whole conversation, without the note.
    w.vanish();
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({"visitor_token": token})).await;
    assert_eq!(welcome["conversation_id"], ticket.as_str());
    assert_eq!(welcome["visitor_token"], token.as_str());
    let mut bodies = vec![];
    for _ in 0..4 {
        bodies.push(w.recv_type("message").await["body"].as_str().unwrap().to_string());
    }
    assert_eq!(bodies, ["My parcel has not arrived", "Order 1234", "Let me check that for you", "It is on its way"]);
    // And nothing else: the next frame is the answer to a new message.
    let ack = w.say("c-3", "Thanks").await;
    assert_eq!(ack["conversation_id"], ticket.as_str());
}
both!(a_chat_is_a_ticket_answered_live);

async fn a_reconnect_mid_burst_loses_and_doubles_nothing(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let agent = owner_id(&app, &tok).await;
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let ticket = w.say("v-0", "hello").await["conversation_id"].as_str().unwrap().to_string();

    // Agent side: a burst, with the visitor dropping off after the third reply.
    for i in 1..=5 {
        agent_posts(&app, &tok, &ticket, &agent, "reply", &format!("a{i}")).await;
    }
    let last_seen = loop {
        let f = w.recv_type("message").await;
        if f["body"] == "a3" {
            break f["id"].as_str().unwrap().to_string();
        }
    };
    // Visitor side: ten messages written at once, then the network goes, acks unread.
    for i in 1..=10 {
        w.send(json!({"type": "message", "client_id": format!("v-{i}"), "body": format!("v{i}")})).await;
    }
    w.vanish();
    for i in 6..=10 {
        agent_posts(&app, &tok, &ticket, &agent, "reply", &format!("a{i}")).await;
    }

    // Back: the widget names the last message it saw and resends what was not acknowledged
    // (all ten, as it cannot know which arrived).
    let (mut w, welcome) =
        Widget::hello(&app, "acme", json!({"visitor_token": token, "last_seen_id": last_seen})).await;
    assert_eq!(welcome["conversation_id"], ticket.as_str());
    for i in 1..=10 {
        w.send(json!({"type": "message", "client_id": format!("v-{i}"), "body": format!("v{i}")})).await;
    }
    let mut acks = std::collections::BTreeSet::new();
    let mut shown = vec![];
    agent_posts(&app, &tok, &ticket, &agent, "reply", "end").await;
    // Visitor messages may be shown after "end" (they commit as they come): read until both
    // the ten acks and "end" are in.
    while acks.len() < 10 || !shown.iter().any(|b| b == "end") {
        let f = w.recv().await;
        match f["type"].as_str() {
            Some("ack") => {
                acks.insert(f["client_id"].as_str().unwrap().to_string());
            }
            Some("message") => shown.push(f["body"].as_str().unwrap().to_string()),
            _ => {}
        }
    }
    // Every agent reply after a3 exactly once, in order; each visitor message once.
    let agents: Vec<&str> = shown.iter().map(String::as_str).filter(|b| b.starts_with('a') || *b == "end").collect();
    assert_eq!(agents, ["a4", "a5", "a6", "a7", "a8", "a9", "a10", "end"], "{shown:?}");
    let mut visitors: Vec<&str> = shown.iter().map(String::as_str).filter(|b| b.starts_with('v')).collect();
    let n = visitors.len();
    visitors.dedup();
    assert_eq!(visitors.len(), n, "a visitor message shown twice: {shown:?}");

    let stored = ticket_messages(&app, &tok, &ticket).await;
    let stored_visitor: Vec<String> = stored.iter().map(|(_, b)| b.clone()).filter(|b| b.starts_with('v')).collect();
    let want: Vec<String> = (1..=10).map(|i| format!("v{i}")).collect();
    assert_eq!(stored_visitor, want, "each visitor message stored once, in the order written");
    let stored_agent: Vec<String> = stored.iter().map(|(_, b)| b.clone()).filter(|b| b.starts_with('a')).collect();
    let want: Vec<String> = (1..=10).map(|i| format!("a{i}")).collect();
    assert_eq!(stored_agent, want);
}
both!(a_reconnect_mid_burst_loses_and_doubles_nothing);

async fn bad_messages_get_a_precise_error_and_the_connection_stays(app: TestApp) {
    app.seed_tenant("acme");
    let (mut w, _) = Widget::hello(&app, "acme", json!({"email": "not an email"})).await;
    let e = w.recv_type("error").await;
    assert_eq!(e["code"], "error-email-invalid", "{e}");
    w.send(json!({"type": "message", "client_id": "c-1", "body": "   "})).await;
    let e = w.recv_type("error").await;
    assert_eq!((e["client_id"].as_str(), e["code"].as_str()), (Some("c-1"), Some("error-body-empty")), "{e}");
    w.send(json!({"type": "message", "client_id": "x".repeat(65), "body": "hi"})).await;
    assert_eq!(w.recv_type("error").await["code"], "error-chat-client-id");
    // Nothing was stored for those; a good message still works.
    let ack = w.say("c-1", "now a real question").await;
    assert!(ack["message_id"].is_string());
    w.send(json!({"type": "typing"})).await;
    w.send(json!({"type": "read", "message_id": ack["message_id"]})).await;
    assert_eq!(w.say("c-2", "still here").await["conversation_id"], ack["conversation_id"]);
}
both!(bad_messages_get_a_precise_error_and_the_connection_stays);

async fn a_closed_conversation_continues_in_a_follow_up(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let agent = owner_id(&app, &tok).await;
    let (mut w, welcome) = Widget::hello(&app, "acme", json!({})).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let first = w.say("c-1", "first question").await["conversation_id"].as_str().unwrap().to_string();
    for status in ["solved", "closed"] {
        let r = reqwest::Client::new()
            .patch(app.url(&format!("/api/v1/tickets/{first}")))
            .bearer_auth(&tok)
            .json(&json!({"status": status}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{status}");
    }
    // Writing again opens a follow-up, which becomes the conversation.
    let ack = w.say("c-2", "one more thing").await;
    let follow = ack["conversation_id"].as_str().unwrap().to_string();
    assert_ne!(follow, first);
    let t = app.api_json(&tok, &format!("/api/v1/tickets/{follow}")).await;
    assert_eq!((t["channel"].as_str(), t["previous_ticket_id"].as_str()), (Some("chat"), Some(first.as_str())));
    // A resent old client id is answered as before and does not move the conversation back.
    assert_eq!(w.say("c-1", "first question").await["conversation_id"], first.as_str());
    agent_posts(&app, &tok, &follow, &agent, "reply", "about that thing").await;
    loop {
        let f = w.recv_type("message").await;
        if f["author"] == "agent" {
            assert_eq!(f["body"], "about that thing");
            break;
        }
    }
    // After a reload the widget is in the follow-up.
    w.vanish();
    let (_, welcome) = Widget::hello(&app, "acme", json!({"visitor_token": token})).await;
    assert_eq!(welcome["conversation_id"], follow.as_str());
}
both!(a_closed_conversation_continues_in_a_follow_up);

/// Visitors' messages are written in batches, one savepoint each: a burst of first messages
/// opens one ticket per visitor with its own number, and a refused message in the middle of the
/// burst fails alone.
async fn a_burst_of_new_conversations_opens_one_ticket_each(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    const VISITORS: usize = 24;
    let mut widgets = Vec::new();
    for i in 0..VISITORS {
        widgets.push(Widget::hello(&app, "acme", json!({"name": format!("Visitor {i}"), "locale": "en"})).await.0);
    }
    let (mut odd, _) = Widget::hello(&app, "acme", json!({"name": "Odd", "locale": "en"})).await;
    // Every frame is on the wire before the first answer is read, so the writes queue together.
    for (i, w) in widgets.iter_mut().enumerate() {
        w.send(json!({"type": "message", "client_id": "first", "body": format!("Question number {i}")})).await;
        if i == VISITORS / 2 {
            odd.send(json!({"type": "message", "client_id": "x".repeat(65), "body": "hi"})).await;
        }
    }
    let mut tickets = std::collections::BTreeSet::new();
    for w in widgets.iter_mut() {
        let ack = w.recv_type("ack").await;
        assert_eq!(ack["client_id"], "first", "{ack}");
        tickets.insert(ack["conversation_id"].as_str().unwrap().to_string());
    }
    assert_eq!(tickets.len(), VISITORS, "one ticket per visitor");
    let e = odd.recv_type("error").await;
    assert_eq!(e["code"], "error-chat-client-id", "{e}");
    // The refused one stored nothing and can go on.
    let ack = odd.say("second", "A real question").await;
    assert!(!tickets.contains(ack["conversation_id"].as_str().unwrap()), "{ack}");

    let mut numbers = std::collections::BTreeSet::new();
    let mut subjects = std::collections::BTreeSet::new();
    for t in &tickets {
        let v = app.api_json(&tok, &format!("/api/v1/tickets/{t}")).await;
        numbers.insert(v["number"].as_i64().unwrap());
        subjects.insert(v["subject"].as_str().unwrap().to_string());
    }
    assert_eq!(numbers.len(), VISITORS, "distinct ticket numbers: {numbers:?}");
    assert_eq!(subjects.len(), VISITORS, "each ticket holds its own visitor's message: {subjects:?}");
    // Later messages land on each visitor's own ticket.
    for (i, w) in widgets.iter_mut().enumerate() {
        let ack = w.say("second", &format!("More about {i}")).await;
        assert!(tickets.contains(ack["conversation_id"].as_str().unwrap()));
        let msgs = ticket_messages(&app, &tok, ack["conversation_id"].as_str().unwrap()).await;
        assert_eq!(msgs.last().unwrap().1, format!("More about {i}"));
        assert_eq!(msgs.len(), 2, "{msgs:?}");
    }
}
both!(a_burst_of_new_conversations_opens_one_ticket_each);
