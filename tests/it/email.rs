//! Inbound email end to end: a real SMTP client (Python's smtplib) delivers into the listener on
//! loopback, the HTTP door takes posted messages, and the filing job puts them on tickets.

use serde_json::Value;

use crate::harness::{Backend, TestApp};
use meridian::accounts::tokens;
use meridian::email::{store, threads};
use meridian::tenancy::Tenant;

const DOMAIN: &str = "mail.desk.test";
/// Small, so the oversize test need not send 30 MiB; every corpus message fits.
const MAX_BYTES: &str = "100000";

async fn start(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(
        backend,
        |env| {
            env.insert("MERIDIAN_MAX_MESSAGE_BYTES".into(), MAX_BYTES.into());
        },
        meridian::jobs::Registry::new(),
    )
    .await
}

macro_rules! both_mail {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let app = super::start(crate::harness::Backend::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }
            #[actix_web::test]
            async fn postgres() {
                let Some(app) = super::start(crate::harness::Backend::Postgres).await else { return };
                super::$name(app).await;
            }
        }
    };
}

/// Deliver files over one SMTP connection with smtplib; its JSON report.
async fn smtp_files(app: &TestApp, from: &str, rcpts: &[&str], files: Vec<String>) -> Value {
    smtp_files_with(app, from, rcpts, files, false).await
}

