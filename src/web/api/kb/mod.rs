//! /api/v1/kb: articles with their translations and history (`articles.rs`), their files
//! (`files.rs`), categories and sections (`structure.rs`), and search (`search.rs`, shared with the help center).

pub(crate) mod articles;
pub(crate) mod files;
pub(crate) mod search;
pub(crate) mod structure;

use actix_web::web;

use crate::error::{AppError, AppResult};
use crate::types::Actor;
use crate::web::auth::ApiClient;

/// A stored UTC time as RFC 3339.
pub(super) fn ts(t: &chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A `limit` parameter: 50 when absent, 1 to 200.
pub(super) fn limit(l: Option<i64>) -> AppResult<i64> {
    let l = l.unwrap_or(50);
    if !(1..=200).contains(&l) {
        return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 200"));
    }
    Ok(l)
}

/// The token as the author of a change.
pub(super) fn actor(client: &ApiClient) -> Actor {
    Actor::Api(client.token.id.as_str().into())
}

/// Routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kb/articles", web::get().to(articles::list_articles))
        .route("/kb/articles", web::post().to(articles::create_article))
        .route("/kb/articles/{id}", web::get().to(articles::get_article))
        .route("/kb/articles/{id}", web::patch().to(articles::patch_article))
        .route("/kb/articles/{id}", web::delete().to(articles::delete_article))
        .route("/kb/articles/{id}/translations/{locale}", web::put().to(articles::put_translation))
        .route("/kb/articles/{id}/translations/{locale}", web::delete().to(articles::delete_translation))
        .route("/kb/articles/{id}/translations/{locale}/versions", web::get().to(articles::versions))
        .route("/kb/articles/{id}/translations/{locale}/versions/{version}/restore", web::post().to(articles::restore))
        .route("/kb/articles/{id}/files", web::get().to(files::list))
        .route("/kb/articles/{id}/files", web::post().to(files::upload))
        .route("/kb/articles/{id}/files/{file_id}", web::delete().to(files::delete))
        .route("/kb/categories", web::get().to(structure::list_categories))
        .route("/kb/categories", web::post().to(structure::create_category))
        .route("/kb/categories/{id}", web::get().to(structure::get_category))
        .route("/kb/categories/{id}", web::patch().to(structure::patch_category))
        .route("/kb/categories/{id}", web::delete().to(structure::delete_category))
        .route("/kb/sections", web::get().to(structure::list_sections))
        .route("/kb/sections", web::post().to(structure::create_section))
        .route("/kb/sections/{id}", web::get().to(structure::get_section))
        .route("/kb/sections/{id}", web::patch().to(structure::patch_section))
        .route("/kb/sections/{id}", web::delete().to(structure::delete_section))
        .route("/kb/search", web::get().to(search::search));
}
