//! The `webhook.deliver` job: the first attempts of a batch of deliveries planned together, or
//! one later attempt of one delivery. It signs each stored body, checks where the URL resolves,
//! posts it (no redirects, 15 s, up to 16 at once on kept connections), logs the attempts in one
//! transaction, and plans each next attempt by the retry schedule (or `Retry-After`, when
//! longer) as a job of its own carrying its number. A job that runs again after a crash skips
//! the attempts it finds logged; a crash between the POST and the log sends the same message
//! again under the same `webhook-id`, which is what receivers deduplicate on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use futures_util::StreamExt;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::{Delivery, Subscription};
use crate::db::batch::Batcher;
use crate::db::schema::{webhook_attempts, webhook_deliveries};
use crate::db::{new_id, now, Db};
use crate::jobs::JobContext;
use crate::tenancy::TenantId;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How much of a response body the log keeps.
pub const LOG_BODY_BYTES: usize = 4096;
/// The default retry schedule, in seconds: the delay before each attempt (the first is
/// immediate), after the Standard Webhooks specification's example.
pub const DEFAULT_SCHEDULE: &[f64] = &[0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0];
/// Longest wait a `Retry-After` can ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86400);

/// What the delivery job works with.
#[derive(Clone)]
pub struct Deliverer {
    pub db: Db,
    /// Writes each job's outcome: on SQLite, in one commit with other jobs' that finish meanwhile.
    pub batcher: Batcher,
    /// `MERIDIAN_WEBHOOK_ALLOW_PRIVATE`: loopback and private addresses may be delivered to.
    pub allow_private: bool,
    /// Delay before each attempt; its length is the number of attempts.
    pub schedule: Arc<Vec<Duration>>,
    /// One client for every delivery, so connections to a receiver are kept and reused; its
    /// resolver checks every address a host name resolves to before a connection is made.
    client: reqwest::Client,
}

/// Requests one job has in flight at once.
const PARALLEL_PER_JOB: usize = 16;

/// Resolves host names for the delivery client and refuses any that reach an address
/// [`super::ssrf::refusal`] forbids; the connection then uses the checked addresses.
struct CheckedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addr = super::ssrf::resolve(&host, 0, allow_private).await?;
            let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(addr));
            Ok(addrs)
        })
    }
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    headers: Option<Map<String, Value>>,
    body: Option<String>,
    error: Option<String>,
    retry_after: Option<Duration>,
}

/// One attempt, decided and ready to be written.
struct Recorded {
    log: super::Attempt,
    decided: Decided,
}

/// What an attempt decided for its delivery.
struct Decided {
    tenant: TenantId,
    delivery_id: String,
    subscription_id: String,
    attempt: i32,
    sent_at: chrono::NaiveDateTime,
    state: &'static str,
    status: Option<u16>,
    last_error: Option<String>,
    next: Option<chrono::Duration>,
    gone: bool,
    /// It was sent (not skipped for a disabled subscription), and whether it succeeded: the
    /// subscription's `failing_since` follows it (`disable.rs`).
    live: bool,
    ok: bool,
}

