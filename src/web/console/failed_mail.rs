//! "Failed mail" (admins only): the tenant's quarantined inbound messages with their error, a
//! download of each raw message and a retry, the console's face of `/api/v1/mail/failed`.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{html, see_other, Page};
use crate::email::{parse, store};
use crate::error::AppResult;
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Most quarantined messages listed (newest first), as in the API.
const LIST_LIMIT: i64 = 200;

/// Failed mail routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/email/failed", web::get().to(show))
        .route("/admin/email/failed/{id}/raw", web::get().to(raw))
        .route("/admin/email/failed/{id}/retry", web::post().to(retry));
}

/// One quarantined message as listed.
struct FailedRow {
    id: String,
    received_at: NaiveDateTime,
    /// The From header's address, else the SMTP envelope sender.
    sender: Option<String>,
    subject: Option<String>,
    error: String,
}

#[derive(Template)]
#[template(path = "console/admin_failed_mail.html")]
struct FailedPage {
    page: Page,
    rows: Vec<FailedRow>,
    zone: String,
    retried: bool,
}

#[derive(Deserialize)]
struct ShowQuery {
    retried: Option<String>,
}

async fn show(req: HttpRequest, user: ConsoleUser, q: web::Query<ShowQuery>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    let rows = app
        .db
        .read(move |c| {
            let rows = store::list_failed_with_head(c, &tid, LIST_LIMIT)?;
            Ok(rows
                .into_iter()
                .map(|(row, head)| {
                    let (from, subject) = parse::summary(&head);
                    let envelope = row.envelope_from.filter(|e| !e.is_empty());
                    FailedRow {
                        id: row.id,
                        received_at: row.received_at,
                        sender: from.or(envelope),
                        subject,
                        error: row.error.unwrap_or_default(),
                    }
                })
                .collect::<Vec<_>>())
        })
        .await?;
    html(&FailedPage {
        rows,
        zone: user.zone().to_string(),
        retried: q.retried.is_some(),
        page: Page::for_user(&user, "admin-failed-mail"),
    })
}

async fn raw(req: HttpRequest, user: ConsoleUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (user.tenant_id(), path.into_inner());
    let (row, bytes) = app
        .db
        .read(move |c| {
            let row = store::get(c, &tid, &id)?;
            let bytes = store::raw(c, &tid, &id)?;
            Ok((row, bytes))
        })
        .await?;
    Ok(crate::web::api::mail::rfc822_download(&row, bytes))
}

async fn retry(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    f.user.require_admin()?;
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    app.db.write(move |c| store::retry_failed(c, &tid, &id)).await?;
    app.wake_jobs();
    Ok(see_other("/admin/email/failed?retried=1"))
}