/// [`smtp_files`], optionally after STARTTLS.
async fn smtp_files_with(app: &TestApp, from: &str, rcpts: &[&str], files: Vec<String>, starttls: bool) -> Value {
    let addr = app.smtp.expect("SMTP listener on");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_send.py");
    let mut args =
        vec![script.to_string(), addr.ip().to_string(), addr.port().to_string(), from.into(), rcpts.join(",")];
    args.extend(files);
    let tls = if starttls { "1" } else { "0" };
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(&args).env("SMTP_STARTTLS", tls).output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    assert!(out.status.success(), "smtp_send.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// Deliver one message; the report of that message.
async fn smtp(app: &TestApp, from: &str, rcpts: &[&str], raw: &str) -> Value {
    let file = app.dir.path().join(format!("out-{}.eml", meridian::db::new_id()));
    std::fs::write(&file, raw).unwrap();
    let report = smtp_files(app, from, rcpts, vec![file.display().to_string()]).await;
    report["results"][0].clone()
}

/// A plain message from `from`.
fn mail(from: &str, to: &str, subject: &str, headers: &str, body: &str) -> String {
    format!("From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
}

/// Wait until no inbound row of the tenant waits for filing; its rows.
async fn settled(app: &TestApp, tenant: &Tenant) -> Vec<store::Inbound> {
    let tid = tenant.tenant_id();
    for _ in 0..400 {
        let t = tid.clone();
        let rows = app.state.db.read(move |c| store::list(c, &t)).await.unwrap();
        if rows.iter().all(|r| r.state != store::state::RECEIVED) {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("inbound mail was not filed in time");
}

fn token_for(app: &TestApp, tenant: &Tenant) -> String {
    app.state.db.write_blocking(|c| tokens::create(c, &tenant.tenant_id(), "mail", None)).unwrap().1
}

async fn tickets(app: &TestApp, tok: &str) -> Vec<Value> {
    let v = app.api_json(tok, "/api/v1/tickets?channel=email&sort=age&limit=200").await;
    v["data"].as_array().unwrap().clone()
}

async fn messages(app: &TestApp, tok: &str, ticket_id: &str) -> Vec<Value> {
    let v = app.api_json(tok, &format!("/api/v1/tickets/{ticket_id}/messages")).await;
    v["data"].as_array().unwrap().clone()
}

fn accepted(report: &Value) {
    assert!(report["error"].is_null() && report["refused"].as_object().unwrap().is_empty(), "{report}");
}

async fn conversation_threads(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let carol = "Carol <carol@customer.example>";
    let first = mail(
        carol,
        &to,
        "Printer on fire",
        "Message-ID: <m1@customer.example>\r\nCc: dave@customer.example\r\n",
        "It is on fire.",
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &first).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let t1 = list[0].clone();
    assert_eq!((t1["channel"].as_str(), t1["subject"].as_str()), (Some("email"), Some("Printer on fire")));
    assert_eq!(t1["requester"]["email"], "carol@customer.example");
    let id1 = t1["id"].as_str().unwrap().to_string();

    // The answer with In-Reply-To joins the ticket.
    let reply = mail(
        carol,
        &to,
        "Re: Printer on fire",
        "Message-ID: <m2@customer.example>\r\nIn-Reply-To: <m1@customer.example>\r\n",
        "Still burning.",
    );
    accepted(&smtp(&app, "carol@customer.example", &[&to], &reply).await);
    // Only the plus address.
    let t = acme.tenant_id();
    let i = id1.clone();
    let reply_token = app.state.db.write_blocking(|c| threads::reply_token_for(c, &t, &i)).unwrap();
    let plus = format!("acme+{reply_token}@{DOMAIN}");
    let by_token =
        mail(carol, &plus, "Another thing", "Message-ID: <m3@customer.example>\r\n", "Via the reply address.");
    accepted(&smtp(&app, "carol@customer.example", &[&plus], &by_token).await);
    // Only the [#N] in the subject; from the copied participant.
    let number = t1["number"].as_i64().unwrap();
    let by_subject = mail(
        "dave@customer.example",
        &to,
        &format!("Re: [#{number}] Printer"),
        "Message-ID: <m4@customer.example>\r\n",
        "Dave here.",
    );
    accepted(&smtp(&app, "dave@customer.example", &[&to], &by_subject).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 1, "all four joined one ticket: {list:?}");
    let bodies: Vec<String> =
        messages(&app, &tok, &id1).await.iter().map(|m| m["body_text"].as_str().unwrap_or("").to_string()).collect();
    for expected in ["It is on fire.", "Still burning.", "Via the reply address.", "Dave here."] {
        assert!(bodies.iter().any(|b| b.contains(expected)), "{expected:?} missing from {bodies:?}");
    }

    // A threaded reply from a stranger opens a new ticket, linked to the one it answered.
    let stranger = mail(
        "Mallory <mallory@evil.example>",
        &plus,
        &format!("Re: [#{number}] Printer"),
        "Message-ID: <x1@evil.example>\r\nIn-Reply-To: <m1@customer.example>\r\n",
        "Let me in.",
    );
    accepted(&smtp(&app, "mallory@evil.example", &[&plus], &stranger).await);
    settled(&app, &acme).await;
    let list = tickets(&app, &tok).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let t2 = list.iter().find(|t| t["id"] != t1["id"]).unwrap();
    assert_eq!(t2["requester"]["email"], "mallory@evil.example");
    assert_eq!(t2["previous_ticket_id"], id1);
    assert_eq!(messages(&app, &tok, &id1).await.len(), 4, "nothing of the stranger's on the first ticket");

    // An agent of the tenant answering by mail joins too.
    let agent = mail(
        "acme Owner <owner@acme.example>",
        &to,
        "Re: Printer on fire",
        "Message-ID: <a1@acme.example>\r\nReferences: <m1@customer.example> <m2@customer.example>\r\n",
        "We are on it.",
    );
    accepted(&smtp(&app, "owner@acme.example", &[&to], &agent).await);
    settled(&app, &acme).await;
    let msgs = messages(&app, &tok, &id1).await;
    assert_eq!(msgs.len(), 5);
    assert_eq!(msgs[4]["author_type"], "agent");
}
both_mail!(conversation_threads);

async fn dedupe_and_automatic_mail(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    // No Message-ID, delivered twice (the second through a relay that added a header).
    let plain = mail("erin@customer.example", &to, "No id", "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n", "Same words.");
    accepted(&smtp(&app, "erin@customer.example", &[&to], &plain).await);
    let relayed = format!("Received: by relay.example\r\n{plain}");
    accepted(&smtp(&app, "erin@customer.example", &[&to], &relayed).await);
    // With a Message-ID, twice.
    let with_id = mail("erin@customer.example", &to, "With id", "Message-ID: <dup@customer.example>\r\n", "Once.");
    accepted(&smtp(&app, "erin@customer.example", &[&to], &with_id).await);
    accepted(&smtp(&app, "erin@customer.example", &[&to], &with_id).await);
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), 4, "every delivery is stored");
    let states: Vec<&str> = rows.iter().map(|r| r.state.as_str()).collect();
    assert_eq!(states, ["filed", "duplicate", "filed", "duplicate"]);
    assert_eq!(tickets(&app, &tok).await.len(), 2);

    // An auto-reply is stored, filed, flagged and tagged.
    let ooo = mail(
        "frank@customer.example",
        &to,
        "Out of office",
        "Message-ID: <ooo@customer.example>\r\nAuto-Submitted: auto-replied\r\n",
        "I am away.",
    );
    accepted(&smtp(&app, "frank@customer.example", &[&to], &ooo).await);
    let rows = settled(&app, &acme).await;
    let row = rows.iter().find(|r| r.message_id_header.as_deref() == Some("ooo@customer.example")).unwrap();
    assert!(row.auto_reply && row.state == "filed");
    let t = tickets(&app, &tok).await.into_iter().find(|t| t["subject"] == "Out of office").unwrap();
    assert_eq!(t["tags"], serde_json::json!(["auto-reply"]));
    // A bounce (empty envelope sender) too.
    let bounce = mail(
        "MAILER-DAEMON@relay.example",
        &to,
        "Undelivered Mail",
        "Message-ID: <b1@relay.example>\r\n",
        "It bounced.",
    );
    accepted(&smtp(&app, "", &[&to], &bounce).await);
    let rows = settled(&app, &acme).await;
    assert!(rows.iter().find(|r| r.message_id_header.as_deref() == Some("b1@relay.example")).unwrap().auto_reply);
}
both_mail!(dedupe_and_automatic_mail);

async fn smtp_refusals(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let to = format!("acme@{DOMAIN}");
    let body = mail("a@customer.example", &to, "Hi", "", "Hello.");
    let unknown = smtp(&app, "a@customer.example", &[&format!("nobody@{DOMAIN}")], &body).await;
    assert_eq!(unknown["refused"][format!("nobody@{DOMAIN}")][0], 550, "{unknown}");
    let other_domain = smtp(&app, "a@customer.example", &["acme@elsewhere.example"], &body).await;
    assert_eq!(other_domain["refused"]["acme@elsewhere.example"][0], 550, "{other_domain}");
    // One good and one unknown recipient: the good one gets the message.
    let mixed = smtp(&app, "a@customer.example", &[&to, &format!("ghost@{DOMAIN}")], &body).await;
    assert!(mixed["error"].is_null() && mixed["refused"].as_object().unwrap().len() == 1, "{mixed}");
    // Oversize: 552, nothing stored; SIZE is advertised.
    let big = mail("a@customer.example", &to, "Big", "", &"x".repeat(150_000));
    let file = app.dir.path().join("big.eml");
    std::fs::write(&file, big).unwrap();
    let report = smtp_files(&app, "a@customer.example", &[&to], vec![file.display().to_string()]).await;
    assert_eq!(report["size"], MAX_BYTES);
    assert_eq!(report["starttls"], false, "no certificate, no STARTTLS");
    assert_eq!(report["results"][0]["error"][0], 552, "{report}");
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), 1, "only the mixed delivery was stored");

    // Limits inside a session: a raw client that never says EHLO, and a too-long line.
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stream = tokio::net::TcpStream::connect(app.smtp.unwrap()).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut line = String::new();
    r.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("220 "), "{line}");
    w.write_all(b"MAIL FROM:<a@b.example>\r\n").await.unwrap();
    line.clear();
    r.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("503"), "{line}");
    w.write_all(format!("NOOP {}\r\n", "y".repeat(10_000)).as_bytes()).await.unwrap();
    line.clear();
    r.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("500"), "{line}");
    // A client that sends no SIZE and streams too much DATA: 552 after the terminator.
    w.write_all(b"EHLO raw.test\r\n").await.unwrap();
    loop {
        line.clear();
        r.read_line(&mut line).await.unwrap();
        assert!(line.starts_with("250"), "{line}");
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    }
    for (command, code) in [("MAIL FROM:<a@b.example>", "250"), (&*format!("RCPT TO:<{to}>"), "250"), ("DATA", "354")] {
        w.write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
        line.clear();
        r.read_line(&mut line).await.unwrap();
        assert!(line.starts_with(code), "{command}: {line}");
    }
    w.write_all(b"Subject: big\r\n\r\n").await.unwrap();
    let row = format!("{}\r\n", "z".repeat(998));
    for _ in 0..150 {
        w.write_all(row.as_bytes()).await.unwrap();
    }
    w.write_all(b".\r\n").await.unwrap();
    line.clear();
    r.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("552"), "{line}");
    w.write_all(b"QUIT\r\n").await.unwrap();
    line.clear();
    r.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("221"), "{line}");
    assert_eq!(settled(&app, &acme).await.len(), 1, "the oversize message was not stored");
}
both_mail!(smtp_refusals);