impl Deliverer {
    /// A deliverer with its shared HTTP client.
    pub fn new(db: Db, batcher: Batcher, allow_private: bool, schedule: Arc<Vec<Duration>>) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver { allow_private }))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Deliverer { db, batcher, allow_private, schedule, client })
    }

    /// Run a job: the first attempts of a batch of deliveries (`delivery_ids`) or one attempt of
    /// one delivery (`delivery_id`, `attempt`). `Err` only when the database failed (the worker
    /// retries the job; attempts already logged are not repeated).
    pub async fn run(&self, ctx: JobContext) -> Result<(), String> {
        let p = ctx.payload()?;
        let attempt = p["attempt"].as_i64().unwrap_or(1) as i32;
        let ids: Vec<String> = match (p["delivery_ids"].as_array(), p["delivery_id"].as_str()) {
            (Some(list), _) => list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            (None, Some(id)) => vec![id.to_string()],
            (None, None) => return Err("payload has no delivery_id".into()),
        };
        let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("webhook job without a tenant")?);
        let t = tenant.clone();
        let found: Vec<(Delivery, Subscription, String)> = self
            .db
            .read(move |c| {
                let rows: Vec<Delivery> = webhook_deliveries::table
                    .filter(webhook_deliveries::tenant_id.eq(t.as_str()))
                    .filter(webhook_deliveries::id.eq_any(&ids))
                    .order(webhook_deliveries::seq)
                    .select(Delivery::as_select())
                    .load(c)?;
                let mut subs: std::collections::HashMap<String, Subscription> = Default::default();
                let mut out = Vec::with_capacity(rows.len());
                for d in rows {
                    if !subs.contains_key(&d.subscription_id) {
                        // Deleted with its subscription: nothing to send.
                        match super::get(c, &t, &d.subscription_id) {
                            Ok(s) => subs.insert(d.subscription_id.clone(), s),
                            Err(crate::error::AppError::NotFound) => continue,
                            Err(e) => return Err(e),
                        };
                    }
                    let s = subs[&d.subscription_id].clone();
                    out.push((d, s));
                }
                let mut bodies = super::plan::bodies(c, &t, &out.iter().map(|(d, _)| d).collect::<Vec<_>>())?;
                Ok(out
                    .into_iter()
                    .map(|(d, s)| {
                        let body = bodies.remove(&d.id).unwrap_or_default();
                        (d, s, body)
                    })
                    .collect())
            })
            .await
            .map_err(|e| e.to_string())?;
        // An attempt already logged (a rerun after a crash) is not made again.
        let todo = found.into_iter().filter(|(d, _, _)| d.attempts < attempt && d.state != "succeeded");
        let recorded: Vec<Recorded> = futures_util::stream::iter(todo)
            .map(|(d, s, body)| self.attempt(tenant.clone(), d, s, body, attempt))
            .buffer_unordered(PARALLEL_PER_JOB)
            .collect()
            .await;
        if recorded.is_empty() {
            return Ok(());
        }
        // The job ends in the same commit as its attempts' log.
        self.batcher
            .write(&tenant, move |c| {
                record(c, recorded)?;
                ctx.complete_in(c)
            })
            .await
            .map_err(|e| e.to_string())
    }

    /// Make one attempt and decide what follows it.
    async fn attempt(
        &self,
        tenant: TenantId,
        delivery: Delivery,
        sub: Subscription,
        body: String,
        attempt: i32,
    ) -> Recorded {
        let started = Instant::now();
        let sent_at = now();
        let timestamp = sent_at.and_utc().timestamp();
        let signature =
            super::sign::header(&sub.signing_secrets(sent_at), &delivery.webhook_id, timestamp, body.as_bytes());
        let request_headers = json!({
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.webhook_id,
            "webhook-timestamp": timestamp.to_string(),
            "webhook-signature": signature,
        });
        let live = sub.enabled || delivery.event_type == super::PING;
        let outcome = if live {
            self.post(&sub, &request_headers, body.clone()).await
        } else {
            Outcome::failed("the subscription is disabled".into())
        };
        let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
        let gone = outcome.status == Some(410);
        let next = if ok || gone || !live { None } else { self.next_delay(attempt, outcome.retry_after) };
        let last_error = match (&outcome.error, outcome.status) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(s)) if !ok => Some(format!("HTTP {s}")),
            _ => None,
        };
        let state = match (ok, next) {
            (true, _) => "succeeded",
            (false, Some(_)) => "retrying",
            (false, None) => "failed",
        };
        let log = super::Attempt {
            tenant_id: tenant.as_str().to_string(),
            id: new_id(),
            delivery_id: delivery.id.clone(),
            attempt,
            request_headers: request_headers.to_string(),
            // A composed body is composed again when the log is read: not stored twice.
            request_body: if delivery.payload_id.is_some() { String::new() } else { body },
            response_status: outcome.status.map(i32::from),
            response_headers: outcome.headers.map(|h| Value::Object(h).to_string()),
            response_body: outcome.body,
            error: outcome.error,
            duration_ms: started.elapsed().as_millis() as i64,
            created_at: sent_at,
        };
        let decided = Decided {
            tenant,
            delivery_id: delivery.id,
            subscription_id: sub.id,
            attempt,
            sent_at,
            state,
            status: outcome.status,
            last_error,
            next,
            gone,
            live,
            ok,
        };
        Recorded { log, decided }
    }

    /// The wait before attempt `attempt + 1`, or `None` when the schedule is spent. Jitter of up
    /// to a tenth spreads the retries of many deliveries that failed together.
    fn next_delay(&self, attempt: i32, retry_after: Option<Duration>) -> Option<chrono::Duration> {
        let base = *self.schedule.get(attempt.max(0) as usize)?;
        let jitter = base.mul_f64(rand::thread_rng().gen_range(0.0..0.1));
        let wait = (base + jitter).max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
        chrono::Duration::from_std(wait).ok()
    }

    async fn post(&self, sub: &Subscription, headers: &Value, body: String) -> Outcome {
        let url = match url::Url::parse(&sub.url) {
            Ok(u) => u,
            Err(e) => return Outcome::failed(format!("bad URL: {e}")),
        };
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Outcome::failed("the URL has no host".into());
        };
        // An address written in the URL never reaches the resolver: it is checked here. A host
        // name is checked by the client's resolver on every new connection.
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if literal.parse::<std::net::IpAddr>().is_ok() {
            if let Err(why) = super::ssrf::resolve(host, port, self.allow_private).await {
                return Outcome::failed(why);
            }
        }
        let mut req = self.client.post(url).body(body);
        for (k, v) in headers.as_object().into_iter().flatten() {
            req = req.header(k.as_str(), v.as_str().unwrap_or(""));
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::failed(describe(&e)),
        };
        let status = resp.status().as_u16();
        let mut map = Map::new();
        for (k, v) in resp.headers() {
            let v = String::from_utf8_lossy(v.as_bytes()).to_string();
            match map.get_mut(k.as_str()) {
                Some(Value::String(s)) => {
                    s.push_str(", ");
                    s.push_str(&v);
                }
                _ => {
                    map.insert(k.as_str().to_string(), Value::String(v));
                }
            }
        }
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        // Only the first 4 KiB are read: a receiver cannot make us hold a large answer.
        let mut kept: Vec<u8> = Vec::new();
        let mut error = None;
        while kept.len() < LOG_BODY_BYTES {
            match resp.chunk().await {
                Ok(Some(c)) => kept.extend_from_slice(&c),
                Ok(None) => break,
                Err(e) => {
                    error = Some(describe(&e));
                    break;
                }
            }
        }
        kept.truncate(LOG_BODY_BYTES);
        Outcome {
            status: Some(status),
            headers: Some(map),
            body: Some(String::from_utf8_lossy(&kept).replace('\0', "")),
            // A 2xx whose body broke off still counts: the receiver said yes.
            error: error.filter(|_| !(200..300).contains(&status)),
            retry_after,
        }
    }
}

