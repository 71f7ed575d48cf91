//! `POST /inbound/alerts/{slug}`: the door for monitoring alerts (Alertmanager, Grafana, Zabbix,
//! generic JSON). Authorised by an API token of the workspace named in the path; the raw body is
//! stored before the answer: 202 once a readable post and its job committed, 400 naming the
//! field when it cannot be read (that body is kept too, `failed`, for inspection).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::{self, ApiClient};
use super::inbound::read_body;
use crate::alerts::{self, parse};
use crate::error::{AppError, AppResult};

/// Optional query: the payload's format, when detection from its fields is not wanted.
#[derive(Deserialize)]
pub struct AlertQuery {
    format: Option<String>,
}

/// Store one alert post for the tenant of `slug`.
pub async fn receive(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    query: web::Query<AlertQuery>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    // A token of another workspace answers as an unknown one does: nobody learns which exist.
    if client.tenant.slug != path.into_inner() {
        return Err(AppError::Unauthenticated);
    }
    let raw = read_body(&req, &mut payload, app.config.max_body_bytes).await?;
    // An unknown `?format=` fails the post as a malformed body does: stored, then 400.
    let hint = match query.format.as_deref() {
        None | Some("") => Ok(None),
        Some(f) => parse::Format::parse(f).map(Some).ok_or_else(|| parse::Malformed {
            field: "format".into(),
            detail: "one of alertmanager, grafana, grafana_legacy, zabbix, generic".into(),
            format: None,
        }),
    };
    let (tenant, token) = (client.tenant_id(), client.token.id.clone());
    let (id, outcome) = app
        .db
        .write(move |c| {
            let parsed = hint.clone().and_then(|h| parse::parse(&raw, h));
            let hint = hint.unwrap_or(None);
            let id = match &parsed {
                Ok(p) => alerts::store(c, &tenant, &token, Some(p.format), &raw, p.alerts.len(), None)?,
                Err(m) => alerts::store(
                    c,
                    &tenant,
                    &token,
                    m.format.or(hint),
                    &raw,
                    0,
                    Some(&format!("{}: {}", m.field, m.detail)),
                )?,
            };
            Ok((id, parsed))
        })
        .await?;
    match outcome {
        Ok(p) => {
            app.wake_jobs();
            Ok(HttpResponse::Accepted().json(json!({"id": id, "format": p.format.as_str(), "alerts": p.alerts.len()})))
        }
        Err(m) => Err(AppError::Malformed { field: m.field, detail: format!("{} (stored as {id})", m.detail) }),
    }
}
