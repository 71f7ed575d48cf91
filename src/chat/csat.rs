//! The widget's side of customer satisfaction: whether the visitor's conversation is waiting
//! for a rating, and the visitor's rating of it (only of their own, current conversation).

use chrono::Utc;

use super::visitors;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::tickets::{commands, csat, Actor};

/// What the widget is told about a conversation that may be rated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub ticket_id: String,
    /// The rating given so far, if any (the widget shows it and lets it be changed).
    pub score: Option<i32>,
    pub comment: Option<String>,
}

/// The prompt for a conversation, when it is solved and still within the rating window.
pub fn prompt(conn: &mut DbConnection, tenant: &TenantId, ticket_id: &str) -> AppResult<Option<Prompt>> {
    let t = match commands::get(conn, tenant, &ticket_id.into()) {
        Ok(t) => t,
        Err(AppError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !csat::open_for_rating(&t, Utc::now().naive_utc()) {
        return Ok(None);
    }
    Ok(Some(Prompt { ticket_id: t.id.to_string(), score: t.csat_score, comment: t.csat_comment }))
}

/// Rate the visitor's current conversation as its requester. Refused (naming `ticket`) when the
/// visitor has no conversation or is not its requester (a merge may have moved it to another
/// person's ticket), and as [`csat::rate`] refuses.
pub fn rate(
    conn: &mut DbConnection,
    tenant: &TenantId,
    visitor_id: &str,
    score: i32,
    comment: Option<&str>,
) -> AppResult<Prompt> {
    let v = visitors::get(conn, tenant, visitor_id)?;
    let not_open = || AppError::invalid("ticket", "error-csat-not-open", "this conversation cannot be rated");
    let (Some(ticket_id), Some(contact)) = (v.ticket_id, v.contact_id) else { return Err(not_open()) };
    let t = commands::get(conn, tenant, &ticket_id.as_str().into())?;
    if t.requester_id.as_str() != contact {
        return Err(not_open());
    }
    let t = csat::rate(conn, tenant, &Actor::Contact(contact.as_str().into()), &t.id, score, comment)?;
    Ok(Prompt { ticket_id: t.id.to_string(), score: t.csat_score, comment: t.csat_comment })
}