async fn post_raw(app: &TestApp, slug: &str, secret: &str, raw: &[u8]) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/inbound/email/{slug}")))
        .bearer_auth(secret)
        .header("content-type", "message/rfc822")
        .body(raw.to_vec())
        .send()
        .await
        .unwrap()
}

async fn http_door(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let secret = app.state.db.write_blocking(|c| store::inbound_secret(c, &acme.tenant_id())).unwrap();
    let beta_secret = app.state.db.write_blocking(|c| store::inbound_secret(c, &beta.tenant_id())).unwrap();
    assert_ne!(secret, beta_secret);
    let raw = mail(
        "gina@customer.example",
        "acme@mail.desk.test",
        "By HTTP",
        "Message-ID: <h1@customer.example>\r\n",
        "Posted.",
    );
    assert_eq!(post_raw(&app, "acme", "wrong", raw.as_bytes()).await.status(), 401);
    assert_eq!(post_raw(&app, "beta", &secret, raw.as_bytes()).await.status(), 401, "another tenant's slug");
    assert_eq!(post_raw(&app, "nosuch", &secret, raw.as_bytes()).await.status(), 401);
    let no_auth = reqwest::Client::new().post(app.url("/inbound/email/acme")).body(raw.clone()).send().await.unwrap();
    assert_eq!(no_auth.status(), 401);
    let wrong_type = reqwest::Client::new()
        .post(app.url("/inbound/email/acme"))
        .bearer_auth(&secret)
        .header("content-type", "text/plain")
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 400);
    let ok = post_raw(&app, "acme", &secret, raw.as_bytes()).await;
    assert_eq!(ok.status(), 202);
    let answer: Value = ok.json().await.unwrap();
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, answer["id"].as_str().unwrap());
    assert_eq!(rows[0].state, "filed");
    let (t, id) = (acme.tenant_id(), rows[0].id.clone());
    assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), raw.as_bytes());
    assert!(settled(&app, &beta).await.is_empty(), "nothing reached beta");
    let tok = token_for(&app, &acme);
    assert_eq!(tickets(&app, &tok).await.len(), 1);
    // Too large: 413.
    let big = vec![b'a'; 150_000];
    assert_eq!(post_raw(&app, "acme", &secret, &big).await.status(), 413);
}
both_mail!(http_door);

