//! Password hashing with argon2id at OWASP parameters, off the async workers and rate-capped.

use std::sync::Arc;

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

/// A real argon2id hash, at the production parameters, of a random password nobody kept. Verifying
/// against it costs what a real verify costs, so an unknown email takes as long as a wrong
/// password. It is a constant so that nothing can fail at run time and skip the verify.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$AV5eK9LKFPhcxzZDNt/Emg$HFxNxx/1HGa4HY8DF51Oitjd1ywxZG0t9C5tkT/XO8A";

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
                let _ = verify_blocking(DUMMY_HASH, &password);
                false
            }
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("verify task failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // If the constant did not parse, or had cheaper parameters, unknown emails would answer faster.
    #[test]
    fn the_dummy_hash_is_a_real_hash_at_production_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("the dummy hash parses as a PHC string");
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        assert_eq!(parsed.version, Some(Version::V0x13 as u32));
        let params = Params::try_from(&parsed).expect("argon2 parameters");
        let production = argon2().params().clone();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (production.m_cost(), production.t_cost(), production.p_cost())
        );
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19 * 1024, 2, 1), "OWASP baseline");
        assert!(parsed.hash.is_some() && parsed.salt.is_some());
        assert!(!verify_blocking(DUMMY_HASH, "correct horse battery staple"));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let h = Hasher::new(1);
        assert!(!h.verify(None, "correct horse battery staple".into()).await.unwrap());
        let real = hash_blocking("correct horse battery staple").unwrap();
        assert!(h.verify(Some(real), "correct horse battery staple".into()).await.unwrap());
    }
}
