//! Planning deliveries: a message's payload is stored once (`webhook_payloads`), and each
//! subscription that wants it gets a small delivery row with its own sequence number, and its
//! first attempt as a job per [`DELIVERIES_PER_JOB`]. The body sent is composed from the two,
//! byte for byte the same on every attempt, so the signature of a retry covers what the first
//! attempt sent.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Delivery, Subscription, PING};
use crate::db::schema::{webhook_payloads, webhook_subscriptions};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;

/// Deliveries one job attempts together: enough to amortise the claim and the log's commit over
/// many requests, few enough that one slow receiver delays a bounded number of messages.
pub const DELIVERIES_PER_JOB: usize = 64;

/// What every subscription's copy of one message shares.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_payloads)]
pub struct Payload {
    pub tenant_id: String,
    pub id: String,
    pub event_type: String,
    /// When the change happened (the body's `timestamp`).
    pub occurred_at: NaiveDateTime,
    /// The body's `data`, as JSON text.
    pub data: String,
    pub created_at: NaiveDateTime,
}

impl Payload {
    /// A payload for `data`, serialized once for every subscription.
    pub fn new(
        tenant: &TenantId,
        id: String,
        event_type: &str,
        occurred_at: NaiveDateTime,
        data: &serde_json::Value,
    ) -> Self {
        Payload {
            tenant_id: tenant.as_str().to_string(),
            id,
            event_type: event_type.to_string(),
            occurred_at,
            data: data.to_string(),
            created_at: now(),
        }
    }

    /// The body one subscription receives: `{"type","timestamp","sequence","data"}`.
    pub fn body(&self, seq: i64) -> String {
        compose(&self.event_type, self.occurred_at, seq, &self.data)
    }
}

