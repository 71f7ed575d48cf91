//! The signed-in customer's tickets on the portal: the list (every channel, newest first), one
//! ticket's public conversation with its files, a reply with attachments (through the same
//! ticket command as a reply by mail: it reopens a pending or solved ticket, and a closed one
//! gets a follow-up), and the satisfaction rating of a solved ticket.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::portal::{check_csrf, door, private, see_other, Door};
use super::Layout;
use crate::accounts::portal::Customer;
use crate::error::{AppError, AppResult};
use crate::tickets::commands::{self, NewMessage};
use crate::tickets::queries::TimelineItem;
use crate::tickets::{csat, portal as view, requesters, Actor, Channel, MessageKind, Ticket};
use crate::web::auth;

/// Tickets on one page of the list.
const PAGE_SIZE: i64 = 20;

/// One row of the list.
pub struct Row {
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub status_label: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "help/portal_list.html")]
struct ListPage {
    l: Layout,
    csrf: String,
    name: String,
    rows: Vec<Row>,
    next: Option<String>,
}

/// A message as the portal shows it.
pub struct Shown {
    pub author: String,
    pub from_customer: bool,
    pub at: String,
    pub lines: Vec<String>,
    pub files: Vec<(String, String)>,
}

/// What the ticket page's forms show again after a refusal.
#[derive(Default)]
struct Kept {
    body: String,
    comment: String,
    error: String,
    field: String,
}

#[derive(Template)]
#[template(path = "help/portal_ticket.html")]
struct TicketPage {
    l: Layout,
    csrf: String,
    number: i64,
    subject: String,
    status: String,
    status_label: String,
    messages: Vec<Shown>,
    /// The rating form is shown (solved, within the window).
    can_rate: bool,
    /// The rating given so far: "good", "bad" or empty.
    rated: String,
    kept: Kept,
    max_mb: String,
}

fn signed_in(d: &Door) -> Option<Customer> {
    d.customer.clone()
}

fn url_key(req: &HttpRequest) -> AppResult<String> {
    req.match_info().get("id").map(str::to_string).ok_or(AppError::NotFound)
}

/// GET …/{locale}/portal?cursor=
pub async fn list(req: HttpRequest, q: web::Query<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-list-title").await?;
    let Some(customer) = signed_in(&d) else { return Ok(d.to_sign_in()) };
    let (tid, cid, cursor) = (d.site.tenant.tenant_id(), customer.contact.id.to_string(), q.get("cursor").cloned());
    let page = d.state.db.read(move |c| requesters::of_contact(c, &tid, &cid, cursor.as_deref(), PAGE_SIZE)).await?;
    let zone = d.site.tenant.time_zone.clone();
    let rows = page
        .tickets
        .iter()
        .map(|t| Row {
            number: t.number,
            subject: t.subject.clone(),
            status: t.status.as_str().to_string(),
            status_label: d.l.t.tp("status-", t.status.as_str()),
            updated: d.l.t.datetime(&t.updated_at, &zone),
        })
        .collect();
    let name = customer.contact.name.clone();
    private(&ListPage { l: d.l, csrf: customer.csrf_token, name, rows, next: page.next }, StatusCode::OK)
}

async fn render_ticket(
    d: Door,
    customer: &Customer,
    t: Ticket,
    kept: Kept,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (tid, tk) = (d.site.tenant.tenant_id(), t.clone());
    let items: Vec<TimelineItem> = d.state.db.read(move |c| view::public_messages(c, &tid, &tk)).await?;
    let zone = d.site.tenant.time_zone.clone();
    let messages = items
        .into_iter()
        .map(|m| Shown {
            from_customer: m.message.author_type == "contact",
            author: m.author_name.clone(),
            at: d.l.t.datetime(&m.message.created_at, &zone),
            lines: m.message.body_text.lines().map(str::to_string).collect(),
            files: m
                .attachments
                .iter()
                .map(|a| (d.href(&format!("/attachments/{}", a.id)), a.filename.clone()))
                .collect(),
        })
        .collect();
    // The portal's two answers on the desk's 1-5 scale: good is 5, bad is 1. A rating given
    // elsewhere (the widget's 1-5) shows as the nearer answer; a 3 as neither.
    let rated = match t.csat_score {
        Some(4..) => "good",
        Some(..=2) => "bad",
        _ => "",
    };
    let max_mb = max_mb(&d);
    let page = TicketPage {
        csrf: customer.csrf_token.clone(),
        number: t.number,
        subject: t.subject.clone(),
        status: t.status.as_str().to_string(),
        status_label: d.l.t.tp("status-", t.status.as_str()),
        messages,
        can_rate: csat::open_for_rating(&t, crate::db::now()),
        rated: rated.to_string(),
        kept,
        max_mb,
        l: d.l,
    };
    private(&page, status)
}

async fn find(d: &Door, customer: &Customer, key: String) -> AppResult<Ticket> {
    let (tid, cid) = (d.site.tenant.tenant_id(), customer.contact.id.to_string());
    d.state.db.read(move |c| view::find(c, &tid, &cid, &key)).await
}

/// GET …/{locale}/portal/tickets/{number-or-id}
pub async fn show(req: HttpRequest) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-ticket-title").await?;
    let Some(customer) = signed_in(&d) else { return Ok(d.to_sign_in()) };
    let t = find(&d, &customer, url_key(&req)?).await?;
    render_ticket(d, &customer, t, Kept::default(), StatusCode::OK).await
}

