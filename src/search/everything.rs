//! The search over everything an agent may see: tickets by subject, requester and the bodies of
//! their replies and internal notes (the database's text indexes, through the inbox's own query,
//! so every rule the inbox applies to a listing applies here), and knowledge-base articles,
//! public and internal (the search index). See ARCHITECTURE.md, "Search over everything".

use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::kb::Audience;
use crate::tenancy::{Tenant, TenantId};
use crate::tickets::queries::{self, Filter, Sort};
use crate::tickets::text_search;

/// Longest query accepted, in characters (the knowledge-base search reads no more either).
pub const MAX_QUERY_CHARS: usize = 200;

/// Characters of a body shown before the first match, and in all.
const EXCERPT_BEFORE: i32 = 60;
const EXCERPT_CHARS: i32 = 220;

/// A query as the boundary accepts it: trimmed, not empty, at most [`MAX_QUERY_CHARS`].
pub fn parse_query(raw: Option<&str>) -> AppResult<String> {
    let q = raw.unwrap_or("").trim();
    crate::web::input::check_text("q", q)?;
    if q.is_empty() {
        return Err(AppError::invalid("q", "error-search-q-empty", "type something to search for"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::invalid(
            "q",
            "error-search-q-long",
            format!("a search is at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(q.to_string())
}

/// A ticket that matches.
#[derive(Debug, Clone)]
pub struct TicketHit {
    pub id: String,
    pub number: i64,
    pub subject: String,
    pub status: String,
    pub requester_name: String,
    /// Where the text was found, HTML-escaped, matches in `<mark>`.
    pub snippet: String,
    /// The kind of message the snippet is from (`reply` or `note`); `None`: the subject or
    /// requester matched and the snippet is the newest message's opening.
    pub matched_in: Option<String>,
}

impl TicketHit {
    /// The ticket's console page.
    pub fn url(&self) -> String {
        format!("/tickets/{}", self.number)
    }
}

/// An article that matches.
#[derive(Debug, Clone)]
pub struct ArticleHit {
    pub id: String,
    pub title: String,
    pub locale: String,
    /// HTML-escaped, matches in `<mark>`.
    pub snippet: String,
}

impl ArticleHit {
    /// The article's console page (internal articles have no help-center page).
    pub fn url(&self) -> String {
        format!("/kb/articles/{}/read?locale={}", self.id, self.locale)
    }
}

/// One page of ticket hits, newest activity first, and the cursor of the next.
pub fn tickets(
    conn: &mut DbConnection,
    tenant: &TenantId,
    me: &str,
    q: &str,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<(Vec<TicketHit>, Option<String>)> {
    let filter = Filter { q: Some(q.to_string()), bodies: true, ..Filter::default() };
    let (rows, next) = queries::list(conn, tenant, me, &filter, Sort::Updated, cursor, limit)?;
    let ids: Vec<String> = rows.iter().map(|r| r.ticket.id.to_string()).collect();
    let excerpts = if text_search::indexable(q) {
        crate::db::backend::body_excerpts(
            conn,
            tenant,
            &ids,
            &q.to_lowercase(),
            &text_search::like_pattern(q),
            EXCERPT_BEFORE,
            EXCERPT_CHARS,
        )?
    } else {
        vec![]
    };
    let previews = queries::conversations(conn, tenant, &ids)?;
    let hits = rows
        .into_iter()
        .map(|r| {
            let id = r.ticket.id.to_string();
            // Newest first: the first excerpt of a ticket is its latest message that matches.
            let (snippet, matched_in) = match excerpts.iter().find(|e| e.ticket_id == id) {
                Some(e) => {
                    let after = e.excerpt.chars().count() as i32 >= EXCERPT_CHARS;
                    let before = leading_cut(&e.excerpt, q);
                    (crate::search::text::mark_substring(&e.excerpt, q, before, after), Some(e.kind.clone()))
                }
                None => {
                    let p = previews.get(&id).map(|c| c.preview.as_str()).unwrap_or("");
                    (crate::search::text::mark_substring(p, q, false, false), None)
                }
            };
            TicketHit {
                number: r.ticket.number,
                subject: r.ticket.subject,
                status: r.ticket.status.as_str().to_string(),
                requester_name: r.requester_name,
                snippet,
                matched_in,
                id,
            }
        })
        .collect();
    Ok((hits, next))
}

/// Whether an excerpt was cut from further into its body: the database starts it
/// [`EXCERPT_BEFORE`] characters ahead of the match, so a match that far in means there was more.
fn leading_cut(excerpt: &str, q: &str) -> bool {
    let lower = excerpt.to_lowercase();
    let needle = q.to_lowercase();
    lower.find(&needle).map(|at| lower[..at].chars().count() as i32 >= EXCERPT_BEFORE).unwrap_or(false)
}

/// One page of articles an agent may read, best first.
pub struct ArticlePage {
    pub hits: Vec<ArticleHit>,
    /// Whether there are more after these.
    pub more: bool,
    /// The search index failed and the database answered (substring match, no ranking).
    pub fallback: bool,
}

/// Up to `limit` articles an agent may read, best first, after skipping `offset`.
pub async fn articles(
    db: &Db,
    search: &crate::search::Search,
    tenant: &Tenant,
    q: &str,
    locale: &str,
    offset: usize,
    limit: usize,
) -> AppResult<ArticlePage> {
    let out = search.search(db, tenant, q, locale, Audience::Agent, offset + limit + 1).await?;
    let mut hits: Vec<ArticleHit> = out
        .hits
        .into_iter()
        .skip(offset)
        .map(|h| ArticleHit { id: h.article_id, title: h.title, locale: h.locale, snippet: h.snippet })
        .collect();
    let more = hits.len() > limit;
    hits.truncate(limit);
    Ok(ArticlePage { hits, more, fallback: out.fallback })
}
