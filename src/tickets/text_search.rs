//! The text filter `q`: what it matches on a ticket (the subject, the requester's name or email
//! and, when the filter asks, the bodies of its replies and notes), both as candidates read from
//! the text indexes and as the check each listed row passes.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::queries::Literal;
use crate::db::schema::tickets;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::tenancy::TenantId;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Fewest characters the text indexes can look up (one trigram); shorter text is only checked row
/// by row, which is why bodies are not searched for it (that would read every message).
pub const MIN_INDEXED_CHARS: usize = 3;

pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `text` lowercased and escaped as a `%…%` LIKE pattern (with `\` as the escape character).
pub fn like_pattern(text: &str) -> String {
    format!("%{}%", escape_like(&text.to_lowercase()))
}

/// Whether the text is long enough for the indexes.
pub fn indexable(text: &str) -> bool {
    text.chars().count() >= MIN_INDEXED_CHARS
}

/// What the text indexes say about a text filter.
pub(super) struct TextCandidates {
    /// Every ticket that may match, when few enough to drive the query.
    pub ids: Option<Vec<String>>,
    /// The tickets whose bodies hold the text (exact), when bodies are searched and few enough.
    pub bodies: Option<Vec<String>>,
}

/// Read the candidates of a text filter (`text` is indexable), at most `cap` of each kind.
pub(super) fn candidates(
    conn: &mut DbConnection,
    tenant: &TenantId,
    text: &str,
    bodies: bool,
    cap: i64,
) -> AppResult<TextCandidates> {
    let pattern = like_pattern(text);
    let ids = crate::db::backend::text_candidates(conn, tenant.as_str(), text, &pattern, cap + 1)?;
    let body_ids = if bodies { crate::db::backend::body_tickets(conn, tenant, text, &pattern, cap)? } else { None };
    let fits = ids.len() as i64 <= cap && (!bodies || body_ids.is_some());
    let ids = fits.then(|| {
        let mut all = ids;
        for id in body_ids.iter().flatten() {
            if !all.contains(id) {
                all.push(id.clone());
            }
        }
        all
    });
    Ok(TextCandidates { ids, bodies: body_ids })
}

/// The text filter row by row: the subject, or the requester's name or email (one primary-key
/// probe of `contacts`), holds the text. Case is folded by `lower()`: ASCII only on SQLite,
/// Unicode on PostgreSQL, as before the text index existed; the index only preselects rows.
pub(super) fn matches_text(text: &str) -> Literal {
    let pattern = like_pattern(text);
    let requester = sql::<Bool>(
        "EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = tickets.tenant_id AND c.id = tickets.requester_id \
         AND (lower(c.name) LIKE ",
    )
    .bind::<Text, _>(pattern.clone())
    .sql(" ESCAPE '\\' OR lower(c.email) LIKE ")
    .bind::<Text, _>(pattern.clone())
    .sql(" ESCAPE '\\'))");
    Box::new(lower(tickets::subject).like(pattern).escape('\\').or(requester))
}

/// [`matches_text`], or a reply or note of the ticket holds the text: among `body_ids` when the
/// index named them, else by reading the ticket's messages (only when more tickets match than the
/// index is asked for, so a page fills after a few rows).
pub(super) fn matches_text_or_body(text: &str, body_ids: Option<&Vec<String>>) -> Literal {
    if !indexable(text) {
        return matches_text(text);
    }
    match body_ids {
        Some(ids) => Box::new(matches_text(text).or(tickets::id.eq_any(ids.clone()))),
        None => {
            let body = sql::<Bool>(
                "EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = tickets.tenant_id \
                 AND m.ticket_id = tickets.id AND m.kind <> 'system' AND lower(m.body_text) LIKE ",
            )
            .bind::<Text, _>(like_pattern(text))
            .sql(" ESCAPE '\\')");
            Box::new(matches_text(text).or(body))
        }
    }
}
