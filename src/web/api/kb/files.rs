//! /api/v1/kb/articles/{id}/files: an article's images and attachments (see [`crate::kb::files`]).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::kb::files::{self, KbFile, MAX_FILES_PER_ARTICLE};
use crate::web::auth::{self, ApiClient};

/// An image or attachment of an article.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbFileOut {
    id: String,
    /// The name as stored (without folders or invisible formatting characters).
    filename: String,
    /// The type read from the bytes; only `image/png`, `image/jpeg`, `image/gif` and `image/webp`
    /// are shown inline.
    content_type: String,
    size_bytes: i64,
    /// Its address on the help center (404 until the article is public and published).
    url: String,
    /// The Markdown that shows it in the body.
    markdown: String,
}

fn file_json(f: &KbFile, slug: &str) -> KbFileOut {
    KbFileOut {
        id: f.id.clone(),
        filename: f.filename.clone(),
        content_type: f.content_type.clone(),
        size_bytes: f.size_bytes,
        url: f.url(slug),
        markdown: f.snippet(slug),
    }
}

/// `{"data": [...]}`, oldest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KbFileList {
    data: Vec<KbFileOut>,
}

/// The upload's one part (no other is taken).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct KbFileUpload {
    /// The file, with its name in the part's `filename`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/files", tag = "knowledge base", summary = "An article's files",
    params(("id" = String, Path)),
    responses((status = 200, description = "`{\"data\": [...]}`, oldest first", body = KbFileList)), security(("bearer" = [])))]
pub(crate) async fn list(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let rows = app.db.read(move |c| files::list(c, &tid, &id)).await?;
    let slug = &client.tenant.slug;
    Ok(HttpResponse::Ok().json(KbFileList { data: rows.iter().map(|f| file_json(f, slug)).collect() }))
}

#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/files", tag = "knowledge base", summary = "Upload a file to an article",
    description = "`multipart/form-data` with one part named `file` (a file name is required; no other part is taken). An empty file is refused (422). At most 50 files per article, each within the server's attachment limit (413).",
    params(("id" = String, Path)),
    request_body(content = KbFileUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "The stored file", body = KbFileOut)),
    security(("bearer" = [])))]
pub(crate) async fn upload(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    use futures_util::StreamExt;
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("multipart/form-data") {
        return Err(AppError::BadRequest("expected Content-Type: multipart/form-data".into()));
    }
    // The article must be the tenant's, and have room, before a byte of the file is read.
    let (t, i) = (tid.clone(), id.clone());
    if app.db.read(move |c| files::count(c, &t, &i)).await? >= MAX_FILES_PER_ARTICLE {
        return Err(files::too_many());
    }
    let bad = |e: actix_multipart::MultipartError| AppError::BadRequest(format!("invalid multipart body: {e}"));
    let mut mp = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
    let mut blob = None;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        match (name.as_str(), filename) {
            ("file", Some(filename)) if blob.is_none() && !filename.is_empty() => {
                let limit = app.config.max_attachment_bytes;
                blob =
                    Some(app.blobs.put_stream(&tid, &filename, field.by_ref(), limit).await.map_err(|e| match e {
                        AppError::Invalid { key, detail, .. } => AppError::invalid("file", key, detail),
                        other => other,
                    })?);
            }
            ("file", _) => {
                return Err(AppError::invalid("file", "kb-files-error-none", "exactly one file part, with a file name"))
            }
            _ => return Err(AppError::invalid(&name, "kb-files-error-none", "only a part named file is taken")),
        }
    }
    let blob = blob.ok_or_else(|| AppError::invalid("file", "kb-files-error-none", "a part named file is required"))?;
    let stored = app.db.write(move |c| files::record(c, &tid, &id, std::slice::from_ref(&blob))).await?;
    let f = stored.first().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Created().json(file_json(f, &client.tenant.slug)))
}

#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/files/{file_id}", tag = "knowledge base", summary = "Delete a file of an article",
    description = "Its address answers 404 at once; the bytes are removed from the store shortly after.",
    params(("id" = String, Path), ("file_id" = String, Path)),
    responses((status = 204, description = "Deleted")), security(("bearer" = [])))]
pub(crate) async fn delete(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (id, file_id) = path.into_inner();
    let tid = client.tenant_id();
    app.db.write(move |c| files::delete(c, &tid, &id, &file_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
