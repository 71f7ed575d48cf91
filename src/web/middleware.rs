//! Request metrics, security headers, and turning console errors into pages.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::error::AppError;

/// Content-Security-Policy for every response: no inline script, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a desk served over HTTPS: a year, subdomains included (help centers live on them).
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Security headers added to every response that does not set its own. `https` (the base URL's
/// scheme) adds HSTS; over plain HTTP browsers ignore it, and it would be wrong for a local desk.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"));
    if https {
        headers.add((header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        headers
    }
}

/// Count requests and time them by route pattern (never by raw path, which would explode labels).
pub async fn metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    if let Some(state) = state {
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
        state.metrics.observe_request(&method, &route, res.status().as_u16(), started.elapsed());
    }
    Ok(res)
}

/// The locale negotiated for this request, stored by the console extractors.
#[derive(Clone)]
pub struct RequestLocale(pub String);

/// In the console, an error becomes a translated page, and a missing session a redirect to sign-in.
pub async fn console_errors(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(err) = res.response().error() else { return Ok(res) };
    let Some(app_err) = err.as_error::<AppError>() else { return Ok(res) };
    let req = res.request().clone();
    if matches!(app_err, AppError::Unauthenticated) {
        let next_path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/inbox");
        let location = format!("/login?next={}", url_escape(next_path));
        let redirect = HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
        return Ok(ServiceResponse::new(req, redirect));
    }
    if req.app_data::<web::Data<AppState>>().is_none() {
        return Ok(res);
    }
    let page = error_page(&req, app_err);
    Ok(ServiceResponse::new(req, page))
}

/// `err` as this path answers errors: problem+json under `/api`, elsewhere a translated page.
pub fn error_response(req: &HttpRequest, err: &AppError) -> HttpResponse {
    use actix_web::ResponseError;
    if req.path() == "/api" || req.path().starts_with("/api/") || req.app_data::<web::Data<AppState>>().is_none() {
        return err.error_response();
    }
    error_page(req, err)
}

fn error_page(req: &HttpRequest, err: &AppError) -> HttpResponse {
    use actix_web::ResponseError;
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else { return err.error_response() };
    let locale = match req.extensions().get::<RequestLocale>() {
        Some(l) => l.0.clone(),
        None => {
            let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
            state.i18n.negotiate(None, accept, None)
        }
    };
    let user = req.extensions().get::<super::auth::ConsoleUser>().cloned();
    let page = super::console::render_error(&state, &locale, err, user.as_ref());
    let mut response = HttpResponse::build(err.status_code());
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")));
    if let AppError::TooManyRequests { retry_after_secs } = err {
        response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
    }
    response.body(page)
}

/// Percent-encode a value for a query string.
pub fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
