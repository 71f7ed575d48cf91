//! The door every request passes first. PostgreSQL text cannot hold NUL (SQLite can), so text
//! with NUL must never reach a query: it is refused here, once, for the path, the query string
//! and urlencoded forms, instead of route by route. JSON bodies are checked as they are
//! deserialized (`api::strict`), multipart fields as they are read; both use [`check_text`].

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use futures_util::StreamExt;

use crate::app::AppState;
use crate::error::{AppError, AppResult};

/// The Fluent key that explains a refused NUL character.
pub const NUL_KEY: &str = "error-text-nul";

/// Refuse text that holds a NUL character (U+0000), naming `field`.
pub fn check_text(field: &str, text: &str) -> AppResult<()> {
    if text.contains('\0') {
        return Err(AppError::invalid(field, NUL_KEY, "must not contain NUL (U+0000) characters"));
    }
    Ok(())
}

/// Decode `%XX` escapes (and nothing else) of a path segment into bytes.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Whether a path segment, once decoded, holds a control character. No id, slug or number
/// ever does, so such a path names nothing.
fn segment_is_impossible(segment: &str) -> bool {
    String::from_utf8_lossy(&percent_decode(segment)).chars().any(char::is_control)
}

/// The first query-string or form field whose name or value holds NUL.
fn nul_field(encoded: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(encoded)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "\u{FFFD}"))
}

fn is_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

/// Middleware: a path segment with a control character is 404; a query-string or urlencoded
/// form field holding NUL is 422 naming the field. Errors render as the rest of the path would
/// (problem+json under `/api`, a translated page elsewhere).
pub async fn guard(mut req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refused = if req.path().split('/').any(segment_is_impossible) {
        Some(AppError::NotFound)
    } else if let Some(field) = nul_field(req.query_string().as_bytes()) {
        Some(AppError::invalid(&field, NUL_KEY, "must not contain NUL (U+0000) characters"))
    } else if is_form(&req) {
        check_form(&mut req).await.err()
    } else {
        None
    };
    match refused {
        Some(err) => {
            let (http, _) = req.into_parts();
            let res = super::middleware::error_response(&http, &err);
            Ok(ServiceResponse::new(http, res))
        }
        None => next.call(req).await,
    }
}

/// Read an urlencoded body (within the body limit), check it, and put it back for the handler.
async fn check_form(req: &mut ServiceRequest) -> AppResult<()> {
    let limit = req.app_data::<web::Data<AppState>>().map(|s| s.config.max_body_bytes).unwrap_or(1 << 20);
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("cannot read the form: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let found = nul_field(&body);
    req.set_payload(Payload::from(body));
    match found {
        Some(field) => Err(AppError::invalid(&field, NUL_KEY, "must not contain NUL (U+0000) characters")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_with_control_characters_are_impossible() {
        assert!(segment_is_impossible("a%00b"));
        assert!(segment_is_impossible("%0a"));
        assert!(segment_is_impossible("%C2%85"));
        assert!(!segment_is_impossible("0190f1e2-aaaa-7bbb-8ccc-1234567890ab"));
        assert!(!segment_is_impossible("caf%C3%A9"));
        assert!(!segment_is_impossible("100%"));
        assert!(!segment_is_impossible("%zz"));
    }

    #[test]
    fn nul_fields_are_named() {
        assert_eq!(nul_field(b"q=a%00b&x=1").as_deref(), Some("q"));
        assert_eq!(nul_field(b"q=ab&tag=x"), None);
    }
}
