//! /api/v1/kb/articles: articles, their translations, history and restore.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};

use super::{actor, limit, ts};
use crate::error::{AppError, AppResult};
use std::collections::HashMap;

use crate::kb::articles::{self, Article, ArticlePatch, NewArticle, Translation, TranslationIn, Version};
use crate::kb::feedback::{stats_of, Stats};
use crate::kb::{Status, Visibility};
use crate::web::api::support::{idempotent, stored_response, ApiJson};
use crate::web::auth::{self, ApiClient};

/// Who saved a translation.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AuthorOut {
    /// `agent`, `api` or `system`.
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

/// One locale's text of an article.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbTranslation {
    locale: String,
    title: String,
    body_markdown: String,
    /// The body rendered and sanitised.
    body_html: String,
    keywords: Vec<String>,
    #[schema(value_type = String)]
    status: String,
    author: AuthorOut,
    /// 1 for the first save, one more for each save after.
    version: i32,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

fn translation_json(t: &Translation) -> KbTranslation {
    KbTranslation {
        locale: t.locale.clone(),
        title: t.title.clone(),
        body_markdown: t.body_markdown.clone(),
        body_html: t.body_html.clone(),
        keywords: t.keyword_list(),
        status: t.status.clone(),
        author: AuthorOut { kind: t.author_type.clone(), id: t.author_id.clone() },
        version: t.version,
        created_at: ts(&t.created_at),
        updated_at: ts(&t.updated_at),
    }
}

/// A knowledge-base article with all its translations.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbArticle {
    id: String,
    section_id: Option<String>,
    #[schema(value_type = String)]
    visibility: String,
    position: i32,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    translations: Vec<KbTranslation>,
    /// Readers' numbers, all translations together. Views and suggestions shown are written
    /// every few seconds, so they trail the help center by that much.
    stats: Stats,
}

fn article_json(a: &Article, ts_: &[Translation], stats: &HashMap<String, Stats>) -> KbArticle {
    KbArticle {
        id: a.id.clone(),
        section_id: a.section_id.clone(),
        visibility: a.visibility.clone(),
        position: a.position,
        created_at: ts(&a.created_at),
        updated_at: ts(&a.updated_at),
        translations: ts_.iter().filter(|t| t.article_id == a.id).map(translation_json).collect(),
        stats: stats.get(&a.id).cloned().unwrap_or_default(),
    }
}

/// `{"data": [...]}`
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbArticleList {
    data: Vec<KbArticle>,
}

/// A translation in a new article.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbTranslationIn {
    locale: String,
    title: String,
    body_markdown: String,
    #[serde(default)]
    keywords: Vec<String>,
    /// `draft` when absent.
    status: Option<Status>,
}

/// A new article: an optional section, who may read it, and at least one translation.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbArticleIn {
    /// The section it is listed in; an article needs none.
    section_id: Option<String>,
    /// `public` when absent.
    visibility: Option<Visibility>,
    translations: Vec<KbTranslationIn>,
}

fn some_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Changes to an article; absent fields stay. `section_id: null` takes it out of its section.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbArticlePatch {
    #[serde(default, deserialize_with = "some_or_null")]
    #[schema(value_type = Option<String>)]
    section_id: Option<Option<String>>,
    visibility: Option<Visibility>,
    position: Option<i32>,
}

/// The text of one translation (its locale is in the path).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbTranslationPut {
    title: String,
    body_markdown: String,
    #[serde(default)]
    keywords: Vec<String>,
    /// `draft` when absent.
    status: Option<Status>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArticleQuery {
    /// Only the articles of this section.
    section_id: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "knowledge base", summary = "List articles",
    description = "Articles newest first, each with every translation (drafts and internal articles included).",
    params(ArticleQuery),
    responses((status = 200, description = "`{\"data\": [...]}`", body = KbArticleList)), security(("bearer" = [])))]
