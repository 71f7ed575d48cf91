//! The demo tenant seeded on first start, so a fresh install is usable at once.

use crate::accounts::agents::{self, NewAgent, Proficiency};
use crate::accounts::{passwords, tokens, Role};
use crate::db::Db;
use crate::error::AppResult;
use crate::tenancy::{self, NewTenant};

/// Slug of the demo tenant.
pub const DEMO_SLUG: &str = "demo";
/// Email of the demo owner.
pub const DEMO_EMAIL: &str = "owner@demo.example";

/// What the operator needs to sign in to the demo tenant.
pub struct DemoCredentials {
    pub workspace: String,
    pub email: String,
    pub password: String,
}

/// Create the demo tenant and its owner with a fresh random password.
pub fn seed(db: &Db) -> AppResult<DemoCredentials> {
    let password = tokens::random_secret(15);
    let hash = passwords::hash_blocking(&password)?;
    db.write_blocking(|c| {
        let tenant = tenancy::create(
            c,
            &NewTenant {
                slug: DEMO_SLUG.into(),
                name: "Demo Support".into(),
                locale: "en".into(),
                time_zone: "Europe/Lisbon".into(),
            },
        )?;
        let tid = tenant.tenant_id();
        let owner = agents::create(
            c,
            &tid,
            &NewAgent {
                email: DEMO_EMAIL.into(),
                name: "Demo Owner".into(),
                role: Role::Owner,
                locale: None,
                time_zone: None,
            },
            Some(hash),
        )?;
        agents::set_languages(
            c,
            &tid,
            &owner.id,
            &[("en".into(), Proficiency::Native), ("pt".into(), Proficiency::Working)],
        )?;
        Ok(())
    })?;
    Ok(DemoCredentials { workspace: DEMO_SLUG.into(), email: DEMO_EMAIL.into(), password })
}

/// On an empty database (and with `demo` on), seed the demo tenant; `None` when data exists.
pub fn seed_if_empty(db: &Db) -> AppResult<Option<DemoCredentials>> {
    let mut conn = db.conn()?;
    if tenancy::count(&mut conn)? > 0 {
        return Ok(None);
    }
    drop(conn);
    match seed(db) {
        Ok(c) => Ok(Some(c)),
        // Another process seeded it first.
        Err(crate::error::AppError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
