//! The agent's side in the console: the visitor's messages reach the agent's live stream, and
//! the ticket page's composer reaches the widget (a note does not), and each side sees the other
//! typing. On PostgreSQL the widget is
//! connected to a second server process, so both directions cross processes (LISTEN/NOTIFY).

use serde_json::json;

use super::{api_token, Widget};
use crate::harness::{wait_for_frame, Backend, TestApp};

async fn the_console_and_the_widget_talk_live_across_processes(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let tok = api_token(&app, &acme);
    let peer = match app.backend {
        Backend::Postgres => Some(app.peer().await),
        Backend::Sqlite => None,
    };
    let widget_base = peer.as_ref().map_or(app.base.clone(), |(_, b)| b.clone());
    let (agent, csrf) = app.signed_in("acme", &email, &pw).await;
    let res = agent.get(app.url("/events")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut events = res.bytes_stream();
    wait_for_frame(&mut events, 15, |f| f.contains("connected")).await.expect("stream open");

    let hello = json!({"name": "Rita", "page_url": "https://shop.acme.example/orders/1234?tab=track"});
    let (mut w, _) = Widget::hello_at(&widget_base, "acme", hello).await;
    let ticket = w.say("c-1", "Hello from the other process").await["conversation_id"].as_str().unwrap().to_string();
    let frame = wait_for_frame(&mut events, 15, |f| f.contains(&ticket)).await;
    assert!(frame.is_some_and(|f| f.contains("\"created\"")), "the agent's stream hears of the new chat");
    let number = app.api_json(&tok, &format!("/api/v1/tickets/{ticket}")).await["number"].as_i64().unwrap();

    let said = w.say("c-2", "Are you there?").await;
    assert_eq!(said["conversation_id"], ticket.as_str());
    let frame = wait_for_frame(&mut events, 15, |f| f.contains(&ticket) && f.contains("message_added")).await;
    assert!(frame.is_some(), "the visitor's second message reaches the agent's stream");

    // The ticket page's stream shows the visitor typing (each notice lasts a few seconds).
    let res = agent.get(app.url(&format!("/events?ticket={ticket}"))).send().await.unwrap();
    let mut page_events = res.bytes_stream();
    wait_for_frame(&mut page_events, 15, |f| f.contains("presence")).await.expect("ticket stream open");
    w.send(json!({"type": "typing"})).await;
    let typing = wait_for_frame(&mut page_events, 15, |f| f.starts_with("event: typing")).await;
    assert!(typing.is_some_and(|f| f.contains(&ticket)), "the visitor's typing reaches the ticket page");
    let page = agent.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"visitor-typing\""), "the page has a place to show it");
    assert!(page.contains("https://shop.acme.example/orders/1234?tab=track"), "the agent sees the visitor's page");

    // The agent writing in the composer shows in the widget.
    let r = agent
        .post(app.url(&format!("/tickets/{number}/typing")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(w.recv_type("typing").await, json!({"type": "typing"}));

    // The ticket page's composer: a note, then a reply. The widget's next agent frame is the reply.
    for (kind, body) in [("note", "INTERNAL: VIP customer"), ("reply", "Yes, how can I help?")] {
        let r = agent
            .post(app.url(&format!("/tickets/{number}/messages")))
            .form(&[("_csrf", csrf.as_str()), ("kind", kind), ("body", body)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{kind}");
    }
    let reply = loop {
        let f = w.recv_type("message").await;
        if f["author"] != "visitor" {
            break f;
        }
    };
    assert_eq!((reply["author"].as_str(), reply["body"].as_str()), (Some("agent"), Some("Yes, how can I help?")));
    assert_eq!(reply["name"], "acme Owner");
    // The widget says the visitor saw it: the ticket page shows it.
    w.send(json!({"type": "read", "message_id": reply["id"]})).await;
    let mut seen = false;
    for _ in 0..150 {
        let page = agent.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
        if page.contains("data-testid=\"visitor-read\"") {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the read receipt reaches the ticket page");
    // Another workspace's agent cannot type into this chat (nor learn it exists).
    app.seed_tenant("globex");
    let (g, gcsrf) = app.signed_in("globex", "owner@globex.example", "pw-globex-correct-horse").await;
    let r =
        g.post(app.url(&format!("/tickets/{ticket}/typing"))).form(&[("_csrf", gcsrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    if let Some((p, _)) = peer {
        p.stop().await;
    }
}
both!(the_console_and_the_widget_talk_live_across_processes);
