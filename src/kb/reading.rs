//! What readers see: the translations an audience may read, in the locale its fallback chain
//! picks, the published locales, and the database's own search (the index's fallback).

use diesel::prelude::*;

use super::articles::{translations_of, Article, Translation};
use super::schema::{kb_articles, kb_translations};
use super::{Audience, Status, Visibility};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::tenancy::TenantId;

/// Whether `audience` may read this translation of this article.
pub fn readable(article: &Article, t: &Translation, audience: Audience) -> bool {
    match audience {
        Audience::Agent => true,
        Audience::Public => article.visibility() == Visibility::Public && t.is_published(),
    }
}

/// What a reader sees of a section or of the whole knowledge base: the articles they may read,
/// each in the locale of `chain` it has (see `kb::pick`), in order.
pub fn readable_in(
    conn: &mut DbConnection,
    tenant: &TenantId,
    section: Option<&str>,
    chain: &[String],
    audience: Audience,
) -> AppResult<Vec<(Article, Translation)>> {
    let mut q = kb_articles::table
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .order((kb_articles::position, kb_articles::created_at))
        .select(Article::as_select())
        .into_boxed();
    if let Some(s) = section {
        q = q.filter(kb_articles::section_id.eq(s.to_string()));
    }
    if audience == Audience::Public {
        q = q.filter(kb_articles::visibility.eq(Visibility::Public.as_str()));
    }
    let articles: Vec<Article> = q.load(conn)?;
    let ids: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
    let all = translations_of(conn, tenant, &ids)?;
    let mut out = Vec::new();
    for a in articles {
        if let Some(t) = best_translation(&a, all.iter().filter(|t| t.article_id == a.id), chain, audience) {
            out.push((a, t));
        }
    }
    Ok(out)
}

/// Of an article's translations, the one a reader of `chain` gets, if they may read any.
pub fn best_translation<'a>(
    article: &Article,
    translations: impl Iterator<Item = &'a Translation>,
    chain: &[String],
    audience: Audience,
) -> Option<Translation> {
    let readable: Vec<&Translation> = translations.filter(|t| readable(article, t, audience)).collect();
    let locales: Vec<String> = readable.iter().map(|t| t.locale.clone()).collect();
    let l = super::pick(chain, &locales)?;
    readable.into_iter().find(|t| &t.locale == l).cloned()
}

/// The database's own search, used when the search index fails: a case-folded substring of
/// the title, keywords or body, in the locales of `chain`, readable by `audience`.
pub fn like_search(
    conn: &mut DbConnection,
    tenant: &TenantId,
    q: &str,
    chain: &[String],
    audience: Audience,
    limit: i64,
) -> AppResult<Vec<(Article, Translation)>> {
    let escaped = q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let mut query = kb_translations::table
        .inner_join(kb_articles::table.on(
            kb_articles::tenant_id.eq(kb_translations::tenant_id).and(kb_articles::id.eq(kb_translations::article_id)),
        ))
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(
            lower(kb_translations::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(kb_translations::keywords).like(pattern.clone()).escape('\\'))
                .or(lower(kb_translations::body_markdown).like(pattern).escape('\\')),
        )
        .filter(kb_translations::status.eq(Status::Published.as_str()))
        .select((Article::as_select(), Translation::as_select()))
        .limit(limit * 4)
        .into_boxed();
    if audience == Audience::Public {
        query = query.filter(kb_articles::visibility.eq(Visibility::Public.as_str()));
    }
    let rows: Vec<(Article, Translation)> = query.load(conn)?;
    // One result per article, in the best locale of the chain that matched.
    let mut out: Vec<(Article, Translation)> = Vec::new();
    for (a, _) in &rows {
        if out.iter().any(|(o, _)| o.id == a.id) {
            continue;
        }
        let mine: Vec<&Translation> = rows.iter().filter(|(x, _)| x.id == a.id).map(|(_, t)| t).collect();
        let locales: Vec<String> = mine.iter().map(|t| t.locale.clone()).collect();
        if let Some(l) = super::pick(chain, &locales) {
            if let Some(best) = mine.into_iter().find(|t| &t.locale == l) {
                out.push((a.clone(), best.clone()));
            }
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

/// Every translation readers may see (published, of a public article), by article.
pub fn published_public(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<(Article, Translation)>> {
    Ok(kb_translations::table
        .inner_join(kb_articles::table.on(
            kb_articles::tenant_id.eq(kb_translations::tenant_id).and(kb_articles::id.eq(kb_translations::article_id)),
        ))
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_articles::visibility.eq(Visibility::Public.as_str()))
        .filter(kb_translations::status.eq(Status::Published.as_str()))
        .order((kb_articles::id, kb_translations::locale))
        .select((Article::as_select(), Translation::as_select()))
        .load(conn)?)
}

/// The locales readers find published articles in.
pub fn published_locales(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<String>> {
    Ok(kb_translations::table
        .inner_join(kb_articles::table.on(
            kb_articles::tenant_id.eq(kb_translations::tenant_id).and(kb_articles::id.eq(kb_translations::article_id)),
        ))
        .filter(kb_translations::tenant_id.eq(tenant.as_str()))
        .filter(kb_articles::visibility.eq(Visibility::Public.as_str()))
        .filter(kb_translations::status.eq(Status::Published.as_str()))
        .select(kb_translations::locale)
        .distinct()
        .order(kb_translations::locale)
        .load(conn)?)
}

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
