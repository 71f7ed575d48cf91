//! API plumbing: strict JSON bodies, idempotency keys, ETags, per-token rate limits.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::strict::{Strict, NUL_MESSAGE};
pub use crate::accounts::idempotency::Key as IdempotencyKey;
use crate::accounts::idempotency::{self, StoredResult};
use crate::app::AppState;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::web::auth::ApiClient;

/// A JSON body whose errors name the field at fault (`requester.email`), as 422; broken JSON is 400.
/// Structs are taken from JSON objects only and strings must not hold NUL (see [`Strict`]).
pub struct ApiJson<T> {
    pub value: T,
    /// The raw body, for idempotency fingerprints.
    pub raw: web::Bytes,
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let is_json = content_type.starts_with("application/json") || content_type.contains("+json");
            let raw = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge,
                _ => AppError::BadRequest(format!("cannot read the body: {e}")),
            })?;
            if !is_json {
                return Err(AppError::BadRequest("expected Content-Type: application/json".into()));
            }
            let parsed: serde_json::Value = serde_json::from_slice(&raw)
                .map_err(|e| AppError::BadRequest(format!("invalid JSON: {}", strip_position(&e.to_string()))))?;
            let value = serde_path_to_error::deserialize(Strict(&parsed)).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let detail = strip_position(&inner.to_string());
                // `.` is the body as a whole (an array where an object belongs).
                let field = if path == "." { missing_field(&detail).unwrap_or(path) } else { path };
                let key = if detail == NUL_MESSAGE { crate::web::input::NUL_KEY } else { "error-validation-detail" };
                AppError::Invalid { field, key, detail }
            })?;
            Ok(ApiJson { value, raw })
        })
    }
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest[..rest.find('`')?].to_string())
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// A JSON response with an ETag.
pub fn json_with_etag(status: actix_web::http::StatusCode, etag: &str, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag.to_string())).json(body)
}

/// The version an `If-Match` header names for a resource id, `None` without the header.
pub fn if_match_version(req: &HttpRequest, id: &str) -> AppResult<Option<i32>> {
    let Some(v) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    let v = v.to_str().map_err(|_| AppError::PreconditionFailed)?.trim();
    if v == "*" {
        return Ok(None);
    }
    let inner = v.trim_start_matches("W/").trim_matches('"');
    let (rid, version) = inner.rsplit_once('-').ok_or(AppError::PreconditionFailed)?;
    if rid != id {
        return Err(AppError::PreconditionFailed);
    }
    version.parse().map(Some).map_err(|_| AppError::PreconditionFailed)
}

/// What an idempotent POST produced (or replays).
pub struct Stored {
    pub status: u16,
    pub body: serde_json::Value,
    pub replayed: bool,
}

fn request_hash(req: &HttpRequest, raw: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(req.method().as_str().as_bytes());
    h.update(b" ");
    h.update(req.path().as_bytes());
    h.update(b"\n");
    h.update(raw);
    hex::encode(h.finalize())
}

/// The request's `Idempotency-Key`, if it sent one.
pub fn idempotency_key(req: &HttpRequest, client: &ApiClient, raw: &[u8]) -> AppResult<Option<IdempotencyKey>> {
    let Some(key) = req.headers().get("idempotency-key") else { return Ok(None) };
    let key = key
        .to_str()
        .map_err(|_| AppError::invalid("Idempotency-Key", "error-validation-detail", "not visible ASCII"))?;
    if key.is_empty() || key.len() > 255 {
        return Err(AppError::invalid("Idempotency-Key", "error-validation-detail", "1-255 characters"));
    }
    Ok(Some(IdempotencyKey {
        token_id: client.token.id.clone(),
        key: key.to_string(),
        request_hash: request_hash(req, raw),
    }))
}

/// Run a creating command at most once per `Idempotency-Key`. The key is stored in the same
/// transaction as the change, so a crash cannot leave one without the other, and of two
/// concurrent requests with one key only one commits; the other replays its result.
pub async fn idempotent<F>(
    state: &AppState,
    req: &HttpRequest,
    client: &ApiClient,
    raw: &[u8],
    f: F,
) -> AppResult<Stored>
where
    F: FnOnce(&mut DbConnection) -> AppResult<(u16, serde_json::Value)> + Send + Clone + 'static,
{
    let tenant = client.tenant_id();
    let Some(key) = idempotency_key(req, client, raw)? else {
        let (status, body) = state.batcher.write(&tenant, f).await?;
        return Ok(Stored { status, body, replayed: false });
    };
    for _ in 0..2 {
        let (tid, key, f) = (tenant.clone(), key.clone(), f.clone());
        let attempt = state
            .batcher
            .write(&tenant, move |c| {
                if let Some(found) =
                    idempotency::lookup(c, &tid, &[&key])?.remove(&(key.token_id.clone(), key.key.clone()))
                {
                    return replay(found, &key.request_hash);
                }
                let (status, body) = f(c)?;
                idempotency::store(c, &tid, &[(&key, status, &body)])?;
                Ok(Stored { status, body, replayed: false })
            })
            .await;
        match attempt {
            // A concurrent request with this key committed first; our transaction rolled back. Replay it.
            Err(AppError::Conflict(_)) => continue,
            other => return other,
        }
    }
    Err(AppError::Conflict("a request with this Idempotency-Key is in progress".into()))
}

/// The stored result of a key, if `hash` is the request it was first used with.
pub fn replay(found: StoredResult, hash: &str) -> AppResult<Stored> {
    idempotency::check_replay(&found, hash)?;
    Ok(Stored { status: found.status, body: serde_json::from_str(&found.response)?, replayed: true })
}

/// Turn a stored result into a response.
pub fn stored_response(s: Stored, etag: Option<String>) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(s.status).unwrap_or(actix_web::http::StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if s.replayed {
        res.insert_header(("idempotent-replayed", "true"));
    }
    if let Some(e) = etag {
        res.insert_header((header::ETAG, e));
    }
    res.json(s.body)
}
