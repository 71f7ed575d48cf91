//! Articles and their translations. Every save of a translation writes a version row and
//! enqueues the article's `kb.index` job in the same transaction, so the search index follows
//! the database even across crashes and downtime.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{kb_articles, kb_sections, kb_translation_versions, kb_translations};
use super::{check_line, parse_locale, render, Status, Visibility};
use super::{INDEX_JOB, MAX_BODY_CHARS, MAX_KEYWORDS, MAX_KEYWORD_CHARS, MAX_TITLE_CHARS};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, NewJob};
use crate::tenancy::TenantId;
use crate::types::Actor;

/// An article row: where it lives and who may read it; its text is in its translations.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_articles)]
pub struct Article {
    pub tenant_id: String,
    pub id: String,
    pub section_id: Option<String>,
    pub visibility: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The locale the other translations are made from (the first one saved).
    pub source_locale: Option<String>,
}

impl Article {
    /// Who may read it.
    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.visibility).unwrap_or(Visibility::Internal)
    }
}

/// One locale's text of an article.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kb_translations)]
pub struct Translation {
    pub tenant_id: String,
    pub article_id: String,
    pub locale: String,
    pub title: String,
    pub body_markdown: String,
    pub body_html: String,
    pub keywords: String,
    pub status: String,
    pub author_type: String,
    pub author_id: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The source's text changed after this translation was last saved.
    pub outdated: bool,
    /// When a scheduled publish is due (UTC); `None` when none is scheduled.
    pub publish_at: Option<NaiveDateTime>,
}

impl Translation {
    /// Its keywords.
    pub fn keyword_list(&self) -> Vec<String> {
        serde_json::from_str(&self.keywords).unwrap_or_default()
    }

    /// Whether readers see it.
    pub fn is_published(&self) -> bool {
        self.status == Status::Published.as_str()
    }
}

/// A saved version of a translation (its history).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = kb_translation_versions)]
pub struct Version {
    #[serde(skip)]
    pub tenant_id: String,
    #[serde(skip)]
    pub article_id: String,
    pub locale: String,
    pub version: i32,
    pub title: String,
    pub body_markdown: String,
    #[serde(skip)]
    pub keywords: String,
    pub status: String,
    pub author_type: String,
    pub author_id: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

/// A translation as a client sends it (the locale comes from the path on `PUT`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslationIn {
    /// Absent on `PUT …/translations/{locale}`, where the path names it.
    #[serde(default)]
    pub locale: Option<String>,
    pub title: String,
    pub body_markdown: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// `draft` when absent.
    #[serde(default)]
    pub status: Option<Status>,
}

/// A checked translation, ready to store.
pub(super) struct Checked {
    locale: String,
    title: String,
    body_markdown: String,
    body_html: String,
    keywords: String,
    status: Status,
}

pub(super) fn check_translation(prefix: &str, t: &TranslationIn, locale: &str) -> AppResult<Checked> {
    let locale = parse_locale(&format!("{prefix}locale"), locale)?;
    let title = check_line(&format!("{prefix}title"), &t.title, MAX_TITLE_CHARS)?;
    if t.body_markdown.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::invalid(
            &format!("{prefix}body_markdown"),
            "error-kb-body",
            format!("at most {MAX_BODY_CHARS} characters"),
        ));
    }
    if t.keywords.len() > MAX_KEYWORDS {
        return Err(AppError::invalid(
            &format!("{prefix}keywords"),
            "error-kb-keywords",
            format!("at most {MAX_KEYWORDS} keywords"),
        ));
    }
    let mut keywords: Vec<String> = Vec::new();
    for (i, k) in t.keywords.iter().enumerate() {
        let raw = k;
        let k = k.trim();
        if k.is_empty() || raw.chars().count() > MAX_KEYWORD_CHARS || raw.chars().any(char::is_control) {
            return Err(AppError::invalid(
                &format!("{prefix}keywords[{i}]"),
                "error-kb-keywords",
                format!("1-{MAX_KEYWORD_CHARS} characters without control characters"),
            ));
        }
        if !keywords.iter().any(|e| e == k) {
            keywords.push(k.to_string());
        }
    }
    Ok(Checked {
        locale,
        title,
        body_html: render::to_html(&t.body_markdown),
        body_markdown: t.body_markdown.clone(),
        keywords: serde_json::to_string(&keywords)?,
        status: t.status.unwrap_or(Status::Draft),
    })
}

/// What a new article is made of.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub section_id: Option<String>,
    pub visibility: Visibility,
    pub translations: Vec<TranslationIn>,
}

fn section_exists(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    let found: i64 = kb_sections::table
        .filter(kb_sections::tenant_id.eq(tenant.as_str()))
        .filter(kb_sections::id.eq(id))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(AppError::invalid("section_id", "error-kb-unknown-section", "no such section"));
    }
    Ok(())
}

