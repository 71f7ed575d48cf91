//! Operations endpoints: liveness, readiness, Prometheus metrics.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::auth;
use crate::error::{AppError, AppResult};

/// GET /healthz: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// GET /readyz: the database answers and its migrations are current.
pub async fn readyz(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let db = state.db.clone();
    let verdict = tokio::task::spawn_blocking(move || db.readiness())
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(match verdict {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "database": state.db.target().backend_name()})),
        Err(reason) => {
            // The endpoint is unauthenticated: the detail goes to the log, the caller gets the gist.
            tracing::warn!(%reason, "not ready");
            HttpResponse::ServiceUnavailable().json(json!({"status": "not ready", "reason": reason.public_reason()}))
        }
    })
}

/// GET /metrics: Prometheus text format; behind a bearer token when one is configured.
pub async fn metrics(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    if let Some(expected) = &state.config.metrics_token {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !auth::secrets_equal(presented, expected) {
            return Err(AppError::Unauthenticated);
        }
    }
    let depth = state.db.read(crate::jobs::depth_by_state).await.unwrap_or_default();
    let mut body = state.metrics.render(&depth, state.db.pool_state());
    let (batches, items) = state.intake.totals();
    let (mail_batches, mail_items) = state.receiver.totals();
    body.push_str(&crate::metrics::render_batches(&[
        ("tickets", batches, items),
        ("inbound_mail", mail_batches, mail_items),
    ]));
    if let Some(bytes) = state.db.wal_bytes() {
        body.push_str(&crate::metrics::render_wal(bytes, state.db.wal_stats()));
    }
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4")).body(body))
}
