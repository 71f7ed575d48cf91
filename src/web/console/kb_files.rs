//! Files of an article in the console: uploaded from the editor's Files card, deleted there, and
//! served to the tenant's agents whatever the article's visibility or status (the editor's
//! preview shows them through [`crate::kb::files::for_console`]).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::kb_editor::{self, Shown};
use super::see_other;
use crate::error::{AppError, AppResult};
use crate::kb::files::{self, MAX_FILES_PER_ARTICLE};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// The console's routes for article files.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/kb/articles/{id}/files", web::post().to(upload))
        .route("/kb/articles/{id}/files/{file_id}/delete", web::post().to(delete))
        .route("/kb/files/{id}", web::get().to(serve))
        .route("/kb/files/{id}/{filename}", web::get().to(serve));
}

/// A file as the editor's Files card lists it.
pub(super) struct FileRow {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub is_image: bool,
    /// Where agents open it.
    pub console_url: String,
    /// The Markdown to paste into the body.
    pub snippet: String,
}

/// The article's files for its editor.
pub(super) async fn rows(req: &HttpRequest, user: &ConsoleUser, article_id: &str) -> AppResult<Vec<FileRow>> {
    let app = auth::state(req)?;
    let (tid, id) = (user.tenant_id(), article_id.to_string());
    let list = app.db.read(move |c| files::list(c, &tid, &id)).await?;
    let slug = &user.tenant.slug;
    Ok(list
        .into_iter()
        .map(|f| FileRow {
            console_url: f.console_url(),
            snippet: f.snippet(slug),
            is_image: f.is_image(),
            id: f.id,
            filename: f.filename,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
        })
        .collect())
}

/// POST /kb/articles/{id}/files (multipart: `_csrf`, `locale`, then one or more `file` parts).
/// The CSRF token is checked before a file is read; a refused file stays out of the article
/// (its bytes, if any were stored, are left to the orphan sweep).
pub(super) async fn upload(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (user.tenant_id(), path.into_inner());
    // The article must be the tenant's, and have room, before a byte of the file is read.
    let (t, i) = (tid.clone(), id.clone());
    let existing = app.db.read(move |c| files::count(c, &t, &i)).await?;
    let mut fields = HashMap::new();
    let csrf = user.session.csrf_token.clone();
    let read = if existing >= MAX_FILES_PER_ARTICLE {
        // Still read, so a forged form is refused as such and not told about the article.
        auth::read_multipart(&req, payload.into_inner(), &csrf, &tid, &app, &mut fields)
            .await
            .and(Err(files::too_many()))
    } else {
        auth::read_multipart(&req, payload.into_inner(), &csrf, &tid, &app, &mut fields).await
    };
    let locale = fields.get("locale").cloned();
    let blobs = match read {
        Ok(b) if b.is_empty() => {
            return refuse(&req, &user, id, locale, AppError::invalid("file", "kb-files-error-none", "choose a file"))
                .await
        }
        Ok(b) => b,
        Err(e @ (AppError::Csrf | AppError::NotFound)) => return Err(e),
        Err(e) => return refuse(&req, &user, id, locale, e).await,
    };
    let (t, i) = (tid.clone(), id.clone());
    match app.db.write(move |c| files::record(c, &t, &i, &blobs)).await {
        Ok(_) => {}
        Err(e @ AppError::Invalid { .. }) => return refuse(&req, &user, id, locale, e).await,
        Err(e) => return Err(e),
    }
    Ok(see_other(&editor_url(&id, locale.as_deref())))
}

/// The editor again, with the refusal in its Files card.
async fn refuse(
    req: &HttpRequest,
    user: &ConsoleUser,
    id: String,
    locale: Option<String>,
    err: AppError,
) -> AppResult<HttpResponse> {
    let tr = &user.tr;
    let (status, form) = match &err {
        AppError::PayloadTooLarge => {
            let limit = auth::state(req)?.config.max_attachment_bytes;
            let e = AppError::invalid("file", "kb-files-error-too-large", "too large");
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                super::forms::FormState::refused(HashMap::new(), &e, tr).with_message(tr.t1(
                    "kb-files-error-too-large",
                    "limit",
                    limit,
                )),
            )
        }
        // Every refusal is about the card's one file input (the store names its own field).
        AppError::Invalid { key, detail, .. } => {
            let e = AppError::invalid("file", key, detail.clone());
            (StatusCode::UNPROCESSABLE_ENTITY, super::forms::FormState::refused(HashMap::new(), &e, tr))
        }
        _ => return Err(err),
    };
    let shown = Shown { form, preview: None, refused: "files" };
    kb_editor::render(req, user, Some(id), locale, shown, false, status).await
}

/// POST /kb/articles/{id}/files/{file_id}/delete.
pub(super) async fn delete(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, file_id) = path.into_inner();
    let (tid, i) = (f.user.tenant_id(), id.clone());
    app.db.write(move |c| files::delete(c, &tid, &i, &file_id)).await?;
    Ok(see_other(&editor_url(&id, f.form.get("locale").map(String::as_str))))
}

/// The editor of an article in a locale, at its Files card.
fn editor_url(id: &str, locale: Option<&str>) -> String {
    match locale.filter(|l| !l.is_empty()) {
        Some(l) => {
            let l: String = url::form_urlencoded::byte_serialize(l.as_bytes()).collect();
            format!("/kb/articles/{id}?locale={l}#kb-files")
        }
        None => format!("/kb/articles/{id}#kb-files"),
    }
}

/// GET /kb/files/{id}[/{name}]: any file of the tenant, for its agents.
pub(super) async fn serve(req: HttpRequest, user: ConsoleUser) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let id = req.match_info().get("id").ok_or(AppError::NotFound)?.to_string();
    let tid = user.tenant_id();
    let meta = app.db.read(move |c| files::get(c, &tid, &id)).await?;
    let bytes = app.blobs.get(&meta.storage_key).await?;
    Ok(crate::web::help::files::response(&meta, bytes, "private, max-age=300"))
}
