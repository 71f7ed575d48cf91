//! HTTP only: routing, extractors, middleware, and the console, API, help-center and ops handlers.

pub mod api;
pub mod assets;
pub mod auth;
pub mod body_deadline;
pub mod console;
pub mod help;
pub mod inbound;
pub mod inbound_alerts;
pub mod input;
pub mod middleware;
pub mod ops;
pub mod widget;

use actix_web::{web, HttpRequest};

use crate::error::AppError;

/// Mount every route. `max_body` bounds JSON, form and raw bodies; bodies that carry files may
/// add up to two attachments' worth (base64 inflates by a third).
pub fn configure(max_body: usize, max_attachment: usize) -> impl FnOnce(&mut web::ServiceConfig) {
    let max_message_body = max_body + max_attachment.saturating_mul(2);
    move |cfg| {
        cfg.app_data(web::JsonConfig::default().limit(max_body).error_handler(json_error))
            .app_data(web::FormConfig::default().limit(max_body).error_handler(form_error))
            .app_data(web::PayloadConfig::default().limit(max_body))
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| AppError::BadRequest(format!("bad query string: {e}")).into()),
            )
            .route("/healthz", web::get().to(ops::healthz))
            .route("/readyz", web::get().to(ops::readyz))
            .route("/metrics", web::get().to(ops::metrics))
            .route("/static/{path:.*}", web::get().to(assets::serve))
            .route("/inbound/email/{slug}", web::post().to(inbound::receive))
            .configure(widget::routes)
            .route("/inbound/alerts/{slug}", web::post().to(inbound_alerts::receive))
            .service(api::scope(max_message_body))
            .configure(help::routes)
            .configure(console::routes);
    }
}

/// The fallback for unknown paths; each scope renders it its own way (problem+json or a page).
pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Send a stored attachment: always a download, never rendered from our origin.
pub async fn download_attachment(
    app: &crate::app::AppState,
    tenant: crate::tenancy::TenantId,
    id: String,
) -> Result<actix_web::HttpResponse, AppError> {
    let meta = app.db.read(move |c| crate::tickets::attachments::get(c, &tenant, &id)).await?;
    let bytes = app.blobs.get(&meta.storage_key).await?;
    Ok(attachment_response(&meta, bytes))
}

/// A stored attachment's bytes as a download that never renders from our origin.
pub fn attachment_response(
    meta: &crate::tickets::attachments::Attachment,
    bytes: actix_web::web::Bytes,
) -> actix_web::HttpResponse {
    use actix_web::http::header;
    actix_web::HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((header::CONTENT_DISPOSITION, crate::tickets::attachments::content_disposition(&meta.filename)))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("x-content-sha256", meta.sha256.clone()))
        .body(bytes)
}

fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::Overflow { .. } | E::OverflowKnownLength { .. } => AppError::PayloadTooLarge.into(),
        E::ContentType => AppError::BadRequest("expected Content-Type: application/json".into()).into(),
        E::Deserialize(e) => AppError::BadRequest(format!("invalid JSON body: {e}")).into(),
        other => AppError::BadRequest(format!("cannot read the body: {other}")).into(),
    }
}

fn form_error(err: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    match err {
        E::Overflow { .. } => AppError::PayloadTooLarge.into(),
        other => AppError::BadRequest(format!("invalid form: {other}")).into(),
    }
}
