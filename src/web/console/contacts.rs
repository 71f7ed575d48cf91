//! Contacts in the console: the list (search by name or email), a contact's page (details, the
//! edit form, every ticket of theirs), and merging another contact into one (pick, preview, confirm).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::forms::FormState;
use super::{html_status, see_other, Page};
use crate::accounts::contacts::{self, Contact};
use crate::accounts::organizations::is_free_mail;
use crate::error::{AppError, AppResult};
use crate::tickets::contact_merge;
use crate::tickets::requesters::{self, TicketPage};
use crate::tickets::{Actor, Ticket};
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// Rows per page of the contacts list and of a contact's tickets.
const PER_PAGE: i64 = 25;

/// Contact and organisation routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contacts", web::get().to(list))
        .route("/contacts/{id}", web::get().to(show))
        .route("/contacts/{id}", web::post().to(update))
        .route("/contacts/{id}/merge", web::get().to(merge_page))
        .route("/contacts/{id}/merge", web::post().to(merge));
}

/// A contact's organisation domain, unless free mail.
pub(super) fn organization(c: &Contact) -> Option<&str> {
    c.email_domain.as_deref().filter(|d| !is_free_mail(d))
}

/// Query-string encoding of one value.
pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Template)]
#[template(path = "console/contacts.html")]
struct ListPage {
    page: Page,
    q: String,
    contacts: Vec<Contact>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

impl ListPage {
    fn org<'a>(&self, c: &'a Contact) -> Option<&'a str> {
        organization(c)
    }
}

/// GET /contacts?q=&page=: contacts by name, filtered by name or email.
async fn list(
    req: HttpRequest,
    user: ConsoleUser,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let q = query.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let n: i64 = match query.get("page").map(|p| p.parse::<i64>()) {
        None => 1,
        Some(Ok(n)) if (1..=10_000).contains(&n) => n,
        Some(_) => return Err(AppError::invalid("page", "error-page-invalid", "page is a number from 1")),
    };
    let (tid, qq) = (user.tenant_id(), q.clone());
    let mut rows =
        app.db.read(move |c| contacts::search(c, &tid, Some(qq.as_str()), (n - 1) * PER_PAGE, PER_PAGE + 1)).await?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let href = |p: i64| format!("/contacts?q={}&page={p}", enc(&q));
    html_status(
        &ListPage {
            page: Page::for_user(&user, "contacts"),
            prev_href: (n > 1).then(|| href(n - 1)),
            next_href: more.then(|| href(n + 1)),
            q,
            contacts: rows,
        },
        StatusCode::OK,
    )
}

/// The pager links of a page of tickets listed at `base` (which already holds a `?`).
pub(super) fn ticket_pager(base: &str, cursor: Option<&str>, page: &TicketPage) -> (Option<String>, Option<String>) {
    let first = cursor.map(|_| base.trim_end_matches(['?', '&']).to_string());
    let next = page.next.as_ref().map(|c| format!("{base}cursor={}", enc(c)));
    (first, next)
}

#[derive(Template)]
#[template(path = "console/contact.html")]
struct ContactPage {
    page: Page,
    contact: Contact,
    /// Contacts merged into this one: their addresses reach it too.
    aliases: Vec<Contact>,
    tickets: Vec<Ticket>,
    first_href: Option<String>,
    next_href: Option<String>,
    zone: String,
    form: FormState,
    /// After a save or a merge: what happened.
    notice: Option<String>,
}

impl ContactPage {
    /// The edit form's value of `name`: as typed after a refusal, else the contact's.
    fn value(&self, name: &str) -> String {
        let stored = match name {
            "name" => self.contact.name.clone(),
            "locale" => self.contact.locale.clone().unwrap_or_default(),
            "notes" => self.contact.notes.clone().unwrap_or_default(),
            _ => String::new(),
        };
        self.form.value(name, &stored).to_string()
    }

    /// Whether the VIP box is ticked: as submitted after a refusal, else as stored.
    fn vip(&self) -> bool {
        if self.form.value("_submitted", "") == "1" {
            return self.form.chose("vip", "on").unwrap_or(false);
        }
        self.contact.vip
    }

    fn org(&self) -> Option<&str> {
        organization(&self.contact)
    }
}

async fn render_contact(
    req: &HttpRequest,
    user: &ConsoleUser,
    id: String,
    cursor: Option<String>,
    form: FormState,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let (contact, aliases, tickets) = app
        .db
        .read(move |c| {
            let contact = contacts::get(c, &tid, &id.as_str().into())?;
            if contact.merged_into_id.is_some() {
                return Ok((contact, vec![], None));
            }
            let aliases = contacts::merged_into(c, &tid, &id)?;
            let tickets = requesters::of_contact(c, &tid, &id, cursor.as_deref(), PER_PAGE)?;
            Ok((contact, aliases, Some((tickets, cursor))))
        })
        .await?;
    let Some((tickets, cursor)) = tickets else {
        // A merged contact's links lead to the one it lives on in.
        let into = contact.merged_into_id.map(|i| i.to_string()).unwrap_or_default();
        return Ok(see_other(&format!("/contacts/{into}")));
    };
    let (first_href, next_href) = ticket_pager(&format!("/contacts/{}?", contact.id), cursor.as_deref(), &tickets);
    html_status(
        &ContactPage {
            page: Page::for_user(user, "contacts"),
            contact,
            aliases,
            tickets: tickets.tickets,
            first_href,
            next_href,
            zone: user.zone().to_string(),
            form,
            notice,
        },
        status,
    )
}

