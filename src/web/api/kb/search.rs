//! GET /api/v1/kb/search, and the search the help center shares.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::limit;
use crate::error::AppResult;
use crate::kb::Audience;
use crate::web::auth::{self, ApiClient};

/// One search result.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbSearchHit {
    /// The article's id.
    pub(crate) id: String,
    pub(crate) title: String,
    /// The article's page on the help center (path).
    pub(crate) url: String,
    /// The text around the match, HTML-escaped, matches in `<mark>`.
    pub(crate) snippet: String,
    /// The translation's locale (the reader's, or one of its fallbacks).
    pub(crate) locale: String,
}

/// Search results, best first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbSearchResults {
    data: Vec<KbSearchHit>,
    /// The search index failed and the database answered (substring match, no ranking).
    fallback: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The words to look for.
    q: Option<String>,
    /// The reader's locale; its fallbacks and the tenant's default are searched too. An
    /// unknown tag means the tenant's default.
    locale: Option<String>,
    limit: Option<i64>,
}

/// Run a search for a reader of `locale` and shape the results (shared with the help center).
pub(crate) async fn run_search(
    app: &crate::app::AppState,
    tenant: &crate::tenancy::Tenant,
    q: &str,
    locale: Option<&str>,
    audience: Audience,
    limit: usize,
) -> AppResult<(Vec<KbSearchHit>, bool)> {
    let locale =
        locale.and_then(|l| crate::kb::parse_locale("locale", l).ok()).unwrap_or_else(|| tenant.default_locale.clone());
    let q: String = q.chars().take(200).collect();
    let out = app.search.search(&app.db, tenant, &q, &locale, audience, limit).await?;
    let hits = out
        .hits
        .into_iter()
        .map(|h| KbSearchHit {
            url: format!("/h/{}/{}/articles/{}", tenant.slug, h.locale, h.article_id),
            id: h.article_id,
            title: h.title,
            snippet: h.snippet,
            locale: h.locale,
        })
        .collect();
    Ok((hits, out.fallback))
}

#[utoipa::path(get, path = "/api/v1/kb/search", tag = "knowledge base", summary = "Search articles",
    description = "Published translations in the locale, its fallbacks (`pt-BR` → `pt` → the tenant's default), public and internal articles, best first. `fallback: true` means the search index failed and the database answered.",
    params(SearchParams),
    responses((status = 200, description = "`{\"data\": [...], \"fallback\": false}`", body = KbSearchResults)), security(("bearer" = [])))]
pub(crate) async fn search(
    req: HttpRequest,
    client: ApiClient,
    q: web::Query<SearchParams>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let limit = limit(q.limit.or(Some(10)))? as usize;
    let (data, fallback) =
        run_search(&app, &client.tenant, q.q.as_deref().unwrap_or(""), q.locale.as_deref(), Audience::Agent, limit)
            .await?;
    Ok(HttpResponse::Ok().json(KbSearchResults { data, fallback }))
}
