//! Console sessions: a server-side row per sign-in, carried by a signed JWT in a cookie.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::agents::Agent;
use crate::db::schema::{agents, sessions, tenants};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::{Tenant, TenantId};

/// What the cookie's JWT carries: which server-side session, of which tenant.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Session id.
    pub sid: String,
    /// Tenant id.
    pub tid: String,
    /// Agent id.
    pub sub: String,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// Expiry (unix seconds).
    pub exp: i64,
}

/// Signing keys for session tokens, and the key that signs links sent in mail.
#[derive(Clone)]
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Derived from the server secret (never the secret itself), so a leaked link key does not
    /// forge sessions.
    links: [u8; 32],
}

impl SessionKeys {
    /// Keys from the server secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        SessionKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            links: hmac_sha256(secret, b"meridian link signing key v1"),
        }
    }

    /// The MAC of `message` for links of `purpose` (each purpose its own domain, so a token of
    /// one kind is never valid as another).
    pub fn link_mac(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        let mut input = Vec::with_capacity(purpose.len() + 1 + message.len());
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(message);
        hmac_sha256(&self.links, &input)
    }

    /// Sign a session's claims.
    pub fn sign(&self, s: &SessionRow) -> AppResult<String> {
        let claims = Claims {
            sid: s.id.clone(),
            tid: s.tenant_id.clone(),
            sub: s.agent_id.clone(),
            iat: s.created_at.and_utc().timestamp(),
            exp: s.expires_at.and_utc().timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot sign session: {e}")))
    }

    /// Check a token's signature and expiry.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok().map(|d| d.claims)
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// A session row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub tenant_id: String,
    pub id: String,
    pub agent_id: String,
    pub csrf_token: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Open a session for an agent.
pub fn create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    ttl_hours: i64,
) -> AppResult<SessionRow> {
    let ts = now();
    let row = SessionRow {
        tenant_id: tenant.as_str().to_string(),
        id: super::tokens::random_secret(18),
        agent_id: agent_id.to_string(),
        csrf_token: super::tokens::random_secret(24),
        ip: ip.map(str::to_string),
        user_agent: user_agent.map(|u| u.chars().take(300).collect()),
        created_at: ts,
        last_seen_at: ts,
        expires_at: ts + chrono::Duration::hours(ttl_hours.max(1)),
        revoked_at: None,
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::tenant_id.eq(&row.tenant_id),
            sessions::id.eq(&row.id),
            sessions::agent_id.eq(&row.agent_id),
            sessions::csrf_token.eq(&row.csrf_token),
            sessions::ip.eq(&row.ip),
            sessions::user_agent.eq(&row.user_agent),
            sessions::created_at.eq(ts),
            sessions::last_seen_at.eq(ts),
            sessions::expires_at.eq(row.expires_at),
        ))
        .execute(conn)?;
    Ok(row)
}

/// The live session named by verified claims, with its agent and tenant.
pub fn load_active(conn: &mut DbConnection, claims: &Claims) -> AppResult<(SessionRow, Agent, Tenant)> {
    let found: Option<(SessionRow, Agent, Tenant)> = sessions::table
        .inner_join(agents::table.on(agents::tenant_id.eq(sessions::tenant_id).and(agents::id.eq(sessions::agent_id))))
        .inner_join(tenants::table.on(tenants::id.eq(sessions::tenant_id)))
        .filter(sessions::tenant_id.eq(&claims.tid))
        .filter(sessions::id.eq(&claims.sid))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .filter(agents::active.eq(true))
        .select((SessionRow::as_select(), Agent::as_select(), Tenant::as_select()))
        .first(conn)
        .optional()?;
    let (session, agent, tenant) = found.ok_or(AppError::Unauthenticated)?;
    if session.agent_id != claims.sub {
        return Err(AppError::Unauthenticated);
    }
    Ok((session, agent, tenant))
}

/// Whether `last_seen_at` is old enough to record again; writing it on every request would
/// make every page view a write.
pub fn needs_touch(session: &SessionRow) -> bool {
    now() - session.last_seen_at > chrono::Duration::minutes(5)
}

/// Record that a session was used now.
pub fn touch(conn: &mut DbConnection, tenant_id: &str, id: &str) -> AppResult<()> {
    diesel::update(sessions::table.find((tenant_id, id))).set(sessions::last_seen_at.eq(now())).execute(conn)?;
    Ok(())
}

/// Revoke one session.
pub fn revoke(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    diesel::update(sessions::table.find((tenant.as_str(), id)))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Revoke every session of an agent (password change, deactivation).
pub fn revoke_all_for_agent(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::tenant_id.eq(tenant.as_str()))
            .filter(sessions::agent_id.eq(agent_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now()))
    .execute(conn)?)
}

/// Delete sessions that expired or were revoked more than a day ago.
pub fn purge_old(conn: &mut DbConnection) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::days(1);
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.lt(cutoff).or(sessions::revoked_at.lt(cutoff))))
        .execute(conn)?)
}
