//! The durable job queue: retries with backoff, dead jobs kept and retryable, restarts, SKIP LOCKED.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Backend, TestApp};
use meridian::jobs::{self, backoff, NewJob, Registry};

fn flaky_registry(fail_times: usize, calls: Arc<Mutex<Vec<Instant>>>) -> Registry {
    let mut r = Registry::new();
    let counter = Arc::new(AtomicUsize::new(0));
    r.register("test.flaky", move |_ctx| {
        let calls = calls.clone();
        let counter = counter.clone();
        async move {
            calls.lock().unwrap().push(Instant::now());
            if counter.fetch_add(1, Ordering::SeqCst) < fail_times {
                Err("peer said 503".to_string())
            } else {
                Ok(())
            }
        }
    });
    r
}

async fn wait_for_state(app: &TestApp, id: &str, state: &str) -> jobs::JobRow {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let id2 = id.to_string();
        let job = app.state.db.read(move |c| jobs::get(c, None, &id2)).await.unwrap();
        if job.state == state {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} stuck in {} (want {state})", job.state);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn retry_backoff_dead_and_admin_retry(backend: Backend) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_JOB_BACKOFF_MS".into(), "200".into());
            e.insert("MERIDIAN_JOB_MAX_ATTEMPTS".into(), "3".into());
        },
        flaky_registry(3, calls.clone()),
    )
    .await
    else {
        return;
    };
    let (tenant, email, pw) = app.seed_tenant("acme");
    let tid = tenant.tenant_id();
    let id = app
        .state
        .db
        .write(move |c| jobs::enqueue(c, &NewJob::new("test.flaky", Some(&tid), serde_json::json!({"n": 1}))))
        .await
        .unwrap();
    app.state.wake_jobs();
    let dead = wait_for_state(&app, &id, "dead").await;
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.last_error.as_deref(), Some("peer said 503"));
    {
        let calls = calls.lock().unwrap();
        assert_eq!(calls.len(), 3);
        // Retries wait at least half the exponential delay: 100 ms, then 200 ms.
        assert!(calls[1] - calls[0] >= Duration::from_millis(100), "{:?}", calls[1] - calls[0]);
        assert!(calls[2] - calls[1] >= Duration::from_millis(200), "{:?}", calls[2] - calls[1]);
    }
    // Dead jobs stay, visible to the tenant's admins, and can be retried from the console.
    let (client, csrf) = app.signed_in("acme", &email, &pw).await;
    let html = client.get(app.url("/admin/jobs")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&id) && html.contains("test.flaky") && html.contains("peer said 503"));
    let res = client
        .post(app.url(&format!("/admin/jobs/{id}/retry")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let done = wait_for_state(&app, &id, "done").await;
    assert_eq!(done.attempts, 1);
    let metrics = client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("meridian_job_duration_seconds_count{kind=\"test.flaky\",outcome=\"error\"} 3"),
        "{metrics}"
    );
}

#[actix_web::test]
async fn retry_backoff_dead_sqlite() {
    retry_backoff_dead_and_admin_retry(Backend::Sqlite).await;
}

#[actix_web::test]
async fn retry_backoff_dead_postgres() {
    retry_backoff_dead_and_admin_retry(Backend::Postgres).await;
}

async fn jobs_survive_restart(backend: Backend) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let Some(mut app) = TestApp::start_with(backend, |_| {}, Registry::new()).await else { return };
    // Enqueued while this process has no handler for it, then the server stops.
    let id = app
        .state
        .db
        .write(|c| {
            let mut j = NewJob::new("test.flaky", None, serde_json::json!({}));
            j.delay = chrono::Duration::milliseconds(300);
            jobs::enqueue(c, &j)
        })
        .await
        .unwrap();
    app.stop().await;
    let app = app.restart(flaky_registry(0, calls.clone())).await;
    wait_for_state(&app, &id, "done").await;
    assert_eq!(calls.lock().unwrap().len(), 1);
}

#[actix_web::test]
async fn jobs_survive_restart_sqlite() {
    jobs_survive_restart(Backend::Sqlite).await;
}

#[actix_web::test]
async fn jobs_survive_restart_postgres() {
    jobs_survive_restart(Backend::Postgres).await;
}

/// Two claimers on PostgreSQL never take the same job (FOR UPDATE SKIP LOCKED).
#[actix_web::test]
async fn concurrent_claims_never_share_a_job_postgres() {
    let Some(app) = TestApp::start_with(
        Backend::Postgres,
        |e| {
            // Keep the server's own worker out of the way.
            e.insert("MERIDIAN_JOB_POLL_MS".into(), "600000".into());
        },
        Registry::new(),
    )
    .await
    else {
        return;
    };
    let n = 200;
    app.state
        .db
        .write(move |c| {
            for i in 0..n {
                let mut j = NewJob::new("test.claim", None, serde_json::json!({ "i": i }));
                j.delay = chrono::Duration::milliseconds(-1000);
                jobs::enqueue(c, &j)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let mut handles = vec![];
    for w in 0..4 {
        let db = app.state.db.clone();
        handles.push(std::thread::spawn(move || {
            let mut mine = vec![];
            loop {
                let batch = db
                    .write_blocking(|c| {
                        let now = meridian::db::now();
                        Ok(meridian::db::backend::claim_jobs::<meridian::jobs::JobRow>(
                            c,
                            now,
                            &format!("w{w}"),
                            now - chrono::Duration::minutes(5),
                            3,
                        )?)
                    })
                    .unwrap();
                if batch.is_empty() {
                    break;
                }
                mine.extend(batch.into_iter().map(|j| j.id));
            }
            mine
        }));
    }
    let mut all: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert!(total >= n, "claimed {total}");
    assert_eq!(all.len(), total, "a job was claimed twice");
}

#[test]
fn backoff_doubles_with_jitter_and_caps() {
    let base = Duration::from_millis(1000);
    for attempt in 1..=6 {
        let full = base * 2u32.pow(attempt as u32 - 1);
        for _ in 0..50 {
            let d = backoff(base, attempt);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
    assert!(backoff(base, 40) <= Duration::from_secs(3600));
}