/// Write a job's attempts in one transaction: the log rows, each delivery's state, the next
/// attempts, and subscriptions whose endpoint answered 410. Deliveries that ended alike (a job's
/// successes, typically all of it) are updated by one statement, and each subscription's
/// failure clock once per job: at thousands of deliveries a second, a statement per delivery
/// was most of the writer's work.
fn record(c: &mut crate::db::DbConnection, recorded: Vec<Recorded>) -> crate::error::AppResult<()> {
    use std::collections::{BTreeMap, HashSet};
    // The log rows are moved out, not copied.
    let (logs, decided): (Vec<super::Attempt>, Vec<Decided>) = recorded.into_iter().map(|r| (r.log, r.decided)).unzip();
    for chunk in logs.chunks(200) {
        crate::db::on_backend!(c, |conn| diesel::insert_into(webhook_attempts::table).values(chunk).execute(conn))?;
    }
    let ts = now();
    type Ending<'a> = (&'a str, &'static str, i32, Option<i32>, Option<&'a str>);
    let mut alike: BTreeMap<Ending, Vec<&str>> = BTreeMap::new();
    // Per subscription: whether any attempt succeeded, and the first failure.
    let mut clocks: BTreeMap<(&str, &str), (bool, Option<chrono::NaiveDateTime>)> = BTreeMap::new();
    let mut disabled = HashSet::new();
    for r in &decided {
        let status = r.status.map(i32::from);
        match r.next {
            None => alike
                .entry((r.tenant.as_str(), r.state, r.attempt, status, r.last_error.as_deref()))
                .or_default()
                .push(r.delivery_id.as_str()),
            Some(d) => {
                diesel::update(webhook_deliveries::table.find((r.tenant.as_str(), r.delivery_id.as_str())))
                    .set((
                        webhook_deliveries::state.eq(r.state),
                        webhook_deliveries::attempts.eq(r.attempt),
                        webhook_deliveries::last_status.eq(status),
                        webhook_deliveries::last_error.eq(&r.last_error),
                        webhook_deliveries::next_attempt_at.eq(Some(ts + d)),
                        webhook_deliveries::updated_at.eq(ts),
                    ))
                    .execute(c)?;
                super::enqueue_attempt(c, &r.tenant, &r.delivery_id, r.attempt + 1, d)?;
            }
        }
        if r.live {
            let clock = clocks.entry((r.tenant.as_str(), r.subscription_id.as_str())).or_default();
            clock.0 |= r.ok;
            if !r.ok {
                clock.1 = Some(clock.1.map_or(r.sent_at, |t| t.min(r.sent_at)));
            }
        }
        if r.gone && disabled.insert((r.tenant.as_str(), r.subscription_id.as_str())) {
            super::disable(c, &r.tenant, &r.subscription_id, "the endpoint answered 410 Gone")?;
        }
    }
    for ((tenant, state, attempt, status, last_error), ids) in alike {
        for chunk in ids.chunks(500) {
            diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::tenant_id.eq(tenant))
                    .filter(webhook_deliveries::id.eq_any(chunk)),
            )
            .set((
                webhook_deliveries::state.eq(state),
                webhook_deliveries::attempts.eq(attempt),
                webhook_deliveries::last_status.eq(status),
                webhook_deliveries::last_error.eq(last_error),
                webhook_deliveries::next_attempt_at.eq(None::<chrono::NaiveDateTime>),
                webhook_deliveries::updated_at.eq(ts),
            ))
            .execute(c)?;
        }
    }
    for ((tenant, sub), (any_ok, first_failure)) in clocks {
        let tenant = TenantId::from_trusted(tenant.to_string());
        // A success in the job means the endpoint works now; otherwise the clock starts at the
        // job's first failure (if it is not running already).
        super::disable::record_outcome(c, &tenant, sub, any_ok, first_failure.unwrap_or(ts))?;
    }
    Ok(())
}

impl Outcome {
    fn failed(error: String) -> Outcome {
        Outcome { status: None, headers: None, body: None, error: Some(error), retry_after: None }
    }
}

/// The `user-agent` of deliveries.
pub const USER_AGENT: &str = concat!("Meridian-Webhooks/", env!("CARGO_PKG_VERSION"));

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

/// Parse a retry schedule: seconds, comma-separated (`0,5,300`), one entry per attempt.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let out: Result<Vec<Duration>, String> = text
        .split(',')
        .map(|s| {
            let v: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number of seconds"))?;
            Duration::try_from_secs_f64(v).map_err(|_| format!("{s:?} is not a number of seconds"))
        })
        .collect();
    let out = out?;
    if out.is_empty() || out.len() > 50 {
        return Err("the schedule needs 1 to 50 entries".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_and_schedules_parse() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), None, "a date in the past waits not at all");
        assert_eq!(
            parse_schedule("0, 0.5,5").unwrap(),
            vec![Duration::ZERO, Duration::from_millis(500), Duration::from_secs(5)]
        );
        assert!(parse_schedule("0,x").is_err());
        assert!(parse_schedule("-1").is_err());
    }
}
