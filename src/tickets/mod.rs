//! Tickets: the conversation model shared by every channel (email, chat, web, API).

pub mod attachments;
pub mod bulk_undo;
pub mod commands;
pub mod composer;
pub mod contact_merge;
pub mod create;
pub mod csat;
pub mod csat_link;
pub mod intake;
pub mod macros;
pub mod merge;
pub mod portal;
pub mod queries;
pub mod requesters;
pub mod saved_views;
pub mod teams;
pub mod text_search;
pub mod ticket_page;
pub mod view_counts;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{messages, ticket_events, tickets};
use crate::error::{AppError, AppResult};

pub use crate::types::{
    Actor, AgentId, Channel, ContactId, MessageId, MessageKind, Priority, Status, TeamId, TicketId,
};

/// The weak ETag of a ticket at a version (see [`Ticket::etag`]).
pub fn etag_of(id: impl std::fmt::Display, version: i64) -> String {
    format!("W/\"{id}-{version}\"")
}

/// A ticket row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: TicketId,
    pub number: i64,
    pub subject: String,
    pub status: Status,
    /// Always `status.is_open()`; a column so the open queues have an index.
    #[serde(skip)]
    pub is_open: bool,
    pub priority: Priority,
    /// Always `priority.rank()`; a column so sorting by priority has an index.
    #[serde(skip)]
    pub priority_rank: i32,
    pub channel: Channel,
    pub requester_id: ContactId,
    pub assignee_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
    pub language: Option<String>,
    /// Space-separated in storage, a list on the wire.
    #[serde(serialize_with = "serialize_tags")]
    #[schema(value_type = Vec<String>)]
    pub tags: String,
    pub previous_ticket_id: Option<TicketId>,
    pub merged_into_id: Option<TicketId>,
    pub version: i32,
    pub message_count: i32,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub updated_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub first_agent_reply_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub solved_at: Option<NaiveDateTime>,
    /// The requester's satisfaction rating, 1 (bad) to 5 (great); `null` until they rate.
    #[schema(minimum = 1, maximum = 5)]
    pub csat_score: Option<i32>,
    /// The requester's comment with their rating.
    pub csat_comment: Option<String>,
    /// When the rating was last given or changed.
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub csat_rated_at: Option<NaiveDateTime>,
}

/// The columns of [`Ticket`] in its field order, for statements that return the ticket they
/// wrote (`RETURNING`; diesel's `as_returning` does not cross the two backends).
pub(crate) type TicketColumns = (
    tickets::tenant_id,
    tickets::id,
    tickets::number,
    tickets::subject,
    tickets::status,
    tickets::is_open,
    tickets::priority,
    tickets::priority_rank,
    tickets::channel,
    tickets::requester_id,
    tickets::assignee_id,
    tickets::team_id,
    tickets::language,
    tickets::tags,
    tickets::previous_ticket_id,
    tickets::merged_into_id,
    tickets::version,
    tickets::message_count,
    tickets::created_at,
    tickets::updated_at,
    tickets::first_agent_reply_at,
    tickets::solved_at,
    tickets::csat_score,
    tickets::csat_comment,
    tickets::csat_rated_at,
);
/// See [`TicketColumns`].
pub(crate) const TICKET_COLUMNS: TicketColumns = (
    tickets::tenant_id,
    tickets::id,
    tickets::number,
    tickets::subject,
    tickets::status,
    tickets::is_open,
    tickets::priority,
    tickets::priority_rank,
    tickets::channel,
    tickets::requester_id,
    tickets::assignee_id,
    tickets::team_id,
    tickets::language,
    tickets::tags,
    tickets::previous_ticket_id,
    tickets::merged_into_id,
    tickets::version,
    tickets::message_count,
    tickets::created_at,
    tickets::updated_at,
    tickets::first_agent_reply_at,
    tickets::solved_at,
    tickets::csat_score,
    tickets::csat_comment,
    tickets::csat_rated_at,
);

impl Ticket {
    /// Tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_string).collect()
    }

    /// The weak ETag for `If-Match`: changes whenever the ticket does.
    pub fn etag(&self) -> String {
        etag_of(&self.id, self.version.into())
    }

    /// Set the status and the column derived from it.
    pub fn set_status(&mut self, status: Status) {
        self.status = status;
        self.is_open = status.is_open();
    }

    /// Set the priority and the column derived from it.
    pub fn set_priority(&mut self, priority: Priority) {
        self.priority = priority;
        self.priority_rank = priority.rank();
    }
}

fn serialize_tags<S: serde::Serializer>(tags: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(tags.split_whitespace())
}

/// A message row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = messages)]
pub struct Message {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: MessageId,
    pub ticket_id: TicketId,
    pub kind: MessageKind,
    pub author_type: String,
    pub author_id: Option<String>,
    pub channel: Channel,
    /// What the timeline shows; for mail, without the quoted history and signature.
    pub body_text: String,
    pub body_html: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    /// For mail: the whole text part `body_text` was cut from; `null` otherwise.
    pub body_text_full: Option<String>,
}

/// An audit event row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ticket_events)]
pub struct TicketEvent {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub ticket_id: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub field: Option<String>,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

/// Make untrusted HTML safe to show in the console: no script, no handlers, no remote styles.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(html)
        .to_string()
}

/// Normalise tags: lowercase, trimmed, `a-z 0-9 _ - :`, 1–40 characters, at most 20, deduplicated.
pub fn normalize_tags(tags: &[String]) -> AppResult<Vec<String>> {
    // Counted as sent, so the limit is the document's `maxItems` whatever the duplicates.
    if tags.len() > 20 {
        return Err(AppError::invalid("tags", "error-tag-invalid", "at most 20 tags"));
    }
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        let ok = t.chars().count() <= 40 && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'));
        if !ok {
            return Err(AppError::invalid(
                "tags",
                "error-tag-invalid",
                format!("{t:?}: tags are letters, digits, _ - : (up to 40)"),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > 20 {
        return Err(AppError::invalid("tags", "error-tag-invalid", "at most 20 tags"));
    }
    out.sort();
    Ok(out)
}
