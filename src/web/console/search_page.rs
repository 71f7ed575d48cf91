//! The search over everything: the results page (`/search`, a plain form that works without
//! scripts), the suggestions the header box shows as the agent types (`/search/suggest`, a small
//! server-rendered fragment of listbox options) and an article's page for agents (`/kb/articles/{id}/read`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{html, html_status, Page};
use crate::error::{AppError, AppResult};
use crate::kb::{self, articles, reading, Audience};
use crate::search::everything::{self, ArticleHit, TicketHit};
use crate::web::auth::{self, ConsoleUser};

/// Tickets per results page, and articles.
const TICKETS_PER_PAGE: i64 = 20;
const ARTICLES_PER_PAGE: usize = 10;
/// What the suggestions show of each kind.
const SUGGESTED_TICKETS: i64 = 5;
const SUGGESTED_ARTICLES: usize = 3;
/// The box asks for suggestions from this many characters on (the page accepts fewer).
const SUGGEST_MIN_CHARS: usize = 2;
/// Most earlier pages a "previous" link remembers.
const PREV_DEPTH: usize = 20;

/// `/search` and `/search/suggest` query strings.
#[derive(Deserialize, Default)]
pub struct SearchParams {
    q: Option<String>,
    cursor: Option<String>,
    /// The cursors of the ticket pages before this one, `.`-separated (`-` is the first).
    prev: Option<String>,
    /// The page of articles, from 1.
    ap: Option<usize>,
}

#[derive(Template)]
#[template(path = "console/search.html")]
struct SearchPage {
    page: Page,
    q: String,
    error: Option<String>,
    searched: bool,
    tickets: Vec<TicketHit>,
    articles: Vec<ArticleHit>,
    fallback: bool,
    short: bool,
    next_href: Option<String>,
    prev_href: Option<String>,
    articles_next: Option<String>,
    articles_prev: Option<String>,
}

impl SearchPage {
    fn kind_label(&self, hit: &TicketHit) -> String {
        match hit.matched_in.as_deref() {
            Some("note") => self.page.t.t("search-in-note"),
            Some(_) => self.page.t.t("search-in-reply"),
            None => self.page.t.t("search-in-ticket"),
        }
    }
}

fn link(q: &str, extra: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.append_pair("q", q);
    for (k, v) in extra {
        ser.append_pair(k, v);
    }
    format!("/search?{}", ser.finish())
}

