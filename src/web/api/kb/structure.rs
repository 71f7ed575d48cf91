//! /api/v1/kb/categories and /api/v1/kb/sections: the help center's table of contents.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::ts;
use crate::error::AppResult;
use crate::kb::structure::{self, Category, NameIn, Section};
use crate::web::api::support::ApiJson;
use crate::web::auth::{self, ApiClient};

/// A category (or section) name in one locale.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbName {
    locale: String,
    name: String,
    description: Option<String>,
}

fn names_json(names: Vec<NameIn>) -> Vec<KbName> {
    names.into_iter().map(|n| KbName { locale: n.locale, name: n.name, description: n.description }).collect()
}

/// A category of the knowledge base.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbCategory {
    id: String,
    position: i32,
    translations: Vec<KbName>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

fn category_json(c: &Category) -> KbCategory {
    KbCategory {
        id: c.id.clone(),
        position: c.position,
        translations: names_json(c.names()),
        created_at: ts(&c.created_at),
        updated_at: ts(&c.updated_at),
    }
}

/// `{"data": [...]}`
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbCategoryList {
    data: Vec<KbCategory>,
}

/// A name in one locale, as sent.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbNameIn {
    locale: String,
    name: String,
    description: Option<String>,
}

fn names_in(v: &[KbNameIn]) -> Vec<NameIn> {
    v.iter()
        .map(|n| NameIn { locale: n.locale.clone(), name: n.name.clone(), description: n.description.clone() })
        .collect()
}

/// A new category.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbCategoryIn {
    position: Option<i32>,
    translations: Vec<KbNameIn>,
}

/// Changes to a category; a `translations` list replaces the stored one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbCategoryPatch {
    position: Option<i32>,
    translations: Option<Vec<KbNameIn>>,
}

#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "knowledge base", summary = "List categories",
    responses((status = 200, description = "`{\"data\": [...]}` in order", body = KbCategoryList)), security(("bearer" = [])))]
pub(crate) async fn list_categories(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let rows = app.db.read(move |c| structure::list_categories(c, &tid)).await?;
    Ok(HttpResponse::Ok().json(KbCategoryList { data: rows.iter().map(category_json).collect() }))
}

#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "knowledge base", summary = "Create a category",
    request_body = KbCategoryIn,
    responses((status = 201, description = "Created", body = KbCategory)), security(("bearer" = [])))]
pub(crate) async fn create_category(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<KbCategoryIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b) = (client.tenant_id(), body.value);
    let row =
        app.db.write(move |c| structure::create_category(c, &tid, b.position, &names_in(&b.translations))).await?;
    Ok(HttpResponse::Created().json(category_json(&row)))
}

#[utoipa::path(get, path = "/api/v1/kb/categories/{id}", tag = "knowledge base", summary = "Get a category",
    params(("id" = String, Path)),
    responses((status = 200, description = "The category", body = KbCategory)), security(("bearer" = [])))]
pub(crate) async fn get_category(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let row = app.db.read(move |c| structure::get_category(c, &tid, &id)).await?;
    Ok(HttpResponse::Ok().json(category_json(&row)))
}

#[utoipa::path(patch, path = "/api/v1/kb/categories/{id}", tag = "knowledge base", summary = "Change a category",
    params(("id" = String, Path)), request_body = KbCategoryPatch,
    responses((status = 200, description = "The category", body = KbCategory)), security(("bearer" = [])))]
