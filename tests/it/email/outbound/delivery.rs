//! Delivery: a threaded conversation, the outbox folder without a relay, 4xx retried, 5xx dead
//! with a retry on the ticket, no answers to automatic mail, relay credentials and URLs.

use std::time::Duration;

use super::super::sink::Sink;
use super::super::*;
use super::*;
use crate::harness::{Backend, TestApp};
use meridian::accounts::Role;
use meridian::email::outbound::{self, state};

async fn threaded_conversation(app: TestApp, sink: Sink) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (agent, _, _) = app.add_agent(&acme, "Ana", Role::Agent);
    let tok = token_for(&app, &acme);
    carol_writes(&app, &acme).await;
    let (id, number) = first_ticket(&app, &tok).await;

    // The acknowledgement: to Carol, automatic, threaded under her mail, with the plus address.
    let got = sink.wait_accepted(1).await;
    let ack = &got[0];
    assert_eq!(ack.rcpts, vec!["carol@customer.example"]);
    assert!(ack.subject().contains(&format!("[#{number}]")), "{}", ack.subject());
    assert!(ack.text().contains(&format!("#{number}")), "{}", ack.text());
    assert_eq!(ack.header("Auto-Submitted").as_deref(), Some("auto-replied"));
    assert_eq!(ack.header("In-Reply-To").as_deref(), Some("<c1@customer.example>"));
    assert!(ack.header("From").unwrap().contains(&format!("acme@{DOMAIN}")));
    let t = acme.tenant_id();
    let i = id.clone();
    let token = app.state.db.write_blocking(|c| meridian::email::threads::reply_token_for(c, &t, &i)).unwrap();
    let plus = format!("acme+{token}@{DOMAIN}");
    assert!(ack.header("Reply-To").unwrap().contains(&plus), "{:?}", ack.header("Reply-To"));
    assert!(ack.parsed().body_html(0).is_some(), "multipart with an HTML part");

    // A note is not mailed; the agent's reply is, threaded, with Dave in Cc.
    agent_reply(&app, &tok, &id, &agent, "note", "internal only").await;
    agent_reply(&app, &tok, &id, &agent, "reply", "We sent a fire extinguisher.").await;
    let got = sink.wait_accepted(2).await;
    let reply = &got[1];
    assert_eq!(reply.rcpts.len(), 2, "{:?}", reply.rcpts);
    assert!(reply.rcpts.contains(&"dave@customer.example".to_string()));
    assert!(reply.header("Cc").unwrap().contains("dave@customer.example"));
    assert!(reply.text().contains("We sent a fire extinguisher."), "{}", reply.text());
    assert!(!reply.text().contains("internal only"));
    assert!(reply.subject().contains(&format!("[#{number}]")));
    assert!(reply.header("Auto-Submitted").is_none(), "a person's reply is not automatic");
    assert_eq!(reply.header("In-Reply-To"), Some(format!("<{}>", ack.message_id())));
    assert!(
        refs(reply).contains("<c1@customer.example>") && refs(reply).contains(&ack.message_id()),
        "{}",
        refs(reply)
    );
    assert!(reply.header("Reply-To").unwrap().contains(&plus));
    assert_ne!(reply.message_id(), ack.message_id());

    // Carol answers the reply (In-Reply-To only, a changed subject): the same ticket.
    let to = format!("acme@{DOMAIN}");
    let answer = mail(
        "Carol <carol@customer.example>",
        &to,
        "thanks!",
        &format!("Message-ID: <c2@customer.example>\r\nIn-Reply-To: <{}>\r\n", reply.message_id()),
        "It worked.",
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &answer).await);
    // And once more through the plus address alone.
    let by_plus =
        mail("Carol <carol@customer.example>", &plus, "one more", "Message-ID: <c3@customer.example>\r\n", "PS.");
    accepted(&smtp(&app, "carol@customer.example", &[&plus], &by_plus).await);
    settled(&app, &acme).await;
    assert_eq!(tickets(&app, &tok).await.len(), 1, "both answers joined the ticket");
    let bodies: Vec<String> =
        messages(&app, &tok, &id).await.iter().map(|m| m["body_text"].as_str().unwrap_or("").to_string()).collect();
    assert!(bodies.iter().any(|b| b.contains("It worked.")) && bodies.iter().any(|b| b.contains("PS.")), "{bodies:?}");

    // Solving sends the notice; the customer's answers sent nothing.
    let r = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/tickets/{id}")))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"status": "solved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = sink.wait_accepted(3).await;
    assert!(got[2].subject().contains(&format!("[#{number}]")));
    assert_eq!(got[2].header("Auto-Submitted").as_deref(), Some("auto-replied"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        sink.accepted().len(),
        3,
        "nothing more: {:?}",
        sink.all().iter().map(|r| r.subject()).collect::<Vec<_>>()
    );
    // A reply from the console that also solves: one mail, the reply, no separate notice.
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let r = client
        .post(app.url(&format!("/tickets/{number}/update")))
        .form(&[("_csrf", csrf.as_str()), ("status", "open")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = client
        .post(app.url(&format!("/tickets/{number}/messages")))
        .form(&[("_csrf", csrf.as_str()), ("kind", "reply"), ("body", "Closing this, all good."), ("status", "solved")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let got = sink.wait_accepted(4).await;
    assert!(got[3].text().contains("Closing this, all good."), "{}", got[3].text());
    assert!(got[3].header("Auto-Submitted").is_none());
    assert!(got[3].header("From").unwrap().contains("acme Support"), "the workspace's name by default");
    assert!(refs(&got[3]).contains(&got[2].message_id()), "every mail threads under the previous ones");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.accepted().len(), 4, "{:?}", sink.all().iter().map(|r| r.subject()).collect::<Vec<_>>());

    // The relay is configured: no banner in the console; the timeline shows what was sent.
    let page = client.get(app.url(&format!("/tickets/{number}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("data-testid=\"mail-banner\""));
    assert_eq!(page.matches("data-state=\"sent\"").count(), 4, "the timeline shows each mail's delivery");
}
both_sink!(threaded_conversation, []);

/// Without MERIDIAN_SMTP_URL mail goes to .eml files and the console says it is not delivered.
async fn outbox_folder(app: TestApp) {
    let (acme, email, pw) = app.seed_tenant("acme");
    carol_writes(&app, &acme).await;
    let rows = outbound_settled(&app, &acme, 1).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, state::SENT);
    let file = app.dir.path().join("outbox").join(format!("{}.eml", rows[0].id));
    let raw = std::fs::read(&file).expect("the acknowledgement is in the outbox folder");
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(m.subject().unwrap().contains("[#1]"));
    assert_eq!(m.message_id(), Some(rows[0].message_id_header.as_str()));
    let (client, _) = app.signed_in("acme", &email, &pw).await;
    for path in ["/inbox", "/tickets/1", "/admin/email"] {
        let page = client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("data-testid=\"mail-banner\""), "{path} shows the banner");
        assert!(page.contains("MERIDIAN_SMTP_URL"), "{path}");
    }
    // A workspace whose default is Chinese writes to its customers in Chinese.
    let (zh, _, _) = app.seed_tenant_with("zhdesk", "zh-CN", Role::Owner);
    let to = format!("zhdesk@{DOMAIN}");
    let m = mail("li@customer.example", &to, "打印机", "Message-ID: <zh1@customer.example>\r\n", "打印机坏了");
    accepted(&smtp(&app, "li@customer.example", &[&to], &m).await);
    settled(&app, &zh).await;
    let rows = outbound_settled(&app, &zh, 1).await;
    assert_eq!(rows[0].locale, "zh-CN");
    let raw = std::fs::read(app.dir.path().join("outbox").join(format!("{}.eml", rows[0].id))).unwrap();
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(m.body_text(0).unwrap().contains("我们已收到您的请求"), "{:?}", m.body_text(0));
    assert!(m.body_html(0).unwrap().contains("lang=\"zh-CN\""));

    // The banner is translated.
    app.state
        .db
        .write_blocking(|c| {
            use diesel::prelude::*;
            use meridian::db::schema::agents;
            diesel::update(agents::table).set(agents::locale.eq(Some("zh-CN"))).execute(c)?;
            Ok(())
        })
        .unwrap();
    let (client, _) = app.signed_in("acme", &email, &pw).await;
    let page = client.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("邮件未被投递"), "zh-CN banner");
}
both_mail!(outbox_folder);

/// 451 once, then 250: retried with backoff and delivered once.
async fn temporary_failure_is_retried(app: TestApp, sink: Sink) {
    let (acme, _, _) = app.seed_tenant("acme");
    carol_writes(&app, &acme).await;
    let got = sink.wait_accepted(1).await;
    let all = sink.all();
    assert_eq!(all.len(), 2, "one refusal, one delivery");
    assert_eq!(all[0].code, 451);
    assert_eq!(all[0].message_id(), got[0].message_id(), "the retry is the same message");
    let rows = outbound_settled(&app, &acme, 1).await;
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), (state::SENT, 2));
}
both_sink!(temporary_failure_is_retried, [451]);

