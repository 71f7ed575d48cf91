//! Tickets: the conversation model shared by every channel (email, chat, web, API).

pub mod attachments;
pub mod commands;
pub mod create;
pub mod merge;
pub mod queries;
pub mod teams;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{messages, ticket_events, tickets};
use crate::error::{AppError, AppResult};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $err:literal { $($(#[$vdoc:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// Parse a stored or submitted name.
            pub fn parse(s: &str) -> AppResult<Self> {
                match s {
                    $($s => Ok($name::$variant),)+
                    _ => Err(AppError::invalid($field, $err, format!("{s:?} is not one of: {}", [$($s),+].join(", ")))),
                }
            }
        }
    };
}

string_enum!(
    /// Where a ticket stands.
    Status, "status", "error-status-invalid" {
        /// Nobody has looked at it yet.
        New = "new",
        /// Being worked.
        Open = "open",
        /// Waiting for the requester.
        Pending = "pending",
        /// Waiting for a third party.
        OnHold = "on_hold",
        /// Answered; reopens if the requester writes.
        Solved = "solved",
        /// Final; a new message starts a follow-up ticket.
        Closed = "closed",
    }
);

impl Status {
    /// Whether the ticket is in the open queues (new, open, on hold).
    pub fn is_open(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::OnHold)
    }
}

string_enum!(
    /// How urgent a ticket is.
    Priority, "priority", "error-priority-invalid" {
        Low = "low",
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
);

impl Priority {
    /// Sort key: urgent sorts first in descending order.
    pub fn rank(self) -> i32 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }
}

string_enum!(
    /// The channel a ticket or message came through.
    Channel, "channel", "error-channel-invalid" {
        Email = "email",
        Chat = "chat",
        Web = "web",
        Api = "api",
    }
);

string_enum!(
    /// What a message is.
    MessageKind, "kind", "error-kind-invalid" {
        /// Visible to the requester.
        Reply = "reply",
        /// Visible to agents only.
        Note = "note",
        /// Written by Meridian (merges, follow-ups).
        System = "system",
    }
);

/// Who made a change: stored with every message and audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Agent(String),
    Contact(String),
    Api(String),
    System,
}

impl Actor {
    /// (actor_type, actor_id) as stored in audit events.
    pub fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Actor::Agent(id) => ("agent", Some(id)),
            Actor::Contact(id) => ("contact", Some(id)),
            Actor::Api(id) => ("api", Some(id)),
            Actor::System => ("system", None),
        }
    }
}

/// The weak ETag of a ticket at a version (see [`Ticket::etag`]).
pub fn etag_of(id: &str, version: i64) -> String {
    format!("W/\"{id}-{version}\"")
}

/// A ticket row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub number: i64,
    pub subject: String,
    pub status: String,
    #[serde(skip)]
    pub is_open: bool,
    pub priority: String,
    #[serde(skip)]
    pub priority_rank: i32,
    pub channel: String,
    pub requester_id: String,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub language: Option<String>,
    #[serde(skip)]
    pub tags: String,
    pub previous_ticket_id: Option<String>,
    pub merged_into_id: Option<String>,
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
}

impl Ticket {
    /// Tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split_whitespace().map(str::to_string).collect()
    }

    /// The weak ETag for `If-Match`: changes whenever the ticket does.
    pub fn etag(&self) -> String {
        etag_of(&self.id, self.version.into())
    }

    /// Parsed status (stored values are always valid).
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Open)
    }
}

/// A message row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = messages)]
pub struct Message {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub ticket_id: String,
    pub kind: String,
    pub author_type: String,
    pub author_id: Option<String>,
    pub channel: String,
    pub body_text: String,
    pub body_html: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
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
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        let ok = t.len() <= 40 && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'));
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
