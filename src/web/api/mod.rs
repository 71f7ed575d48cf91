//! REST API v1: JSON in and out, API tokens, problem+json errors.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::auth::ApiClient;
use crate::accounts::agents;
use crate::error::{AppError, AppResult};

/// GET /api/v1/me: which tenant and token this is.
async fn me(client: ApiClient) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "tenant": {"id": client.tenant.id, "slug": client.tenant.slug, "name": client.tenant.name,
                   "default_locale": client.tenant.default_locale, "time_zone": client.tenant.time_zone},
        "token": {"id": client.token.id, "name": client.token.name},
    }))
}

/// GET /api/v1/agents
async fn list_agents(req: actix_web::HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = super::auth::state(&req)?;
    let tid = client.tenant_id();
    let list = app.db.read(move |c| agents::list(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(json!({"data": list})))
}

/// GET /api/v1/agents/{id}
async fn get_agent(req: actix_web::HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = super::auth::state(&req)?;
    let tid = client.tenant_id();
    let id = path.into_inner();
    let (agent, langs) = app
        .db
        .read(move |c| {
            let a = agents::get(c, &tid, &id)?;
            let l = agents::languages(c, &tid, &id)?;
            Ok((a, l))
        })
        .await?;
    let mut v = serde_json::to_value(&agent)?;
    v["languages"] = serde_json::to_value(&langs)?;
    Ok(HttpResponse::Ok().json(v))
}

async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// `/api/…` routes.
pub fn scope() -> actix_web::Scope {
    web::scope("/api")
        .service(
            web::scope("/v1")
                .route("/me", web::get().to(me))
                .route("/agents", web::get().to(list_agents))
                .route("/agents/{id}", web::get().to(get_agent)),
        )
        .default_service(web::to(not_found))
}