/// Credentials in MERIDIAN_SMTP_URL (URL-encoded) log in to the relay.
async fn relay_with_credentials(backend: Backend) {
    let sink = Sink::start(&[]).await;
    let url = format!("smtp://desk%40acme.example:s3cret%2Fpw@127.0.0.1:{}", sink.addr.port());
    let Some(app) = start_out(backend, Some(url)).await else { return };
    let (acme, _, _) = app.seed_tenant("acme");
    carol_writes(&app, &acme).await;
    sink.wait_accepted(1).await;
    assert_eq!(sink.logins(), vec![("desk@acme.example".to_string(), "s3cret/pw".to_string())]);
}

#[actix_web::test]
async fn relay_with_credentials_sqlite() {
    relay_with_credentials(Backend::Sqlite).await;
}

#[actix_web::test]
async fn relay_with_credentials_postgres() {
    relay_with_credentials(Backend::Postgres).await;
}

/// 550: dead at once, shown on the message with a retry that works; another tenant's agent
/// cannot retry it.
async fn permanent_failure_is_dead_with_retry(app: TestApp, sink: Sink) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (beta, b_email, b_pw) = app.seed_tenant("beta");
    carol_writes(&app, &acme).await;
    sink.wait_answered(1).await;
    let rows = outbound_settled(&app, &acme, 1).await;
    assert_eq!(rows[0].state, state::DEAD);
    assert!(rows[0].error.as_deref().unwrap_or("").contains("550"), "{:?}", rows[0].error);
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = client.get(app.url("/tickets/1")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-state=\"dead\""), "the failure is on the message");
    assert!(page.contains("mailbox unavailable"), "with the relay's answer");
    let retry = format!("/tickets/1/mail/{}/retry", rows[0].id);
    assert!(page.contains(&retry));

    // Another tenant: its own ticket 1 and a made-up one both answer 404.
    let to = format!("beta@{DOMAIN}");
    let m = mail("x@customer.example", &to, "Hi", "Message-ID: <b1@customer.example>\r\n", "Hi");
    accepted(&smtp(&app, "x@customer.example", &[&to], &m).await);
    settled(&app, &beta).await;
    let (other, other_csrf) = app.signed_in("beta", &b_email, &b_pw).await;
    for n in [1, 99] {
        let r = other
            .post(app.url(&format!("/tickets/{n}/mail/{}/retry", rows[0].id)))
            .form(&[("_csrf", other_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "ticket {n}");
    }
    // Without the CSRF token: refused.
    let r = client.post(app.url(&retry)).form(&[("_csrf", "wrong")]).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let t = acme.tenant_id();
    let id = rows[0].id.clone();
    assert_eq!(app.state.db.read(move |c| outbound::get(c, &t, &id)).await.unwrap().state, state::DEAD);

    let r = client.post(app.url(&retry)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let got = sink.wait_accepted(2).await;
    let acme_mail: Vec<_> = got.iter().filter(|r| r.rcpts == vec!["carol@customer.example"]).collect();
    assert_eq!(acme_mail.len(), 1);
    assert_eq!(acme_mail[0].message_id(), rows[0].message_id_header);
    let rows = outbound_settled(&app, &acme, 1).await;
    assert_eq!(rows[0].state, state::SENT);
    // Retrying what was delivered is refused.
    let r = client.post(app.url(&retry)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 409);
}
both_sink!(permanent_failure_is_dead_with_retry, [550]);

/// No acknowledgement to automatic mail; an auto-responder answering our acknowledgement gets
/// nothing back, with or without the headers that say it is automatic.
async fn no_mail_loops(app: TestApp, sink: Sink) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let ooo = mail(
        "Robot <robot@other.example>",
        &to,
        "Out of office",
        "Message-ID: <r0@other.example>\r\nAuto-Submitted: auto-replied\r\n",
        "I am away.",
    );
    accepted(&smtp(&app, "robot@other.example", &[&to], &ooo).await);
    // Mail from our own address is never answered either.
    let own = mail(&to, &to, "Loop", "Message-ID: <own@x.example>\r\n", "Me.");
    accepted(&smtp(&app, &to, &[&to], &own).await);
    settled(&app, &acme).await;

    carol_writes(&app, &acme).await;
    let ack = sink.wait_accepted(1).await[0].clone();
    assert_eq!(ack.rcpts, vec!["carol@customer.example"]);
    // Carol's auto-responder answers the acknowledgement: properly flagged, then naively.
    for (i, headers) in ["Auto-Submitted: auto-replied\r\n", ""].iter().enumerate() {
        let m = mail(
            "Carol <carol@customer.example>",
            &to,
            &format!("Automatic reply: {}", ack.subject()),
            &format!("Message-ID: <ooo{i}@customer.example>\r\nIn-Reply-To: <{}>\r\n{headers}", ack.message_id()),
            "I am on holiday.",
        );
        accepted(&smtp(&app, "carol@customer.example", &[&to], &m).await);
    }
    settled(&app, &acme).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        sink.all().len(),
        1,
        "one message in all: {:?}",
        sink.all().iter().map(|r| r.subject()).collect::<Vec<_>>()
    );
    assert_eq!(tickets(&app, &tok).await.len(), 3, "robot, own address, Carol");

    // A robot opening new tickets over and over gets at most the hourly acknowledgements.
    for i in 0..5 {
        let m = mail(
            "Bot <bot@spam.example>",
            &to,
            &format!("Ticket {i}"),
            &format!("Message-ID: <s{i}@spam.example>\r\n"),
            "x",
        );
        accepted(&smtp(&app, "bot@spam.example", &[&to], &m).await);
        settled(&app, &acme).await;
    }
    let limit = meridian::email::outbound::consumer::ACK_LIMIT as usize;
    outbound_settled(&app, &acme, 1 + limit).await;
    sink.wait_accepted(1 + limit).await;
    // Give the consumer time to (wrongly) answer the rest.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(outbound_settled(&app, &acme, 1 + limit).await.len(), 1 + limit);
    let to_bot = sink.accepted().into_iter().filter(|r| r.rcpts == vec!["bot@spam.example"]).count();
    assert_eq!(to_bot as i64, meridian::email::outbound::consumer::ACK_LIMIT);
}
both_sink!(no_mail_loops, []);

/// A relay URL that is not smtp:// or smtps:// stops the start, without repeating its password.
#[test]
fn bad_relay_urls_are_refused_at_start() {
    for bad in ["http://user:hunter2@relay.example", "smtp//user:hunter2@relay", "relay.example:25"] {
        let env: std::collections::HashMap<String, String> =
            [("MERIDIAN_SMTP_URL".to_string(), bad.to_string())].into_iter().collect();
        let e = meridian::config::Config::from_sources(None, &env).expect_err(bad).to_string();
        assert!(e.contains("MERIDIAN_SMTP_URL") && !e.contains("hunter2"), "{e}");
    }
    let env: std::collections::HashMap<String, String> =
        [("MERIDIAN_SMTP_URL".to_string(), "smtps://u:p@relay.example:465".to_string())].into_iter().collect();
    assert!(meridian::config::Config::from_sources(None, &env).is_ok());
}