pub(super) fn enqueue_index(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<()> {
    jobs::enqueue(conn, &NewJob::new(INDEX_JOB, Some(tenant), serde_json::json!({"article_id": article_id})))?;
    Ok(())
}

/// Create an article with its first translations (at least one, one per locale).
pub fn create(conn: &mut DbConnection, tenant: &TenantId, actor: &Actor, new: &NewArticle) -> AppResult<Article> {
    let article = create_unindexed(conn, tenant, actor, new)?;
    enqueue_index(conn, tenant, &article.id)?;
    Ok(article)
}

/// [`create`] without its index job: for bulk loads (`meridian seed --articles`) that index
/// everything at once with `meridian reindex` afterwards instead of one job per article.
pub fn create_unindexed(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    new: &NewArticle,
) -> AppResult<Article> {
    if new.translations.is_empty() || new.translations.len() > 100 {
        return Err(AppError::invalid("translations", "error-kb-translations", "1-100 translations are required"));
    }
    let mut checked: Vec<Checked> = Vec::with_capacity(new.translations.len());
    for (i, t) in new.translations.iter().enumerate() {
        let prefix = format!("translations[{i}].");
        let Some(locale) = t.locale.as_deref() else {
            return Err(AppError::invalid(&format!("{prefix}locale"), "error-kb-locale", "a locale is required"));
        };
        let c = check_translation(&prefix, t, locale)?;
        if checked.iter().any(|o| o.locale == c.locale) {
            return Err(AppError::invalid(
                &format!("{prefix}locale"),
                "error-kb-duplicate-locale",
                format!("{} is given twice", c.locale),
            ));
        }
        checked.push(c);
    }
    if let Some(s) = &new.section_id {
        section_exists(conn, tenant, s)?;
    }
    let ts = now();
    let article = Article {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        section_id: new.section_id.clone(),
        visibility: new.visibility.as_str().to_string(),
        position: 0,
        created_at: ts,
        updated_at: ts,
        source_locale: checked.first().map(|c| c.locale.clone()),
    };
    diesel::insert_into(kb_articles::table)
        .values((
            kb_articles::tenant_id.eq(&article.tenant_id),
            kb_articles::id.eq(&article.id),
            kb_articles::section_id.eq(&article.section_id),
            kb_articles::visibility.eq(&article.visibility),
            kb_articles::position.eq(0),
            kb_articles::created_at.eq(ts),
            kb_articles::updated_at.eq(ts),
            kb_articles::source_locale.eq(&article.source_locale),
        ))
        .execute(conn)?;
    for c in &checked {
        store_translation(conn, tenant, &article.id, actor, c, None)?;
    }
    Ok(article)
}

/// Insert or replace one translation (version = previous + 1) and record the version.
pub(super) fn store_translation(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    actor: &Actor,
    c: &Checked,
    previous: Option<&Translation>,
) -> AppResult<()> {
    let ts = now();
    let (author_type, author_id) = actor.parts();
    let version = previous.map(|p| p.version + 1).unwrap_or(1);
    match previous {
        None => {
            diesel::insert_into(kb_translations::table)
                .values((
                    kb_translations::tenant_id.eq(tenant.as_str()),
                    kb_translations::article_id.eq(article_id),
                    kb_translations::locale.eq(&c.locale),
                    kb_translations::title.eq(&c.title),
                    kb_translations::body_markdown.eq(&c.body_markdown),
                    kb_translations::body_html.eq(&c.body_html),
                    kb_translations::keywords.eq(&c.keywords),
                    kb_translations::status.eq(c.status.as_str()),
                    kb_translations::author_type.eq(author_type),
                    kb_translations::author_id.eq(author_id),
                    kb_translations::version.eq(version),
                    kb_translations::created_at.eq(ts),
                    kb_translations::updated_at.eq(ts),
                ))
                .execute(conn)?;
        }
        Some(p) => {
            diesel::update(kb_translations::table.find((tenant.as_str(), article_id, p.locale.as_str())))
                .set((
                    kb_translations::title.eq(&c.title),
                    kb_translations::body_markdown.eq(&c.body_markdown),
                    kb_translations::body_html.eq(&c.body_html),
                    kb_translations::keywords.eq(&c.keywords),
                    kb_translations::status.eq(c.status.as_str()),
                    kb_translations::author_type.eq(author_type),
                    kb_translations::author_id.eq(author_id),
                    kb_translations::version.eq(version),
                    kb_translations::updated_at.eq(ts),
                ))
                .execute(conn)?;
        }
    }
    diesel::insert_into(kb_translation_versions::table)
        .values((
            kb_translation_versions::tenant_id.eq(tenant.as_str()),
            kb_translation_versions::article_id.eq(article_id),
            kb_translation_versions::locale.eq(previous.map(|p| p.locale.as_str()).unwrap_or(&c.locale)),
            kb_translation_versions::version.eq(version),
            kb_translation_versions::title.eq(&c.title),
            kb_translation_versions::body_markdown.eq(&c.body_markdown),
            kb_translation_versions::keywords.eq(&c.keywords),
            kb_translation_versions::status.eq(c.status.as_str()),
            kb_translation_versions::author_type.eq(author_type),
            kb_translation_versions::author_id.eq(author_id),
            kb_translation_versions::created_at.eq(ts),
        ))
        .execute(conn)?;
    Ok(())
}

/// Create or replace the translation of an article in `locale`.
pub fn put_translation(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    actor: &Actor,
    t: &TranslationIn,
) -> AppResult<Translation> {
    get(conn, tenant, article_id)?;
    // The path's locale is not a body field: a bad one names `locale`.
    let c = check_translation("", t, locale)?;
    if let Some(body_locale) = &t.locale {
        if parse_locale("locale", body_locale)? != c.locale {
            return Err(AppError::invalid("locale", "error-kb-locale", "the body names another locale than the path"));
        }
    }
    let article = get(conn, tenant, article_id)?;
    let previous =
        translations(conn, tenant, article_id)?.into_iter().find(|p| p.locale.eq_ignore_ascii_case(&c.locale));
    store_translation(conn, tenant, article_id, actor, &c, previous.as_ref())?;
    let stored_locale = previous.as_ref().map(|p| p.locale.clone()).unwrap_or(c.locale.clone());
    follow_source(conn, tenant, &article, &stored_locale, &c, previous.as_ref())?;
    if c.status == Status::Published {
        super::editing::clear_schedule(conn, tenant, article_id, &stored_locale)?;
    }
    touch(conn, tenant, article_id)?;
    enqueue_index(conn, tenant, article_id)?;
    Ok(kb_translations::table
        .find((tenant.as_str(), article_id, stored_locale.as_str()))
        .select(Translation::as_select())
        .first(conn)?)
}

/// Keep the outdated flags true to the source: a change to the source's text marks every other
/// translation outdated; a save of any other translation means it was brought up to date.
fn follow_source(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article: &Article,
    locale: &str,
    c: &Checked,
    previous: Option<&Translation>,
) -> AppResult<()> {
    let Some(source) = &article.source_locale else {
        diesel::update(kb_articles::table.find((tenant.as_str(), &article.id)))
            .set(kb_articles::source_locale.eq(locale))
            .execute(conn)?;
        return Ok(());
    };
    let mine = kb_translations::table
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_translations::article_id.eq(&article.id));
    if source.eq_ignore_ascii_case(locale) {
        let changed = previous
            .is_some_and(|p| p.title != c.title || p.body_markdown != c.body_markdown || p.keywords != c.keywords);
        if changed {
            diesel::update(mine.filter(kb_translations::locale.ne(locale)))
                .set(kb_translations::outdated.eq(true))
                .execute(conn)?;
        }
    } else {
        diesel::update(mine.filter(kb_translations::locale.eq(locale)))
            .set(kb_translations::outdated.eq(false))
            .execute(conn)?;
    }
    Ok(())
}

