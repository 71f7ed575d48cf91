//! Webhook fan-out under sustained load: tickets opened through the API at a fixed rate, each
//! `ticket.created` delivered to every one of SUBS loopback receivers. Each receiver records,
//! per delivery, the time from the event's `timestamp` (taken in the transaction that opened the
//! ticket) to the request's arrival; the report gives deliveries, duplicates, p50/p99/max of that
//! latency and the job queue's depth sampled every second from `/metrics`.
//!
//! Run against a server started with `MERIDIAN_WEBHOOK_ALLOW_HTTP=true` and
//! `MERIDIAN_WEBHOOK_ALLOW_PRIVATE=true` (benches/webhook_fanout.sh does all of it):
//! BENCH_URL=http://127.0.0.1:18096 BENCH_TOKEN=mrd_… cargo bench --bench webhook_fanout
//! BENCH_RATE (events/s, default 1000), BENCH_SECONDS (default 20), BENCH_SUBS (default 10),
//! BENCH_PORT (first receiver port, default 19100).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What every receiver records.
#[derive(Default)]
struct Seen {
    latencies_ms: Vec<f64>,
    ids: HashSet<String>,
    duplicates: usize,
}

async fn receive(req: HttpRequest, body: web::Bytes, seen: web::Data<Arc<Mutex<Seen>>>) -> HttpResponse {
    let arrived = chrono::Utc::now();
    let id = req.headers().get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let sub = req.path().to_string();
    let stamp = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["timestamp"].as_str().map(str::to_string))
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
    let mut s = seen.lock().unwrap();
    if !s.ids.insert(format!("{sub} {id}")) {
        s.duplicates += 1;
    } else if let Some(t) = stamp {
        s.latencies_ms.push((arrived - t.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    }
    HttpResponse::NoContent().finish()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() -> std::io::Result<()> {
    let url: String = env_or("BENCH_URL", "http://127.0.0.1:18096".to_string());
    let token: String = std::env::var("BENCH_TOKEN").expect("BENCH_TOKEN: an API token of the tenant");
    let rate: f64 = env_or("BENCH_RATE", 1000.0);
    let seconds: f64 = env_or("BENCH_SECONDS", 20.0);
    let subs: u16 = env_or("BENCH_SUBS", 10);
    let port: u16 = env_or("BENCH_PORT", 19100);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let data = web::Data::new(seen.clone());
        let receivers = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(receive)))
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run();
        let handle = receivers.handle();
        tokio::spawn(receivers);
        let client = reqwest::Client::new();
        for i in 0..subs {
            let r = client
                .post(format!("{url}/api/v1/webhooks"))
                .bearer_auth(&token)
                .json(&serde_json::json!({
                    "url": format!("http://127.0.0.1:{port}/sub{i}"),
                    "event_types": ["ticket.created"],
                }))
                .send()
                .await
                .expect("create webhook");
            assert!(r.status().is_success(), "creating webhook {i}: {}", r.status());
        }
        // Paced creators: each sends on its own schedule so the offered rate holds even when a
        // request is slow.
        let creators = 16usize;
        let interval = Duration::from_secs_f64(creators as f64 / rate);
        let stop = Instant::now() + Duration::from_secs_f64(seconds);
        let created = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let depth = Arc::new(Mutex::new(Vec::<i64>::new()));
        let sampler = {
            let (client, url, depth) = (client.clone(), url.clone(), depth.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let Ok(r) = client.get(format!("{url}/metrics")).send().await else { continue };
                    let text = r.text().await.unwrap_or_default();
                    let queued = text
                        .lines()
                        .find(|l| l.starts_with("meridian_jobs{state=\"queued\"}"))
                        .and_then(|l| l.rsplit(' ').next())
                        .and_then(|v| v.parse().ok());
                    if let Some(q) = queued {
                        depth.lock().unwrap().push(q);
                    }
                }
            })
        };
        let mut tasks = vec![];
        for c in 0..creators {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            let (created, failed) = (created.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                let mut next = Instant::now() + interval.mul_f64(c as f64 / creators as f64);
                let mut n = 0;
                while next < stop {
                    tokio::time::sleep_until(next.into()).await;
                    let r = client
                        .post(format!("{url}/api/v1/tickets"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({
                            "subject": format!("Fan-out {c}-{n}"),
                            "message": {"body": "The parcel has not arrived."},
                            "requester": {"email": "fanout@customer.example", "name": "Fan Out"},
                        }))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => created.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                        _ => failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                    };
                    n += 1;
                    next += interval;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        let offered_end = Instant::now();
        let created = created.load(std::sync::atomic::Ordering::Relaxed);
        let expected = created * subs as usize;
        let deadline = Instant::now() + Duration::from_secs(120);
        while seen.lock().unwrap().ids.len() < expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let drained = offered_end.elapsed();
        sampler.abort();
        let (mut lat, delivered, duplicates) = {
            let s = seen.lock().unwrap();
            (s.latencies_ms.clone(), s.ids.len(), s.duplicates)
        };
        lat.sort_by(|a, b| a.total_cmp(b));
        let depth = depth.lock().unwrap().clone();
        println!(
            "{}",
            serde_json::json!({
                "offered_events_per_second": rate,
                "seconds": seconds,
                "subscriptions": subs,
                "tickets_created": created,
                "create_errors": failed.load(std::sync::atomic::Ordering::Relaxed),
                "deliveries_expected": expected,
                "delivered": delivered,
                "duplicates": duplicates,
                "deliveries_per_second": (delivered as f64 / (seconds + drained.as_secs_f64())).round(),
                "drained_after_load_s": (drained.as_secs_f64() * 10.0).round() / 10.0,
                "latency_ms": {"p50": pct(&lat, 0.5), "p99": pct(&lat, 0.99), "max": lat.last().copied().unwrap_or(f64::NAN)},
                "queued_jobs_per_second": depth,
            })
        );
        handle.stop(false).await;
        Ok(())
    })
}
