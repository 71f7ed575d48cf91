//! /api/v1/webhooks: subscriptions, secret rotation, test pings, the delivery log, redelivery.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::support::{idempotent, stored_response, ApiJson};
use crate::error::{AppError, AppResult};
use crate::web::auth::{self, ApiClient};
use crate::webhooks::{self as wh, Attempt, Delivery, Subscription, SubscriptionInput};

/// Most deliveries listed at once when no `limit` is given.
const DEFAULT_LIMIT: i64 = 50;

fn ts(t: &chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A webhook subscription.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Webhook {
    id: String,
    url: String,
    description: String,
    event_types: Vec<String>,
    enabled: bool,
    /// Why the server turned it off (the endpoint answered 410, or every attempt failed for
    /// days), else `null`.
    disabled_reason: Option<String>,
    /// Since when every delivery attempt has failed (RFC 3339, UTC); `null` after a success.
    #[schema(format = DateTime)]
    failing_since: Option<String>,
    /// After a rotation: until when the previous secret also signs (RFC 3339, UTC).
    #[schema(format = DateTime)]
    previous_secret_expires_at: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// The signing secret (`whsec_…`): only in the answers to creation and rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

fn webhook_json(s: &Subscription, with_secret: bool) -> Webhook {
    Webhook {
        id: s.id.clone(),
        url: s.url.clone(),
        description: s.description.clone(),
        event_types: s.events(),
        enabled: s.enabled,
        disabled_reason: s.disabled_reason.clone(),
        failing_since: s.failing_since.as_ref().map(ts),
        previous_secret_expires_at: s.previous_expires_at.as_ref().filter(|t| **t > crate::db::now()).map(ts),
        created_at: ts(&s.created_at),
        updated_at: ts(&s.updated_at),
        secret: with_secret.then(|| s.secret.clone()),
    }
}

/// The tenant's webhooks.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct WebhookList {
    data: Vec<Webhook>,
}

/// A new webhook subscription.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookIn {
    /// Where deliveries are POSTed: https (http only where the server allows it).
    url: String,
    /// Event types to deliver (`ticket.created`, …).
    event_types: Vec<String>,
    description: Option<String>,
    /// Defaults to `true`.
    enabled: Option<bool>,
}

/// Changes to a webhook; absent fields stay as they are.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookPatch {
    url: Option<String>,
    event_types: Option<Vec<String>>,
    description: Option<String>,
    enabled: Option<bool>,
}

/// One attempt of a delivery, as logged.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AttemptLog {
    attempt: i32,
    #[schema(format = DateTime)]
    sent_at: String,
    duration_ms: i64,
    #[schema(value_type = Object)]
    request_headers: serde_json::Value,
    request_body: String,
    response_status: Option<i32>,
    #[schema(value_type = Option<Object>)]
    response_headers: Option<serde_json::Value>,
    /// The first 4 KiB of the answer.
    response_body: Option<String>,
    /// Why there was no answer that counted (a refused address, a timeout, a connection error).
    error: Option<String>,
}

fn attempt_json(a: &Attempt) -> AttemptLog {
    AttemptLog {
        attempt: a.attempt,
        sent_at: ts(&a.created_at),
        duration_ms: a.duration_ms,
        request_headers: serde_json::from_str(&a.request_headers).unwrap_or_default(),
        request_body: a.request_body.clone(),
        response_status: a.response_status,
        response_headers: a.response_headers.as_deref().and_then(|h| serde_json::from_str(h).ok()),
        response_body: a.response_body.clone(),
        error: a.error.clone(),
    }
}

/// A message to a webhook and its attempts.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct WebhookDelivery {
    id: String,
    webhook_id: String,
    event_type: String,
    /// The subscription's sequence number of this message.
    sequence: i64,
    /// `pending`, `retrying`, `succeeded` or `failed`.
    state: String,
    attempts: i32,
    #[schema(format = DateTime)]
    next_attempt_at: Option<String>,
    last_status: Option<i32>,
    last_error: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    /// The body every attempt sends.
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    log: Vec<AttemptLog>,
}

fn delivery_json(d: &Delivery, log: &[Attempt]) -> WebhookDelivery {
    WebhookDelivery {
        id: d.id.clone(),
        webhook_id: d.webhook_id.clone(),
        event_type: d.event_type.clone(),
        sequence: d.seq,
        state: d.state.clone(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at.as_ref().map(ts),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        created_at: ts(&d.created_at),
        payload: serde_json::from_str(&d.payload).unwrap_or_default(),
        log: log.iter().map(attempt_json).collect(),
    }
}

/// A webhook's deliveries, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DeliveryList {
    data: Vec<WebhookDelivery>,
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", summary = "List webhooks",
    responses((status = 200, description = "`{\"data\": [...]}`", body = WebhookList)), security(("bearer" = [])))]
