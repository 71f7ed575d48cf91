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
                // Due an hour from now: the server's own worker (which may wake for a chore)
                // never finds them; the claimers below ask as if it were two hours later.
                let mut j = NewJob::new("test.claim", None, serde_json::json!({ "i": i }));
                j.delay = chrono::Duration::hours(1);
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
                        let later = meridian::db::now() + chrono::Duration::hours(2);
                        Ok(meridian::db::backend::claim_jobs::<meridian::jobs::JobRow>(
                            c,
                            later,
                            &format!("w{w}"),
                            later - chrono::Duration::minutes(5),
                            3,
                            &[],
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
    assert_eq!(total, n, "every job claimed once");
    assert_eq!(all.len(), total, "a job was claimed twice");
}

/// A kind whose handlers hang holds at most half the worker's slots: other kinds keep running,
/// and a handler that panics fails its attempt without stopping the worker.
async fn slow_kind_leaves_room_for_others(backend: Backend) {
    let release = Arc::new(tokio::sync::Notify::new());
    let slow_started = Arc::new(AtomicUsize::new(0));
    let mut r = Registry::new();
    let (rel, started) = (release.clone(), slow_started.clone());
    r.register("test.slow", move |_ctx| {
        let (rel, started) = (rel.clone(), started.clone());
        async move {
            started.fetch_add(1, Ordering::SeqCst);
            rel.notified().await;
            Ok(())
        }
    });
    r.register("test.fast", |_ctx| async { Ok(()) });
    r.register("test.panics", |_ctx| async { panic!("handler bug") });
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_JOB_CONCURRENCY".into(), "4".into());
            e.insert("MERIDIAN_JOB_MAX_ATTEMPTS".into(), "1".into());
            e.insert("MERIDIAN_JOB_POLL_MS".into(), "50".into());
        },
        r,
    )
    .await
    else {
        return;
    };
    let (tenant, _, _) = app.seed_tenant("acme");
    let tid = tenant.tenant_id();
    let enqueue = |kind: &'static str, n: usize| {
        let tid = tid.clone();
        app.state.db.write(move |c| {
            (0..n).map(|i| jobs::enqueue(c, &NewJob::new(kind, Some(&tid), serde_json::json!({ "n": i })))).collect()
        })
    };
    let slow: Vec<String> = enqueue("test.slow", 6).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while slow_started.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "slow jobs never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let panicking: Vec<String> = enqueue("test.panics", 1).await.unwrap();
    let fast: Vec<String> = enqueue("test.fast", 5).await.unwrap();
    for id in &fast {
        wait_for_state(&app, id, "done").await;
    }
    let dead = wait_for_state(&app, &panicking[0], "dead").await;
    assert_eq!(dead.last_error.as_deref(), Some("the handler panicked"));
    // Half of four slots: two slow jobs run, the other four wait their turn.
    assert_eq!(slow_started.load(Ordering::SeqCst), 2);
    let queued = {
        let ids = slow.clone();
        app.state.db.read(move |c| ids.iter().map(|id| jobs::get(c, None, id)).collect::<Result<Vec<_>, _>>()).await
    }
    .unwrap();
    assert_eq!(queued.iter().filter(|j| j.state == "queued").count(), 4);
    // Released one at a time, every slow job gets its turn.
    for _ in 0..6 {
        release.notify_one();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while slow_started.load(Ordering::SeqCst) < 6 {
        assert!(Instant::now() < deadline, "slow jobs stalled at {}", slow_started.load(Ordering::SeqCst));
        release.notify_waiters();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    release.notify_waiters();
    for id in &slow {
        wait_for_state(&app, id, "done").await;
    }
}

#[actix_web::test]
async fn slow_kind_leaves_room_for_others_sqlite() {
    slow_kind_leaves_room_for_others(Backend::Sqlite).await;
}

#[actix_web::test]
async fn slow_kind_leaves_room_for_others_postgres() {
    slow_kind_leaves_room_for_others(Backend::Postgres).await;
}

/// Jobs of one lane run one at a time in enqueue order, even when the head of the lane fails and
/// waits for its retry; other lanes run beside them.
async fn lanes_keep_order(backend: Backend) {
    let log = Arc::new(Mutex::new(Vec::<(String, i64)>::new()));
    let active = Arc::new(Mutex::new(std::collections::HashMap::<String, usize>::new()));
    let overlap = Arc::new(AtomicUsize::new(0));
    let failed_once = Arc::new(AtomicUsize::new(0));
    let mut r = Registry::new();
    let (l, a, o, f) = (log.clone(), active.clone(), overlap.clone(), failed_once.clone());
    r.register("test.lane", move |ctx| {
        let (log, active, overlap, failed) = (l.clone(), a.clone(), o.clone(), f.clone());
        async move {
            let p = ctx.payload()?;
            let (lane, n) = (p["lane"].as_str().unwrap().to_string(), p["n"].as_i64().unwrap());
            {
                let mut act = active.lock().unwrap();
                let c = act.entry(lane.clone()).or_default();
                *c += 1;
                if *c > 1 {
                    overlap.fetch_add(1, Ordering::SeqCst);
                }
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
            *active.lock().unwrap().get_mut(&lane).unwrap() -= 1;
            if lane == "a" && n == 0 && failed.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err("first attempt fails".into());
            }
            log.lock().unwrap().push((lane, n));
            Ok(())
        }
    });
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_JOB_CONCURRENCY".into(), "8".into());
            e.insert("MERIDIAN_JOB_BACKOFF_MS".into(), "200".into());
            e.insert("MERIDIAN_JOB_POLL_MS".into(), "50".into());
        },
        r,
    )
    .await
    else {
        return;
    };
    let (tenant, _, _) = app.seed_tenant("acme");
    let tid = tenant.tenant_id();
    let ids: Vec<String> = app
        .state
        .db
        .write(move |c| {
            let mut ids = vec![];
            for n in 0..6 {
                for lane in ["a", "b"] {
                    let job = NewJob::new("test.lane", Some(&tid), serde_json::json!({ "lane": lane, "n": n }));
                    ids.push(jobs::enqueue(c, &job.in_lane(format!("test:{lane}")))?);
                }
            }
            Ok(ids)
        })
        .await
        .unwrap();
    for id in &ids {
        wait_for_state(&app, id, "done").await;
    }
    assert_eq!(overlap.load(Ordering::SeqCst), 0, "two jobs of one lane ran at once");
    let log = log.lock().unwrap().clone();
    for lane in ["a", "b"] {
        let order: Vec<i64> = log.iter().filter(|(l, _)| l == lane).map(|(_, n)| *n).collect();
        assert_eq!(order, (0..6).collect::<Vec<_>>(), "lane {lane} ran out of order");
    }
    // Lane b did not wait for lane a's retry.
    let first_a = log.iter().position(|(l, _)| l == "a").unwrap();
    assert!(log[..first_a].iter().filter(|(l, _)| l == "b").count() >= 1, "lane b waited for lane a: {log:?}");
}

