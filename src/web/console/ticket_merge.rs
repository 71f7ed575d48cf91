//! The merge preview: both tickets side by side, with a warning when their requesters differ,
//! before the agent confirms a merge (which cannot be undone).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::ticket_page::resolve;
use super::{html, Page};
use crate::accounts::contacts::{self, Contact};
use crate::error::{AppError, AppResult};
use crate::tickets::Ticket;
use crate::web::auth::{self, ConsoleUser};

/// One side of the merge as the preview shows it.
struct Side {
    ticket: Ticket,
    requester: Contact,
}

#[derive(Template)]
#[template(path = "console/ticket_merge.html")]
struct MergePreview {
    page: Page,
    source: Side,
    target: Side,
    /// The tickets come from different people: after the merge, replies reach only the target's.
    requesters_differ: bool,
}

impl MergePreview {
    fn count(&self, side: &Side) -> i64 {
        side.ticket.message_count.into()
    }
}

/// GET /tickets/{key}/merge?target=N: what merging this ticket into ticket N would do.
pub async fn preview(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    let key = path.into_inner();
    let target = query.get("target").map(|t| t.trim().trim_start_matches('#').to_string()).unwrap_or_default();
    if target.is_empty() {
        return Err(AppError::invalid("target", "error-merge-target", "the number of the ticket to merge into"));
    }
    let (source, target) = app
        .db
        .read(move |c| {
            let source = resolve(c, &tid, &key)?;
            let target = resolve(c, &tid, &target).map_err(|e| match e {
                AppError::NotFound => AppError::invalid("target", "error-merge-target", "no such ticket"),
                other => other,
            })?;
            crate::tickets::merge::check(&source, &target)?;
            let side = |c: &mut _, ticket: Ticket| -> AppResult<Side> {
                Ok(Side { requester: contacts::get(c, &tid, &ticket.requester_id)?, ticket })
            };
            Ok((side(c, source)?, side(c, target)?))
        })
        .await?;
    html(&MergePreview {
        requesters_differ: source.ticket.requester_id != target.ticket.requester_id,
        source,
        target,
        page: Page::for_user(&user, "inbox"),
    })
}
