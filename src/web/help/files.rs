//! Files of articles on the help center: `/h/{slug}/files/{id}/{name}` (and `/files/{id}/{name}`
//! on the tenant's own host), served only while their article is public and published. The
//! name in the path is for readers and caches; the id alone finds the file.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::{AppError, AppResult};
use crate::kb::files::{self, KbFile};
use crate::web::auth;

/// GET …/files/{id}/{name}: a public article's file; anything else is not found.
pub(super) async fn serve(req: HttpRequest) -> AppResult<HttpResponse> {
    let state = auth::state(&req)?;
    let site = super::site(&state, &req).await?;
    let id = req.match_info().get("id").ok_or(AppError::NotFound)?.to_string();
    let tid = site.tenant.tenant_id();
    let meta = state.db.read(move |c| files::get_public(c, &tid, &id)).await?;
    let bytes = state.blobs.get(&meta.storage_key).await?;
    Ok(response(&meta, bytes, "public, max-age=86400"))
}

/// A file's bytes: the four image types shown inline as themselves, everything else (SVG and
/// HTML included) as a download that never renders from our origin.
pub fn response(meta: &KbFile, bytes: actix_web::web::Bytes, cache: &str) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if meta.is_image() {
        res.insert_header((header::CONTENT_TYPE, meta.content_type.clone()));
    } else {
        res.insert_header((header::CONTENT_TYPE, "application/octet-stream")).insert_header((
            header::CONTENT_DISPOSITION,
            crate::tickets::attachments::content_disposition(&meta.filename),
        ));
    }
    res.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, cache.to_string()))
        .insert_header((header::ETAG, format!("\"{}\"", meta.sha256)))
        .body(bytes)
}
