//! The knowledge base's table of contents in the console: categories and their sections, each
//! created, renamed, moved and deleted in place. Names are edited in the tenant's default
//! language (the help center falls back to it); other languages' names stay as the API set them.
//! A refused change shows the page again with the message beside the entry and what was typed.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{html_status, see_other, Page};
use crate::error::{AppError, AppResult};
use crate::kb::structure::{self, NameIn};
use crate::tenancy::TenantId;
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Table-of-contents routes of the console.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kb/structure", web::get().to(structure_page))
        .route("/kb/categories/new", web::post().to(create_category))
        .route("/kb/categories/{id}/sections/new", web::post().to(create_section))
        .route("/kb/categories/{id}/move", web::post().to(|r, p, f| change(Node::Category, Change::Move, r, p, f)))
        .route("/kb/categories/{id}/rename", web::post().to(|r, p, f| change(Node::Category, Change::Rename, r, p, f)))
        .route("/kb/categories/{id}/delete", web::post().to(|r, p, f| change(Node::Category, Change::Delete, r, p, f)))
        .route("/kb/sections/{id}/move", web::post().to(|r, p, f| change(Node::Section, Change::Move, r, p, f)))
        .route("/kb/sections/{id}/rename", web::post().to(|r, p, f| change(Node::Section, Change::Rename, r, p, f)))
        .route("/kb/sections/{id}/delete", web::post().to(|r, p, f| change(Node::Section, Change::Delete, r, p, f)));
}

/// A category with its sections, named in the agent's language where it can be.
struct Branch {
    id: String,
    name: String,
    sections: Vec<(String, String)>,
}

/// A refused change: which entry (`new` for the new-category form, a category id for its
/// new-section form), the message, and the name that was typed.
#[derive(Default)]
struct Refusal {
    at: String,
    message: String,
    typed: String,
}

#[derive(Template)]
#[template(path = "console/kb_structure.html")]
struct StructurePage {
    page: Page,
    tree: Vec<Branch>,
    refusal: Refusal,
}

#[derive(Clone, Copy)]
enum Node {
    Category,
    Section,
}

#[derive(Clone, Copy)]
enum Change {
    Move,
    Rename,
    Delete,
}

async fn tree(req: &HttpRequest, user: &ConsoleUser) -> AppResult<Vec<Branch>> {
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let chain = crate::kb::fallback_chain(user.tr.locale(), &user.tenant.default_locale);
    let (cats, secs) = app
        .db
        .read(move |c| Ok((structure::list_categories(c, &tid)?, structure::list_sections(c, &tid, None)?)))
        .await?;
    let name = |names: &[NameIn]| structure::name_for(names, &chain).map(|n| n.name).unwrap_or_default();
    Ok(cats
        .iter()
        .map(|c| Branch {
            id: c.id.clone(),
            name: name(&c.names()),
            sections: secs.iter().filter(|s| s.category_id == c.id).map(|s| (s.id.clone(), name(&s.names()))).collect(),
        })
        .collect())
}

async fn show(req: &HttpRequest, user: &ConsoleUser, refusal: Refusal, status: StatusCode) -> AppResult<HttpResponse> {
    let tree = tree(req, user).await?;
    html_status(&StructurePage { page: Page::for_user(user, "kb"), tree, refusal }, status)
}

async fn structure_page(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    show(&req, &user, Refusal::default(), StatusCode::OK).await
}

/// The typed name as the one entry in the tenant's default language, replacing that entry
/// among `existing` and keeping the others.
fn renamed(existing: Vec<NameIn>, default_locale: &str, values: &HashMap<String, String>) -> Vec<NameIn> {
    let name = values.get("name").map(|n| n.trim().to_string()).unwrap_or_default();
    let mut names: Vec<NameIn> =
        existing.into_iter().filter(|n| !n.locale.eq_ignore_ascii_case(default_locale)).collect();
    names.insert(0, NameIn { locale: default_locale.to_string(), name, description: None });
    names
}

