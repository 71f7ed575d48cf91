//! The `webhook.deliver` job: one attempt of one delivery. It signs the stored body, checks
//! where the URL resolves, posts it (no redirects, 15 s), logs the attempt, and plans the next
//! one by the retry schedule (or `Retry-After`, when longer). Each attempt is a job of its own
//! carrying its number, so a job that runs again after a crash sees its attempt logged and
//! ends; a crash between the POST and the log sends the same message again under the same
//! `webhook-id`, which is what receivers deduplicate on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::{Delivery, Subscription};
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
    /// `MERIDIAN_WEBHOOK_ALLOW_PRIVATE`: loopback and private addresses may be delivered to.
    pub allow_private: bool,
    /// Delay before each attempt; its length is the number of attempts.
    pub schedule: Arc<Vec<Duration>>,
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    headers: Option<Map<String, Value>>,
    body: Option<String>,
    error: Option<String>,
    retry_after: Option<Duration>,
}

impl Deliverer {
    /// Run one attempt; `Err` only when the database failed (the worker retries the job).
    pub async fn run(&self, ctx: JobContext) -> Result<(), String> {
        let p = ctx.payload()?;
        let delivery_id = p["delivery_id"].as_str().ok_or("payload has no delivery_id")?.to_string();
        let attempt = p["attempt"].as_i64().unwrap_or(1) as i32;
        let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("webhook job without a tenant")?);
        let (t, id) = (tenant.clone(), delivery_id.clone());
        let found = self
            .db
            .read(move |c| {
                let d: Option<Delivery> = webhook_deliveries::table
                    .find((t.as_str(), id.as_str()))
                    .select(Delivery::as_select())
                    .first(c)
                    .optional()?;
                let Some(d) = d else { return Ok(None) };
                let s = super::get(c, &t, &d.subscription_id)?;
                Ok(Some((d, s)))
            })
            .await
            .map_err(|e| e.to_string())?;
        // Deleted with its subscription, or this attempt already logged (a rerun after a crash).
        let Some((delivery, sub)) = found else { return Ok(()) };
        if delivery.attempts >= attempt || delivery.state == "succeeded" {
            return Ok(());
        }
        let started = Instant::now();
        let sent_at = now();
        let timestamp = sent_at.and_utc().timestamp();
        let signature = super::sign::header(
            &sub.signing_secrets(sent_at),
            &delivery.webhook_id,
            timestamp,
            delivery.payload.as_bytes(),
        );
        let request_headers = json!({
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.webhook_id,
            "webhook-timestamp": timestamp.to_string(),
            "webhook-signature": signature,
        });
        let sent = sub.enabled || delivery.event_type == super::PING;
        let outcome = if sent {
            self.post(&sub, &request_headers, &delivery.payload).await
        } else {
            Outcome::failed("the subscription is disabled".into())
        };
        let duration_ms = started.elapsed().as_millis() as i64;
        let log = super::Attempt {
            tenant_id: tenant.as_str().to_string(),
            id: new_id(),
            delivery_id: delivery.id.clone(),
            attempt,
            request_headers: request_headers.to_string(),
            request_body: delivery.payload.clone(),
            response_status: outcome.status.map(i32::from),
            response_headers: outcome.headers.as_ref().map(|h| Value::Object(h.clone()).to_string()),
            response_body: outcome.body.clone(),
            error: outcome.error.clone(),
            duration_ms,
            created_at: sent_at,
        };
        let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
        let gone = outcome.status == Some(410);
        let next = if ok || gone || !(sub.enabled || delivery.event_type == super::PING) {
            None
        } else {
            self.next_delay(attempt, outcome.retry_after)
        };
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
        self.db
            .write(move |c| {
                diesel::insert_into(webhook_attempts::table).values(&log).execute(c)?;
                let ts = now();
                let next_at = next.map(|d| ts + d);
                diesel::update(webhook_deliveries::table.find((tenant.as_str(), delivery.id.as_str())))
                    .set((
                        webhook_deliveries::state.eq(state),
                        webhook_deliveries::attempts.eq(attempt),
                        webhook_deliveries::last_status.eq(outcome.status.map(i32::from)),
                        webhook_deliveries::last_error.eq(&last_error),
                        webhook_deliveries::next_attempt_at.eq(next_at),
                        webhook_deliveries::updated_at.eq(ts),
                    ))
                    .execute(c)?;
                if let Some(d) = next {
                    super::enqueue_attempt(c, &tenant, &delivery.id, attempt + 1, d)?;
                }
                if sent {
                    super::disable::record_outcome(c, &tenant, &sub.id, ok, sent_at)?;
                }
                if gone {
                    super::disable(c, &tenant, &sub.id, "the endpoint answered 410 Gone")?;
                }
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())
    }

    /// The wait before attempt `attempt + 1`, or `None` when the schedule is spent. Jitter of up
    /// to a tenth spreads the retries of many deliveries that failed together.
    fn next_delay(&self, attempt: i32, retry_after: Option<Duration>) -> Option<chrono::Duration> {
        let base = *self.schedule.get(attempt.max(0) as usize)?;
        let jitter = base.mul_f64(rand::thread_rng().gen_range(0.0..0.1));
        let wait = (base + jitter).max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
        chrono::Duration::from_std(wait).ok()
    }

    async fn post(&self, sub: &Subscription, headers: &Value, body: &str) -> Outcome {
        let url = match url::Url::parse(&sub.url) {
            Ok(u) => u,
            Err(e) => return Outcome::failed(format!("bad URL: {e}")),
        };
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Outcome::failed("the URL has no host".into());
        };
        let addr = match super::ssrf::resolve(host, port, self.allow_private).await {
            Ok(a) => a,
            Err(why) => return Outcome::failed(why),
        };
        // The connection goes to the address just checked, whatever DNS says next.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .no_proxy()
            .resolve(host, addr)
            .build();
        let client = match client {
            Ok(c) => c,
            Err(e) => return Outcome::failed(format!("cannot build the HTTP client: {e}")),
        };
        let mut req = client.post(url).body(body.to_string());
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
