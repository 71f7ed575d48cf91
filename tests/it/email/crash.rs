//! The SMTP promise across crashes: a real server process is killed with SIGKILL again and again
//! while a client streams mail into it. Every message that got 250 is on the ticket exactly once
//! after the restart; a message that got no answer may be missing, but nothing is half-filed (an
//! inbound row is filed with its message, or not there).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::*;
use crate::harness::{test_env, TestApp};
use meridian::db::schema::{email_message_ids, inbound_emails, messages};

const BIN: &str = env!("CARGO_BIN_EXE_meridian");
/// Kills per database; each after a few hundred milliseconds of mail.
const KILLS: usize = 5;
/// Concurrent SMTP senders.
const CLIENTS: usize = 3;
/// Short, so that jobs the killed processes held are claimed again within the test.
const LEASE_SECS: &str = "2";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server process on the test's database, its SMTP listener on `smtp`.
fn spawn(app: &TestApp, smtp: u16) -> std::process::Child {
    let mut env = test_env(app.backend, app.dir.path(), app.pg_database.as_deref());
    env.insert("MERIDIAN_SMTP_LISTEN".into(), format!("127.0.0.1:{smtp}"));
    env.insert("MERIDIAN_JOB_LEASE_SECS".into(), LEASE_SECS.into());
    env.insert("MERIDIAN_MAX_MESSAGE_BYTES".into(), MAX_BYTES.into());
    std::process::Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(&env)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server process starts")
}

/// One SMTP reply (the last line of a multi-line one), or the connection's error.
async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<String> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return Ok(line);
        }
    }
}

/// A session ready for mail (greeted, EHLO answered).
async fn connect(
    port: u16,
) -> std::io::Result<(BufReader<tokio::net::tcp::OwnedReadHalf>, tokio::net::tcp::OwnedWriteHalf)> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    // Small commands and their answers, one at a time: without this, Nagle and delayed ACKs
    // turn each into a 40 ms wait.
    stream.set_nodelay(true)?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    if !reply(&mut r).await?.starts_with("220") {
        return Err(std::io::ErrorKind::ConnectionRefused.into());
    }
    w.write_all(b"EHLO crash.test\r\n").await?;
    reply(&mut r).await?;
    Ok((r, w))
}

/// Send message `n`; whether it was answered 250 after its data.
async fn send(
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    n: usize,
    to: &str,
) -> std::io::Result<bool> {
    for command in ["MAIL FROM:<carol@customer.example>".to_string(), format!("RCPT TO:<{to}>"), "DATA".into()] {
        w.write_all(format!("{command}\r\n").as_bytes()).await?;
        reply(r).await?;
    }
    let body = mail(
        "Carol <carol@customer.example>",
        to,
        "[#1] Still broken",
        &format!("Message-ID: <crash-{n}@customer.example>\r\n"),
        &format!("Report crash-{n}. {}", "Padding so the message has some size. ".repeat(20)),
    );
    w.write_all(format!("{body}\r\n.\r\n").as_bytes()).await?;
    Ok(reply(r).await?.starts_with("250"))
}

/// Stream mail until `stop`, numbering from `first`; the numbers answered 250 and the numbers sent.
async fn stream(
    port: u16,
    to: String,
    first: usize,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Vec<usize>, Vec<usize>) {
    let (mut acked, mut sent, mut n) = (vec![], vec![], first);
    while !*stop.borrow() {
        let Ok((mut r, mut w)) = connect(port).await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        while !*stop.borrow() {
            n += 1;
            sent.push(n);
            match send(&mut r, &mut w, n, &to).await {
                Ok(true) => acked.push(n),
                Ok(false) => {}
                // The server died under us: no answer, so the message may or may not be stored.
                Err(_) => break,
            }
        }
    }
    (acked, sent)
}