pub(crate) async fn list(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let rows = app.db.read(move |c| wh::list(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(WebhookList { data: rows.iter().map(|s| webhook_json(s, false)).collect() }))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", summary = "Create a webhook", request_body = WebhookIn,
    description = "The answer holds the signing secret (`secret`), shown this once.",
    responses((status = 201, description = "Created, with its secret", body = Webhook), (status = 422, description = "A field is invalid (a URL that is not https, an unknown event type)", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn create(req: HttpRequest, client: ApiClient, body: ApiJson<WebhookIn>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b, allow_http) = (client.tenant_id(), body.value.clone(), app.config.webhook_allow_http);
    let stored = idempotent(&app, &req, &client, &body.raw, move |c| {
        let input = SubscriptionInput {
            url: Some(b.url),
            description: b.description,
            event_types: Some(b.event_types),
            enabled: b.enabled,
        };
        let s = wh::create(c, &tid, &input, allow_http)?;
        Ok((201, serde_json::to_value(webhook_json(&s, true))?))
    })
    .await?;
    Ok(stored_response(stored, None))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", summary = "Get a webhook", params(("id" = String, Path)),
    responses((status = 200, description = "The webhook", body = Webhook)), security(("bearer" = [])))]
pub(crate) async fn get(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let s = app.db.read(move |c| wh::get(c, &tid, &id)).await?;
    Ok(HttpResponse::Ok().json(webhook_json(&s, false)))
}

#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", summary = "Change a webhook", params(("id" = String, Path)), request_body = WebhookPatch,
    description = "Setting `enabled` also clears `disabled_reason`.",
    responses((status = 200, description = "The webhook", body = Webhook)), security(("bearer" = [])))]
pub(crate) async fn patch(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<WebhookPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b, allow_http) = (client.tenant_id(), path.into_inner(), body.value, app.config.webhook_allow_http);
    let input =
        SubscriptionInput { url: b.url, description: b.description, event_types: b.event_types, enabled: b.enabled };
    let s = app.db.write(move |c| wh::update(c, &tid, &id, &input, allow_http)).await?;
    Ok(HttpResponse::Ok().json(webhook_json(&s, false)))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", summary = "Delete a webhook", params(("id" = String, Path)),
    description = "Deletes it with its delivery log; nothing more is sent.",
    responses((status = 204, description = "Deleted")), security(("bearer" = [])))]
pub(crate) async fn delete(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    app.db.write(move |c| wh::delete(c, &tid, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RotateQuery {
    /// How long the previous secret keeps signing, in seconds (default 86400, at most 604800).
    grace_seconds: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", summary = "Rotate a webhook's secret",
    description = "A new secret, shown this once; during the grace period every delivery is signed with both.",
    params(("id" = String, Path), RotateQuery),
    responses((status = 200, description = "The webhook with its new secret", body = Webhook)), security(("bearer" = [])))]
pub(crate) async fn rotate(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    q: web::Query<RotateQuery>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let grace = q.grace_seconds.unwrap_or(wh::DEFAULT_GRACE_SECS);
    if !(0..=wh::MAX_GRACE_SECS).contains(&grace) {
        return Err(AppError::invalid("grace_seconds", "error-webhook-grace", "grace_seconds is 0 to 604800"));
    }
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let s = app.db.write(move |c| wh::rotate_secret(c, &tid, &id, grace)).await?;
    Ok(HttpResponse::Ok().json(webhook_json(&s, true)))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", summary = "Send a test ping",
    description = "Queues a `ping` message (sent even to a disabled webhook); its outcome is in the delivery log.",
    params(("id" = String, Path)),
    responses((status = 202, description = "Queued", body = WebhookDelivery)), security(("bearer" = [])))]
pub(crate) async fn test(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let d = app.db.write(move |c| wh::ping(c, &tid, &id)).await?;
    app.wake_jobs();
    Ok(HttpResponse::Accepted().json(delivery_json(&d, &[])))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveryQuery {
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", summary = "A webhook's delivery log",
    description = "Deliveries newest first, each with every attempt: the request sent, the answer's status, headers and first 4 KiB, the time taken. Kept 30 days.",
    params(("id" = String, Path), DeliveryQuery),
    responses((status = 200, description = "`{\"data\": [...]}`", body = DeliveryList)), security(("bearer" = [])))]
pub(crate) async fn deliveries(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    q: web::Query<DeliveryQuery>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 200"));
    }
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let rows = app.db.read(move |c| wh::deliveries(c, &tid, &id, limit)).await?;
    Ok(HttpResponse::Ok().json(DeliveryList { data: rows.iter().map(|(d, a)| delivery_json(d, a)).collect() }))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks", summary = "Redeliver a message",
    description = "Sends the same body under the same `webhook-id` again now; 409 while it is still being attempted.",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, description = "Queued", body = WebhookDelivery)), security(("bearer" = [])))]
pub(crate) async fn retry(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, delivery) = path.into_inner();
    let tid = client.tenant_id();
    let d = app.db.write(move |c| wh::redeliver(c, &tid, &id, &delivery)).await?;
    app.wake_jobs();
    Ok(HttpResponse::Accepted().json(delivery_json(&d, &[])))
}

/// Routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::get().to(list))
        .route("/webhooks", web::post().to(create))
        .route("/webhooks/{id}", web::get().to(get))
        .route("/webhooks/{id}", web::patch().to(patch))
        .route("/webhooks/{id}", web::delete().to(delete))
        .route("/webhooks/{id}/rotate-secret", web::post().to(rotate))
        .route("/webhooks/{id}/test", web::post().to(test))
        .route("/webhooks/{id}/deliveries", web::get().to(deliveries))
        .route("/webhooks/{id}/deliveries/{delivery_id}/retry", web::post().to(retry));
}
