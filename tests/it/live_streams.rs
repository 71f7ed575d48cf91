//! A console session holds a bounded number of live streams; closing one frees its place, and
//! another session is not affected.

use std::time::Duration;

use meridian::accounts::Role;

use crate::harness::{wait_for_frame, Backend, TestApp};

async fn streams_per_session_are_capped(backend: Backend) {
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_MAX_STREAMS_PER_SESSION".into(), "2".into());
        },
        meridian::jobs::Registry::new(),
    )
    .await
    else {
        return;
    };
    let (tenant, email, pw) = app.seed_tenant("acme");
    let (_, other_email, other_pw) = app.add_agent(&tenant, "Bruno", Role::Agent);
    let (a, _) = app.signed_in("acme", &email, &pw).await;
    let mut first = a.get(app.url("/events")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let _second = a.get(app.url("/events")).send().await.unwrap().bytes_stream();
    let third = a.get(app.url("/events")).send().await.unwrap();
    assert_eq!(third.status(), 429, "a third stream of one session is refused");
    assert!(third.headers().contains_key("retry-after"));
    // Another agent's session has its own allowance.
    let (b, _) = app.signed_in("acme", &other_email, &other_pw).await;
    let mut other = b.get(app.url("/events")).send().await.unwrap().bytes_stream();
    assert!(wait_for_frame(&mut other, 5, |f| f.contains("connected")).await.is_some());
    // Closing a stream frees its place once the server notices (at its next keepalive).
    assert!(first.chunk().await.unwrap().is_some());
    drop(first);
    // Polled for up to 30 s: on a loaded 2-core CI machine the keepalive that notices the closed
    // stream can come late.
    let mut reopened = None;
    for _ in 0..120 {
        let r = a.get(app.url("/events")).send().await.unwrap();
        if r.status() == 200 {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(reopened.is_some(), "the place of a closed stream is given back");
}

#[actix_web::test]
async fn streams_per_session_are_capped_sqlite() {
    streams_per_session_are_capped(Backend::Sqlite).await;
}

#[actix_web::test]
async fn streams_per_session_are_capped_postgres() {
    streams_per_session_are_capped(Backend::Postgres).await;
}
