//! HTTP only: routing, extractors, middleware, and the console, API, help-center and ops handlers.

pub mod api;
pub mod assets;
pub mod auth;
pub mod console;
pub mod help;
pub mod middleware;
pub mod ops;

use actix_web::{web, HttpRequest};

use crate::error::AppError;

/// Mount every route. `max_body` bounds JSON, form and raw bodies.
pub fn configure(max_body: usize) -> impl FnOnce(&mut web::ServiceConfig) {
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
            .service(api::scope())
            .service(help::scope())
            .service(console::scope());
    }
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
