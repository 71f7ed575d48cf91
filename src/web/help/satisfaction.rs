//! The rating page the solved notice links to: `…/{locale}/satisfaction/{token}?rating=good|bad`.
//! GET shows the choice preselected with a comment box and records nothing (mail scanners fetch
//! links before people click them); POST records the rating as the ticket's requester through
//! `tickets::csat::rate`, on its 1–5 scale: good is 5, bad is 1.
//!
//! A token that is not ours answers 403, one of another help center (or a ticket gone) 404, an
//! expired one or a ticket no longer open for rating 410: each a page saying so.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pages::{page, url_locale};
use super::{Layout, Site};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::tickets::csat_link::{self, Refused};
use crate::tickets::{commands, csat, Ticket};
use crate::types::Actor;
use crate::web::auth;

/// The score of a "good" rating.
pub const GOOD: i32 = 5;
/// The score of a "bad" rating.
pub const BAD: i32 = 1;

#[derive(Template)]
#[template(path = "help/satisfaction.html")]
struct SatisfactionPage {
    l: Layout,
    /// Why the link does not rate, shown instead of the form.
    problem: String,
    done: bool,
    number: i64,
    action: String,
    rating: String,
    comment: String,
    error: String,
}

struct Ctx {
    state: AppState,
    site: Site,
    token: String,
    page: SatisfactionPage,
}

async fn context(req: &HttpRequest) -> AppResult<Ctx> {
    let state = auth::state(req)?;
    let site = super::site(&state, req).await?;
    let locale = url_locale(req)?;
    let token = req.match_info().get("token").ok_or(AppError::NotFound)?.to_string();
    let title = state.i18n.format(&locale, "feedback-csat-title", None);
    let locales = vec![locale.clone()];
    let tk = token.clone();
    let l = Layout::new(&state, req, &site, &locale, &locales, |l| format!("/{l}/satisfaction/{tk}"), &title);
    let action = format!("{}/{locale}/satisfaction/{token}", site.prefix);
    let page = SatisfactionPage {
        l,
        problem: String::new(),
        done: false,
        number: 0,
        action,
        rating: String::new(),
        comment: String::new(),
        error: String::new(),
    };
    Ok(Ctx { state, site, token, page })
}

/// A private page: never cached or indexed (its address is a credential).
fn respond(p: &SatisfactionPage, status: StatusCode) -> AppResult<HttpResponse> {
    let mut res = page(p)?;
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    h.insert(header::HeaderName::from_static("x-robots-tag"), header::HeaderValue::from_static("noindex"));
    Ok(res)
}

/// The ticket the token names, or the status and message of why it rates nothing.
async fn ticket_of(ctx: &Ctx) -> AppResult<Result<Ticket, (StatusCode, &'static str)>> {
    let now = chrono::Utc::now();
    let link = match csat_link::verify(&ctx.state.session_keys, &ctx.token, now.timestamp()) {
        Ok(l) => l,
        Err(Refused::Forged) => return Ok(Err((StatusCode::FORBIDDEN, "feedback-csat-forged"))),
        Err(Refused::Expired) => return Ok(Err((StatusCode::GONE, "feedback-csat-expired"))),
    };
    if link.tenant_id != ctx.site.tenant.id {
        return Ok(Err((StatusCode::NOT_FOUND, "feedback-csat-unknown")));
    }
    let tid = ctx.site.tenant.tenant_id();
    let found = ctx.state.db.read(move |c| commands::get(c, &tid, &link.ticket_id.as_str().into())).await;
    let t = match found {
        Ok(t) => t,
        Err(AppError::NotFound) => return Ok(Err((StatusCode::NOT_FOUND, "feedback-csat-unknown"))),
        Err(e) => return Err(e),
    };
    if !csat::open_for_rating(&t, now.naive_utc()) {
        return Ok(Err((StatusCode::GONE, "feedback-csat-closed")));
    }
    Ok(Ok(t))
}

fn refused(mut ctx: Ctx, status: StatusCode, key: &'static str) -> AppResult<HttpResponse> {
    ctx.page.problem = ctx.page.l.t.t(key);
    respond(&ctx.page, status)
}

/// `?rating=` of the links.
#[derive(Deserialize)]
pub struct Preselect {
    rating: Option<String>,
}

/// GET: the form, the mail's choice preselected. Records nothing.
pub async fn form(req: HttpRequest, q: web::Query<Preselect>) -> AppResult<HttpResponse> {
    let mut ctx = context(&req).await?;
    let t = match ticket_of(&ctx).await? {
        Ok(t) => t,
        Err((status, key)) => return refused(ctx, status, key),
    };
    let earlier = match t.csat_score {
        Some(s) if s >= 3 => "good",
        Some(_) => "bad",
        None => "",
    };
    ctx.page.rating = match q.rating.as_deref() {
        Some(r @ ("good" | "bad")) => r.to_string(),
        _ => earlier.to_string(),
    };
    ctx.page.number = t.number;
    ctx.page.comment = t.csat_comment.unwrap_or_default();
    respond(&ctx.page, StatusCode::OK)
}

#[derive(Deserialize)]
struct Rating {
    rating: Option<String>,
    comment: Option<String>,
}

/// POST: record the rating (`rating=good|bad`, an optional `comment`) as the requester.
pub async fn submit(req: HttpRequest, body: web::Bytes) -> AppResult<HttpResponse> {
    let mut ctx = context(&req).await?;
    if !super::same_origin(&req) {
        return refused(ctx, StatusCode::FORBIDDEN, "feedback-csat-forged");
    }
    let t = match ticket_of(&ctx).await? {
        Ok(t) => t,
        Err((status, key)) => return refused(ctx, status, key),
    };
    ctx.page.number = t.number;
    let form: Rating = serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("not a form".into()))?;
    ctx.page.comment = form.comment.clone().unwrap_or_default();
    let score = match form.rating.as_deref() {
        Some("good") => GOOD,
        Some("bad") => BAD,
        _ => {
            ctx.page.error = ctx.page.l.t.t("feedback-csat-choose");
            return respond(&ctx.page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    ctx.page.rating = form.rating.unwrap_or_default();
    let tid = ctx.site.tenant.tenant_id();
    let mut tries = 0;
    let rated = loop {
        let (tid, id, comment) = (tid.clone(), t.id.clone(), form.comment.clone());
        let rated = ctx
            .state
            .db
            .write(move |c| {
                // The requester as the ticket has it now: a merge may have moved it.
                let t = commands::get(c, &tid, &id)?;
                csat::rate(c, &tid, &Actor::Contact(t.requester_id.clone()), &t.id, score, comment.as_deref())
            })
            .await;
        match rated {
            // Changed meanwhile (an agent's edit): read it again, once.
            Err(AppError::Conflict(_)) if tries == 0 => tries += 1,
            other => break other,
        }
    };
    match rated {
        Ok(_) => {
            ctx.state.tickets_changed(&tid);
            ctx.state.wake_jobs();
            ctx.page.done = true;
            respond(&ctx.page, StatusCode::OK)
        }
        Err(AppError::Invalid { field, .. }) if field == "ticket" => {
            refused(ctx, StatusCode::GONE, "feedback-csat-closed")
        }
        Err(AppError::Invalid { key, .. }) => {
            ctx.page.error = ctx.page.l.t.t(key);
            respond(&ctx.page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e),
    }
}
