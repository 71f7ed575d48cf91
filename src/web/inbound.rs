//! `POST /inbound/email/{slug}`: the HTTP door for mail (a forwarding service or a relay script
//! posts the raw RFC 5322 message). Authorised by the tenant's inbound secret; answers 202 only
//! after the raw bytes and their filing job have committed.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::auth;
use crate::email::address::parse_recipient;
use crate::email::store::{self, Envelope, Source};
use crate::error::{AppError, AppResult};
use crate::tenancy;

/// Optional query: the address the mail was sent to, for its reply token.
#[derive(Deserialize)]
pub struct DoorQuery {
    recipient: Option<String>,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|v| v.trim().to_string())
}

/// Store one posted message for the tenant of `slug`.
pub async fn receive(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<DoorQuery>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let given = bearer(&req).ok_or(AppError::Unauthenticated)?;
    let slug = path.into_inner();
    let lookup = slug.clone();
    let found = app
        .db
        .read(move |c| match tenancy::by_slug(c, &lookup) {
            Ok(t) => {
                let secret = store::stored_inbound_secret(c, &t.tenant_id())?;
                Ok(Some((t, secret)))
            }
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    // Unknown workspaces and wrong secrets answer alike, so the door tells nobody which exist.
    let tenant = match found {
        Some((t, Some(secret))) if auth::secrets_equal(&given, &secret) => t,
        _ => return Err(AppError::Unauthenticated),
    };
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.trim().to_ascii_lowercase().starts_with("message/rfc822") {
        return Err(AppError::BadRequest("expected Content-Type: message/rfc822".into()));
    }
    let domain = app.config.inbound_domain.clone();
    let token = match &query.recipient {
        Some(r) => match parse_recipient(r, &domain) {
            Some(rcpt) if rcpt.slug == tenant.slug => rcpt.token,
            _ => {
                return Err(AppError::invalid(
                    "recipient",
                    "error-recipient-invalid",
                    "not an inbound address of this workspace",
                ))
            }
        },
        None => None,
    };
    let raw = read_body(&req, &mut payload, app.config.max_message_bytes).await?;
    if raw.is_empty() {
        return Err(AppError::BadRequest("the message is empty".into()));
    }
    let envelope = Envelope {
        source: Source::Http,
        from: None,
        recipient: query.recipient.clone().unwrap_or_else(|| format!("{}@{domain}", tenant.slug)).to_ascii_lowercase(),
        reply_token: token,
    };
    let sha = store::sha256_hex(&raw);
    let received = store::Received { envelopes: vec![(tenant.tenant_id(), envelope)], raw, sha256: sha.clone() };
    let id = app
        .receiver
        .store(received)
        .await?
        .pop()
        .ok_or_else(|| crate::error::AppError::Internal(anyhow::anyhow!("the stored message has no row id")))?;
    app.wake_jobs();
    Ok(HttpResponse::Accepted().json(json!({ "id": id, "sha256": sha })))
}

/// Read a raw request body of at most `max` bytes (413 beyond), into one buffer sized once from
/// Content-Length (bounded), so a large body is not copied as it grows.
pub(crate) async fn read_body(req: &HttpRequest, payload: &mut web::Payload, max: usize) -> AppResult<Vec<u8>> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > max {
        return Err(AppError::PayloadTooLarge);
    }
    let mut raw: Vec<u8> = Vec::with_capacity(declared);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("cannot read the body: {e}")))?;
        if raw.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge);
        }
        raw.extend_from_slice(&chunk);
    }
    Ok(raw)
}
