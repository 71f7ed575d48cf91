//! The editor's smaller posts: the article's settings, deleting it, publish and unpublish, the
//! publishing schedule, restoring a version, and the preview the editor's script asks for.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::TimeZone;

use super::forms::FormState;
use super::kb_editor::{form_error, render, section_of, Shown};
use super::see_other;
use crate::error::{AppError, AppResult};
use crate::kb::articles::{self, ArticlePatch};
use crate::kb::{editing, render as markdown, Status, Visibility, MAX_BODY_CHARS};
use crate::types::Actor;
use crate::web::auth::{self, CsrfForm};

fn get(values: &HashMap<String, String>, k: &str) -> String {
    values.get(k).cloned().unwrap_or_default()
}

fn editor(id: &str, locale: &str) -> String {
    format!("/kb/articles/{id}?locale={locale}&saved=1")
}

/// POST /kb/articles/{id}/settings: section and visibility.
pub(super) async fn settings(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let values = f.form.clone();
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let visibility = match get(&values, "visibility").as_str() {
        "public" => Ok(Visibility::Public),
        "internal" => Ok(Visibility::Internal),
        _ => Err(AppError::invalid("visibility", "error-kb-visibility", "public or internal")),
    };
    let outcome = match visibility {
        Ok(v) => {
            let patch = ArticlePatch { section_id: Some(section_of(&values)), visibility: Some(v), position: None };
            let id = id.clone();
            app.db.write(move |c| articles::update(c, &tid, &id, &patch)).await
        }
        Err(e) => Err(e),
    };
    let locale = get(&values, "locale");
    match outcome.map_err(form_error) {
        Ok(_) => {
            app.wake_jobs();
            Ok(see_other(&editor(&id, &locale)))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let shown = Shown { form: FormState::refused(values, &e, &f.user.tr), preview: None, refused: "settings" };
            render(&req, &f.user, Some(id), Some(locale), shown, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// POST /kb/articles/{id}/delete: the article with every translation and its history; its
/// index job takes it out of search.
pub(super) async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    app.db.write(move |c| articles::delete(c, &tid, &id)).await?;
    app.wake_jobs();
    Ok(see_other("/kb?deleted=1"))
}

/// POST /kb/articles/{id}/translations/{locale}/status: `status=published` or `draft`.
pub(super) async fn status(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, locale) = path.into_inner();
    let status = match get(&f.form, "status").as_str() {
        "published" => Status::Published,
        "draft" => Status::Draft,
        _ => return Err(AppError::invalid("status", "error-kb-status", "draft or published")),
    };
    let app = auth::state(&req)?;
    let (tid, actor) = (f.user.tenant_id(), Actor::Agent(f.user.agent.id.clone()));
    let (i, l) = (id.clone(), locale.clone());
    let t = app.db.write(move |c| editing::set_status(c, &tid, &i, &l, &actor, status)).await?;
    app.wake_jobs();
    Ok(see_other(&editor(&id, &t.locale)))
}

/// A `datetime-local` value read in `zone`, as UTC; a time the clocks skip (a DST gap) is
/// refused, and one they pass twice is its first occurrence.
fn utc_of(local: &str, zone: &str) -> AppResult<chrono::NaiveDateTime> {
    let bad = || AppError::invalid("publish_at", "error-kb-schedule-time", "a date and time, such as 2026-12-24T09:00");
    let naive = chrono::NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| bad())?;
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let at = tz.from_local_datetime(&naive).earliest().ok_or_else(bad)?;
    Ok(at.naive_utc())
}

/// POST /kb/articles/{id}/translations/{locale}/schedule: `publish_at` (the agent's zone), or
/// `action=cancel`.
pub(super) async fn schedule(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, locale) = path.into_inner();
    let values = f.form.clone();
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let (i, l) = (id.clone(), locale.clone());
    let outcome = if get(&values, "action") == "cancel" {
        app.db
            .write(move |c| {
                articles::get(c, &tid, &i)?;
                let t = articles::translations(c, &tid, &i)?
                    .into_iter()
                    .find(|t| t.locale.eq_ignore_ascii_case(&l))
                    .ok_or(AppError::NotFound)?;
                editing::clear_schedule(c, &tid, &i, &t.locale)?;
                Ok(t)
            })
            .await
    } else {
        match utc_of(&get(&values, "publish_at"), f.user.zone()) {
            Ok(at) => app.db.write(move |c| editing::schedule(c, &tid, &i, &l, at)).await,
            Err(e) => Err(e),
        }
    };
    match outcome {
        Ok(t) => {
            app.wake_jobs();
            Ok(see_other(&editor(&id, &t.locale)))
        }
        Err(e @ AppError::Invalid { .. }) => {
            // `render` reads the article again: another tenant's id is still not found.
            let shown = Shown { form: FormState::refused(values, &e, &f.user.tr), preview: None, refused: "schedule" };
            render(&req, &f.user, Some(id), Some(locale), shown, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// POST /kb/articles/{id}/translations/{locale}/versions/{version}/restore.
pub(super) async fn restore(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, locale, version) = path.into_inner();
    let version: i32 = version.parse().map_err(|_| AppError::NotFound)?;
    let app = auth::state(&req)?;
    let (tid, actor) = (f.user.tenant_id(), Actor::Agent(f.user.agent.id.clone()));
    let (i, l) = (id.clone(), locale.clone());
    let t = app.db.write(move |c| articles::restore(c, &tid, &i, &l, version, &actor)).await?;
    app.wake_jobs();
    Ok(see_other(&editor(&id, &t.locale)))
}

/// POST /kb/preview `body_markdown=…` (CSRF in the form or the `x-csrf-token` header): the body
/// as the help center would show it, rendered and sanitised here, as an HTML fragment.
pub(super) async fn preview(f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let body = get(&f.form, "body_markdown");
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::invalid(
            "body_markdown",
            "error-kb-body",
            format!("at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::kb::files::for_console(&markdown::to_html(&body), &f.user.tenant.slug)))
}