async fn wait_for_smtp(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while connect(port).await.is_err() {
        assert!(Instant::now() < deadline, "the server process did not start listening");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn acknowledged_mail_survives_sigkill(mut app: TestApp) {
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    // Ticket #1, which every streamed message answers by its `[#1]`.
    use meridian::tickets::commands::{NewTicket, Requester};
    let ticket = app.open_ticket(
        &acme,
        NewTicket {
            subject: "Still broken".into(),
            body_text: "It broke.".into(),
            body_html: None,
            requester: Requester::Email { email: "carol@customer.example".into(), name: None },
            priority: meridian::tickets::Priority::Normal,
            tags: vec![],
            language: None,
            channel: meridian::tickets::Channel::Web,
            assignee_id: None,
            team_id: None,
        },
    );
    app.stop().await;

    let port = free_port();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut child = spawn(&app, port);
    wait_for_smtp(port).await;
    // Several senders, so kills land in every state of a session, DATA's commit included.
    let clients: Vec<_> =
        (0..CLIENTS).map(|i| tokio::spawn(stream(port, format!("acme@{DOMAIN}"), i * 1_000_000, rx.clone()))).collect();
    for k in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(250 + 100 * k as u64)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        child = spawn(&app, port);
        wait_for_smtp(port).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    tx.send(true).unwrap();
    let (mut acked, mut sent) = (vec![], vec![]);
    for c in clients {
        let (a, s) = c.await.unwrap();
        acked.extend(a);
        sent.extend(s);
    }
    eprintln!(
        "crash test ({:?}): {} of {} messages answered 250 across {KILLS} kills",
        app.backend,
        acked.len(),
        sent.len()
    );
    assert!(acked.len() >= KILLS, "the clients got mail through: {} of {}", acked.len(), sent.len());

    // Restart (in this process) with the short lease, and let every stored message be filed.
    let app = {
        let mut config = (*app.state.config).clone();
        config.job_lease_secs = 2;
        app.state = meridian::app::AppState::init(config).expect("init");
        app.restart(meridian::jobs::Registry::new()).await
    };
    let rows = settled(&app, &acme).await;
    assert!(rows.iter().all(|r| r.state == store::state::FILED), "every stored message filed: {rows:?}");

    let bodies: Vec<String> = messages(&app, &tok, ticket.id.as_str())
        .await
        .iter()
        .map(|m| m["body_text"].as_str().unwrap_or("").to_string())
        .collect();
    let on_ticket = |n: usize| bodies.iter().filter(|b| b.starts_with(&format!("Report crash-{n}."))).count();
    for &n in &acked {
        assert_eq!(on_ticket(n), 1, "message {n} got 250: exactly once on the ticket");
    }
    for &n in &sent {
        assert!(on_ticket(n) <= 1, "message {n} filed at most once");
    }
    assert_eq!(tickets(&app, &tok).await.len(), 0, "no stray email tickets");

    // Nothing half-filed: every row's message and Message-ID record exist, one row per Message-ID.
    let t = acme.tenant_id();
    let (row_count, distinct_ids, with_message, keys): (i64, i64, i64, i64) = app
        .state
        .db
        .read(move |c| {
            let rows = inbound_emails::table.filter(inbound_emails::tenant_id.eq(t.as_str()));
            let row_count: i64 = rows.count().get_result(c)?;
            let ids: Vec<Option<String>> = inbound_emails::table
                .filter(inbound_emails::tenant_id.eq(t.as_str()))
                .select(inbound_emails::message_id_header)
                .distinct()
                .load(c)?;
            let with_message: i64 = inbound_emails::table
                .inner_join(
                    messages::table.on(messages::tenant_id
                        .eq(inbound_emails::tenant_id)
                        .and(messages::id.nullable().eq(inbound_emails::message_row_id))),
                )
                .filter(inbound_emails::tenant_id.eq(t.as_str()))
                .count()
                .get_result(c)?;
            let keys: i64 =
                email_message_ids::table.filter(email_message_ids::tenant_id.eq(t.as_str())).count().get_result(c)?;
            Ok((row_count, ids.len() as i64, with_message, keys))
        })
        .await
        .unwrap();
    assert_eq!(row_count, distinct_ids, "each Message-ID stored once");
    assert_eq!(with_message, row_count, "each row filed with its message");
    assert_eq!(keys, row_count, "each row's Message-ID recorded");
    assert_eq!(bodies.len() as i64, row_count + 1, "the ticket holds its first message and one per row");
}
both_mail!(acknowledged_mail_survives_sigkill);