/// The body of a message: written by hand around the stored `data`, which is already JSON, so
/// a message to ten subscriptions is serialized once rather than ten times.
pub fn compose(event_type: &str, occurred_at: NaiveDateTime, seq: i64, data: &str) -> String {
    let ts = occurred_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let quoted = |s: &str| serde_json::Value::from(s).to_string();
    format!(r#"{{"type":{},"timestamp":{},"sequence":{seq},"data":{data}}}"#, quoted(event_type), quoted(&ts))
}

/// Store payloads (in the caller's transaction), several rows to a statement.
pub fn store_payloads(conn: &mut DbConnection, rows: &[Payload]) -> AppResult<()> {
    // Six values a row: well under SQLite's limit of bound values per statement.
    for chunk in rows.chunks(500) {
        crate::db::on_backend!(conn, |c| diesel::insert_into(webhook_payloads::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// The bodies of these deliveries, by delivery id: composed from their payloads (one query),
/// or the whole body a delivery planned before payloads were shared still holds.
pub fn bodies(
    conn: &mut DbConnection,
    tenant: &TenantId,
    deliveries: &[&Delivery],
) -> AppResult<HashMap<String, String>> {
    let ids: Vec<&str> = deliveries.iter().filter_map(|d| d.payload_id.as_deref()).collect();
    let mut payloads: HashMap<String, Payload> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Payload> = webhook_payloads::table
            .filter(webhook_payloads::tenant_id.eq(tenant.as_str()))
            .filter(webhook_payloads::id.eq_any(chunk))
            .select(Payload::as_select())
            .load(conn)?;
        payloads.extend(rows.into_iter().map(|p| (p.id.clone(), p)));
    }
    let mut out = HashMap::with_capacity(deliveries.len());
    for d in deliveries {
        let body = match d.payload_id.as_deref() {
            None => d.payload.clone(),
            Some(pid) => match payloads.get(pid) {
                Some(p) => p.body(d.seq),
                // Only purged with its last delivery, so this is a broken invariant, not a
                // message to skip quietly.
                None => return Err(AppError::Internal(anyhow::anyhow!("delivery {} lost its payload {pid}", d.id))),
            },
        };
        out.insert(d.id.clone(), body);
    }
    Ok(out)
}

/// Put each delivery's body in its `payload`, for readers of the log and the API.
pub fn fill_bodies(conn: &mut DbConnection, tenant: &TenantId, rows: &mut [Delivery]) -> AppResult<()> {
    let mut found = bodies(conn, tenant, &rows.iter().collect::<Vec<_>>())?;
    for d in rows.iter_mut() {
        if let Some(b) = found.remove(&d.id) {
            d.payload = b;
        }
    }
    Ok(())
}

/// Take `n` sequence numbers of a subscription at once; the first of them. The update's row
/// lock orders concurrent takers (the consumer and a test ping) on PostgreSQL; SQLite writes one
/// at a time.
fn take_seqs(conn: &mut DbConnection, tenant: &TenantId, id: &str, n: i64) -> AppResult<i64> {
    diesel::update(webhook_subscriptions::table.find((tenant.as_str(), id)))
        .set(webhook_subscriptions::next_seq.eq(webhook_subscriptions::next_seq + n))
        .execute(conn)?;
    let last: i64 =
        webhook_subscriptions::table.find((tenant.as_str(), id)).select(webhook_subscriptions::next_seq).first(conn)?;
    Ok(last - n + 1)
}

/// One message to plan for a subscription; its payload is stored by the caller.
pub struct Planned {
    /// The stable `webhook-id`.
    pub webhook_id: String,
    pub event_type: String,
    /// The stored payload's id.
    pub payload_id: String,
}

/// Plan deliveries of several messages to `sub`, in the caller's transaction: their rows with
/// consecutive sequence numbers, and their first attempts as a job per [`DELIVERIES_PER_JOB`].
pub fn plan_all(conn: &mut DbConnection, sub: &Subscription, planned: Vec<Planned>) -> AppResult<Vec<Delivery>> {
    use crate::db::schema::webhook_deliveries;
    if planned.is_empty() {
        return Ok(vec![]);
    }
    let tenant = TenantId::from_trusted(sub.tenant_id.clone());
    let first = take_seqs(conn, &tenant, &sub.id, planned.len() as i64)?;
    let ts = now();
    let rows: Vec<Delivery> = planned
        .into_iter()
        .enumerate()
        .map(|(i, p)| Delivery {
            tenant_id: sub.tenant_id.clone(),
            id: new_id(),
            subscription_id: sub.id.clone(),
            webhook_id: p.webhook_id,
            event_type: p.event_type,
            seq: first + i as i64,
            payload: String::new(),
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: Some(ts),
            last_status: None,
            last_error: None,
            created_at: ts,
            updated_at: ts,
            payload_id: Some(p.payload_id),
        })
        .collect();
    // Well under SQLite's limit of bound values per statement.
    for chunk in rows.chunks(500) {
        crate::db::on_backend!(conn, |c| diesel::insert_into(webhook_deliveries::table).values(chunk).execute(c))?;
    }
    let jobs: Vec<NewJob> = rows
        .chunks(DELIVERIES_PER_JOB)
        .map(|chunk| {
            let ids: Vec<&str> = chunk.iter().map(|d| d.id.as_str()).collect();
            NewJob::new(super::DELIVER_JOB, Some(&tenant), serde_json::json!({ "delivery_ids": ids, "attempt": 1 }))
        })
        .collect();
    jobs::enqueue_many(conn, &jobs)?;
    Ok(rows)
}

/// Store `data` as a payload and plan its delivery to `sub`, in the caller's transaction.
pub fn plan(
    conn: &mut DbConnection,
    sub: &Subscription,
    webhook_id: &str,
    event_type: &str,
    timestamp: NaiveDateTime,
    data: serde_json::Value,
) -> AppResult<Delivery> {
    let tenant = TenantId::from_trusted(sub.tenant_id.clone());
    let payload = Payload::new(&tenant, webhook_id.to_string(), event_type, timestamp, &data);
    store_payloads(conn, std::slice::from_ref(&payload))?;
    let planned = Planned {
        webhook_id: webhook_id.to_string(),
        event_type: event_type.to_string(),
        payload_id: payload.id.clone(),
    };
    let mut d = plan_all(conn, sub, vec![planned])?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no delivery planned")))?;
    d.payload = payload.body(d.seq);
    Ok(d)
}

/// Queue a `ping` to a subscription (sent even when it is disabled: it tests the endpoint).
pub fn ping(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Delivery> {
    let sub = super::get(conn, tenant, id)?;
    let data = serde_json::json!({"webhook_id": sub.id, "message": "ping"});
    plan(conn, &sub, &format!("msg_ping_{}", new_id()), PING, now(), data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_body_is_the_json_it_claims() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 5_000_000).unwrap().naive_utc();
        let body = compose("ticket.created", at, 7, r#"{"a":"\"x\"","n":[1,2]}"#);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "ticket.created");
        assert_eq!(v["timestamp"], "2023-11-14T22:13:20.005Z");
        assert_eq!(v["sequence"], 7);
        assert_eq!(v["data"]["a"], "\"x\"");
        assert_eq!(compose("ticket.created", at, 7, r#"{"a":"\"x\"","n":[1,2]}"#), body, "the same bytes every time");
    }
}