/// Save an earlier version of a translation again, as its newest version.
pub fn restore(
    conn: &mut DbConnection,
    tenant: &TenantId,
    article_id: &str,
    locale: &str,
    version: i32,
    actor: &Actor,
) -> AppResult<Translation> {
    let old = versions(conn, tenant, article_id, locale)?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    let input = TranslationIn {
        locale: None,
        title: old.title,
        body_markdown: old.body_markdown,
        keywords: serde_json::from_str(&old.keywords).unwrap_or_default(),
        status: Some(Status::parse(&old.status)?),
    };
    put_translation(conn, tenant, article_id, &old.locale, actor, &input)
}

/// Delete one translation; the last one cannot go (delete the article instead).
pub fn delete_translation(conn: &mut DbConnection, tenant: &TenantId, article_id: &str, locale: &str) -> AppResult<()> {
    get(conn, tenant, article_id)?;
    let all = translations(conn, tenant, article_id)?;
    let Some(found) = all.iter().find(|t| t.locale.eq_ignore_ascii_case(locale)) else {
        return Err(AppError::NotFound);
    };
    if all.len() == 1 {
        return Err(AppError::Conflict("an article keeps at least one translation; delete the article instead".into()));
    }
    diesel::delete(kb_translations::table.find((tenant.as_str(), article_id, found.locale.as_str()))).execute(conn)?;
    let article = get(conn, tenant, article_id)?;
    if article.source_locale.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&found.locale)) {
        // The oldest remaining translation becomes the source.
        let next = all.iter().filter(|t| t.locale != found.locale).min_by_key(|t| t.created_at).map(|t| &t.locale);
        diesel::update(kb_articles::table.find((tenant.as_str(), article_id)))
            .set(kb_articles::source_locale.eq(next))
            .execute(conn)?;
    }
    touch(conn, tenant, article_id)?;
    enqueue_index(conn, tenant, article_id)
}

