//! Outgoing webhooks: subscriptions with their signing secrets (this file), the `webhooks`
//! event consumer that plans a delivery per event and subscription (`consumer.rs`), the
//! `webhook.deliver` job that signs and sends it (`deliver.rs`), the address checks
//! (`ssrf.rs`), the Standard Webhooks signature (`sign.rs`) and the chore that turns off
//! subscriptions failing for days and tells the tenant's admins (`disable.rs`).

pub mod consumer;
pub mod deliver;
pub mod disable;
pub mod plan;
pub mod sign;
pub mod ssrf;

pub use plan::{ping, plan, plan_all, Planned, DELIVERIES_PER_JOB};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;

/// Kind of the delivery job.
pub const DELIVER_JOB: &str = "webhook.deliver";
/// The event types a subscription may ask for.
pub const EVENT_TYPES: &[&str] = &[
    "ticket.created",
    "ticket.updated",
    "ticket.assigned",
    "ticket.status_changed",
    "ticket.solved",
    "ticket.merged",
    "message.created",
    "contact.created",
    "contact.merged",
    "csat.rated",
];
/// Event type of a test message.
pub const PING: &str = "ping";
/// How long the previous secret keeps signing after a rotation, unless the call says otherwise.
pub const DEFAULT_GRACE_SECS: i64 = 24 * 3600;
/// Longest grace period a rotation may ask for.
pub const MAX_GRACE_SECS: i64 = 7 * 24 * 3600;
/// How long deliveries and their attempts are kept.
pub const KEEP_DAYS: i64 = 30;
/// Most subscriptions one tenant may have.
pub const MAX_SUBSCRIPTIONS: i64 = 50;

/// A subscription row (the secrets never leave through `Serialize`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_subscriptions)]
pub struct Subscription {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub url: String,
    pub description: String,
    #[serde(skip)]
    pub event_types: String,
    pub enabled: bool,
    /// Why the server disabled it (`410 Gone`), `null` when enabled or disabled by a person.
    pub disabled_reason: Option<String>,
    #[serde(skip)]
    pub secret: String,
    #[serde(skip)]
    pub previous_secret: Option<String>,
    /// Until when the previous secret also signs, after a rotation.
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub previous_expires_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub next_seq: i64,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub updated_at: NaiveDateTime,
    /// Since when every attempt has failed; `None` after a success (see `disable.rs`).
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub failing_since: Option<NaiveDateTime>,
}

impl Subscription {
    /// The event types it asked for.
    pub fn events(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// Whether it wants events of type `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.events().iter().any(|e| e == kind)
    }

    /// The secrets that sign now: the current one, and the previous one during its grace period.
    pub fn signing_secrets(&self, at: NaiveDateTime) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        if let (Some(p), Some(until)) = (&self.previous_secret, self.previous_expires_at) {
            if at < until {
                out.push(p.as_str());
            }
        }
        out
    }
}

/// A delivery row: one message to one subscription.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub subscription_id: String,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    pub webhook_id: String,
    pub event_type: String,
    /// This subscription's sequence number for the message (1, 2, …; gaps mean lost messages).
    pub seq: i64,
    #[serde(skip)]
    pub payload: String,
    /// `pending`, `retrying`, `succeeded` or `failed` (no attempts left, or the endpoint is gone).
    pub state: String,
    pub attempts: i32,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub updated_at: NaiveDateTime,
    /// The shared payload its body is composed from (`plan.rs`); `None` for a delivery planned
    /// before payloads were shared, whose `payload` holds the whole body.
    #[serde(skip)]
    pub payload_id: Option<String>,
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub delivery_id: String,
    pub attempt: i32,
    /// JSON object of the headers sent.
    pub request_headers: String,
    /// Empty in the table when it is the delivery's body (always, since bodies are composed
    /// from a shared payload): [`deliveries`] fills it in.
    pub request_body: String,
    pub response_status: Option<i32>,
    /// JSON object of the headers received.
    pub response_headers: Option<String>,
    /// The first 4 KiB of the response body.
    pub response_body: Option<String>,
    /// Why no response counted (refused address, timeout, connection error).
    pub error: Option<String>,
    pub duration_ms: i64,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

