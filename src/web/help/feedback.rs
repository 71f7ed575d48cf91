//! Readers' feedback doors: "was this helpful?" on an article page, and the request form's
//! suggestion beacons (shown, clicked).
//!
//! Neither can carry a per-reader form token: the article page is publicly cacheable, the same
//! bytes for everyone. They are guarded instead by [`super::same_origin`] (a browser names the
//! page a POST comes from, and one from another site is refused), by the reader cookie being
//! `SameSite=Lax` (a cross-site POST carries none, so it could never change a reader's vote),
//! and by a limit per client address.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use super::pages::{article_page, url_locale};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::kb::feedback;
use crate::web::auth;

/// The reader cookie's name: `__Host-` prefixed over HTTPS.
fn reader_cookie_name(config: &crate::config::Config) -> &'static str {
    if config.https() {
        "__Host-meridian_reader"
    } else {
        "meridian_reader"
    }
}

/// A reader or form-session id as we make them (22 URL-safe characters), or an article id (a
/// UUID): 16 to 64 URL-safe characters.
fn plausible_id(s: &str) -> bool {
    (16..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Deserialize)]
struct VoteForm {
    helpful: Option<String>,
}

fn too_many(wait: u64) -> AppError {
    AppError::TooManyRequests { retry_after_secs: wait }
}

/// POST …/{locale}/articles/{id}/vote: `helpful=yes|no`. Without JavaScript the article page
/// comes back with its thank-you; asked for JSON (`Accept: application/json`), `{"helpful": …}`.
pub async fn vote(req: HttpRequest, body: web::Bytes) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let locale = url_locale(&req)?;
    let id = req.match_info().get("id").ok_or(AppError::NotFound)?.to_string();
    if !super::same_origin(&req) {
        return Err(AppError::Forbidden);
    }
    let form: VoteForm = serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("not a form".into()))?;
    let helpful = match form.helpful.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => return Err(AppError::invalid("helpful", "feedback-error-choice", "yes or no")),
    };
    let tid = site.tenant.tenant_id();
    let ip = auth::client_ip(&req, state.config.trust_proxy);
    state.help_feedback.votes.check(&format!("{tid}|{ip}")).map_err(too_many)?;
    let name = reader_cookie_name(&state.config);
    let (reader, fresh) = match req.cookie(name).map(|c| c.value().to_string()).filter(|v| plausible_id(v)) {
        Some(r) => (r, false),
        None => (crate::accounts::tokens::random_secret(16), true),
    };
    let (t, a, l, r) = (tid.clone(), id.clone(), locale.clone(), reader.clone());
    state.db.write(move |c| feedback::vote(c, &t, &a, &l, &r, helpful)).await?;
    let wants_json =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    let mut res = if wants_json {
        HttpResponse::Ok().json(serde_json::json!({"helpful": if helpful { "yes" } else { "no" }}))
    } else {
        article_page(&state, &req, &site, &locale, id, true).await?
    };
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    if fresh {
        // A year: long enough that a returning reader changes their vote rather than adding one.
        let cookie = auth::cookie(&state.config, name, reader, 365 * 24 * 3600);
        res.add_cookie(&cookie).map_err(|e| AppError::Internal(anyhow::anyhow!("cookie: {e}")))?;
    }
    Ok(res)
}

/// Largest beacon body: a few suggestions' ids.
pub const MAX_BEACON_BYTES: usize = 4096;
/// Most articles one beacon names.
pub const MAX_BEACON_ITEMS: usize = 20;

/// What the request form reports.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Beacon {
    /// `shown` or `click`.
    event: String,
    /// The form session: a random id the page made, sent again with the request.
    session: String,
    items: Vec<BeaconItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BeaconItem {
    id: String,
    locale: String,
}

async fn read_capped(mut payload: web::Payload) -> AppResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > MAX_BEACON_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn record_beacon(state: &AppState, req: &HttpRequest, payload: web::Payload) -> AppResult<()> {
    let site = super::site(state, req).await?;
    if !super::same_origin(req) {
        return Err(AppError::Forbidden);
    }
    let body = read_capped(payload).await?;
    let b: Beacon = serde_json::from_slice(&body)
        .map_err(|e| AppError::invalid("body", "feedback-error-beacon", format!("not a beacon: {e}")))?;
    let click = match b.event.as_str() {
        "shown" => false,
        "click" => true,
        _ => return Err(AppError::invalid("event", "feedback-error-beacon", "shown or click")),
    };
    if !plausible_id(&b.session) {
        return Err(AppError::invalid("session", "feedback-error-beacon", "16 to 64 URL-safe characters"));
    }
    if b.items.is_empty() || b.items.len() > MAX_BEACON_ITEMS || (click && b.items.len() != 1) {
        return Err(AppError::invalid("items", "feedback-error-beacon", "1 to 20 articles; one for a click"));
    }
    let mut items = Vec::with_capacity(b.items.len());
    for it in &b.items {
        if !plausible_id(&it.id) {
            return Err(AppError::invalid("items.id", "feedback-error-beacon", "an article id"));
        }
        let locale = crate::kb::parse_locale("items.locale", &it.locale)?;
        items.push((it.id.clone(), locale));
    }
    let tid = site.tenant.tenant_id();
    let ip = auth::client_ip(req, state.config.trust_proxy);
    state.help_feedback.beacons.check(&format!("{tid}|{ip}")).map_err(too_many)?;
    let ids: Vec<String> = items.iter().map(|(i, _)| i.clone()).collect();
    let t = tid.clone();
    let readable = state.db.read(move |c| feedback::public_ids(c, &t, &ids)).await?;
    // Ids that are not (or no longer) readable here are ignored: a suggestion may have been
    // unpublished since it was shown, and another tenant's ids count for nobody.
    for (id, locale) in items {
        let Some((_, stored)) = readable.iter().find(|(a, l)| *a == id && l.eq_ignore_ascii_case(&locale)) else {
            continue;
        };
        if click {
            state.kb_tally.click(&tid, &b.session, &id, stored);
        } else {
            state.kb_tally.shown(&tid, &id, stored);
        }
    }
    Ok(())
}

/// POST …/api/deflection: what the request form's suggestions did. 204, or a problem+json 4xx.
pub async fn beacon(req: HttpRequest, payload: web::Payload) -> HttpResponse {
    use actix_web::ResponseError;
    let state = match auth::state(&req) {
        Ok(s) => s,
        Err(e) => return e.error_response(),
    };
    match record_beacon(&state, &req, payload).await {
        Ok(()) => HttpResponse::build(StatusCode::NO_CONTENT).finish(),
        Err(e) => e.error_response(),
    }
}