pub(crate) async fn list_articles(
    req: HttpRequest,
    client: ApiClient,
    q: web::Query<ArticleQuery>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, limit, section) = (client.tenant_id(), limit(q.limit)?, q.section_id.clone());
    let (rows, trs, stats) = app
        .db
        .read(move |c| {
            let rows = articles::list(c, &tid, section.as_deref(), limit)?;
            let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
            let trs = articles::translations_of(c, &tid, &ids)?;
            let stats = stats_of(c, &tid, &ids)?;
            Ok((rows, trs, stats))
        })
        .await?;
    Ok(HttpResponse::Ok().json(KbArticleList { data: rows.iter().map(|a| article_json(a, &trs, &stats)).collect() }))
}

#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge base", summary = "Create an article",
    description = "An article with its first translations (one per locale). Markdown is rendered and sanitised on save. Send an `Idempotency-Key` header to make retries safe.",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = KbArticleIn,
    responses((status = 201, description = "Created", body = KbArticle)), security(("bearer" = [])))]
pub(crate) async fn create_article(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<KbArticleIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b, who) = (client.tenant_id(), body.value.clone(), actor(&client));
    let stored = idempotent(&app, &req, &client, &body.raw, move |c| {
        let new = NewArticle {
            section_id: b.section_id.clone(),
            visibility: b.visibility.unwrap_or(Visibility::Public),
            translations: b
                .translations
                .iter()
                .map(|t| TranslationIn {
                    locale: Some(t.locale.clone()),
                    title: t.title.clone(),
                    body_markdown: t.body_markdown.clone(),
                    keywords: t.keywords.clone(),
                    status: t.status,
                })
                .collect(),
        };
        let a = articles::create(c, &tid, &who, &new)?;
        let trs = articles::translations(c, &tid, &a.id)?;
        Ok((201, serde_json::to_value(article_json(&a, &trs, &HashMap::new()))?))
    })
    .await?;
    app.wake_jobs();
    Ok(stored_response(stored, None))
}

async fn article_response(app: &crate::app::AppState, client: &ApiClient, id: String) -> AppResult<KbArticle> {
    let tid = client.tenant_id();
    let (a, trs, stats) = app
        .db
        .read(move |c| {
            let a = articles::get(c, &tid, &id)?;
            let trs = articles::translations(c, &tid, &id)?;
            let stats = stats_of(c, &tid, std::slice::from_ref(&a.id))?;
            Ok((a, trs, stats))
        })
        .await?;
    Ok(article_json(&a, &trs, &stats))
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge base", summary = "Get an article",
    params(("id" = String, Path)),
    responses((status = 200, description = "The article with its translations", body = KbArticle)), security(("bearer" = [])))]
pub(crate) async fn get_article(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    Ok(HttpResponse::Ok().json(article_response(&app, &client, path.into_inner()).await?))
}

#[utoipa::path(patch, path = "/api/v1/kb/articles/{id}", tag = "knowledge base", summary = "Change an article",
    description = "Move it to a section (`null`: none), change who may read it or its position.",
    params(("id" = String, Path)), request_body = KbArticlePatch,
    responses((status = 200, description = "The article", body = KbArticle)), security(("bearer" = [])))]
