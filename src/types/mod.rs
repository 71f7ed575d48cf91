//! The desk's vocabulary, shared by every domain module and by the events they emit: typed ids
//! and the enumerations stored as text (status, priority, channel, message kind), plus who acted.
//! A leaf module: it depends on nothing else of the crate but the error type.

mod ids;

pub use ids::{AgentId, ContactId, MessageId, TeamId, TicketId, TokenId};

/// The id of a tenant. Never taken from a client: it comes from a session, a token or a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TenantId(String);

impl TenantId {
    /// Wrap an id read from a trusted source (a session row, a token row, a tenant row).
    pub fn from_trusted(id: String) -> Self {
        TenantId(id)
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

use serde::Serialize;

use crate::error::{AppError, AppResult};

/// An enumeration stored and sent as its snake_case name. Reading an unknown name from the
/// database is an error, never a silent default: closed-ticket rules depend on the status.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $err:literal { $($(#[$vdoc:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                $name::parse(&s).map_err(|_| format!("unknown {} {s:?} in the database", $field).into())
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
    /// Whether the ticket is in the open queues (new, open, on hold). The `is_open` column is
    /// always written from this.
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
    /// Sort key: urgent sorts first in descending order. The `priority_rank` column is always
    /// written from this.
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
        /// Opened or updated by a monitoring alert (`POST /inbound/alerts/{slug}`).
        Alert = "alert",
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

/// Whether `c` is an invisible formatting character: the bidirectional controls (which reorder
/// what follows them), zero-width characters and the byte-order mark. File names and other short
/// labels drop them; longer user text is shown isolated instead (`<bdi>`, `dir="auto"`).
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Who made a change: stored with every message and audit event, and named in domain events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Agent(AgentId),
    Contact(ContactId),
    Api(TokenId),
    System,
}

impl Actor {
    /// (actor_type, actor_id) as stored in audit events.
    pub fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Actor::Agent(id) => ("agent", Some(id.as_str())),
            Actor::Contact(id) => ("contact", Some(id.as_str())),
            Actor::Api(id) => ("api", Some(id.as_str())),
            Actor::System => ("system", None),
        }
    }
}