async fn tenants_stay_apart(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let (acme_tok, beta_tok) = (token_for(&app, &acme), token_for(&app, &beta));
    // Beta's ticket #1, with its reply token and Message-ID.
    let to_beta = format!("beta@{DOMAIN}");
    let first = mail(
        "hank@customer.example",
        &to_beta,
        "Beta question",
        "Message-ID: <beta1@customer.example>\r\n",
        "For beta.",
    );
    accepted(&smtp(&app, "hank@customer.example", &[&to_beta], &first).await);
    settled(&app, &beta).await;
    let beta_ticket = tickets(&app, &beta_tok).await[0].clone();
    let (t, i) = (beta.tenant_id(), beta_ticket["id"].as_str().unwrap().to_string());
    let beta_token = app.state.db.write_blocking(|c| threads::reply_token_for(c, &t, &i)).unwrap();
    // To acme, with beta's token, ticket number and Message-ID: a new acme ticket, beta untouched.
    let plus = format!("acme+{beta_token}@{DOMAIN}");
    let sneaky = mail(
        "hank@customer.example",
        &plus,
        "Re: [#1] Beta question",
        "Message-ID: <acme1@customer.example>\r\nIn-Reply-To: <beta1@customer.example>\r\n",
        "For acme.",
    );
    accepted(&smtp(&app, "hank@customer.example", &[&plus], &sneaky).await);
    settled(&app, &acme).await;
    let acme_tickets = tickets(&app, &acme_tok).await;
    assert_eq!(acme_tickets.len(), 1);
    assert_eq!(acme_tickets[0]["previous_ticket_id"], Value::Null);
    assert_eq!(messages(&app, &beta_tok, beta_ticket["id"].as_str().unwrap()).await.len(), 1);
    // And the same the other way, after acme has a #1 of its own.
    let back = mail(
        "hank@customer.example",
        &to_beta,
        "Re: [#1]",
        "Message-ID: <beta2@customer.example>\r\nIn-Reply-To: <acme1@customer.example>\r\n",
        "Back to beta.",
    );
    accepted(&smtp(&app, "hank@customer.example", &[&to_beta], &back).await);
    settled(&app, &beta).await;
    assert_eq!(messages(&app, &acme_tok, acme_tickets[0]["id"].as_str().unwrap()).await.len(), 1);

    // Quarantine: beta's message without a sender fails; acme cannot see, fetch or retry it.
    let nobody = "To: beta@mail.desk.test\r\nSubject: who am I\r\n\r\nNo From header.\r\n";
    accepted(&smtp(&app, "x@customer.example", &[&to_beta], nobody).await);
    settled(&app, &beta).await;
    let failed = app.api_json(&beta_tok, "/api/v1/mail/failed").await;
    let entry = failed["data"][0].clone();
    assert!(entry["error"].as_str().unwrap().contains("sender"), "{failed}");
    let raw_url = entry["raw_url"].as_str().unwrap().to_string();
    let id = entry["id"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let raw = client.get(app.url(&raw_url)).bearer_auth(&beta_tok).send().await.unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.headers()["content-type"], "message/rfc822");
    assert!(raw.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(raw.bytes().await.unwrap().as_ref(), nobody.as_bytes());
    assert_eq!(app.api_json(&acme_tok, "/api/v1/mail/failed").await["data"], serde_json::json!([]));
    assert_eq!(client.get(app.url(&raw_url)).bearer_auth(&acme_tok).send().await.unwrap().status(), 404);
    let retry_url = app.url(&format!("/api/v1/mail/failed/{id}/retry"));
    assert_eq!(client.post(&retry_url).bearer_auth(&acme_tok).send().await.unwrap().status(), 404);
    let retried = client.post(&retry_url).bearer_auth(&beta_tok).send().await.unwrap();
    assert_eq!(retried.status(), 202);
    // Retried, it fails again for the same reason and is still kept.
    settled(&app, &beta).await;
    assert_eq!(app.api_json(&beta_tok, "/api/v1/mail/failed").await["data"][0]["id"], id.as_str());
    let again = client.post(&retry_url).bearer_auth(&beta_tok).send().await.unwrap();
    assert_eq!(again.status(), 202);
    settled(&app, &beta).await;
    // A filed message is not retryable.
    let rows = settled(&app, &beta).await;
    let filed = rows.iter().find(|r| r.state == "filed").unwrap();
    let conflict = client
        .post(app.url(&format!("/api/v1/mail/failed/{}/retry", filed.id)))
        .bearer_auth(&beta_tok)
        .send()
        .await
        .unwrap();
    assert_eq!(conflict.status(), 409);
}
both_mail!(tenants_stay_apart);

fn corpus_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/mime");
    assert!(root.is_dir(), "the MIME corpus is missing at {} (see ../shared/corpora/README.md)", root.display());
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.push(p);
            }
        }
    }
    let mut out = vec![];
    walk(&root, &mut out);
    out.sort();
    out
}

