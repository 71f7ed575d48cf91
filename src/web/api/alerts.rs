//! /api/v1/alerts: the tenant's alert settings and the alert posts that could not be read.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::support::ApiJson;
use crate::alerts::notify::NotifyRule;
use crate::alerts::{self, AlertPost, Settings};
use crate::error::{AppError, AppResult};
use crate::web::auth::{self, ApiClient};

/// How much of a failed post's body the list shows.
const BODY_PREVIEW_BYTES: usize = 16 * 1024;

/// How alerts act on tickets.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AlertSettings {
    /// A resolved alert also solves its ticket (otherwise it only adds a system message).
    solve_on_resolve: bool,
    /// When an alert carrying all of a rule's `labels` opens a new ticket, the customer tickets
    /// tagged `tag` that are not solved or closed get `message` as a public reply.
    notify_rules: Vec<NotifyRule>,
}

fn settings_json(s: Settings) -> AlertSettings {
    AlertSettings { solve_on_resolve: s.solve_on_resolve, notify_rules: s.notify_rules }
}

/// Changes to the alert settings; absent fields stay as they are.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertSettingsPatch {
    solve_on_resolve: Option<bool>,
    /// Replaces every rule (at most 20).
    notify_rules: Option<Vec<NotifyRule>>,
}

/// An alert post that could not be read or processed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FailedAlert {
    id: String,
    #[schema(format = DateTime)]
    received_at: String,
    /// The format it was taken for (`unknown` when none matched).
    format: String,
    size_bytes: i64,
    sha256: String,
    /// Why: the field at fault and what is wrong with it.
    error: Option<String>,
    /// The body as received (its first 16 KiB, as UTF-8 with invalid bytes replaced).
    body: String,
    body_truncated: bool,
}

fn failed_json(p: &AlertPost, raw: &[u8]) -> FailedAlert {
    let cut = &raw[..raw.len().min(BODY_PREVIEW_BYTES)];
    FailedAlert {
        id: p.id.clone(),
        received_at: p.received_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        format: p.format.clone(),
        size_bytes: p.size_bytes,
        sha256: p.sha256.clone(),
        error: p.error.clone(),
        body: String::from_utf8_lossy(cut).to_string(),
        body_truncated: cut.len() < raw.len(),
    }
}

/// Failed alert posts, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FailedAlertList {
    data: Vec<FailedAlert>,
}

#[utoipa::path(get, path = "/api/v1/alerts/settings", tag = "alerts", summary = "Alert settings",
    responses((status = 200, description = "The settings", body = AlertSettings)), security(("bearer" = [])))]
pub(crate) async fn get_settings(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let s = app.db.read(move |c| alerts::settings(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(settings_json(s)))
}

#[utoipa::path(patch, path = "/api/v1/alerts/settings", tag = "alerts", summary = "Change the alert settings",
    request_body = AlertSettingsPatch,
    responses((status = 200, description = "The settings", body = AlertSettings)), security(("bearer" = [])))]
pub(crate) async fn patch_settings(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<AlertSettingsPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, patch) = (client.tenant_id(), body.value);
    let s = app
        .db
        .write(move |c| {
            let mut s = alerts::settings(c, &tid)?;
            if let Some(on) = patch.solve_on_resolve {
                s.solve_on_resolve = on;
            }
            if let Some(rules) = patch.notify_rules {
                s.notify_rules = rules;
            }
            alerts::set_settings(c, &tid, s)
        })
        .await?;
    Ok(HttpResponse::Ok().json(settings_json(s)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FailedQuery {
    /// 1 to 200 (default 50).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/alerts/failed", tag = "alerts", summary = "Alert posts that failed",
    description = "Posts to `/inbound/alerts/{slug}` that could not be read (answered 400) or processed, newest first, with their bodies as received.",
    params(FailedQuery),
    responses((status = 200, description = "`{\"data\": [...]}`", body = FailedAlertList)), security(("bearer" = [])))]
pub(crate) async fn list_failed(
    req: HttpRequest,
    client: ApiClient,
    q: web::Query<FailedQuery>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 200"));
    }
    let tid = client.tenant_id();
    let rows = app.db.read(move |c| alerts::list_failed(c, &tid, limit)).await?;
    Ok(HttpResponse::Ok().json(FailedAlertList { data: rows.iter().map(|(p, raw)| failed_json(p, raw)).collect() }))
}

/// Routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/alerts/settings", web::get().to(get_settings))
        .route("/alerts/settings", web::patch().to(patch_settings))
        .route("/alerts/failed", web::get().to(list_failed));
}