pub(crate) async fn patch_article(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<KbArticlePatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b) = (client.tenant_id(), path.into_inner(), body.value);
    let patch = ArticlePatch { section_id: b.section_id, visibility: b.visibility, position: b.position };
    let id2 = id.clone();
    app.db.write(move |c| articles::update(c, &tid, &id2, &patch)).await?;
    app.wake_jobs();
    Ok(HttpResponse::Ok().json(article_response(&app, &client, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "knowledge base", summary = "Delete an article",
    description = "Deletes it with every translation and its history; it leaves search shortly after.",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted")), security(("bearer" = [])))]
pub(crate) async fn delete_article(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    app.db.write(move |c| articles::delete(c, &tid, &id)).await?;
    app.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(put, path = "/api/v1/kb/articles/{id}/translations/{locale}", tag = "knowledge base", summary = "Create or replace a translation",
    description = "Saves a new version of the article's text in this locale (201 when the locale is new). Every save is kept in the translation's history.",
    params(("id" = String, Path), ("locale" = String, Path, description = "A BCP 47 tag (`pt-BR`)")), request_body = KbTranslationPut,
    responses((status = 200, description = "Replaced", body = KbTranslation), (status = 201, description = "Created", body = KbTranslation)),
    security(("bearer" = [])))]
pub(crate) async fn put_translation(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String)>,
    body: ApiJson<KbTranslationPut>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, locale) = path.into_inner();
    let (tid, b, who) = (client.tenant_id(), body.value, actor(&client));
    let input = TranslationIn {
        locale: None,
        title: b.title,
        body_markdown: b.body_markdown,
        keywords: b.keywords,
        status: b.status,
    };
    let t = app.db.write(move |c| articles::put_translation(c, &tid, &id, &locale, &who, &input)).await?;
    app.wake_jobs();
    let status = if t.version == 1 { actix_web::http::StatusCode::CREATED } else { actix_web::http::StatusCode::OK };
    Ok(HttpResponse::build(status).json(translation_json(&t)))
}

#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/translations/{locale}", tag = "knowledge base", summary = "Delete a translation",
    description = "The last translation cannot be deleted (409): delete the article.",
    params(("id" = String, Path), ("locale" = String, Path)),
    responses((status = 204, description = "Deleted")), security(("bearer" = [])))]
pub(crate) async fn delete_translation(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, locale) = path.into_inner();
    let tid = client.tenant_id();
    app.db.write(move |c| articles::delete_translation(c, &tid, &id, &locale)).await?;
    app.wake_jobs();
    Ok(HttpResponse::NoContent().finish())
}

/// A saved version of a translation.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbVersion {
    version: i32,
    title: String,
    body_markdown: String,
    keywords: Vec<String>,
    #[schema(value_type = String)]
    status: String,
    author: AuthorOut,
    #[schema(format = DateTime)]
    created_at: String,
}

/// `{"data": [...]}`, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbVersionList {
    data: Vec<KbVersion>,
}

fn version_json(v: &Version) -> KbVersion {
    KbVersion {
        version: v.version,
        title: v.title.clone(),
        body_markdown: v.body_markdown.clone(),
        keywords: serde_json::from_str(&v.keywords).unwrap_or_default(),
        status: v.status.clone(),
        author: AuthorOut { kind: v.author_type.clone(), id: v.author_id.clone() },
        created_at: ts(&v.created_at),
    }
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/translations/{locale}/versions", tag = "knowledge base", summary = "A translation's history",
    params(("id" = String, Path), ("locale" = String, Path)),
    responses((status = 200, description = "`{\"data\": [...]}`, newest first", body = KbVersionList)), security(("bearer" = [])))]
pub(crate) async fn versions(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, locale) = path.into_inner();
    let tid = client.tenant_id();
    let rows = app.db.read(move |c| articles::versions(c, &tid, &id, &locale)).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok().json(KbVersionList { data: rows.iter().map(version_json).collect() }))
}

#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/translations/{locale}/versions/{version}/restore", tag = "knowledge base", summary = "Restore a version",
    description = "Saves that version's title, body, keywords and status again as the translation's newest version.",
    params(("id" = String, Path), ("locale" = String, Path), ("version" = String, Path, description = "A version number from the history")),
    responses((status = 200, description = "The translation as restored", body = KbTranslation)), security(("bearer" = [])))]
pub(crate) async fn restore(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, locale, version) = path.into_inner();
    let version: i32 = version.parse().map_err(|_| AppError::NotFound)?;
    let (tid, who) = (client.tenant_id(), actor(&client));
    let t = app.db.write(move |c| articles::restore(c, &tid, &id, &locale, version, &who)).await?;
    app.wake_jobs();
    Ok(HttpResponse::Ok().json(translation_json(&t)))
}