/// What a new subscription or a change to one says.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionInput {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// What a webhook URL may be after its scheme: a host name (labels of letters, digits and single
/// hyphens, the last starting with a letter, as one that looks numeric is an IPv4 address) or an
/// IPv4 address, a port, then a path and query of URL characters. No credentials, no fragment, no
/// punycode (`--`). The OpenAPI document states the same pattern (`web::api::rules`), so what a
/// generated client sends and what the server takes agree exactly.
pub const URL_AFTER_SCHEME: &str = concat!(
    r"(([A-Za-z0-9]+(-[A-Za-z0-9]+)*\.)*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*",
    r"|(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3})",
    r"(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?",
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$",
);
/// Longest webhook URL.
pub const MAX_URL_CHARS: usize = 2000;
/// Most event types one subscription lists.
pub const MAX_EVENT_TYPES: usize = 20;

static URL_SHAPE: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
    // A constant, checked by the unit tests below.
    regex_lite::Regex::new(&format!("^{URL_AFTER_SCHEME}")).expect("URL_AFTER_SCHEME is a valid pattern")
});

/// Check a webhook URL: https (or http when `allow_http`) and the shape of [`URL_AFTER_SCHEME`].
pub fn validate_url(raw: &str, allow_http: bool) -> AppResult<String> {
    let bad = |detail: &str| AppError::invalid("url", "error-webhook-url", detail);
    if raw.len() > MAX_URL_CHARS {
        return Err(bad("the URL is longer than 2000 characters"));
    }
    let rest = match (raw.strip_prefix("https://"), raw.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if allow_http => rest,
        (None, Some(_)) => return Err(bad("the URL must use https (this server does not allow http)")),
        _ => return Err(bad("the URL must start with https://")),
    };
    if !URL_SHAPE.is_match(rest) {
        return Err(bad(
            "not a URL of the accepted shape: a host name or IPv4 address, a port, a path and query, no credentials",
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("not an absolute URL: {e}")))?;
    Ok(url.to_string())
}

fn validate_events(list: &[String]) -> AppResult<String> {
    if list.is_empty() || list.len() > MAX_EVENT_TYPES {
        return Err(AppError::invalid("event_types", "error-webhook-events", "name 1 to 20 event types"));
    }
    let mut out: Vec<&str> = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let Some(known) = EVENT_TYPES.iter().find(|k| **k == e.as_str()) else {
            return Err(AppError::invalid(
                &format!("event_types[{i}]"),
                "error-webhook-events",
                format!("unknown event type {e:?}; known: {}", EVENT_TYPES.join(", ")),
            ));
        };
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(serde_json::to_string(&out)?)
}

fn validate_description(d: &str) -> AppResult<String> {
    if d.chars().count() > 500 || d.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            "description",
            "error-webhook-description",
            "at most 500 characters, no control characters",
        ));
    }
    Ok(d.trim().to_string())
}

/// Create a subscription; returns it with its secret (shown once).
pub fn create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    input: &SubscriptionInput,
    allow_http: bool,
) -> AppResult<Subscription> {
    let url = validate_url(input.url.as_deref().unwrap_or(""), allow_http)?;
    let events = validate_events(input.event_types.as_deref().unwrap_or(&[]))?;
    let description = validate_description(input.description.as_deref().unwrap_or(""))?;
    let count: i64 = webhook_subscriptions::table
        .filter(webhook_subscriptions::tenant_id.eq(tenant.as_str()))
        .count()
        .get_result(conn)?;
    if count >= MAX_SUBSCRIPTIONS {
        return Err(AppError::Conflict(format!("a tenant has at most {MAX_SUBSCRIPTIONS} webhooks")));
    }
    let ts = now();
    let row = Subscription {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        url,
        description,
        event_types: events,
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: None,
        secret: sign::new_secret(),
        previous_secret: None,
        previous_expires_at: None,
        next_seq: 0,
        created_at: ts,
        updated_at: ts,
        failing_since: None,
    };
    diesel::insert_into(webhook_subscriptions::table).values(&row).execute(conn)?;
    Ok(row)
}

/// One subscription of the tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Subscription> {
    Ok(webhook_subscriptions::table.find((tenant.as_str(), id)).select(Subscription::as_select()).first(conn)?)
}

/// The tenant's subscriptions, oldest first.
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Subscription>> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::tenant_id.eq(tenant.as_str()))
        .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
        .select(Subscription::as_select())
        .load(conn)?)
}