/// GET /contacts/{id}: the contact, the edit form and their tickets (`?cursor=` pages on).
async fn show(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let notice = if query.contains_key("saved") {
        Some(user.tr.t("contact-saved"))
    } else {
        query.get("merged").and_then(|n| n.parse::<i64>().ok()).map(|n| user.tr.tn("contact-merged", "count", n))
    };
    let cursor = query.get("cursor").cloned();
    render_contact(&req, &user, path.into_inner(), cursor, FormState::fresh(), notice, StatusCode::OK).await
}

/// POST /contacts/{id}: save name, language, VIP and notes together, or show the form again
/// with the refused field marked.
async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    let mut values = f.form.clone();
    values.insert("_submitted".into(), "1".into());
    let v = values.clone();
    let cid = id.clone();
    let outcome = app
        .db
        .write(move |c| {
            let get = |k: &str| v.get(k).map(String::as_str).unwrap_or("");
            let locale = get("locale").trim();
            contacts::update(c, &tid, &cid, None, Some(get("name")), Some((!locale.is_empty()).then_some(locale)))?;
            contacts::set_vip(c, &tid, &cid, get("vip") == "on")?;
            contacts::set_notes(c, &tid, &cid, get("notes"))
        })
        .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/contacts/{id}?saved=1"))),
        Err(e @ AppError::Invalid { .. }) => {
            let form = FormState::refused(values, &e, &f.user.tr);
            render_contact(&req, &f.user, id, None, form, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// One side of a contact merge as the preview shows it.
struct Side {
    contact: Contact,
    tickets: i64,
}

#[derive(Template)]
#[template(path = "console/contact_merge.html")]
struct MergePage {
    page: Page,
    /// The contact that stays.
    into: Contact,
    /// What the agent searched for, and the contacts found.
    q: String,
    candidates: Vec<Contact>,
    /// Both sides, once a second contact is picked and may be merged.
    preview: Option<(Side, Side)>,
    form: FormState,
}

async fn render_merge(
    req: &HttpRequest,
    user: &ConsoleUser,
    id: String,
    q: String,
    with: Option<String>,
    refused: Option<AppError>,
) -> AppResult<HttpResponse> {
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let qq = q.clone();
    let (into, candidates, preview) = app
        .db
        .read(move |c| {
            let into = contacts::get(c, &tid, &id.as_str().into())?;
            let found = if qq.is_empty() { vec![] } else { contacts::search(c, &tid, Some(&qq), 0, 21)? };
            let candidates: Vec<Contact> = found.into_iter().filter(|x| x.id != into.id).take(20).collect();
            let preview = match with.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
                None => Ok(None),
                Some(w) => contact_merge::other(c, &tid, w).and_then(|from| {
                    contact_merge::check(&into, &from)?;
                    let a = Side {
                        tickets: requesters::count_of_contact(c, &tid, into.id.as_str())?,
                        contact: into.clone(),
                    };
                    let b = Side { tickets: requesters::count_of_contact(c, &tid, from.id.as_str())?, contact: from };
                    Ok(Some((a, b)))
                }),
            };
            Ok((into, candidates, preview))
        })
        .await?;
    if into.merged_into_id.is_some() {
        let to = into.merged_into_id.map(|i| i.to_string()).unwrap_or_default();
        return Ok(see_other(&format!("/contacts/{to}")));
    }
    let (preview, err) = match (preview, refused) {
        (Err(e @ AppError::Invalid { .. }), _) => (None, Some(e)),
        (Err(e), _) => return Err(e),
        (Ok(p), None) => (p, None),
        (Ok(_), Some(e)) => (None, Some(e)),
    };
    let (form, status) = match err {
        Some(e) => (FormState::refused(HashMap::new(), &e, &user.tr), StatusCode::UNPROCESSABLE_ENTITY),
        None => (FormState::fresh(), StatusCode::OK),
    };
    html_status(&MergePage { page: Page::for_user(user, "contacts"), into, q, candidates, preview, form }, status)
}

/// GET /contacts/{id}/merge?q=&with=: find the contact to merge into this one, then preview both.
async fn merge_page(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let q = query.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    render_merge(&req, &user, path.into_inner(), q, query.get("with").cloned(), None).await
}

/// POST /contacts/{id}/merge (`from_id`): the merge the preview showed.
async fn merge(
    req: HttpRequest,
    path: web::Path<String>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (f.user.tenant_id(), path.into_inner());
    let from = f.form.get("from_id").map(|s| s.trim().to_string()).unwrap_or_default();
    let actor = Actor::Agent(f.user.agent.id.clone());
    let (cid, fid) = (id.clone(), from.clone());
    let outcome = app.db.write(move |c| contact_merge::merge(c, &tid, &actor, &cid.as_str().into(), &fid)).await;
    match outcome {
        Ok(m) => {
            app.tickets_changed(&f.user.tenant_id());
            Ok(see_other(&format!("/contacts/{id}?merged={}", m.tickets_moved)))
        }
        Err(e @ AppError::Invalid { .. }) => render_merge(&req, &f.user, id, String::new(), None, Some(e)).await,
        Err(e) => Err(e),
    }
}
