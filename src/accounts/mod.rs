//! People and credentials: agents, contacts, passwords, sessions, API tokens, sign-in throttling.

pub mod agents;
pub mod contacts;
pub mod idempotency;
pub mod links;
pub mod organizations;
pub mod passwords;
pub mod portal;
pub mod ratelimit;
pub mod sessions;
pub mod throttle;
pub mod tokens;

use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// Change an agent's role and active flag (admin action); deactivating also revokes every session
/// of theirs and voids their open invitation or reset links. Lives here so that agents, sessions
/// and links need not know each other.
pub fn set_role_and_active(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    role: Role,
    active: bool,
) -> AppResult<agents::Agent> {
    let agent = agents::set_role_and_active(conn, tenant, id, role, active)?;
    if !active {
        sessions::revoke_all_for_agent(conn, tenant, id)?;
        links::void_open(conn, tenant, id)?;
    }
    Ok(agent)
}

/// What an agent may do in their tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Works tickets.
    Agent,
    /// Also manages agents, tokens and settings.
    Admin,
    /// An admin who cannot be demoted by other admins.
    Owner,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    /// Parse a stored or submitted role name.
    pub fn parse(s: &str) -> AppResult<Role> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            _ => Err(AppError::invalid("role", "error-role-invalid", "role must be owner, admin or agent")),
        }
    }

    /// Whether this role may use the admin pages and create API tokens.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Normalise and check an email address: trimmed, lowercased, one `@`, a dotted domain.
pub fn normalize_email(field: &str, email: &str) -> AppResult<String> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(e)
    } else {
        Err(AppError::invalid(field, "error-email-invalid", format!("{email:?} is not an email address")))
    }
}

/// Check a display name: 1–120 characters after trimming.
pub fn validate_name(field: &str, name: &str) -> AppResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 120 || n.chars().any(char::is_control) {
        return Err(AppError::invalid(field, "error-name-invalid", "a name of 1-120 characters is required"));
    }
    Ok(n.to_string())
}