/// Read the reply form (multipart with files, or urlencoded without) into `fields`; its files.
async fn read_reply(
    req: &HttpRequest,
    payload: web::Payload,
    d: &Door,
    customer: &Customer,
    fields: &mut HashMap<String, String>,
) -> AppResult<Vec<crate::tickets::attachments::StoredBlob>> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        let tid = d.site.tenant.tenant_id();
        return auth::read_multipart(req, payload.into_inner(), &customer.csrf_token, &tid, &d.state, fields).await;
    }
    let mut payload = payload;
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("cannot read the form: {e}")))?;
        if bytes.len() + chunk.len() > d.state.config.max_body_bytes {
            return Err(AppError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    let f: HashMap<String, String> =
        serde_urlencoded::from_bytes(&bytes).map_err(|e| AppError::BadRequest(format!("invalid form: {e}")))?;
    check_csrf(customer, f.get("_csrf").map(String::as_str))?;
    fields.extend(f);
    Ok(vec![])
}

/// POST …/{locale}/portal/tickets/{number-or-id}/reply: the customer's message, with files.
/// A refusal shows the ticket again with the typed text kept.
pub async fn reply(req: HttpRequest, payload: web::Payload) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-ticket-title").await?;
    let Some(customer) = signed_in(&d) else { return Ok(d.to_sign_in()) };
    let t = find(&d, &customer, url_key(&req)?).await?;
    let mut fields = HashMap::new();
    let read = read_reply(&req, payload, &d, &customer, &mut fields).await;
    let body = fields.get("body").cloned().unwrap_or_default();
    let kept =
        |error: String, field: &str| Kept { body: body.clone(), error, field: field.to_string(), ..Kept::default() };
    let files = match read {
        Ok(f) => f,
        Err(AppError::PayloadTooLarge) => {
            let error = d.l.t.t1("portal-reply-too-large", "size", max_mb(&d));
            return render_ticket(d, &customer, t, kept(error, "files"), StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        Err(AppError::Invalid { field, key, .. }) => {
            let error = d.l.t.t(key);
            return render_ticket(d, &customer, t, kept(error, &field), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    };
    let (tid, actor) = (d.site.tenant.tenant_id(), Actor::Contact(customer.contact.id.clone()));
    let msg = NewMessage {
        kind: MessageKind::Reply,
        channel: Channel::Web,
        body_text: body.clone(),
        body_html: None,
        attachments: files,
    };
    let ticket_id = t.id.clone();
    let added = d.state.db.write(move |c| commands::add_message(c, &tid, &actor, &ticket_id, &msg)).await;
    match added {
        Ok((after, _)) => {
            d.state.tickets_changed(&d.site.tenant.tenant_id());
            d.state.wake_jobs();
            // A closed ticket's reply opened a follow-up: that is where the conversation goes on.
            Ok(see_other(&d.href(&format!("/tickets/{}", after.number))))
        }
        Err(AppError::Invalid { field, key, .. }) => {
            let error = d.l.t.t(key);
            render_ticket(d, &customer, t, kept(error, &field), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// The attachment limit, as the page states it (units are the same in every language).
fn max_mb(d: &Door) -> String {
    let n = d.state.config.max_attachment_bytes;
    if n >= 1 << 20 {
        format!("{} MB", n >> 20)
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// The rating form.
#[derive(Deserialize)]
pub struct RatingForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// POST …/{locale}/portal/tickets/{number-or-id}/rating: good or bad, and a comment.
pub async fn rate(req: HttpRequest, form: web::Form<RatingForm>) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-ticket-title").await?;
    let Some(customer) = signed_in(&d) else { return Ok(d.to_sign_in()) };
    check_csrf(&customer, form.csrf.as_deref())?;
    let t = find(&d, &customer, url_key(&req)?).await?;
    let f = form.into_inner();
    // The desk's scale is 1-5 (csat::SCORES); the portal asks only good or bad: 5 and 1.
    let score = match f.rating.as_str() {
        "good" => 5,
        "bad" => 1,
        _ => 0,
    };
    let (tid, actor, id, comment) =
        (d.site.tenant.tenant_id(), Actor::Contact(customer.contact.id.clone()), t.id.clone(), f.comment.clone());
    let rated = d.state.db.write(move |c| csat::rate(c, &tid, &actor, &id, score, Some(&comment))).await;
    match rated {
        Ok(after) => {
            d.state.tickets_changed(&d.site.tenant.tenant_id());
            d.state.wake_jobs();
            Ok(see_other(&d.href(&format!("/tickets/{}#rating", after.number))))
        }
        Err(AppError::Invalid { field, key, .. }) => {
            let field = if field == "score" { "rating".to_string() } else { field };
            let kept = Kept { comment: f.comment, error: d.l.t.t(key), field, body: String::new() };
            render_ticket(d, &customer, t, kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// GET …/{locale}/portal/attachments/{id}: a file of a public reply on the customer's own
/// ticket, as a download like every attachment; anything else is 404.
pub async fn download(req: HttpRequest) -> AppResult<HttpResponse> {
    let d = door(&req, "portal-ticket-title").await?;
    let Some(customer) = signed_in(&d) else { return Ok(d.to_sign_in()) };
    let (tid, cid, id) = (d.site.tenant.tenant_id(), customer.contact.id.to_string(), url_key(&req)?);
    let meta = d.state.db.read(move |c| view::attachment(c, &tid, &cid, &id)).await?;
    let bytes = d.state.blobs.get(&meta.storage_key).await?;
    Ok(crate::web::attachment_response(&meta, bytes))
}
