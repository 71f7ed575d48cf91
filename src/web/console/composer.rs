//! The composer's helpers on the ticket page: the preview (the server renders the Markdown the
//! way the message will be stored, so what the agent sees is what is sent), images pasted or
//! dropped into a draft (stored at once, shown inline, taken by the message that references
//! them), and the images of a ticket shown inline in the console.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::ticket_page::resolve;
use crate::error::{AppError, AppResult};
use crate::kb::files::INLINE_TYPES;
use crate::tickets::composer::{self, IMAGE_PREFIX, IMAGE_SUFFIX};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// The composer's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tickets/{key}/preview", web::post().to(preview))
        .route("/tickets/{key}/images", web::post().to(upload_image))
        .route("/attachments/{id}/inline", web::get().to(image));
}

/// POST /tickets/{key}/preview (`body`): the draft as the timeline and the mail will show it,
/// an HTML fragment. An empty draft previews as nothing.
pub async fn preview(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = f.user.tenant_id();
    let key = path.into_inner();
    app.db.read(move |c| resolve(c, &tid, &key)).await?;
    let body = f.form.get("body").map(|b| b.replace("\r\n", "\n")).unwrap_or_default();
    let html = if body.trim().is_empty() {
        String::new()
    } else {
        crate::tickets::commands::validate_body("body", &body)?;
        composer::render(&body)
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}

/// POST /tickets/{key}/images (multipart: `_csrf`, then one `file`): store one image for a draft
/// of this ticket. Answers JSON with the Markdown that shows it; 413 when it is too large, 422
/// when it is not a PNG, JPEG, GIF or WebP image (the composer explains both beside the draft).
pub async fn upload_image(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, key) = (user.tenant_id(), path.into_inner());
    let t = tid.clone();
    // The ticket must be the tenant's before a byte of the file is read.
    app.db.read(move |c| resolve(c, &t, &key)).await?;
    let mut fields = HashMap::new();
    let csrf = user.session.csrf_token.clone();
    let mut blobs = auth::read_multipart(&req, payload.into_inner(), &csrf, &tid, &app, &mut fields).await?;
    if blobs.len() != 1 {
        return Err(AppError::invalid("file", "composer-md-image-one", "send exactly one image"));
    }
    let b = blobs.remove(0);
    if !INLINE_TYPES.contains(&b.content_type.as_str()) {
        // Its bytes stay pending, so the orphan sweep removes them.
        return Err(AppError::invalid("file", "composer-md-image-type", "a PNG, JPEG, GIF or WebP image"));
    }
    let (t, id) = (tid.clone(), b.id.clone());
    app.db.write(move |c| crate::tickets::attachments::keep_for_draft(c, &t, &id)).await?;
    let url = format!("{IMAGE_PREFIX}{}{IMAGE_SUFFIX}", b.id);
    let alt: String = b.filename.chars().filter(|c| !matches!(c, '[' | ']' | '\\' | '\n')).collect();
    Ok(HttpResponse::Created().json(json!({
        "id": b.id,
        "name": b.filename,
        "url": url,
        "markdown": format!("![{alt}]({url})"),
    })))
}

/// GET /attachments/{id}/inline: an image of this tenant shown as itself (a message's
/// attachment, or an upload its draft has not sent yet). Anything but the four raster image
/// types (SVG can carry script) is not found here; the download link still serves it.
pub async fn image(req: HttpRequest, user: ConsoleUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (user.tenant_id(), path.into_inner());
    let (t, i) = (tid.clone(), id.clone());
    let attached = app.db.read(move |c| match crate::tickets::attachments::get(c, &t, &i) {
        Ok(a) => Ok(Some(a)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    });
    let (content_type, bytes) = match attached.await? {
        Some(a) => {
            let bytes = app.blobs.get(&a.storage_key).await?;
            (a.content_type, bytes)
        }
        None => app.blobs.pending(&tid, &id).await?,
    };
    if !INLINE_TYPES.contains(&content_type.as_str()) {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(bytes))
}

/// What an email ticket's Cc field starts with: the Cc of its newest mail, else (mail filed
/// before those headers were kept) everyone its mail copied, as the reply mail would.
pub(super) async fn suggested_cc(
    app: &crate::app::AppState,
    user: &ConsoleUser,
    d: &crate::tickets::queries::TicketDetail,
) -> AppResult<Vec<String>> {
    let (tid, tenant, ticket) = (user.tenant_id(), user.tenant.clone(), d.ticket.clone());
    let requester = d.requester.email.clone();
    let domain = app.config.inbound_domain.clone();
    app.db
        .read(move |c| {
            let from = crate::email::outbound::settings::get(c, &tid)?.from_address(&tenant, &domain);
            let ours = |a: &str| crate::email::address::is_ours(a, &domain) || a.eq_ignore_ascii_case(&from);
            if let Some(cc) = composer::suggested_cc(c, &tid, &ticket, requester.as_deref(), ours)? {
                return Ok(cc);
            }
            let all = crate::email::threads::participants(c, &tid, ticket.id.as_str())?;
            let not_requester = |a: &String| requester.as_deref().is_none_or(|r| !r.eq_ignore_ascii_case(a));
            Ok(all.into_iter().filter(|a| !ours(a) && not_requester(a)).take(composer::MAX_CC).collect())
        })
        .await
}