async fn mime_corpus(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let files = corpus_files();
    assert!(files.len() > 100, "{} corpus messages", files.len());
    let to = format!("acme@{DOMAIN}");
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let report = smtp_files(&app, "corpus@customer.example", &[&to], names).await;
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), files.len());
    for (f, r) in files.iter().zip(results) {
        assert!(r["error"].is_null(), "{}: {r}", f.display());
    }
    let rows = settled(&app, &acme).await;
    assert_eq!(rows.len(), files.len(), "one stored row per message");
    let mut failed = 0;
    for (f, row) in files.iter().zip(&rows) {
        let mut expected = std::fs::read(f).unwrap();
        // smtplib ends the data with CRLF when the message does not.
        if !expected.ends_with(b"\r\n") {
            expected.extend_from_slice(b"\r\n");
        }
        let (t, id) = (acme.tenant_id(), row.id.clone());
        let raw = app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap();
        assert!(raw == expected, "{} is not stored whole", f.display());
        assert_eq!(row.sha256, store::sha256_hex(&expected));
        match row.state.as_str() {
            "filed" | "duplicate" => assert!(row.ticket_id.is_some(), "{}", f.display()),
            "failed" => {
                failed += 1;
                assert!(row.error.as_deref().is_some_and(|e| !e.is_empty()), "{}", f.display());
            }
            other => panic!("{}: state {other}", f.display()),
        }
    }
    let mut reasons: Vec<&str> = rows.iter().filter_map(|r| r.error.as_deref()).collect();
    reasons.sort();
    reasons.dedup();
    eprintln!("corpus: {} messages, {failed} quarantined for: {reasons:?}", files.len());
    // The API serves every quarantined message and every ticket without a server error.
    let list = app.api_json(&tok, "/api/v1/mail/failed").await;
    assert_eq!(list["data"].as_array().unwrap().len(), failed);
    let client = reqwest::Client::new();
    for entry in list["data"].as_array().unwrap() {
        let r = client.get(app.url(entry["raw_url"].as_str().unwrap())).bearer_auth(&tok).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    for t in tickets(&app, &tok).await {
        let id = t["id"].as_str().unwrap();
        let r = client.get(app.url(&format!("/api/v1/tickets/{id}/messages"))).bearer_auth(&tok).send().await.unwrap();
        assert_eq!(r.status(), 200, "{id}");
    }
    // The HTTP door stores the same bytes exactly as posted.
    let secret = app.state.db.write_blocking(|c| store::inbound_secret(c, &acme.tenant_id())).unwrap();
    for f in files.iter().take(20) {
        let bytes = std::fs::read(f).unwrap();
        let r = post_raw(&app, "acme", &secret, &bytes).await;
        assert_eq!(r.status(), 202, "{}", f.display());
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        let t = acme.tenant_id();
        assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), bytes);
    }
    settled(&app, &acme).await;
}
both_mail!(mime_corpus);