#[actix_web::test]
async fn lanes_keep_order_sqlite() {
    lanes_keep_order(Backend::Sqlite).await;
}

#[actix_web::test]
async fn lanes_keep_order_postgres() {
    lanes_keep_order(Backend::Postgres).await;
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

/// A handler may end its job in its own last transaction (one commit instead of two): the mark
/// holds only if that transaction commits; a rolled-back one leaves the job to be retried.
async fn done_mark_commits_with_the_handler(backend: Backend) {
    let db_cell: Arc<std::sync::OnceLock<meridian::db::Db>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen_inside = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut r = Registry::new();
    let (cell, n, seen) = (db_cell.clone(), calls.clone(), seen_inside.clone());
    r.register("test.own_commit", move |ctx| {
        let (db, n, seen) = (cell.get().cloned(), n.clone(), seen.clone());
        async move {
            let db = db.ok_or("no database yet")?;
            let first = n.fetch_add(1, Ordering::SeqCst) == 0;
            let id = ctx.job.id.clone();
            db.write(move |c| {
                ctx.complete_in(c)?;
                let inside = jobs::get(c, None, &id)?;
                seen.lock().unwrap().push(inside.state);
                if first {
                    return Err(meridian::error::AppError::Unavailable("rolled back".into()));
                }
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())
        }
    });
    let Some(app) = TestApp::start_with(
        backend,
        |e| {
            e.insert("MERIDIAN_JOB_BACKOFF_MS".into(), "100".into());
        },
        r,
    )
    .await
    else {
        return;
    };
    db_cell.set(app.state.db.clone()).ok();
    let id = app
        .state
        .db
        .write(|c| jobs::enqueue(c, &NewJob::new("test.own_commit", None, serde_json::json!({}))))
        .await
        .unwrap();
    app.state.wake_jobs();
    let done = wait_for_state(&app, &id, "done").await;
    // The first attempt's mark rolled back with its transaction, so the job ran again.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(done.attempts, 2);
    assert!(done.last_error.as_deref().is_some_and(|e| e.contains("rolled back")), "{:?}", done.last_error);
    assert_eq!(*seen_inside.lock().unwrap(), vec!["done".to_string(), "done".to_string()]);
    assert!(done.locked_at.is_none());
}

#[actix_web::test]
async fn done_mark_commits_with_the_handler_sqlite() {
    done_mark_commits_with_the_handler(Backend::Sqlite).await;
}

#[actix_web::test]
async fn done_mark_commits_with_the_handler_postgres() {
    done_mark_commits_with_the_handler(Backend::Postgres).await;
}