/// GET /search
pub async fn show(req: HttpRequest, user: ConsoleUser, p: web::Query<SearchParams>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let p = p.into_inner();
    let mut page = SearchPage {
        page: Page::for_user(&user, "search"),
        q: p.q.clone().unwrap_or_default(),
        error: None,
        searched: false,
        tickets: vec![],
        articles: vec![],
        fallback: false,
        short: false,
        next_href: None,
        prev_href: None,
        articles_next: None,
        articles_prev: None,
    };
    if page.q.trim().is_empty() {
        return html(&page);
    }
    let q = match everything::parse_query(p.q.as_deref()) {
        Ok(q) => q,
        Err(AppError::Invalid { key, .. }) => {
            page.error = Some(user.tr.t(key));
            page.q = page.q.chars().take(everything::MAX_QUERY_CHARS).collect();
            return html_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(e),
    };
    let (tid, me, q2, cursor) = (user.tenant_id(), user.agent.id.to_string(), q.clone(), p.cursor.clone());
    let (tickets, next) =
        app.db.read(move |c| everything::tickets(c, &tid, &me, &q2, cursor.as_deref(), TICKETS_PER_PAGE)).await?;
    let ap = p.ap.unwrap_or(1).clamp(1, 50);
    let found = everything::articles(
        &app.db,
        &app.search,
        &user.tenant,
        &q,
        user.tr.locale(),
        (ap - 1) * ARTICLES_PER_PAGE,
        ARTICLES_PER_PAGE,
    )
    .await?;
    let back: Vec<&str> =
        p.prev.as_deref().unwrap_or("").split('.').filter(|c| !c.is_empty() && c.len() < 512).collect();
    let here = p.cursor.as_deref().filter(|c| !c.is_empty()).unwrap_or("-");
    let keep_ap = |v: &mut Vec<(&str, String)>| {
        if ap > 1 {
            v.push(("ap", ap.to_string()));
        }
    };
    page.next_href = next.map(|c| {
        let mut trail: Vec<&str> = back.iter().copied().chain([here]).collect();
        let skip = trail.len().saturating_sub(PREV_DEPTH);
        trail.drain(..skip);
        let mut v = vec![("cursor", c), ("prev", trail.join("."))];
        keep_ap(&mut v);
        link(&q, &v)
    });
    page.prev_href = back.split_last().map(|(last, rest)| {
        let mut v = Vec::new();
        if *last != "-" {
            v.push(("cursor", last.to_string()));
        }
        if !rest.is_empty() {
            v.push(("prev", rest.join(".")));
        }
        keep_ap(&mut v);
        link(&q, &v)
    });
    let at_tickets = |v: &mut Vec<(&str, String)>| {
        if let Some(c) = p.cursor.as_deref().filter(|c| !c.is_empty()) {
            v.push(("cursor", c.to_string()));
            if let Some(prev) = p.prev.as_deref().filter(|c| !c.is_empty()) {
                v.push(("prev", prev.to_string()));
            }
        }
    };
    page.articles_next = found.more.then(|| {
        let mut v = Vec::new();
        at_tickets(&mut v);
        v.push(("ap", (ap + 1).to_string()));
        link(&q, &v)
    });
    page.articles_prev = (ap > 1).then(|| {
        let mut v = Vec::new();
        at_tickets(&mut v);
        if ap > 2 {
            v.push(("ap", (ap - 1).to_string()));
        }
        link(&q, &v)
    });
    page.short = !crate::tickets::text_search::indexable(&q);
    page.searched = true;
    page.tickets = tickets;
    page.articles = found.hits;
    page.fallback = found.fallback;
    page.q = q;
    html(&page)
}

#[derive(Template)]
#[template(path = "console/_search_suggest.html")]
struct Suggestions {
    page: Page,
    q: String,
    all_href: String,
    tickets: Vec<TicketHit>,
    articles: Vec<ArticleHit>,
}

/// GET /search/suggest: the options of the header box's listbox (none for too short a text).
pub async fn suggest(req: HttpRequest, user: ConsoleUser, p: web::Query<SearchParams>) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let raw = p.q.as_deref().unwrap_or("").trim();
    let empty = Suggestions {
        page: Page::for_user(&user, "search"),
        q: String::new(),
        all_href: String::new(),
        tickets: vec![],
        articles: vec![],
    };
    if raw.chars().count() < SUGGEST_MIN_CHARS {
        return html(&empty);
    }
    let q = everything::parse_query(Some(raw))?;
    let (tid, me, q2) = (user.tenant_id(), user.agent.id.to_string(), q.clone());
    let (tickets, _) = app.db.read(move |c| everything::tickets(c, &tid, &me, &q2, None, SUGGESTED_TICKETS)).await?;
    let found =
        everything::articles(&app.db, &app.search, &user.tenant, &q, user.tr.locale(), 0, SUGGESTED_ARTICLES).await?;
    html(&Suggestions { all_href: link(&q, &[]), q, tickets, articles: found.hits, ..empty })
}

#[derive(Deserialize)]
pub struct ArticleParams {
    locale: Option<String>,
}

#[derive(Template)]
#[template(path = "console/kb_article.html")]
struct ArticlePage {
    page: Page,
    title: String,
    locale: String,
    internal: bool,
    draft: bool,
    body_html: String,
    help_href: Option<String>,
}

/// GET /kb/articles/{id}/read: an article as agents read it (internal and draft translations included), in
/// the asked locale when it has one, else the agent's best.
pub async fn article(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    p: web::Query<ArticleParams>,
) -> AppResult<HttpResponse> {
    let app = auth::state(&req)?;
    let (tid, id) = (user.tenant_id(), path.into_inner());
    let (a, trs) = app
        .db
        .read(move |c| {
            let a = articles::get(c, &tid, &id)?;
            let trs = articles::translations(c, &tid, &id)?;
            Ok((a, trs))
        })
        .await?;
    let wanted = p.locale.as_deref().and_then(|l| kb::parse_locale("locale", l).ok());
    let chain = kb::fallback_chain(wanted.as_deref().unwrap_or(user.tr.locale()), &user.tenant.default_locale);
    let t = reading::best_translation(&a, trs.iter(), &chain, Audience::Agent)
        .or_else(|| trs.first().cloned())
        .ok_or(AppError::NotFound)?;
    let internal = a.visibility() == kb::Visibility::Internal;
    let public = reading::readable(&a, &t, Audience::Public);
    html(&ArticlePage {
        page: Page::for_user(&user, "search"),
        help_href: public.then(|| format!("/h/{}/{}/articles/{}", user.tenant.slug, t.locale, a.id)),
        draft: !t.is_published(),
        body_html: t.body_html.clone(),
        title: t.title,
        locale: t.locale,
        internal,
    })
}