async fn html_and_attachments(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    let raw = format!(
        "From: Ivy <ivy@customer.example>\r\nTo: {to}\r\nSubject: Screenshot\r\nMessage-ID: <html1@customer.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the picture.\r\n\
         --inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"steal()\">See the <b>picture</b>.</p><script>steal()</script>\r\n\
         --inner--\r\n\
         --outer\r\nContent-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gZnJvbSBhbiBhdHRhY2htZW50\r\n\
         --outer--\r\n"
    );
    accepted(&smtp(&app, "ivy@customer.example", &[&to], &raw).await);
    settled(&app, &acme).await;
    let t = tickets(&app, &tok).await.pop().unwrap();
    let msgs = messages(&app, &tok, t["id"].as_str().unwrap()).await;
    let m = &msgs[0];
    assert_eq!(m["body_text"].as_str().unwrap().trim(), "See the picture.");
    let html = m["body_html"].as_str().unwrap();
    assert!(html.contains("<b>picture</b>") && !html.contains("script") && !html.contains("onclick"), "{html}");
    let files = m["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{m}");
    assert_eq!(files[0]["filename"], "notes.txt");
    let id = files[0]["id"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/attachments/{id}")))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello from an attachment");
}
both_mail!(html_and_attachments);

/// One line from the server (a multi-line reply as its last line).
async fn answer(r: &mut tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    use tokio::io::AsyncBufReadExt;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return line;
        }
    }
}

