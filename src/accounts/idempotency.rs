//! Stored results of API requests made with an `Idempotency-Key`, per token. Kept for at least a
//! day: housekeeping forgets older ones.

use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// How long a key is remembered at least: a retry within this window replays the first result.
pub const KEY_LIFETIME_HOURS: i64 = 24;

/// A key presented with a request, and the fingerprint of that request.
#[derive(Debug, Clone)]
pub struct Key {
    pub token_id: String,
    pub key: String,
    pub request_hash: String,
}

/// What a stored key holds.
#[derive(Debug, Clone)]
pub struct StoredResult {
    pub request_hash: String,
    pub status: u16,
    pub response: String,
}

/// Stored results of these keys, by (token id, key).
pub fn lookup(
    c: &mut DbConnection,
    tenant: &TenantId,
    keys: &[&Key],
) -> AppResult<std::collections::HashMap<(String, String), StoredResult>> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    // Usually one token per batch; naming the tokens keeps this on the primary key.
    let mut tokens: Vec<&str> = keys.iter().map(|k| k.token_id.as_str()).collect();
    tokens.sort_unstable();
    tokens.dedup();
    let rows: Vec<(String, String, String, i32, String)> = idempotency_keys::table
        .filter(idempotency_keys::tenant_id.eq(tenant.as_str()))
        .filter(idempotency_keys::token_id.eq_any(&tokens))
        .filter(idempotency_keys::idem_key.eq_any(&names))
        .select((
            idempotency_keys::token_id,
            idempotency_keys::idem_key,
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::response,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter(|(token, key, ..)| keys.iter().any(|k| &k.token_id == token && &k.key == key))
        .map(|(token, key, request_hash, status, response)| {
            ((token, key), StoredResult { request_hash, status: status as u16, response })
        })
        .collect())
}

/// Store the results of requests made with these keys, in one statement. A key stored
/// concurrently by another transaction fails this one with a conflict.
pub fn store(c: &mut DbConnection, tenant: &TenantId, results: &[(&Key, u16, &serde_json::Value)]) -> AppResult<()> {
    if results.is_empty() {
        return Ok(());
    }
    let ts = now();
    let rows: Vec<_> = results
        .iter()
        .map(|(k, status, body)| {
            (
                idempotency_keys::tenant_id.eq(tenant.as_str()),
                idempotency_keys::token_id.eq(&k.token_id),
                idempotency_keys::idem_key.eq(&k.key),
                idempotency_keys::request_hash.eq(&k.request_hash),
                idempotency_keys::status.eq(*status as i32),
                idempotency_keys::response.eq(body.to_string()),
                idempotency_keys::created_at.eq(ts),
            )
        })
        .collect();
    crate::db::on_backend!(c, |c| diesel::insert_into(idempotency_keys::table).values(&rows).execute(c))?;
    Ok(())
}

/// Forget keys past their lifetime (housekeeping).
pub fn purge_old(c: &mut DbConnection) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::hours(KEY_LIFETIME_HOURS);
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff))).execute(c)?)
}

/// Whether a stored key may be replayed for a request with fingerprint `hash`: a key reused with
/// another body is the client's mistake, answered 422.
pub fn check_replay(found: &StoredResult, hash: &str) -> AppResult<()> {
    if found.request_hash != hash {
        return Err(AppError::invalid(
            "Idempotency-Key",
            "error-idempotency-mismatch",
            "this key was used with a different request body",
        ));
    }
    Ok(())
}
