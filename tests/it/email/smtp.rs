//! The SMTP listener: refusals (550, 552, 503, 500), session limits, STARTTLS.

use super::*;
use crate::harness::{Backend, TestApp};
use meridian::email::store;

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

/// A message of several mebibytes is stored in pieces and comes back byte for byte (to filing,
/// the raw-source API and the failed-mail download alike), and its attachment is filed whole.
async fn a_large_message_is_stored_in_pieces(backend: Backend) {
    let adjust = |env: &mut std::collections::HashMap<String, String>| {
        env.insert("MERIDIAN_MAX_MESSAGE_BYTES".into(), "8000000".into());
    };
    let Some(app) = TestApp::start_with(backend, adjust, meridian::jobs::Registry::new()).await else { return };
    let (acme, _, _) = app.seed_tenant("acme");
    let tok = token_for(&app, &acme);
    let to = format!("acme@{DOMAIN}");
    // 3.2 MiB of base64 lines: four pieces, the last one short.
    let payload: Vec<u8> = (0..2_400_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&payload);
    let lines: Vec<&str> = b64.as_bytes().chunks(76).map(|l| std::str::from_utf8(l).unwrap()).collect();
    let raw = format!(
        "From: Lee <lee@customer.example>\r\nTo: {to}\r\nSubject: Big logs\r\nMessage-ID: <big1@customer.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nLogs attached.\r\n--b\r\n\
         Content-Type: application/octet-stream; name=\"logs.bin\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"logs.bin\"\r\n\r\n{}\r\n--b--\r\n",
        lines.join("\r\n")
    );
    assert!(raw.len() > 3 * store::CHUNK_BYTES);
    accepted(&smtp(&app, "lee@customer.example", &[&to], &raw).await);
    let rows = settled(&app, &acme).await;
    assert_eq!((rows.len(), rows[0].state.as_str()), (1, "filed"), "{:?}", rows[0].error);
    let (t, id) = (acme.tenant_id(), rows[0].id.clone());
    let pieces: i64 = app
        .state
        .db
        .read(move |c| {
            use diesel::prelude::*;
            use meridian::db::schema::inbound_email_chunks as k;
            Ok(k::table.filter(k::tenant_id.eq(t.as_str())).filter(k::inbound_id.eq(&id)).count().get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(pieces, 3, "the first piece is on the row, three more beside it");
    let (t, id) = (acme.tenant_id(), rows[0].id.clone());
    assert_eq!(app.state.db.read(move |c| store::raw(c, &t, &id)).await.unwrap(), raw.as_bytes());
    let list = tickets(&app, &tok).await;
    let msgs = messages(&app, &tok, list[0]["id"].as_str().unwrap()).await;
    let raw_url = msgs[0]["raw_url"].as_str().expect("raw_url").to_string();
    let got = reqwest::Client::new().get(app.url(&raw_url)).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), raw.as_bytes(), "the raw-source API reassembles the pieces");
    let att = &msgs[0]["attachments"][0];
    assert_eq!((att["filename"].as_str(), att["size_bytes"].as_i64()), (Some("logs.bin"), Some(payload.len() as i64)));
}

mod a_large_message_is_stored_in_pieces {
    #[actix_web::test]
    async fn sqlite() {
        super::a_large_message_is_stored_in_pieces(crate::harness::Backend::Sqlite).await;
    }
    #[actix_web::test]
    async fn postgres() {
        super::a_large_message_is_stored_in_pieces(crate::harness::Backend::Postgres).await;
    }
}