async fn session_limits(backend: Backend) {
    use tokio::io::{AsyncWriteExt, BufReader};
    let adjust = |env: &mut std::collections::HashMap<String, String>| {
        env.insert("MERIDIAN_SMTP_MAX_CONNECTIONS".into(), "1".into());
        env.insert("MERIDIAN_SMTP_MAX_RECIPIENTS".into(), "2".into());
        env.insert("MERIDIAN_SMTP_TIMEOUT_SECS".into(), "1".into());
    };
    let Some(app) = TestApp::start_with(backend, adjust, meridian::jobs::Registry::new()).await else { return };
    app.seed_tenant("acme");
    let (r, mut w) = tokio::net::TcpStream::connect(app.smtp.unwrap()).await.unwrap().into_split();
    let mut r = BufReader::new(r);
    assert!(answer(&mut r).await.starts_with("220"));
    // The only slot is taken: a second client is told so and closed.
    let (r2, _w2) = tokio::net::TcpStream::connect(app.smtp.unwrap()).await.unwrap().into_split();
    let mut r2 = BufReader::new(r2);
    assert!(answer(&mut r2).await.starts_with("421"));
    // Recipients beyond the limit: 452.
    for (command, code) in [
        ("EHLO raw.test".to_string(), "250"),
        ("MAIL FROM:<a@b.example>".into(), "250"),
        (format!("RCPT TO:<acme@{DOMAIN}>"), "250"),
        (format!("RCPT TO:<acme+abc@{DOMAIN}>"), "250"),
        (format!("RCPT TO:<acme@{DOMAIN}>"), "452"),
    ] {
        w.write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
        let line = answer(&mut r).await;
        assert!(line.starts_with(code), "{command}: {line}");
    }
    // A client that goes quiet is told and disconnected after the command timeout.
    let line = answer(&mut r).await;
    assert!(line.starts_with("421"), "{line}");
    // Its slot is free again.
    let (r3, _w3) = tokio::net::TcpStream::connect(app.smtp.unwrap()).await.unwrap().into_split();
    let mut r3 = BufReader::new(r3);
    let mut greeting = answer(&mut r3).await;
    for _ in 0..50 {
        if greeting.starts_with("220") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (r, _w) = tokio::net::TcpStream::connect(app.smtp.unwrap()).await.unwrap().into_split();
        r3 = BufReader::new(r);
        greeting = answer(&mut r3).await;
    }
    assert!(greeting.starts_with("220"), "{greeting}");
}

mod session_limits {
    #[actix_web::test]
    async fn sqlite() {
        super::session_limits(crate::harness::Backend::Sqlite).await;
    }
    #[actix_web::test]
    async fn postgres() {
        super::session_limits(crate::harness::Backend::Postgres).await;
    }
}

