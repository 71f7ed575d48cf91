//! Outbound mail end to end: what Meridian sends arrives at a real SMTP server on loopback
//! ([`Sink`]), threaded so the customer's answer comes back to the same ticket; the outbox folder
//! without a relay; retries on 4xx, dead on 5xx with a retry on the ticket; no answers to
//! automatic mail; the tenant's email setup page.

use std::time::Duration;

use super::sink::{Received, Sink};
use super::*;
use crate::harness::{meta_csrf, Backend, TestApp};
use meridian::accounts::Role;
use meridian::email::outbound::{self, state};
use meridian::tenancy::Tenant;

pub(super) async fn start_out(backend: Backend, relay: Option<String>) -> Option<TestApp> {
    TestApp::start_with(
        backend,
        |env| {
            env.insert("MERIDIAN_MAX_MESSAGE_BYTES".into(), MAX_BYTES.into());
            env.insert("MERIDIAN_JOB_BACKOFF_MS".into(), "100".into());
            if let Some(u) = relay {
                env.insert("MERIDIAN_SMTP_URL".into(), u);
            }
        },
        meridian::jobs::Registry::new(),
    )
    .await
}

/// Generate `sqlite` and `postgres` tests that get a sink answering DATA with `$script` first
/// and a server relaying to it.
macro_rules! both_sink {
    ($name:ident, $script:expr) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let sink = super::Sink::start(&$script).await;
                let app = super::start_out(crate::harness::Backend::Sqlite, Some(sink.url())).await.expect("sqlite");
                super::$name(app, sink).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let sink = super::Sink::start(&$script).await;
                let Some(app) = super::start_out(crate::harness::Backend::Postgres, Some(sink.url())).await else {
                    return;
                };
                super::$name(app, sink).await;
            }
        }
    };
}

