//! Knowledge-base search under load: the public help-center search (`GET /h/{slug}/api/search`)
//! through a running server, and, when `MEILI_URL` is set, the very same Meilisearch requests the
//! server makes sent to Meilisearch directly, so the server's overhead is a ratio of one run.
//!
//! Driven by benches/kb_search.sh (seed, reindex, serve). By hand:
//! BENCH_URL=http://127.0.0.1:18098 BENCH_PREFIX=kb BENCH_TENANTS=20 DATABASE_URL=… \
//!   [MEILI_URL=… MEILI_KEY=…] target/release/deps/kb_search-…
//! BENCH_REQUESTS (default 5000) per phase, BENCH_CONCURRENCY (default 4).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meridian::db::{Db, DbTarget};
use meridian::kb::Audience;
use meridian::search::meili::{Meili, INDEX_UID};
use meridian::search::SearchQuery;
use meridian::seed::kb::{locales, topics};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// One query of the run: which tenant, in which language, and what the reader typed.
struct Query {
    slug: String,
    tenant_id: String,
    locale: &'static str,
    q: String,
    kind: &'static str,
}

/// A word with one letter dropped: what a hurried reader types.
fn typo(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let cut = chars.len() / 2;
    chars.iter().enumerate().filter(|(i, _)| *i != cut).map(|(_, c)| c).collect()
}

fn queries(tenants: &[(String, String)], n: usize, articles: u64) -> Vec<Query> {
    let mut rng = StdRng::seed_from_u64(7);
    let langs: Vec<&'static str> = locales().collect();
    (0..n)
        .map(|_| {
            let (slug, tenant_id) = tenants[rng.gen_range(0..tenants.len())].clone();
            let locale = langs[rng.gen_range(0..langs.len())];
            let topic = topics(locale)[rng.gen_range(0..10)];
            let latin = topic.chars().all(|c| c.is_ascii() || (c.is_alphabetic() && (c as u32) < 0x0250));
            let roll = rng.gen_range(0..100);
            let (q, kind) = if roll < 15 && latin && topic.chars().count() >= 6 {
                (typo(topic), "typo")
            } else if roll < 30 {
                (format!("KB-{:06}", rng.gen_range(0..articles.max(1))), "rare")
            } else {
                (topic.to_string(), "topic")
            };
            Query { slug, tenant_id, locale, q, kind }
        })
        .collect()
}

fn summary(mut v: Vec<Duration>, wall: Duration) -> String {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    format!(
        "{} requests in {:.1} s ({:.0}/s): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        v.len(),
        wall.as_secs_f64(),
        v.len() as f64 / wall.as_secs_f64(),
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    )
}

/// Send every query through `send` from `concurrency` tasks; the latency of each.
async fn drive<F, Fut>(qs: Arc<Vec<Query>>, concurrency: usize, send: F) -> (Vec<Duration>, Duration)
where
    F: Fn(Arc<Vec<Query>>, usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (qs, next, send) = (qs.clone(), next.clone(), send.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= qs.len() {
                    break;
                }
                let t = Instant::now();
                send(qs.clone(), i).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, started.elapsed())
}

async fn run() -> anyhow::Result<()> {
    let url = env("BENCH_URL", "http://127.0.0.1:18098");
    let prefix = env("BENCH_PREFIX", "kb");
    let tenants_n: usize = env("BENCH_TENANTS", "20").parse()?;
    let n: usize = env("BENCH_REQUESTS", "5000").parse()?;
    let concurrency: usize = env("BENCH_CONCURRENCY", "4").parse()?;
    let articles: u64 = env("BENCH_ARTICLES", "1000").parse()?;
    let db =
        Db::connect(DbTarget::parse(&env("DATABASE_URL", "sqlite://meridian.db")).map_err(anyhow::Error::msg)?, 1)?;
    let mut tenants = Vec::new();
    for i in 1..=tenants_n {
        let slug = format!("{prefix}-{i}");
        let s = slug.clone();
        let t = db.write_blocking(move |c| meridian::tenancy::by_slug(c, &s))?;
        tenants.push((slug, t.id));
    }
    let qs = Arc::new(queries(&tenants, n, articles));
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;

    // Warm both sides (connections, caches) with a tenth of the queries, untimed.
    let warm = Arc::new(queries(&tenants, n / 10, articles));
    let empty = Arc::new(AtomicUsize::new(0));
    let server = {
        let (http, url, empty) = (http.clone(), url.clone(), empty.clone());
        move |qs: Arc<Vec<Query>>, i: usize| {
            let (http, url, empty) = (http.clone(), url.clone(), empty.clone());
            async move {
                let q = &qs[i];
                let res = http
                    .get(format!("{url}/h/{}/api/search", q.slug))
                    .query(&[("q", q.q.as_str()), ("locale", q.locale)])
                    .send()
                    .await
                    .expect("search request");
                assert!(res.status().is_success(), "{} for {:?}", res.status(), q.q);
                let body: serde_json::Value = res.json().await.expect("json");
                assert_eq!(body["fallback"], false, "the index answered");
                if q.kind != "rare" && body["data"].as_array().is_none_or(|d| d.is_empty()) {
                    empty.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    };
    drive(warm.clone(), concurrency, server.clone()).await;
    empty.store(0, Ordering::Relaxed);
    let (lat, wall) = drive(qs.clone(), concurrency, server).await;
    println!("server  /h/{{slug}}/api/search, {concurrency} clients: {}", summary(lat, wall));
    println!("  topic and typo queries with no hit: {}", empty.load(Ordering::Relaxed));

    if let Ok(meili_url) = std::env::var("MEILI_URL") {
        let key = std::env::var("MEILI_KEY").ok();
        let meili = Arc::new(Meili::new(&meili_url, key.as_deref(), INDEX_UID)?);
        let direct = {
            let (http, meili_url, key, meili) = (http.clone(), meili_url.clone(), key.clone(), meili.clone());
            move |qs: Arc<Vec<Query>>, i: usize| {
                let (http, meili_url, key, meili) = (http.clone(), meili_url.clone(), key.clone(), meili.clone());
                async move {
                    let q = &qs[i];
                    // The reader's chain as the server builds it (tenants are seeded in English).
                    let query = SearchQuery {
                        tenant_id: q.tenant_id.clone(),
                        q: q.q.clone(),
                        chain: meridian::kb::fallback_chain(q.locale, "en"),
                        audience: Audience::Public,
                        limit: 5,
                    };
                    let mut req =
                        http.post(format!("{meili_url}/indexes/{INDEX_UID}/search")).json(&meili.request_body(&query));
                    if let Some(k) = &key {
                        req = req.bearer_auth(k);
                    }
                    let res = req.send().await.expect("meilisearch request");
                    assert!(res.status().is_success(), "{}", res.status());
                    let _: serde_json::Value = res.json().await.expect("json");
                }
            }
        };
        drive(warm, concurrency, direct.clone()).await;
        let (lat, wall) = drive(qs, concurrency, direct).await;
        println!("direct  Meilisearch /indexes/{INDEX_UID}/search, {concurrency} clients: {}", summary(lat, wall));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run())
}
