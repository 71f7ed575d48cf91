//! The knowledge base in the console: the article list with each article's translations and
//! numbers, and the routes of the editor (the table of contents is in `kb_structure`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::kb_editor::source_locale;
use super::{html, Page};
use crate::error::{AppError, AppResult};
use crate::kb::editing::{self, ListFilter, Listed};
use crate::kb::{parse_locale, Status};
use crate::web::auth::{self, ConsoleUser};

/// Articles on one page of the list.
const PER_PAGE: i64 = 25;

/// Knowledge-base routes of the console.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use super::{kb_actions as act, kb_editor as ed};
    cfg.configure(super::kb_structure::routes);
    cfg.route("/kb", web::get().to(list_page))
        .route("/kb/preview", web::post().to(act::preview))
        .route("/tickets/{key}/articles", web::get().to(super::kb_ticket::picker))
        .route("/kb/articles/new", web::get().to(ed::new_page))
        .route("/kb/articles/new", web::post().to(ed::create))
        .route("/kb/articles/{id}", web::get().to(ed::edit_page))
        .route("/kb/articles/{id}/settings", web::post().to(act::settings))
        .route("/kb/articles/{id}/delete", web::post().to(act::delete))
        .route("/kb/articles/{id}/translations/{locale}", web::post().to(ed::save))
        .route("/kb/articles/{id}/translations/{locale}/status", web::post().to(act::status))
        .route("/kb/articles/{id}/translations/{locale}/schedule", web::post().to(act::schedule))
        .route("/kb/articles/{id}/translations/{locale}/versions/{version}/restore", web::post().to(act::restore))
        .route(
            "/kb/articles/{id}/translations/{locale}/versions/{version}/diff",
            web::get().to(super::kb_diff::version_diff),
        )
        .route("/kb/articles/{id}/translations/{locale}/diff", web::get().to(super::kb_diff::compare));
}

/// `?locale=&status=&page=` on the list.
#[derive(Deserialize)]
struct ListQuery {
    locale: Option<String>,
    status: Option<String>,
    page: Option<String>,
    /// Set by the redirect after an article was deleted.
    deleted: Option<String>,
}

/// One row of the list, ready to show.
struct Row {
    listed: Listed,
    title: String,
    section: String,
}

#[derive(Template)]
#[template(path = "console/kb_list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    locales: Vec<String>,
    locale: String,
    status: String,
    number: i64,
    more: bool,
    zone: String,
    deleted: bool,
}

impl ListPage {
    /// The list's address with the same filters on page `n`.
    fn page_url(&self, n: i64) -> String {
        let mut q = vec![];
        if !self.locale.is_empty() {
            q.push(format!("locale={}", self.locale));
        }
        if !self.status.is_empty() {
            q.push(format!("status={}", self.status));
        }
        q.push(format!("page={n}"));
        format!("/kb?{}", q.join("&"))
    }

    fn ago(&self, at: &chrono::NaiveDateTime) -> String {
        self.page.t.ago(at, &self.zone)
    }
}

async fn list_page(req: HttpRequest, user: ConsoleUser, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let locale = match q.locale.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(parse_locale("locale", l)?),
        None => None,
    };
    let status = match q.status.as_deref().unwrap_or("") {
        "" => None,
        "draft" => Some(Status::Draft),
        "published" => Some(Status::Published),
        _ => return Err(AppError::invalid("status", "error-kb-status", "draft or published")),
    };
    let number = match q.page.as_deref().unwrap_or("1").parse::<i64>() {
        Ok(n) if (1..=100_000).contains(&n) => n,
        _ => return Err(AppError::invalid("page", "error-page-invalid", "a page number from 1")),
    };
    let app = auth::state(&req)?;
    let tid = user.tenant_id();
    let chain = crate::kb::fallback_chain(user.tr.locale(), &user.tenant.default_locale);
    let filter = ListFilter { locale: locale.clone(), status, offset: (number - 1) * PER_PAGE, limit: PER_PAGE };
    let ((listed, more), locales, sections) = app
        .db
        .read(move |c| {
            Ok((
                editing::list(c, &tid, &filter)?,
                editing::locales(c, &tid)?,
                super::kb_editor::section_choices(c, &tid, &chain)?,
            ))
        })
        .await?;
    let rows = listed
        .into_iter()
        .map(|l| {
            let source = source_locale(&l.article, &l.translations);
            let title = l
                .translations
                .iter()
                .find(|t| t.locale == source)
                .or(l.translations.first())
                .map(|t| t.title.clone())
                .unwrap_or_default();
            let section = l
                .article
                .section_id
                .as_ref()
                .and_then(|s| sections.iter().find(|c| &c.id == s))
                .map(|c| c.label.clone())
                .unwrap_or_default();
            Row { listed: l, title, section }
        })
        .collect();
    html(&ListPage {
        page: Page::for_user(&user, "kb"),
        rows,
        locales,
        locale: locale.unwrap_or_default(),
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        number,
        more,
        zone: user.zone().to_string(),
        deleted: q.deleted.is_some(),
    })
}
