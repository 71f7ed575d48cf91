//! What the console adds to articles: publishing and unpublishing without touching the text,
//! publishing at a chosen time (a delayed `kb.publish` job that checks the schedule still
//! stands), saves that refuse a form read before someone else's save, and the article list with
//! each article's numbers (`feedback::stats_of`).

use chrono::{NaiveDateTime, Timelike};
use diesel::expression::IntoSql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::articles::{self, check_translation, enqueue_index, store_translation, touch, Article, Translation};
use super::articles::{translations, translations_of, TranslationIn};
use super::schema::{kb_articles, kb_translations};
use super::Status;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;
use crate::types::Actor;

/// Kind of the delayed job that publishes a scheduled translation.
pub const PUBLISH_JOB: &str = "kb.publish";

fn find(conn: &mut DbConnection, tenant: &TenantId, article_id: &str, locale: &str) -> AppResult<Translation> {
    articles::get(conn, tenant, article_id)?;
    translations(conn, tenant, article_id)?
        .into_iter()
        .find(|t| t.locale.eq_ignore_ascii_case(locale))
        .ok_or(AppError::NotFound)
}

/// Publish or unpublish one translation as it stands (a new version, the text unchanged, its
/// outdated flag kept). Either way a pending schedule is cancelled: the agent decided.
pub fn set_status(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    actor: &Actor,
    status: Status,
) -> AppResult<Translation> {
    let current = find(conn, tenant, article_id, locale)?;
    clear_schedule(conn, tenant, article_id, &current.locale)?;
    if current.status == status.as_str() {
        return find(conn, tenant, article_id, locale);
    }
    let input = TranslationIn {
        locale: None,
        title: current.title.clone(),
        body_markdown: current.body_markdown.clone(),
        keywords: current.keyword_list(),
        status: Some(status),
    };
    let c = check_translation("", &input, &current.locale)?;
    store_translation(conn, tenant, article_id, actor, &c, Some(&current))?;
    touch(conn, tenant, article_id)?;
    enqueue_index(conn, tenant, article_id)?;
    find(conn, tenant, article_id, locale)
}

