//! REST API v1: JSON in and out, API tokens, problem+json errors.

mod alerts;
pub(crate) mod chat;
mod directory;
pub(crate) mod kb;
mod macros;
pub(crate) mod mail;
pub mod openapi;
mod organizations;
mod routing;
mod rules;
mod search;
mod strict;
pub mod support;
pub mod tickets;
mod webhooks;

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::auth::ApiClient;

/// GET /api/v1/me: which tenant and token this is.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", summary = "Who am I",
    description = "The tenant and token behind the bearer token.",
    responses((status = 200, description = "`{\"tenant\": {...}, \"token\": {...}}`", body = Object), (status = 401, description = "Missing or revoked token", body = openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn me(client: ApiClient) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "tenant": {"id": client.tenant.id, "slug": client.tenant.slug, "name": client.tenant.name,
                   "default_locale": client.tenant.default_locale, "time_zone": client.tenant.time_zone},
        "token": {"id": client.token.id, "name": client.token.name},
    }))
}

/// `/api/…` routes; message bodies may be as large as `max_message_body`.
pub fn scope(max_message_body: usize) -> actix_web::Scope {
    web::scope("/api")
        .service(
            web::scope("/v1")
                .route("/me", web::get().to(me))
                .route("/openapi.json", web::get().to(openapi::spec))
                .configure(|c| tickets::routes(c, max_message_body))
                .configure(directory::routes)
                .configure(mail::routes)
                .configure(webhooks::routes)
                .configure(routing::routes)
                .configure(chat::routes)
                .configure(kb::routes)
                .configure(alerts::routes)
                .configure(macros::routes)
                .configure(search::routes)
                .configure(organizations::routes)
                .default_service(web::to(openapi::fallback)),
        )
        .default_service(web::to(crate::web::not_found))
}
