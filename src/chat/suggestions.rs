//! Article suggestions while a visitor types (deflection): when a draft is long enough to mean
//! something, the widget is offered published help-center articles (the help center's own
//! search, called as it is); a visitor who says one answered their question records a
//! deflection for that article, and no ticket is opened. Both are numbers of the knowledge base
//! (`kb::feedback::Stats`): suggestions counted in its in-memory tally, once per draft and
//! article, deflections here in `kb_deflections`.

use diesel::prelude::*;

use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::kb::schema::{kb_articles, kb_deflections, kb_translations};
use crate::tenancy::TenantId;

/// Most articles suggested at once.
pub const MAX_SUGGESTIONS: usize = 3;
/// Words a draft needs before anything is suggested.
pub const MIN_WORDS: usize = 3;
/// Longest query looked at (the search reads no more than its first 200 characters anyway).
pub const MAX_QUERY_CHARS: usize = 500;
/// Suggestion requests one client address may make per minute (in each process).
pub const PER_MINUTE: u32 = 120;
/// Most ids of articles already offered for a draft that a suggestion request may name.
pub const MAX_SEEN: usize = 20;
/// The days the chat admin page counts deflections over.
pub const RECENT_DAYS: i64 = 30;

/// Whether `c` belongs to a script written without spaces, where each character counts as a word.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0x0E00..=0x0E7F    // Thai
        | 0xF900..=0xFAFF) // CJK compatibility ideographs
}

/// How many words a draft has: runs of letters or digits between spaces and punctuation, and
/// each character of an unspaced script (Chinese, Japanese, Thai) on its own.
pub fn words(q: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in q.chars() {
        if unspaced(c) {
            n += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                n += 1;
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
    n
}

/// The article ids a suggestion request says were offered for this draft already (`seen`,
/// comma-separated, the widget sends at most [`MAX_SEEN`]): suggesting them again counts
/// nothing. More than that many is refused, so the list cannot grow into work.
pub fn seen_ids(seen: &str) -> AppResult<Vec<&str>> {
    let ids: Vec<&str> = seen.split(',').map(str::trim).filter(|i| !i.is_empty()).collect();
    if ids.len() > MAX_SEEN || ids.iter().any(|i| i.len() > 64) {
        return Err(AppError::invalid("seen", "chat-stats-error-seen", format!("at most {MAX_SEEN} article ids")));
    }
    Ok(ids)
}

/// A search snippet (escaped HTML with `<mark>`) as plain text, for the widget to show as text.
pub fn plain_snippet(html: &str) -> String {
    html.replace("<mark>", "")
        .replace("</mark>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Record that a suggested article answered the visitor's question: once per visitor and
/// article (`false` when it was recorded before). Only a published public article of this
/// tenant counts; any other id is not found.
pub fn record_deflection(
    conn: &mut DbConnection,
    tenant: &TenantId,
    visitor_id: &str,
    article_id: &str,
    locale: &str,
) -> AppResult<bool> {
    let published: i64 = kb_articles::table
        .inner_join(kb_translations::table.on(
            kb_translations::tenant_id.eq(kb_articles::tenant_id).and(kb_translations::article_id.eq(kb_articles::id)),
        ))
        .filter(kb_articles::tenant_id.eq(tenant.as_str()))
        .filter(kb_articles::id.eq(article_id))
        .filter(kb_articles::visibility.eq("public"))
        .filter(kb_translations::status.eq("published"))
        .count()
        .get_result(conn)?;
    if published == 0 {
        return Err(AppError::NotFound);
    }
    let seen: Option<String> = kb_deflections::table
        .find((tenant.as_str(), article_id, visitor_id))
        .select(kb_deflections::article_id)
        .first(conn)
        .optional()?;
    if seen.is_some() {
        return Ok(false);
    }
    let inserted = diesel::insert_into(kb_deflections::table)
        .values((
            kb_deflections::tenant_id.eq(tenant.as_str()),
            kb_deflections::article_id.eq(article_id),
            kb_deflections::visitor_id.eq(visitor_id),
            kb_deflections::locale.eq(locale),
            kb_deflections::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Another tab's click committed first: recorded once, which is what was asked.
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// How many times the tenant's widget visitors said an article answered them since `since`
/// (the chat admin page shows the last [`RECENT_DAYS`]).
pub fn deflections_since(conn: &mut DbConnection, tenant: &TenantId, since: chrono::NaiveDateTime) -> AppResult<i64> {
    Ok(kb_deflections::table
        .filter(kb_deflections::tenant_id.eq(tenant.as_str()))
        .filter(kb_deflections::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// How many visitors an article answered.
pub fn deflections(conn: &mut DbConnection, tenant: &TenantId, article_id: &str) -> AppResult<i64> {
    Ok(kb_deflections::table
        .filter(kb_deflections::tenant_id.eq(tenant.as_str()))
        .filter(kb_deflections::article_id.eq(article_id))
        .count()
        .get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_in_spaced_and_unspaced_scripts() {
        assert_eq!(words("how do I"), 3);
        assert_eq!(words("  refund?! "), 1);
        assert_eq!(words("如何申请退款"), 6);
        assert_eq!(words("退款"), 2);
        assert_eq!(words("<script>alert(1)</script>"), 4);
    }

    #[test]
    fn seen_ids_are_bounded() {
        assert_eq!(seen_ids("a, b,,c").unwrap(), vec!["a", "b", "c"]);
        assert!(seen_ids("").unwrap().is_empty());
        assert!(seen_ids(&vec!["x"; MAX_SEEN + 1].join(",")).is_err());
        assert!(seen_ids(&"x".repeat(65)).is_err());
    }

    #[test]
    fn snippets_become_plain_text() {
        assert_eq!(plain_snippet("a <mark>b</mark> &lt;i&gt; &amp;lt;"), "a b <i> &lt;");
    }
}