pub(super) fn touch(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<()> {
    diesel::update(kb_articles::table.find((tenant.as_str(), article_id)))
        .set(kb_articles::updated_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// One article of the tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Article> {
    Ok(kb_articles::table.find((tenant.as_str(), id)).select(Article::as_select()).first(conn)?)
}

/// An article's translations, by locale.
pub fn translations(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<Vec<Translation>> {
    Ok(kb_translations::table
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_translations::article_id.eq(article_id))
        .order(kb_translations::locale)
        .select(Translation::as_select())
        .load(conn)?)
}

/// The saved versions of one translation, newest first.
pub fn versions(conn: &mut DbConnection, tenant: &TenantId, article_id: &str, locale: &str) -> AppResult<Vec<Version>> {
    get(conn, tenant, article_id)?;
    Ok(kb_translation_versions::table
        .filter(kb_translation_versions::tenant_id.eq(tenant.as_str()))
        .filter(kb_translation_versions::article_id.eq(article_id))
        .filter(kb_translation_versions::locale.eq(locale))
        .order(kb_translation_versions::version.desc())
        .select(Version::as_select())
        .load(conn)?)
}

/// Articles of the tenant, newest first; only one section's when given.
pub fn list(conn: &mut DbConnection, tenant: &TenantId, section: Option<&str>, limit: i64) -> AppResult<Vec<Article>> {
    let mut q = kb_articles::table
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .order((kb_articles::updated_at.desc(), kb_articles::id.desc()))
        .limit(limit)
        .select(Article::as_select())
        .into_boxed();
    if let Some(s) = section {
        q = q.filter(kb_articles::section_id.eq(s.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Translations of many articles at once.
pub fn translations_of(conn: &mut DbConnection, tenant: &TenantId, ids: &[String]) -> AppResult<Vec<Translation>> {
    Ok(kb_translations::table
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_translations::article_id.eq_any(ids))
        .order((kb_translations::article_id, kb_translations::locale))
        .select(Translation::as_select())
        .load(conn)?)
}

/// Changes to an article; absent fields stay. `section_id: null` takes it out of its section.
#[derive(Debug, Clone, Default)]
pub struct ArticlePatch {
    pub section_id: Option<Option<String>>,
    pub visibility: Option<Visibility>,
    pub position: Option<i32>,
}

/// Apply a patch.
pub fn update(conn: &mut DbConnection, tenant: &TenantId, id: &str, patch: &ArticlePatch) -> AppResult<Article> {
    let mut a = get(conn, tenant, id)?;
    if let Some(s) = &patch.section_id {
        if let Some(s) = s {
            section_exists(conn, tenant, s)?;
        }
        a.section_id = s.clone();
    }
    if let Some(v) = patch.visibility {
        a.visibility = v.as_str().to_string();
    }
    if let Some(p) = patch.position {
        a.position = p;
    }
    a.updated_at = now();
    diesel::update(kb_articles::table.find((tenant.as_str(), id)))
        .set((
            kb_articles::section_id.eq(&a.section_id),
            kb_articles::visibility.eq(&a.visibility),
            kb_articles::position.eq(a.position),
            kb_articles::updated_at.eq(a.updated_at),
        ))
        .execute(conn)?;
    enqueue_index(conn, tenant, id)?;
    Ok(a)
}

/// Delete an article with its translations, history and files (their bytes go to the orphan
/// sweep); its index job removes it from search.
pub fn delete(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    get(conn, tenant, id)?;
    super::files::delete_all(conn, tenant, id)?;
    diesel::delete(
        kb_translation_versions::table
            .filter(kb_translation_versions::tenant_id.eq(tenant.as_str()))
            .filter(kb_translation_versions::article_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(
        kb_translations::table
            .filter(kb_translations::tenant_id.eq(tenant.as_str()))
            .filter(kb_translations::article_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(kb_articles::table.find((tenant.as_str(), id))).execute(conn)?;
    enqueue_index(conn, tenant, id)
}

/// The ids of every article of the tenant (reindexing).
pub fn all_article_ids(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<String>> {
    Ok(kb_articles::table
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .order(kb_articles::id)
        .select(kb_articles::id)
        .load(conn)?)
}
