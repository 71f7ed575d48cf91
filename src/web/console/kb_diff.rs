//! What changed between two versions of one translation, from the editor's history: the title,
//! keywords and status side by side and the body as a line diff, with the older version's
//! *Restore* beside it (the post is `kb_actions::restore`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{html, Page};
use crate::error::{AppError, AppResult};
use crate::kb::articles::{self, Translation, Version};
use crate::kb::diff::{self, Diff};
use crate::web::auth::{self, ConsoleUser};

/// One side of the comparison: a saved version, or the translation as it is now.
pub(super) struct Side {
    pub version: i32,
    pub title: String,
    pub body: String,
    pub keywords: Vec<String>,
    pub status: String,
    pub saved_at: chrono::NaiveDateTime,
}

impl Side {
    fn of_version(v: &Version) -> Self {
        Side {
            version: v.version,
            title: v.title.clone(),
            body: v.body_markdown.clone(),
            keywords: serde_json::from_str(&v.keywords).unwrap_or_default(),
            status: v.status.clone(),
            saved_at: v.created_at,
        }
    }

    fn of_current(t: &Translation) -> Self {
        Side {
            version: t.version,
            title: t.title.clone(),
            body: t.body_markdown.clone(),
            keywords: t.keyword_list(),
            status: t.status.clone(),
            saved_at: t.updated_at,
        }
    }
}

#[derive(Template)]
#[template(path = "console/kb_diff.html")]
pub(super) struct DiffPage {
    pub page: Page,
    pub article_id: String,
    pub locale: String,
    /// The translation's version now.
    pub current: i32,
    pub from: Side,
    pub to: Side,
    /// Every saved version's number, newest first (the pickers' choices).
    pub numbers: Vec<i32>,
    pub diff: Diff,
    pub zone: String,
}

impl DiffPage {
    /// A saved time in the agent's zone.
    fn when(&self, at: &chrono::NaiveDateTime) -> String {
        self.page.t.datetime(at, &self.zone)
    }

    /// Keywords of the older side the newer one no longer has.
    fn keywords_removed(&self) -> Vec<&String> {
        self.from.keywords.iter().filter(|k| !self.to.keywords.contains(k)).collect()
    }

    /// Keywords the newer side added.
    fn keywords_added(&self) -> Vec<&String> {
        self.to.keywords.iter().filter(|k| !self.from.keywords.contains(k)).collect()
    }

    /// "3 unchanged lines", for a run the diff folds away.
    fn skipped(&self, n: &usize) -> String {
        self.page.t.tn("kb-diff-skipped", "count", i64::try_from(*n).unwrap_or(i64::MAX))
    }

    /// Lines of the diff not shown, as Fluent takes a number.
    fn cut(&self) -> i64 {
        i64::try_from(self.diff.cut).unwrap_or(i64::MAX)
    }

    /// The editor of this translation.
    fn editor(&self) -> String {
        format!("/kb/articles/{}?locale={}", self.article_id, self.locale)
    }
}

/// `?from=&to=` on the compare page; `?to=` on a version's diff. Either absent `to` means now.
#[derive(Deserialize)]
pub(super) struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

/// A version number typed into the query: a refusal that names the field when it is not one.
fn number(field: &str, raw: &str) -> AppResult<i32> {
    raw.trim().parse::<i32>().map_err(|_| AppError::invalid(field, "kb-diff-error-version", "a version number"))
}

/// GET /kb/articles/{id}/translations/{locale}/versions/{version}/diff[?to=N]: the version
/// against the current text (or against version N).
pub(super) async fn version_diff(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<(String, String, String)>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let (id, locale, version) = path.into_inner();
    // A path that names no version is no page, like any other unknown address.
    let from = version.parse::<i32>().map_err(|_| AppError::NotFound)?;
    let to = q.into_inner().to.filter(|t| !t.trim().is_empty()).map(|t| number("to", &t)).transpose()?;
    show(&req, &user, id, locale, from, to).await
}

/// GET /kb/articles/{id}/translations/{locale}/diff?from=N[&to=M]: the pickers' form.
pub(super) async fn compare(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<(String, String)>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let (id, locale) = path.into_inner();
    let q = q.into_inner();
    let from = number("from", q.from.as_deref().unwrap_or_default())?;
    let to = q.to.filter(|t| !t.trim().is_empty()).map(|t| number("to", &t)).transpose()?;
    show(&req, &user, id, locale, from, to).await
}

async fn show(
    req: &HttpRequest,
    user: &ConsoleUser,
    id: String,
    locale: String,
    from: i32,
    to: Option<i32>,
) -> AppResult<HttpResponse> {
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let article_id = id.clone();
    let (current, versions) = app
        .db
        .read(move |c| {
            // Another tenant's article is not found here, before any of its translations is read.
            articles::get(c, &tid, &id)?;
            let t = articles::translations(c, &tid, &id)?
                .into_iter()
                .find(|t| t.locale.eq_ignore_ascii_case(&locale))
                .ok_or(AppError::NotFound)?;
            let versions = articles::versions(c, &tid, &id, &t.locale)?;
            Ok((t, versions))
        })
        .await?;
    let find = |n: i32| versions.iter().find(|v| v.version == n).map(Side::of_version).ok_or(AppError::NotFound);
    let from = find(from)?;
    let to = match to {
        Some(n) => find(n)?,
        None => Side::of_current(&current),
    };
    // Up to MAX_CELLS of work: off the server's event loop, like the database's.
    let (a, b) = (from.body.clone(), to.body.clone());
    let diff = web::block(move || diff::diff(&a, &b)).await.map_err(|e| AppError::Internal(e.into()))?;
    html(&DiffPage {
        page: Page::for_user(user, "kb"),
        article_id,
        locale: current.locale.clone(),
        current: current.version,
        numbers: versions.iter().map(|v| v.version).collect(),
        from,
        to,
        diff,
        zone: user.zone().to_string(),
    })
}
