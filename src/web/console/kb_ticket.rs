//! The knowledge base beside a ticket: articles suggested from its subject in its language, a
//! search whose results the composer can link to, and a draft article made from the ticket.
//! Only published public articles are offered: the link goes to a customer.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::ticket_page::resolve;
use crate::app::AppState;
use crate::error::AppResult;
use crate::kb::Audience;
use crate::tenancy::Tenant;
use crate::tickets::{queries, Ticket};
use crate::types::MessageKind;
use crate::web::auth::{self, ConsoleUser};

/// Articles suggested beside a ticket.
const SUGGESTED: usize = 3;
/// Results of the picker's search.
const FOUND: usize = 8;

/// An article the composer may link to: its title and its help-center address.
pub struct ArticleLink {
    pub title: String,
    pub url: String,
    pub locale: String,
}

/// Published public articles matching `q` for a reader of the ticket's language.
pub async fn find(app: &AppState, tenant: &Tenant, ticket: &Ticket, q: &str, limit: usize) -> Vec<ArticleLink> {
    let locale = ticket.language.clone().unwrap_or_else(|| tenant.default_locale.clone());
    let q: String = q.chars().take(200).collect();
    // A failing search leaves the ticket page without suggestions rather than without a page.
    let Ok(out) = app.search.search(&app.db, tenant, &q, &locale, Audience::Public, limit).await else {
        return vec![];
    };
    let base = app.config.base_url.as_str().trim_end_matches('/').to_string();
    out.hits
        .into_iter()
        .map(|h| ArticleLink {
            url: format!("{base}/h/{}/{}/articles/{}", tenant.slug, h.locale, h.article_id),
            title: h.title,
            locale: h.locale,
        })
        .collect()
}

/// Suggestions for the ticket page, from the ticket's subject.
pub async fn suggested(app: &AppState, tenant: &Tenant, ticket: &Ticket) -> Vec<ArticleLink> {
    find(app, tenant, ticket, &ticket.subject, SUGGESTED).await
}

#[derive(Deserialize)]
pub(super) struct PickerQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "console/_kb_links.html")]
struct LinksFragment {
    t: crate::i18n::Tr,
    links: Vec<ArticleLink>,
    none: bool,
}

/// GET /tickets/{key}/articles?q=: the picker's results, as a fragment the page swaps in.
pub(super) async fn picker(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    q: web::Query<PickerQuery>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, key) = (user.tenant_id(), path.into_inner());
    let ticket = app.db.read(move |c| resolve(c, &tid, &key)).await?;
    let links = find(&app, &user.tenant, &ticket, q.q.as_deref().unwrap_or(""), FOUND).await;
    super::html(&LinksFragment { t: user.tr.clone(), none: links.is_empty(), links })
}

/// A draft made from a ticket: its subject, its newest public reply and its language.
pub struct Draft {
    pub title: String,
    pub body: String,
    pub locale: Option<String>,
}

/// The draft the editor starts from for `from_ticket={key}` (another tenant's ticket is not found).
pub async fn draft(app: &AppState, user: &ConsoleUser, key: String) -> AppResult<Draft> {
    let tid = user.tenant_id();
    app.db
        .read(move |c| {
            let t = resolve(c, &tid, &key)?;
            let d = queries::detail(c, &tid, t.id.as_str())?;
            let replies: Vec<&queries::TimelineItem> =
                d.timeline.iter().filter(|m| m.message.kind == MessageKind::Reply).collect();
            // The agents' answer is what an article should say; the customer's question if none yet.
            let last = replies
                .iter()
                .rev()
                .find(|m| m.message.author_type == "agent")
                .or(replies.last())
                .map(|m| m.message.body_text_full.clone().unwrap_or_else(|| m.message.body_text.clone()))
                .unwrap_or_default();
            Ok(Draft { title: t.subject.clone(), body: last, locale: t.language.clone() })
        })
        .await
}
