//! /api/v1/mail: the raw source of any inbound message (`/mail/{id}/raw`), and the quarantine
//! (`/mail/failed`): mail that could not be filed, its raw bytes, retry. Also the mail fields
//! that messages which came by mail carry in the ticket API.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::email::store;
use crate::error::AppResult;
use crate::web::auth::{self, ApiClient};

/// Most quarantined messages listed at once (newest first).
const LIST_LIMIT: i64 = 200;

/// A quarantined inbound message.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FailedMail {
    id: String,
    /// When the raw message was stored (RFC 3339, UTC).
    #[schema(format = DateTime)]
    received_at: String,
    /// Why it could not be filed.
    error: String,
    /// Where its raw bytes download from.
    raw_url: String,
}

/// The quarantine of this tenant.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FailedMailList {
    data: Vec<FailedMail>,
}

/// A message queued for filing again.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RetriedMail {
    id: String,
    /// `received`: waiting for its filing job.
    state: String,
}

/// Where an inbound message's raw bytes download from.
fn raw_url(inbound_id: &str) -> String {
    format!("/api/v1/mail/{inbound_id}/raw")
}

/// An address on a mail header.
#[derive(Serialize, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct MailAddress {
    email: String,
    name: Option<String>,
}

/// A ticket message as listed, with its author, attachments and (for mail) the mail fields.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TimelineMessage {
    #[serde(flatten)]
    message: crate::tickets::Message,
    author_name: String,
    attachments: Vec<crate::tickets::queries::AttachmentInfo>,
    /// The Message-ID header (without `<>`) of a message that came by mail.
    message_id: Option<String>,
    from: Option<MailAddress>,
    to: Vec<MailAddress>,
    cc: Vec<MailAddress>,
    /// Automatic mail: an auto-reply, bounce, list or loop (never answered).
    auto_reply: bool,
    /// The stored original, as `message/rfc822`.
    raw_url: Option<String>,
}

/// A ticket's messages.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MessageList {
    data: Vec<TimelineMessage>,
    /// Always `null`: every message is listed.
    next_cursor: Option<String>,
}

/// The addresses stored with an inbound row.
#[derive(serde::Deserialize, Default)]
struct StoredAddresses {
    from: Option<MailAddress>,
    #[serde(default)]
    to: Vec<MailAddress>,
    #[serde(default)]
    cc: Vec<MailAddress>,
}

/// A ticket's messages as the API lists them: each with its mail fields (`null`s, `false` and
/// empty lists for messages that did not come by mail).
pub(crate) fn message_list(
    items: Vec<crate::tickets::queries::TimelineItem>,
    facts: &std::collections::HashMap<String, store::MailFacts>,
) -> MessageList {
    let data = items
        .into_iter()
        .map(|i| {
            let f = facts.get(i.message.id.as_str());
            let a: StoredAddresses = f
                .and_then(|f| f.header_addresses.as_deref())
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default();
            TimelineMessage {
                message: i.message,
                author_name: i.author_name,
                attachments: i.attachments,
                message_id: f.and_then(|f| f.message_id_header.clone()),
                from: a.from,
                to: a.to,
                cc: a.cc,
                auto_reply: f.is_some_and(|f| f.auto_reply),
                raw_url: f.map(|f| raw_url(&f.inbound_id)),
            }
        })
        .collect();
    MessageList { data, next_cursor: None }
}

fn failed_json(row: &store::Inbound) -> FailedMail {
    FailedMail {
        id: row.id.clone(),
        received_at: row.received_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        error: row.error.clone().unwrap_or_default(),
        raw_url: raw_url(&row.id),
    }
}

#[utoipa::path(get, path = "/api/v1/mail/failed", tag = "mail", summary = "List quarantined inbound mail",
    description = "Inbound messages that could not be filed, newest first (up to 200), with the reason. Nothing is deleted; retry them after fixing the cause.",
    responses((status = 200, description = "`{\"data\": [...]}`", body = FailedMailList)),
    security(("bearer" = [])))]
pub(crate) async fn list_failed(req: HttpRequest, client: ApiClient) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = client.tenant_id();
    let rows = app.db.read(move |c| store::list_failed(c, &tid, LIST_LIMIT)).await?;
    Ok(HttpResponse::Ok().json(FailedMailList { data: rows.iter().map(failed_json).collect() }))
}

#[utoipa::path(get, path = "/api/v1/mail/{id}/raw", tag = "mail", summary = "Download a stored inbound message",
    description = "Any inbound message of this tenant (filed, duplicate or quarantined) exactly as received, as a `message/rfc822` download (never rendered). Messages link here by `raw_url`.",
    params(("id" = String, Path, description = "Inbound message id")),
    responses((status = 200, description = "The raw message, as message/rfc822 with Content-Disposition: attachment")),
    security(("bearer" = [])))]
pub(crate) async fn raw(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    raw_download(req, client, path).await
}

#[utoipa::path(get, path = "/api/v1/mail/failed/{id}/raw", tag = "mail", summary = "Download a quarantined inbound message",
    description = "The message exactly as received, as a `message/rfc822` download (never rendered); the same as `/api/v1/mail/{id}/raw`.",
    params(("id" = String, Path, description = "Inbound message id")),
    responses((status = 200, description = "The raw message, as message/rfc822 with Content-Disposition: attachment")),
    security(("bearer" = [])))]
pub(crate) async fn failed_raw(
    req: HttpRequest,
    client: ApiClient,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    raw_download(req, client, path).await
}

async fn raw_download(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let (row, bytes) = app
        .db
        .read(move |c| {
            let row = store::get(c, &tid, &id)?;
            let bytes = store::raw(c, &tid, &id)?;
            Ok((row, bytes))
        })
        .await?;
    Ok(rfc822_download(&row, bytes))
}

/// A stored message's raw bytes as a `message/rfc822` download that browsers never render (the
/// API and the console's failed-mail list serve it the same way).
pub(crate) fn rfc822_download(row: &store::Inbound, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "message/rfc822"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.eml\"", row.id)))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("x-content-sha256", row.sha256.clone()))
        .body(bytes)
}

#[utoipa::path(post, path = "/api/v1/mail/failed/{id}/retry", tag = "mail", summary = "File a quarantined message again",
    description = "Queues the message for filing again; 409 when it is not quarantined.",
    params(("id" = String, Path, description = "Inbound message id")),
    responses((status = 202, description = "Queued", body = RetriedMail)),
    security(("bearer" = [])))]
pub(crate) async fn retry(req: HttpRequest, client: ApiClient, path: web::Path<String>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (client.tenant_id(), path.into_inner());
    let row = app.db.write(move |c| store::retry_failed(c, &tid, &id)).await?;
    app.wake_jobs();
    Ok(HttpResponse::Accepted().json(RetriedMail { id: row.id, state: row.state }))
}

/// Routes under /api/v1.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/mail/failed", web::get().to(list_failed))
        .route("/mail/failed/{id}/raw", web::get().to(failed_raw))
        .route("/mail/{id}/raw", web::get().to(raw))
        .route("/mail/failed/{id}/retry", web::post().to(retry));
}
