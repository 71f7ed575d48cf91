//! Request bodies that stall are cut off; slow-but-steady bodies and long-lived streams are not.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{wait_for_frame, Backend, TestApp};
use meridian::jobs::Registry;

async fn app_with_body_timeout(backend: Backend, secs: &str) -> Option<TestApp> {
    TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_BODY_TIMEOUT_SECS".into(), secs.into());
        },
        Registry::new(),
    )
    .await
}

fn post_head(path: &str, len: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {len}\r\n\r\n"
    )
}

/// Read until the end of the response head or EOF; `None` if nothing arrived within `bound`.
async fn read_head(stream: &mut TcpStream, bound: Duration) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + bound;
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

async fn a_dribbled_body_is_cut_off(backend: Backend) {
    let Some(app) = app_with_body_timeout(backend, "2").await else { return };
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream.write_all(post_head("/login", 100_000).as_bytes()).await.unwrap();
    // One byte every half second: never idle long, but the body would take 14 hours.
    let mut answer = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        let _ = stream.write_all(b"a").await;
        if let Some(head) = read_head(&mut stream, Duration::from_millis(500)).await {
            answer = Some(head);
            break;
        }
    }
    let head = answer.expect("the server answers a stalled body within the bound");
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    // The server is still serving.
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
}

#[actix_web::test]
async fn a_dribbled_body_is_cut_off_sqlite() {
    a_dribbled_body_is_cut_off(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_dribbled_body_is_cut_off_postgres() {
    a_dribbled_body_is_cut_off(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_steady_body_slower_than_the_timeout_is_read_whole() {
    let app = app_with_body_timeout(Backend::Sqlite, "1").await.unwrap();
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let body = format!("workspace=acme&email=a%40b.example&_csrf=x&password={}", "x".repeat(100_000));
    stream.write_all(post_head("/login", body.len()).as_bytes()).await.unwrap();
    // About two seconds in all, well above the minimum rate: a large upload on a slow link.
    for part in body.as_bytes().chunks(body.len() / 8 + 1) {
        stream.write_all(part).await.unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let head = read_head(&mut stream, Duration::from_secs(20)).await.expect("an answer");
    // Read in full, then refused for what it is: a sign-in without the double-submit cookie.
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
}

#[actix_web::test]
async fn live_streams_outlast_the_body_timeout() {
    let app = app_with_body_timeout(Backend::Sqlite, "1").await.unwrap();
    let (_t, email, pw) = app.seed_tenant("acme");
    let (client, _) = app.signed_in("acme", &email, &pw).await;
    let res = client.get(app.url("/events")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Keepalives keep coming after the body timeout has long passed.
    let keepalive = wait_for_frame(&mut stream, 15, |f| f.starts_with(": keepalive")).await;
    assert!(keepalive.is_some(), "the stream is still open");
}