/// Change a subscription's URL, description, event types or enabled flag.
pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    input: &SubscriptionInput,
    allow_http: bool,
) -> AppResult<Subscription> {
    let mut row = get(conn, tenant, id)?;
    if let Some(u) = &input.url {
        row.url = validate_url(u, allow_http)?;
    }
    if let Some(e) = &input.event_types {
        row.event_types = validate_events(e)?;
    }
    if let Some(d) = &input.description {
        row.description = validate_description(d)?;
    }
    if let Some(on) = input.enabled {
        row.enabled = on;
        row.disabled_reason = None;
        // A fresh start: the auto-disable clock counts from the next failure.
        row.failing_since = None;
    }
    row.updated_at = now();
    diesel::update(webhook_subscriptions::table.find((tenant.as_str(), id)))
        .set((
            webhook_subscriptions::url.eq(&row.url),
            webhook_subscriptions::event_types.eq(&row.event_types),
            webhook_subscriptions::description.eq(&row.description),
            webhook_subscriptions::enabled.eq(row.enabled),
            webhook_subscriptions::disabled_reason.eq(&row.disabled_reason),
            webhook_subscriptions::failing_since.eq(row.failing_since),
            webhook_subscriptions::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(row)
}

/// Turn a subscription off on the server's own account (the endpoint answered 410).
pub fn disable(conn: &mut DbConnection, tenant: &TenantId, id: &str, reason: &str) -> AppResult<()> {
    diesel::update(webhook_subscriptions::table.find((tenant.as_str(), id)))
        .set((
            webhook_subscriptions::enabled.eq(false),
            webhook_subscriptions::disabled_reason.eq(reason),
            webhook_subscriptions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delete a subscription with its deliveries and their log; queued jobs find nothing and end.
pub fn delete(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    use diesel::dsl::exists;
    get(conn, tenant, id)?;
    let of_this = webhook_deliveries::table
        .filter(webhook_deliveries::tenant_id.eq(webhook_attempts::tenant_id))
        .filter(webhook_deliveries::id.eq(webhook_attempts::delivery_id))
        .filter(webhook_deliveries::subscription_id.eq(id));
    diesel::delete(
        webhook_attempts::table.filter(webhook_attempts::tenant_id.eq(tenant.as_str())).filter(exists(of_this)),
    )
    .execute(conn)?;
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::tenant_id.eq(tenant.as_str()))
            .filter(webhook_deliveries::subscription_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(webhook_subscriptions::table.find((tenant.as_str(), id))).execute(conn)?;
    Ok(())
}

/// A new secret; the old one keeps signing for `grace_secs`. Returns the row with the new secret.
pub fn rotate_secret(conn: &mut DbConnection, tenant: &TenantId, id: &str, grace_secs: i64) -> AppResult<Subscription> {
    let mut row = get(conn, tenant, id)?;
    let ts = now();
    row.previous_secret = Some(std::mem::replace(&mut row.secret, sign::new_secret()));
    row.previous_expires_at = Some(ts + chrono::Duration::seconds(grace_secs.clamp(0, MAX_GRACE_SECS)));
    row.updated_at = ts;
    diesel::update(webhook_subscriptions::table.find((tenant.as_str(), id)))
        .set((
            webhook_subscriptions::secret.eq(&row.secret),
            webhook_subscriptions::previous_secret.eq(&row.previous_secret),
            webhook_subscriptions::previous_expires_at.eq(row.previous_expires_at),
            webhook_subscriptions::updated_at.eq(ts),
        ))
        .execute(conn)?;
    Ok(row)
}

/// Enqueue attempt number `attempt` of a delivery after `delay`.
pub(crate) fn enqueue_attempt(
    conn: &mut DbConnection,
    tenant: &TenantId,
    delivery_id: &str,
    attempt: i32,
    delay: chrono::Duration,
) -> AppResult<()> {
    let mut job =
        NewJob::new(DELIVER_JOB, Some(tenant), serde_json::json!({"delivery_id": delivery_id, "attempt": attempt}));
    job.delay = delay;
    jobs::enqueue(conn, &job)?;
    Ok(())
}

/// One delivery of one subscription of the tenant.
/// Its `payload` holds the body it sends.
pub fn get_delivery(conn: &mut DbConnection, tenant: &TenantId, sub_id: &str, id: &str) -> AppResult<Delivery> {
    let d: Delivery = webhook_deliveries::table
        .find((tenant.as_str(), id))
        .filter(webhook_deliveries::subscription_id.eq(sub_id))
        .select(Delivery::as_select())
        .first(conn)?;
    let mut rows = [d];
    plan::fill_bodies(conn, tenant, &mut rows)?;
    let [d] = rows;
    Ok(d)
}

/// A subscription's deliveries, newest first (each `payload` holding the body it sends), with
/// their attempts (oldest first).
pub fn deliveries(
    conn: &mut DbConnection,
    tenant: &TenantId,
    sub_id: &str,
    limit: i64,
) -> AppResult<Vec<(Delivery, Vec<Attempt>)>> {
    get(conn, tenant, sub_id)?;
    let mut rows: Vec<Delivery> = webhook_deliveries::table
        .filter(webhook_deliveries::tenant_id.eq(tenant.as_str()))
        .filter(webhook_deliveries::subscription_id.eq(sub_id))
        .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|d| d.id.as_str()).collect();
    let attempts: Vec<Attempt> = webhook_attempts::table
        .filter(webhook_attempts::tenant_id.eq(tenant.as_str()))
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select(Attempt::as_select())
        .load(conn)?;
    plan::fill_bodies(conn, tenant, &mut rows)?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let mine = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(|a| {
                    let mut a = a.clone();
                    if a.request_body.is_empty() {
                        a.request_body = d.payload.clone();
                    }
                    a
                })
                .collect();
            (d, mine)
        })
        .collect())
}

/// Send a delivery again (manual redelivery): same body and `webhook-id`, a new attempt now.
pub fn redeliver(conn: &mut DbConnection, tenant: &TenantId, sub_id: &str, id: &str) -> AppResult<Delivery> {
    let mut d = get_delivery(conn, tenant, sub_id, id)?;
    if matches!(d.state.as_str(), "pending" | "retrying") {
        return Err(AppError::Conflict("the delivery is still being attempted".into()));
    }
    let ts = now();
    d.state = "pending".into();
    d.next_attempt_at = Some(ts);
    d.updated_at = ts;
    diesel::update(webhook_deliveries::table.find((tenant.as_str(), id)))
        .set((
            webhook_deliveries::state.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(ts),
            webhook_deliveries::updated_at.eq(ts),
        ))
        .execute(conn)?;
    enqueue_attempt(conn, tenant, id, d.attempts + 1, chrono::Duration::zero())?;
    Ok(d)
}

/// Delete attempts older than [`KEEP_DAYS`], then finished deliveries that old with no attempt
/// left (one redelivered lately stays until its newer attempts age out too), then payloads that
/// old with no delivery left. Three statements, whatever the volume.
pub fn purge_old(conn: &mut DbConnection) -> AppResult<usize> {
    use crate::db::schema::webhook_payloads;
    use diesel::dsl::{exists, not};
    let cutoff = now() - chrono::Duration::days(KEEP_DAYS);
    let n = diesel::delete(webhook_attempts::table.filter(webhook_attempts::created_at.lt(cutoff))).execute(conn)?;
    let attempts_left = webhook_attempts::table
        .filter(webhook_attempts::tenant_id.eq(webhook_deliveries::tenant_id))
        .filter(webhook_attempts::delivery_id.eq(webhook_deliveries::id));
    let m = diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(cutoff))
            .filter(webhook_deliveries::state.eq_any(["succeeded", "failed"]))
            .filter(not(exists(attempts_left))),
    )
    .execute(conn)?;
    // A payload is planned with its deliveries, so an old payload's deliveries are old too: the
    // ones still kept (redelivered lately) are found through the age index, and no index on
    // `payload_id` has to be kept up at every delivery insert.
    let still_named = webhook_deliveries::table
        .filter(webhook_deliveries::created_at.lt(cutoff))
        .filter(webhook_deliveries::tenant_id.eq(webhook_payloads::tenant_id))
        .filter(webhook_deliveries::payload_id.eq(webhook_payloads::id.nullable()));
    let p = diesel::delete(
        webhook_payloads::table.filter(webhook_payloads::created_at.lt(cutoff)).filter(not(exists(still_named))),
    )
    .execute(conn)?;
    Ok(n + m + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_of_the_documented_shape_only() {
        for ok in [
            "https://hooks.example.com/meridian",
            "https://HOOKS.example:8443/a/b?x=1&y=%20",
            "https://10.0.0.1/x",
            "https://a-b.c1/",
            "https://x",
        ] {
            assert!(validate_url(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "http://hooks.example/",
            "ftp://hooks.example/",
            "https://user:pw@hooks.example/",
            "https://hooks.example/x#frag",
            "https://hooks.example/x y",
            "https://hooks.example/<x>",
            "https://999.1.1.1/",
            "https://xn--abc.example/",
            "https://hooks.example:0/",
            "https://hooks.example:65536/",
            " https://hooks.example/",
            "https://[::1]/",
        ] {
            assert!(validate_url(bad, false).is_err(), "{bad}");
        }
        assert!(validate_url("http://127.0.0.1:8080/hook", true).is_ok());
    }
}