pub(crate) async fn patch_category(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<KbCategoryPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b) = (client.tenant_id(), path.into_inner(), body.value);
    let row = app
        .db
        .write(move |c| {
            let names = b.translations.as_deref().map(names_in);
            structure::update_category(c, &tid, &id, b.position, names.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(category_json(&row)))
}

#[utoipa::path(delete, path = "/api/v1/kb/categories/{id}", tag = "knowledge base", summary = "Delete a category",
    description = "Only an empty category can be deleted (409 while it has sections).",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 409, description = "It still has sections", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn delete_category(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    app.db.write(move |c| structure::delete_category(c, &tid, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A section of a category.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbSection {
    id: String,
    category_id: String,
    position: i32,
    translations: Vec<KbName>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

fn section_json(s: &Section) -> KbSection {
    KbSection {
        id: s.id.clone(),
        category_id: s.category_id.clone(),
        position: s.position,
        translations: names_json(s.names()),
        created_at: ts(&s.created_at),
        updated_at: ts(&s.updated_at),
    }
}

/// `{"data": [...]}`
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbSectionList {
    data: Vec<KbSection>,
}

/// A new section.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbSectionIn {
    category_id: String,
    position: Option<i32>,
    translations: Vec<KbNameIn>,
}

/// Changes to a section; a `translations` list replaces the stored one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KbSectionPatch {
    category_id: Option<String>,
    position: Option<i32>,
    translations: Option<Vec<KbNameIn>>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SectionQuery {
    /// Only the sections of this category.
    category_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/kb/sections", tag = "knowledge base", summary = "List sections",
    params(SectionQuery),
    responses((status = 200, description = "`{\"data\": [...]}` in order", body = KbSectionList)), security(("bearer" = [])))]
pub(crate) async fn list_sections(
    req: HttpRequest,
    client: ApiClient,
    q: web::Query<SectionQuery>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, cat) = (client.tenant_id(), q.category_id.clone());
    let rows = app.db.read(move |c| structure::list_sections(c, &tid, cat.as_deref())).await?;
    Ok(HttpResponse::Ok().json(KbSectionList { data: rows.iter().map(section_json).collect() }))
}

#[utoipa::path(post, path = "/api/v1/kb/sections", tag = "knowledge base", summary = "Create a section",
    request_body = KbSectionIn,
    responses((status = 201, description = "Created", body = KbSection)), security(("bearer" = [])))]
pub(crate) async fn create_section(
    req: HttpRequest,
    client: ApiClient,
    body: ApiJson<KbSectionIn>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, b) = (client.tenant_id(), body.value);
    let row = app
        .db
        .write(move |c| structure::create_section(c, &tid, &b.category_id, b.position, &names_in(&b.translations)))
        .await?;
    Ok(HttpResponse::Created().json(section_json(&row)))
}

#[utoipa::path(get, path = "/api/v1/kb/sections/{id}", tag = "knowledge base", summary = "Get a section",
    params(("id" = String, Path)),
    responses((status = 200, description = "The section", body = KbSection)), security(("bearer" = [])))]
pub(crate) async fn get_section(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let row = app.db.read(move |c| structure::get_section(c, &tid, &id)).await?;
    Ok(HttpResponse::Ok().json(section_json(&row)))
}

#[utoipa::path(patch, path = "/api/v1/kb/sections/{id}", tag = "knowledge base", summary = "Change a section",
    params(("id" = String, Path)), request_body = KbSectionPatch,
    responses((status = 200, description = "The section", body = KbSection)), security(("bearer" = [])))]
pub(crate) async fn patch_section(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    body: ApiJson<KbSectionPatch>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id, b) = (client.tenant_id(), path.into_inner(), body.value);
    let row = app
        .db
        .write(move |c| {
            let names = b.translations.as_deref().map(names_in);
            structure::update_section(c, &tid, &id, b.category_id.as_deref(), b.position, names.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(section_json(&row)))
}

#[utoipa::path(delete, path = "/api/v1/kb/sections/{id}", tag = "knowledge base", summary = "Delete a section",
    description = "Only an empty section can be deleted (409 while articles are in it).",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 409, description = "Articles are in it", body = crate::web::api::openapi::Problem)),
    security(("bearer" = [])))]
pub(crate) async fn delete_section(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    app.db.write(move |c| structure::delete_section(c, &tid, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
