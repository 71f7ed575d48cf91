//! API tokens: random secrets shown once, stored as SHA-256, bound to one tenant.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::{api_tokens, tenants};
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::{Tenant, TenantId};

/// Every token starts with this, so leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "mrd_";

/// An API token row (without the secret, which is never stored).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub token_prefix: String,
    pub created_by: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub last_used_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::db::utc::serialize_opt")]
    pub revoked_at: Option<NaiveDateTime>,
}

/// `n` random bytes from the OS, base64url without padding.
pub fn random_secret(n: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 hex of a token. Tokens carry 256 random bits, so a fast hash is enough.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Create a token; returns the row and the secret, which is shown once.
pub fn create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    name: &str,
    created_by: Option<&str>,
) -> AppResult<(ApiToken, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "error-name-invalid", "a name of 1-80 characters is required"));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_secret(32));
    let row = ApiToken {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        name: name.to_string(),
        token_hash: hash_token(&secret),
        token_prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
        created_by: created_by.map(str::to_string),
        created_at: now(),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::tenant_id.eq(&row.tenant_id),
            api_tokens::id.eq(&row.id),
            api_tokens::name.eq(&row.name),
            api_tokens::token_hash.eq(&row.token_hash),
            api_tokens::token_prefix.eq(&row.token_prefix),
            api_tokens::created_by.eq(&row.created_by),
            api_tokens::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    Ok((row, secret))
}

/// Tokens of this tenant, newest first.
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<ApiToken>> {
    Ok(api_tokens::table
        .filter(api_tokens::tenant_id.eq(tenant.as_str()))
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// Revoke a token of this tenant.
pub fn revoke(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    let n = diesel::update(api_tokens::table.find((tenant.as_str(), id)))
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(now()))
        .execute(conn)?;
    if n == 0 {
        // Either not ours or already revoked; an already revoked one of ours is fine.
        api_tokens::table.find((tenant.as_str(), id)).select(api_tokens::id).first::<String>(conn)?;
    }
    Ok(())
}

/// Resolve a presented secret to its live token and tenant.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> AppResult<(ApiToken, Tenant)> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Err(AppError::Unauthenticated);
    }
    let found: Option<(ApiToken, Tenant)> = api_tokens::table
        .inner_join(tenants::table)
        .filter(api_tokens::token_hash.eq(hash_token(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select((ApiToken::as_select(), Tenant::as_select()))
        .first(conn)
        .optional()?;
    found.ok_or(AppError::Unauthenticated)
}

/// Whether the token's last use is old enough to record again (once a minute keeps a busy
/// integration from turning every request into a write).
pub fn needs_touch(token: &ApiToken) -> bool {
    token.last_used_at.is_none_or(|t| now() - t > chrono::Duration::minutes(1))
}

/// Record that a token was used now.
pub fn touch(conn: &mut DbConnection, token: &ApiToken) -> AppResult<()> {
    diesel::update(api_tokens::table.find((&token.tenant_id, &token.id)))
        .set(api_tokens::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(())
}