/// Forget a translation's scheduled publish, if it has one.
pub fn clear_schedule(conn: &mut DbConnection, tenant: &TenantId, article_id: &str, locale: &str) -> AppResult<()> {
    diesel::update(kb_translations::table.find((tenant.as_str(), article_id, locale)))
        .set(kb_translations::publish_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// Publish a draft translation at `at` (UTC, whole seconds kept). A time already past publishes
/// at the worker's next turn. A later schedule replaces this one: the job of an earlier one finds
/// the time changed and does nothing.
pub fn schedule(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    at: NaiveDateTime,
) -> AppResult<Translation> {
    let current = find(conn, tenant, article_id, locale)?;
    if current.is_published() {
        return Err(AppError::invalid("publish_at", "error-kb-schedule-published", "the translation is published"));
    }
    let at = at.with_nanosecond(0).unwrap_or(at);
    diesel::update(kb_translations::table.find((tenant.as_str(), article_id, current.locale.as_str())))
        .set(kb_translations::publish_at.eq(Some(at)))
        .execute(conn)?;
    let payload = serde_json::json!({"article_id": article_id, "locale": current.locale, "at": stamp(&at)});
    let mut job = NewJob::new(PUBLISH_JOB, Some(tenant), payload);
    job.delay = at - now();
    jobs::enqueue(conn, &job)?;
    find(conn, tenant, article_id, locale)
}

/// How a schedule's time travels in the job's payload.
pub fn stamp(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The `kb.publish` job's work: publish the translation when the schedule in the payload still
/// stands and is due. `false` when there was nothing to do (rescheduled, cancelled, published or
/// deleted meanwhile), which is a success: the job is not retried.
pub fn publish_due(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    at: &str,
) -> AppResult<bool> {
    let current = match find(conn, tenant, article_id, locale) {
        Ok(t) => t,
        Err(AppError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    let Some(due) = current.publish_at else { return Ok(false) };
    if stamp(&due) != at || due > now() {
        return Ok(false);
    }
    set_status(conn, tenant, article_id, &current.locale, &Actor::System, Status::Published)?;
    Ok(true)
}

/// Save a translation's text as `put_translation` does, refused with 412 when it has been saved
/// since the form was read (`read_version`: the version the form showed, 0 for a new locale).
pub fn save(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    actor: &Actor,
    input: &TranslationIn,
    read_version: Option<i32>,
) -> AppResult<Translation> {
    if let Some(read) = read_version {
        articles::get(conn, tenant, article_id)?;
        let stored = translations(conn, tenant, article_id)?
            .into_iter()
            .find(|t| t.locale.eq_ignore_ascii_case(locale))
            .map_or(0, |t| t.version);
        if stored != read {
            return Err(AppError::PreconditionFailed);
        }
    }
    articles::put_translation(conn, tenant, article_id, locale, actor, input)
}

/// Which articles the console list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only articles with a translation in this locale.
    pub locale: Option<String>,
    /// Only articles with a translation in this state (in `locale`, when given).
    pub status: Option<Status>,
    pub offset: i64,
    pub limit: i64,
}

/// One row of the console list: the article, all its translations and its numbers (widget
/// deflections among them).
#[derive(Debug, Clone)]
pub struct Listed {
    pub article: Article,
    pub translations: Vec<Translation>,
    pub stats: super::feedback::Stats,
}

/// A page of the tenant's articles, most recently changed first; `true` when more follow.
pub fn list(conn: &mut DbConnection, tenant: &TenantId, f: &ListFilter) -> AppResult<(Vec<Listed>, bool)> {
    let mut q = kb_articles::table
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .order((kb_articles::updated_at.desc(), kb_articles::id.desc()))
        .offset(f.offset)
        .limit(f.limit + 1)
        .select(Article::as_select())
        .into_boxed();
    if f.locale.is_some() || f.status.is_some() {
        // A filter left open is `OR true`, so the subquery keeps one type (boxed subqueries do
        // not cross the two backends).
        let locale = f.locale.clone().unwrap_or_default();
        let status = f.status.map(|s| s.as_str()).unwrap_or_default();
        let sub = kb_translations::table
            .filter(kb_translations::tenant_id.eq(tenant.as_str()))
            .filter(kb_translations::locale.eq(locale).or(f.locale.is_none().into_sql::<Bool>()))
            .filter(kb_translations::status.eq(status).or(f.status.is_none().into_sql::<Bool>()))
            .select(kb_translations::article_id);
        q = q.filter(kb_articles::id.eq_any(sub));
    }
    let mut rows: Vec<Article> = q.load(conn)?;
    let more = rows.len() as i64 > f.limit;
    rows.truncate(f.limit.max(0) as usize);
    let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
    let all = translations_of(conn, tenant, &ids)?;
    let mut stats = super::feedback::stats_of(conn, tenant, &ids)?;
    let out = rows
        .into_iter()
        .map(|a| {
            let stats = stats.remove(&a.id).unwrap_or_default();
            Listed { translations: all.iter().filter(|t| t.article_id == a.id).cloned().collect(), stats, article: a }
        })
        .collect();
    Ok((out, more))
}

/// Every locale the tenant has a translation in (the list's filter).
pub fn locales(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<String>> {
    Ok(kb_translations::table
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .select(kb_translations::locale)
        .distinct()
        .order(kb_translations::locale)
        .load(conn)?)
}

/// The `kb.publish` job handler.
pub async fn run_publish_job(db: crate::db::Db, ctx: jobs::JobContext) -> Result<(), String> {
    let payload = ctx.payload()?;
    let field = |k: &str| payload[k].as_str().map(str::to_string).ok_or(format!("payload has no {k}"));
    let (article, locale, at) = (field("article_id")?, field("locale")?, field("at")?);
    let tenant = TenantId::from_trusted(ctx.job.tenant_id.clone().ok_or("job has no tenant")?);
    db.write(move |c| publish_due(c, &tenant, &article, &locale, &at)).await.map(|_| ()).map_err(|e| e.to_string())
}
