//! Customer satisfaction: the requester rates a solved ticket once (1-5, an optional comment);
//! rating again within the window replaces the rating. The rating lives on the ticket row, so
//! the API and webhooks show it as part of the ticket; each rating is an audit event and a
//! `csat.rated` domain event, written in the caller's transaction.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::commands::{get, record_domain, record_event};
use super::{Actor, Status, Ticket, TicketId};
use crate::db::schema::tickets;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::events::DomainEvent;
use crate::tenancy::TenantId;

/// Lowest and highest score.
pub const SCORES: std::ops::RangeInclusive<i32> = 1..=5;
/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 2000;
/// How long after a ticket was solved it may be rated (and the rating changed).
pub const WINDOW_DAYS: i64 = 7;

/// Whether a ticket may be rated at `at`: solved (or closed after that) within the window.
pub fn open_for_rating(t: &Ticket, at: NaiveDateTime) -> bool {
    matches!(t.status, Status::Solved | Status::Closed)
        && t.solved_at.is_some_and(|s| at <= s + Duration::days(WINDOW_DAYS))
}

/// The comment as stored: trimmed, `None` when empty.
fn clean_comment(comment: Option<&str>) -> AppResult<Option<String>> {
    let Some(c) = comment.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    if c.chars().count() > MAX_COMMENT || c.contains('\0') {
        return Err(AppError::invalid(
            "comment",
            "error-csat-comment",
            format!("a comment of at most {MAX_COMMENT} characters, without NUL"),
        ));
    }
    Ok(Some(c.to_string()))
}

/// Rate a ticket as its requester (`actor`): refused unless it is solved and within the
/// window; a second rating replaces the first. Bumps the ticket's version (its API
/// representation changed), not its `updated_at` (no one worked on it).
pub fn rate(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    ticket_id: &TicketId,
    score: i32,
    comment: Option<&str>,
) -> AppResult<Ticket> {
    if !SCORES.contains(&score) {
        return Err(AppError::invalid("score", "error-csat-score", "a score from 1 to 5"));
    }
    let comment = clean_comment(comment)?;
    let mut t = get(conn, tenant, ticket_id)?;
    let ts = now();
    if !open_for_rating(&t, ts) {
        return Err(AppError::invalid(
            "ticket",
            "error-csat-not-open",
            format!("only a ticket solved in the last {WINDOW_DAYS} days can be rated"),
        ));
    }
    let previous = t.csat_score;
    let n = diesel::update(tickets::table.find((tenant.as_str(), t.id.as_str())))
        .filter(tickets::version.eq(t.version))
        .set((
            tickets::csat_score.eq(Some(score)),
            tickets::csat_comment.eq(&comment),
            tickets::csat_rated_at.eq(Some(ts)),
            tickets::version.eq(t.version + 1),
        ))
        .execute(conn)?;
    if n == 0 {
        // Changed by someone else since it was read: the caller's retry reads it again.
        return Err(AppError::Conflict("the ticket changed while it was being rated".into()));
    }
    t.version += 1;
    t.csat_score = Some(score);
    t.csat_comment = comment;
    t.csat_rated_at = Some(ts);
    let (before, after) = (previous.map(|p| p.to_string()), score.to_string());
    record_event(conn, tenant, t.id.as_str(), actor, "rated", Some("csat_score"), before.as_deref(), Some(&after))?;
    record_domain(
        conn,
        tenant,
        &[DomainEvent::CsatRated {
            ticket_id: t.id.as_str().into(),
            number: t.number,
            score,
            previous_score: previous,
            actor: actor.clone(),
        }],
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(clean_comment(Some("  ")).unwrap(), None);
        assert_eq!(clean_comment(Some(" fine ")).unwrap().as_deref(), Some("fine"));
        assert!(clean_comment(Some(&"x".repeat(MAX_COMMENT + 1))).is_err());
        assert!(clean_comment(Some("a\0b")).is_err());
    }
}