async fn one_message_for_two_tenants(app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let (beta, _, _) = app.seed_tenant("beta");
    let (to_a, to_b) = (format!("acme@{DOMAIN}"), format!("beta@{DOMAIN}"));
    let raw = mail(
        "jo@customer.example",
        &format!("{to_a}, {to_b}"),
        "For both",
        "Message-ID: <both@customer.example>\r\n",
        "Hello both.",
    );
    accepted(&smtp(&app, "jo@customer.example", &[&to_a, &to_b, &format!("acme+abc@{DOMAIN}")], &raw).await);
    let (a, b) = (settled(&app, &acme).await, settled(&app, &beta).await);
    assert_eq!((a.len(), b.len()), (1, 1), "one row per recipient tenant");
    assert_eq!(a[0].sha256, b[0].sha256);
    assert_eq!((a[0].state.as_str(), b[0].state.as_str()), ("filed", "filed"));
    for (tenant, row) in [(&acme, &a[0]), (&beta, &b[0])] {
        let (t, id) = (tenant.tenant_id(), row.id.clone());
        assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), raw.as_bytes());
        assert_eq!(tickets(&app, &token_for(&app, tenant)).await.len(), 1);
    }
}
both_mail!(one_message_for_two_tenants);

async fn starttls(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mail.desk.test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a test certificate");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (c, k) = (cert.display().to_string(), key.display().to_string());
    let adjust = move |env: &mut std::collections::HashMap<String, String>| {
        env.insert("MERIDIAN_SMTP_TLS_CERT".into(), c);
        env.insert("MERIDIAN_SMTP_TLS_KEY".into(), k);
    };
    let Some(app) = TestApp::start_with(backend, adjust, meridian::jobs::Registry::new()).await else { return };
    let (acme, _, _) = app.seed_tenant("acme");
    let to = format!("acme@{DOMAIN}");
    let raw = mail("kim@customer.example", &to, "Over TLS", "Message-ID: <tls1@customer.example>\r\n", "Encrypted.");
    let file = app.dir.path().join("tls.eml");
    std::fs::write(&file, &raw).unwrap();
    let report = smtp_files_with(&app, "kim@customer.example", &[&to], vec![file.display().to_string()], true).await;
    assert_eq!(report["starttls"], true, "{report}");
    assert!(report["tls"].as_str().unwrap().starts_with("TLS"), "{report}");
    assert_eq!(report["starttls_after"], false, "not offered twice: {report}");
    accepted(&report["results"][0]);
    let rows = settled(&app, &acme).await;
    assert_eq!((rows.len(), rows[0].state.as_str()), (1, "filed"));
    let (t, id) = (acme.tenant_id(), rows[0].id.clone());
    assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), raw.as_bytes());
    // Commands pipelined behind STARTTLS are refused, not carried into the TLS session.
    use tokio::io::{AsyncWriteExt, BufReader};
    let (r, mut w) = tokio::net::TcpStream::connect(app.smtp.unwrap()).await.unwrap().into_split();
    let mut r = BufReader::new(r);
    assert!(answer(&mut r).await.starts_with("220"));
    w.write_all(b"EHLO raw.test\r\n").await.unwrap();
    assert!(answer(&mut r).await.starts_with("250"));
    w.write_all(b"STARTTLS\r\nMAIL FROM:<x@y.example>\r\n").await.unwrap();
    let line = answer(&mut r).await;
    assert!(line.starts_with("554"), "{line}");
    // (smtp_refusals checks that a server without a certificate does not offer STARTTLS.)
}

mod starttls {
    #[actix_web::test]
    async fn sqlite() {
        super::starttls(crate::harness::Backend::Sqlite).await;
    }
    #[actix_web::test]
    async fn postgres() {
        super::starttls(crate::harness::Backend::Postgres).await;
    }
}
