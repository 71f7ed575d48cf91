//! Password hashing with argon2id at OWASP parameters, off the async workers and rate-capped.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Shortest password accepted.
pub const MIN_LEN: usize = 12;
/// Longest password accepted; long enough for any passphrase or manager.
pub const MAX_LEN: usize = 1024;

/// OWASP's argon2id baseline: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Check a new password against the policy.
pub fn validate(field: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(AppError::invalid(field, "error-password-short", format!("use at least {MIN_LEN} characters")));
    }
    if n > MAX_LEN {
        return Err(AppError::invalid(field, "error-password-long", format!("use at most {MAX_LEN} characters")));
    }
    Ok(())
}

/// Hash synchronously (CLI, seeding).
pub fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

fn verify_blocking(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

// A real hash of a random password: verifying against it costs what a real verify costs,
// so an unknown email takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let pw = crate::accounts::tokens::random_secret(24);
        hash_blocking(&pw).unwrap_or_default()
    })
}

/// Runs hashes on the blocking pool, at most `limit` at a time (each holds 19 MiB).
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// A hasher allowing `limit` concurrent hashes.
    pub fn new(limit: usize) -> Self {
        Hasher { permits: Arc::new(Semaphore::new(limit.max(1))) }
    }

    /// Hash a password.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("hash task failed: {e}")))?
    }

    /// Verify a password; with no hash (unknown account) a dummy verify runs and `false` returns.
    pub async fn verify(&self, hash: Option<String>, password: String) -> AppResult<bool> {
        let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || match hash {
            Some(h) => verify_blocking(&h, &password),
            None => {
                let _ = verify_blocking(dummy_hash(), &password);
                false
            }
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("verify task failed: {e}")))
    }
}