/// Show a refusal the agent can act on (422 for a bad name, 409 for a non-empty entry); any
/// other error (404 for another tenant's id) stands.
async fn refused(
    req: &HttpRequest,
    user: &ConsoleUser,
    at: String,
    typed: String,
    e: AppError,
) -> AppResult<HttpResponse> {
    let (key, status) = match &e {
        AppError::Invalid { key, .. } => (*key, StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Conflict(m) if m.contains("sections") => ("kb-structure-category-not-empty", StatusCode::CONFLICT),
        AppError::Conflict(_) => ("kb-structure-section-not-empty", StatusCode::CONFLICT),
        _ => return Err(e),
    };
    let message = user.tr.t(key);
    show(req, user, Refusal { at, message, typed }, status).await
}

fn typed(values: &HashMap<String, String>) -> String {
    values.get("name").cloned().unwrap_or_default()
}

async fn create_category(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, default_locale) = (f.user.tenant_id(), f.user.tenant.default_locale.clone());
    let names = renamed(vec![], &default_locale, &f.form);
    let position = i32::MAX / 2;
    match app.db.write(move |c| structure::create_category(c, &tid, Some(position), &names)).await {
        Ok(_) => Ok(see_other("/kb/structure")),
        Err(e) => refused(&req, &f.user, "new".into(), typed(&f.form), e).await,
    }
}

async fn create_section(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, default_locale, category) = (f.user.tenant_id(), f.user.tenant.default_locale.clone(), path.into_inner());
    let names = renamed(vec![], &default_locale, &f.form);
    let (at, position) = (category.clone(), i32::MAX / 2);
    let created = app.db.write(move |c| {
        // Another tenant's (or a deleted) category is not there, whatever the name.
        structure::get_category(c, &tid, &category)?;
        structure::create_section(c, &tid, &category, Some(position), &names)
    });
    match created.await {
        Ok(_) => Ok(see_other(&format!("/kb/structure#{at}"))),
        Err(e) => refused(&req, &f.user, at, typed(&f.form), e).await,
    }
}

fn direction(values: &HashMap<String, String>) -> AppResult<bool> {
    match values.get("direction").map(String::as_str) {
        Some("up") => Ok(true),
        Some("down") => Ok(false),
        _ => Err(AppError::invalid("direction", "error-kb-direction", "up or down")),
    }
}

fn apply(
    c: &mut crate::db::DbConnection,
    tid: &TenantId,
    node: Node,
    change: Change,
    id: &str,
    values: &HashMap<String, String>,
    default_locale: &str,
) -> AppResult<()> {
    match (node, change) {
        (Node::Category, Change::Move) => structure::move_category(c, tid, id, direction(values)?),
        (Node::Section, Change::Move) => structure::move_section(c, tid, id, direction(values)?),
        (Node::Category, Change::Rename) => {
            let names = renamed(structure::get_category(c, tid, id)?.names(), default_locale, values);
            structure::update_category(c, tid, id, None, Some(&names)).map(|_| ())
        }
        (Node::Section, Change::Rename) => {
            let names = renamed(structure::get_section(c, tid, id)?.names(), default_locale, values);
            structure::update_section(c, tid, id, None, None, Some(&names)).map(|_| ())
        }
        (Node::Category, Change::Delete) => structure::delete_category(c, tid, id),
        (Node::Section, Change::Delete) => structure::delete_section(c, tid, id),
    }
}

async fn change(
    node: Node,
    change: Change,
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, default_locale, id) = (f.user.tenant_id(), f.user.tenant.default_locale.clone(), path.into_inner());
    let (values, at) = (f.form.clone(), id.clone());
    match app.db.write(move |c| apply(c, &tid, node, change, &id, &values, &default_locale)).await {
        Ok(()) => Ok(see_other(&format!("/kb/structure#{at}"))),
        Err(e) => refused(&req, &f.user, at, typed(&f.form), e).await,
    }
}
