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

/// Most contacts a requester match is answered with by id; more means the text is common
/// among requesters and each listed row is checked against its requester instead.
const REQUESTER_CAP: i64 = 2000;

/// What the text indexes say about a text filter.
pub(super) struct TextCandidates {
    /// Every ticket that may match, when few enough to drive the query: these ids, and with
    /// `through_requesters` the tickets of `requesters` as well.
    pub ids: Option<Vec<String>>,
    /// Whether the tickets of `requesters` are candidates without being among `ids`: the query
    /// reads them through `tickets_requester` itself rather than by id, which would read each
    /// ticket twice (4,444 tickets of 1,111 contacts: 40 ms at 1M on SQLite, 64 on PostgreSQL).
    pub through_requesters: bool,
    /// The tickets whose bodies hold the text (exact), when bodies are searched and few enough.
    pub bodies: Option<Vec<String>>,
    /// The contacts whose name or email holds the text (exact), when few enough.
    pub requesters: Option<Vec<String>>,
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
    let requesters = crate::db::backend::requester_contacts(conn, tenant.as_str(), text, &pattern, REQUESTER_CAP)?.map(
        |mut people| {
            people.sort_unstable();
            people
        },
    );
    let body_ids = if bodies { crate::db::backend::body_tickets(conn, tenant, text, &pattern, cap)? } else { None };
    let walk = |body_ids, requesters| {
        Ok(TextCandidates { ids: None, through_requesters: false, bodies: body_ids, requesters })
    };
    // How many tickets the matching requesters have, counted along `tickets_requester` alone;
    // with too many requesters (or bodies) the text is common and walking the view finds a page
    // soon. PostgreSQL is not asked: its planner weighs `requester_id = ANY(…)` from its own
    // statistics (5,518 tickets expected for 1,111 contacts at 1M, 4,395 there) and walks the
    // view's sort index itself where they are many, so the count (3.5 ms) would only repeat that.
    let on_postgres = matches!(conn, DbConnection::Postgresql(_));
    let of_requesters = match (&requesters, bodies && body_ids.is_none()) {
        (Some(people), false) if on_postgres => i64::from(!people.is_empty()),
        (Some(people), false) if !people.is_empty() => tickets::table
            .filter(tickets::tenant_id.eq(tenant.as_str()))
            .filter(tickets::requester_id.eq_any(people))
            .select(tickets::requester_id)
            .limit(cap + 1)
            .load::<String>(conn)?
            .len() as i64,
        (Some(_), false) => 0,
        _ => return walk(body_ids, requesters),
    };
    if of_requesters > cap {
        return walk(body_ids, requesters);
    }
    let Some(mut ids) = crate::db::backend::subject_candidates(conn, tenant.as_str(), text, &pattern, cap)? else {
        return walk(body_ids, requesters);
    };
    ids.extend(body_ids.iter().flatten().cloned());
    ids.sort_unstable();
    ids.dedup();
    if of_requesters + ids.len() as i64 > cap {
        return walk(body_ids, requesters);
    }
    Ok(TextCandidates { ids: Some(ids), through_requesters: of_requesters > 0, bodies: body_ids, requesters })
}

/// The text filter row by row: the subject holds the text, or the requester is one of
/// `requesters` (the matching contacts, when the index named few enough) or else has a name or
/// email holding it (one primary-key probe of `contacts`). Case is folded by `lower()`: ASCII
/// only on SQLite, Unicode on PostgreSQL, as before the text index existed; the index only
/// preselects rows.
pub(super) fn matches_text(text: &str, requesters: Option<&Vec<String>>) -> Literal {
    let pattern = like_pattern(text);
    let subject = lower(tickets::subject).like(pattern.clone()).escape('\\');
    if let Some(people) = requesters {
        return Box::new(subject.or(tickets::requester_id.eq_any(people.clone())));
    }
    // A scalar subquery, not EXISTS: PostgreSQL turns such an EXISTS into a hashed subplan that
    // reads every contact of the tenant before the first row (110 ms at 250,000 contacts).
    let requester = sql::<Bool>("COALESCE((SELECT lower(c.name) LIKE ")
        .bind::<Text, _>(pattern.clone())
        .sql(" ESCAPE '\\' OR lower(c.email) LIKE ")
        .bind::<Text, _>(pattern)
        .sql(" ESCAPE '\\' FROM contacts c WHERE c.tenant_id = tickets.tenant_id AND c.id = tickets.requester_id), FALSE)");
    Box::new(subject.or(requester))
}

/// [`matches_text`], or a reply or note of the ticket holds the text: among `body_ids` when the
/// index named them, else by reading the ticket's messages (only when more tickets match than the
/// index is asked for, so a page fills after a few rows).
pub(super) fn matches_text_or_body(
    text: &str,
    requesters: Option<&Vec<String>>,
    body_ids: Option<&Vec<String>>,
) -> Literal {
    if !indexable(text) {
        return matches_text(text, requesters);
    }
    match body_ids {
        Some(ids) => Box::new(matches_text(text, requesters).or(tickets::id.eq_any(ids.clone()))),
        None => {
            let body = sql::<Bool>(
                "EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = tickets.tenant_id \
                 AND m.ticket_id = tickets.id AND m.kind <> 'system' AND lower(m.body_text) LIKE ",
            )
            .bind::<Text, _>(like_pattern(text))
            // OFFSET keeps PostgreSQL from turning the EXISTS into a hashed subplan, which reads
            // every message holding the text before the first row (300 ms for a common word at
            // 1M messages, against 1 ms probing each listed ticket's messages).
            .sql(" ESCAPE '\\' LIMIT 1 OFFSET 0)");
            Box::new(matches_text(text, requesters).or(body))
        }
    }
}