/// The outbound rows of a tenant once there are at least `n` and none waits for its job.
async fn outbound_settled(app: &TestApp, tenant: &Tenant, n: usize) -> Vec<outbound::Outbound> {
    let tid = tenant.tenant_id();
    for _ in 0..300 {
        let t = tid.clone();
        let rows = app.state.db.read(move |c| outbound::list(c, &t)).await.unwrap();
        if rows.len() >= n && rows.iter().all(|r| r.state == state::SENT || r.state == state::DEAD) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("outbound mail did not settle");
}

/// The ticket a customer's first mail opened: (id, number).
async fn first_ticket(app: &TestApp, tok: &str) -> (String, i64) {
    let list = tickets(app, tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    (list[0]["id"].as_str().unwrap().to_string(), list[0]["number"].as_i64().unwrap())
}

/// Carol writes to acme, copying Dave; the ticket is opened.
async fn carol_writes(app: &TestApp, acme: &Tenant) {
    let to = format!("acme@{DOMAIN}");
    let first = mail(
        "Carol <carol@customer.example>",
        &to,
        "Printer on fire",
        "Message-ID: <c1@customer.example>\r\nCc: dave@customer.example\r\n",
        "It is on fire.",
    );
    accepted(&smtp(app, "carol@customer.example", &[&to], &first).await);
    settled(app, acme).await;
}

async fn agent_reply(app: &TestApp, tok: &str, ticket: &str, agent: &str, kind: &str, body: &str) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .bearer_auth(tok)
        .json(&serde_json::json!({"kind": kind, "body": body, "author_agent_id": agent}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

fn refs(r: &Received) -> String {
    r.header("References").unwrap_or_default()
}

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

const KEY: &str = include_str!("dkim_test_key.pem");

/// The setup page: admins only, per tenant; settings change From, name and signature; a DKIM
/// key signs mail (verified here) and its TXT record is shown; the test message goes out and is
/// noticed when it comes back in.
async fn email_setup(app: TestApp, sink: Sink) {
    let (acme, email, pw) = app.seed_tenant("acme");
    let (_, b_email, b_pw) = app.seed_tenant("beta");
    let (_, a_email, a_pw) = app.add_agent(&acme, "Ana", Role::Agent);
    let (agent, _) = app.signed_in("acme", &a_email, &a_pw).await;
    let r = agent.get(app.url("/admin/email")).send().await.unwrap();
    assert_eq!(r.status(), 403, "agents do not see the setup");
    let csrf_agent = meta_csrf(&agent.get(app.url("/inbox")).send().await.unwrap().text().await.unwrap()).unwrap();
    for path in ["/admin/email/test", "/admin/email"] {
        let r = agent
            .post(app.url(path))
            .form(&[
                ("_csrf", csrf_agent.as_str()),
                ("support_address", "x@evil.example"),
                ("display_name", "x"),
                ("signature", ""),
                ("dkim_selector", ""),
                ("dkim_private_key", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }

    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let page = client.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("acme@{DOMAIN}")));
    let t = acme.tenant_id();
    let secret = app.state.db.write_blocking(|c| meridian::email::store::inbound_secret(c, &t)).unwrap();
    assert!(page.contains(&secret), "the inbound secret is shown");
    assert!(!page.contains("data-testid=\"mail-banner\""));

    // A bad key is refused with its field and changes nothing.
    let form = |key: &str, csrf: &str| {
        vec![
            ("_csrf".to_string(), csrf.to_string()),
            ("support_address".into(), "help@acme.example".into()),
            ("display_name".into(), "Acme Help".into()),
            ("signature".into(), "The Acme team".into()),
            ("dkim_selector".into(), "s2026".into()),
            ("dkim_private_key".into(), key.to_string()),
        ]
    };
    let r = client.post(app.url("/admin/email")).form(&form("not a key", &csrf)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("RSA private key"), "the page says what is wrong");
    let t = acme.tenant_id();
    assert!(app.state.db.read(move |c| outbound::settings::get(c, &t)).await.unwrap().support_address.is_none());
    let r = client.post(app.url("/admin/email")).form(&form(KEY, &csrf)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = client.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("s2026._domainkey.acme.example"), "the TXT record's name");
    let record = page.split("data-testid=\"dkim-record\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(record.starts_with("v=DKIM1; k=rsa; p="));
    assert!(!page.contains("PRIVATE KEY-----\nMII"), "the private key is never shown back");

    // Another tenant's admin sees only their own setup, and their test goes to their address.
    let (other, other_csrf) = app.signed_in("beta", &b_email, &b_pw).await;
    let page = other.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("beta@{DOMAIN}")) && !page.contains("acme.example") && !page.contains(&secret));
    // Their save changes only their own settings.
    let r = other
        .post(app.url("/admin/email"))
        .form(&[
            ("_csrf", other_csrf.as_str()),
            ("support_address", "help@beta.example"),
            ("display_name", "Beta"),
            ("signature", ""),
            ("dkim_selector", ""),
            ("dkim_private_key", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let t = acme.tenant_id();
    let mine = app.state.db.read(move |c| outbound::settings::get(c, &t)).await.unwrap();
    assert_eq!(mine.support_address.as_deref(), Some("help@acme.example"));
    assert!(mine.dkim_private_key.is_some());

    // Mail now comes from the support address, signed and signed correctly.
    carol_writes(&app, &acme).await;
    let ack = sink.wait_accepted(1).await[0].clone();
    assert!(ack.header("From").unwrap().contains("Acme Help\" <help@acme.example>"), "{:?}", ack.header("From"));
    assert!(ack.text().contains("The Acme team"), "{}", ack.text());
    dkim_verify(&ack.data, &record).expect("the signature verifies with the published key");
    let tampered = String::from_utf8(ack.data.clone()).unwrap().replace("The Acme team", "The Evil team");
    assert!(dkim_verify(tampered.as_bytes(), &record).is_err(), "a changed body fails the check");
    let tampered = String::from_utf8(ack.data.clone()).unwrap().replacen("Subject: ", "Subject: X", 1);
    assert!(dkim_verify(tampered.as_bytes(), &record).is_err(), "a changed header fails the check");

    // The test message: out through the relay to the forwarding address, back in, noted.
    let r = client.post(app.url("/admin/email/test")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let test = sink.wait_accepted(2).await[1].clone();
    assert_eq!(test.rcpts, vec![format!("acme@{DOMAIN}")]);
    let r = other.post(app.url("/admin/email/test")).form(&[("_csrf", other_csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(sink.wait_accepted(3).await[2].rcpts, vec![format!("beta@{DOMAIN}")]);
    // The relay would deliver it to us: hand its bytes to our listener.
    let file = app.dir.path().join("test-back.eml");
    std::fs::write(&file, &test.data).unwrap();
    let report = smtp_files(&app, &test.from, &[&format!("acme@{DOMAIN}")], vec![file.display().to_string()]).await;
    accepted(&report["results"][0]);
    settled(&app, &acme).await;
    let page = client.get(app.url("/admin/email")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"test-arrived\""), "the page shows it arrived");
    let tok = token_for(&app, &acme);
    assert_eq!(tickets(&app, &tok).await.len(), 1, "the test opened no ticket");
}
both_sink!(email_setup, []);

/// Check a DKIM-Signature (rsa-sha256, relaxed/relaxed) against the published record.
fn dkim_verify(raw: &[u8], record: &str) -> Result<(), String> {
    use base64::Engine;
    use rsa::pkcs8::DecodePublicKey;
    use sha2::{Digest, Sha256};
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8(raw.to_vec()).expect("ASCII message");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers and body");
    // Unfolded headers, in order.
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push_str("\r\n");
            last.1.push_str(line);
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.to_string(), v.to_string()));
        }
    }
    let relaxed = |name: &str, value: &str| {
        let v = value.replace("\r\n", "");
        format!("{}:{}", name.to_ascii_lowercase().trim(), v.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let sig = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("DKIM-Signature")).expect("signed").clone();
    let tags: std::collections::HashMap<String, String> = sig
        .1
        .replace("\r\n", "")
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.split_whitespace().collect::<String>()))
        .collect();
    assert_eq!(tags["a"], "rsa-sha256");
    assert_eq!(tags["c"], "relaxed/relaxed");
    assert_eq!(tags["d"], "acme.example");
    assert_eq!(tags["s"], "s2026");
    // Body hash, relaxed: whitespace runs to one space, none at line ends, no trailing empty lines.
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|l| l.split([' ', '\t']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "))
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let canon_body = lines.iter().map(|l| format!("{l}\r\n")).collect::<String>();
    if b64.encode(Sha256::digest(canon_body.as_bytes())) != tags["bh"] {
        return Err("body hash differs".into());
    }
    // Signed headers, then the signature header with an empty b=.
    let mut signed = String::new();
    for name in tags["h"].split(':') {
        let (n, v) = headers.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(name.trim())).expect("signed header");
        signed.push_str(&relaxed(n, v));
        signed.push_str("\r\n");
    }
    let unsigned = {
        // Everything up to the value of the b= tag (the last tag; base64 holds no ';').
        let v = sig.1.replace("\r\n", "");
        let at = v.match_indices(';').map(|(i, _)| i).rfind(|&i| v[i + 1..].trim_start().starts_with("b="));
        let at = at.expect("a b= tag");
        let b = at + 1 + v[at + 1..].find("b=").unwrap();
        format!("{}b=", &v[..b])
    };
    signed.push_str(&relaxed(&sig.0, &unsigned));
    let p = record.split("p=").nth(1).unwrap();
    let key = rsa::RsaPublicKey::from_public_key_der(&b64.decode(p).unwrap()).expect("the record's key");
    let hashed = Sha256::digest(signed.as_bytes());
    key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &hashed, &b64.decode(&tags["b"]).unwrap()).map_err(|e| e.to_string())
}

/// A relay URL that is not smtp:// or smtps:// stops the start, without repeating its password.
#[test]
fn bad_relay_urls_are_refused_at_start() {
    for bad in ["http://user:hunter2@relay.example", "smtp//user:hunter2@relay", "relay.example:25"] {
        let env: std::collections::HashMap<String, String> =
            [("MERIDIAN_SMTP_URL".to_string(), bad.to_string())].into_iter().collect();
        let e = meridian::config::Config::from_sources(None, &env).err().expect(bad).to_string();
        assert!(e.contains("MERIDIAN_SMTP_URL") && !e.contains("hunter2"), "{e}");
    }
    let env: std::collections::HashMap<String, String> =
        [("MERIDIAN_SMTP_URL".to_string(), "smtps://u:p@relay.example:465".to_string())].into_iter().collect();
    assert!(meridian::config::Config::from_sources(None, &env).is_ok());
}
