//! GET /api/v1/search: the console's search over everything, for developers.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::search::everything;
use crate::web::auth::{self, ApiClient};

/// One hit: a ticket (subject, requester or a message body matched) or an article.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SearchHit {
    /// `ticket` or `article`.
    kind: &'static str,
    /// The ticket's or the article's id.
    id: String,
    /// The ticket's subject or the article's title (plain text).
    title: String,
    /// The matching text, HTML-escaped, matches in `<mark>`: for a ticket, from the newest reply
    /// or internal note that holds the query (else the opening of its newest message).
    snippet: String,
    /// The console page (path).
    url: String,
}

/// Tickets first (most recently updated first), then articles (best first).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResults {
    data: Vec<SearchHit>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The text to look for: 1 to 200 characters. Message bodies are searched from three
    /// characters on (shorter text matches subjects and requesters only).
    #[param(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    q: Option<String>,
    /// The locale articles are read in (its fallbacks and the tenant's default too).
    locale: Option<String>,
    /// At most this many hits of each kind, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "search", summary = "Search everything",
    description = "Tickets whose subject, requester (name or email) or a reply or internal note holds the text (case folded substring), and knowledge-base articles (public and internal) that match it. Scoped to the token's tenant.",
    params(SearchParams),
    responses((status = 200, description = "`{\"data\": [{\"kind\": \"ticket\", ...}, {\"kind\": \"article\", ...}]}`", body = SearchResults)),
    security(("bearer" = [])))]
pub(crate) async fn search(
    req: HttpRequest,
    client: ApiClient,
    p: web::Query<SearchParams>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let q = everything::parse_query(p.q.as_deref())?;
    let limit = p.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(AppError::invalid("limit", "error-limit-invalid", "limit is 1 to 50"));
    }
    let (tid, q2) = (client.tenant_id(), q.clone());
    let (tickets, _) = app.db.read(move |c| everything::tickets(c, &tid, "", &q2, None, limit)).await?;
    let locale = p
        .locale
        .as_deref()
        .and_then(|l| crate::kb::parse_locale("locale", l).ok())
        .unwrap_or_else(|| client.tenant.default_locale.clone());
    let articles = everything::articles(&app.db, &app.search, &client.tenant, &q, &locale, 0, limit as usize).await?;
    let mut data: Vec<SearchHit> = tickets
        .into_iter()
        .map(|t| SearchHit { kind: "ticket", url: t.url(), id: t.id, title: t.subject, snippet: t.snippet })
        .collect();
    data.extend(articles.hits.into_iter().map(|a| SearchHit {
        kind: "article",
        url: a.url(),
        id: a.id,
        title: a.title,
        snippet: a.snippet,
    }));
    Ok(HttpResponse::Ok().json(SearchResults { data }))
}

/// The route.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/search", web::get().to(search));
}
