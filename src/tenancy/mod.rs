//! Tenants: the support teams sharing this server. `TenantId` (in `types`, re-exported here) is
//! what every store function takes first.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::tenants;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};

pub use crate::types::TenantId;

/// A tenant row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub default_locale: String,
    pub time_zone: String,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
}

impl Tenant {
    /// This tenant's id.
    pub fn tenant_id(&self) -> TenantId {
        TenantId::from_trusted(self.id.clone())
    }
}

/// What `tenant create` and the demo seeder supply.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub locale: String,
    pub time_zone: String,
}

// Slugs become host names and path segments, so names the server itself uses are taken.
const RESERVED_SLUGS: &[&str] = &["www", "api", "admin", "app", "static", "help", "mail", "h", "console"];

/// Check a slug: 2–40 of a–z, 0–9 and inner hyphens, not reserved.
pub fn validate_slug(slug: &str) -> AppResult<()> {
    let ok_chars = slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !(2..=40).contains(&slug.len()) || !ok_chars || slug.starts_with('-') || slug.ends_with('-') {
        return Err(AppError::invalid("slug", "error-slug-invalid", "use 2-40 characters a-z, 0-9 and inner hyphens"));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(AppError::invalid("slug", "error-slug-reserved", format!("{slug:?} is reserved")));
    }
    Ok(())
}

/// Check an IANA time zone name.
pub fn validate_time_zone(field: &str, tz: &str) -> AppResult<chrono_tz::Tz> {
    tz.parse::<chrono_tz::Tz>()
        .map_err(|_| AppError::invalid(field, "error-time-zone-invalid", format!("{tz:?} is not an IANA time zone")))
}

/// Create a tenant.
pub fn create(conn: &mut DbConnection, new: &NewTenant) -> AppResult<Tenant> {
    validate_slug(&new.slug)?;
    validate_time_zone("time_zone", &new.time_zone)?;
    if !crate::i18n::is_supported(&new.locale) {
        return Err(AppError::invalid(
            "locale",
            "error-locale-unsupported",
            format!("{:?} is not a supported locale", new.locale),
        ));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::invalid("name", "error-name-invalid", "a name of 1-120 characters is required"));
    }
    let tenant = Tenant {
        id: new_id(),
        slug: new.slug.clone(),
        name: name.to_string(),
        default_locale: new.locale.clone(),
        time_zone: new.time_zone.clone(),
        created_at: now(),
    };
    diesel::insert_into(tenants::table)
        .values((
            tenants::id.eq(&tenant.id),
            tenants::slug.eq(&tenant.slug),
            tenants::name.eq(&tenant.name),
            tenants::default_locale.eq(&tenant.default_locale),
            tenants::time_zone.eq(&tenant.time_zone),
            tenants::created_at.eq(tenant.created_at),
        ))
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(format!("a tenant with slug {:?} exists", new.slug)),
            other => other,
        })?;
    diesel::insert_into(crate::db::schema::ticket_counters::table)
        .values((
            crate::db::schema::ticket_counters::tenant_id.eq(&tenant.id),
            crate::db::schema::ticket_counters::last_number.eq(0i64),
        ))
        .execute(conn)?;
    Ok(tenant)
}

/// Look a tenant up by id.
pub fn get(conn: &mut DbConnection, id: &TenantId) -> AppResult<Tenant> {
    Ok(tenants::table.find(id.as_str()).select(Tenant::as_select()).first(conn)?)
}

/// Look a tenant up by slug (host name or path prefix).
pub fn by_slug(conn: &mut DbConnection, slug: &str) -> AppResult<Tenant> {
    Ok(tenants::table.filter(tenants::slug.eq(slug)).select(Tenant::as_select()).first(conn)?)
}

/// How many tenants exist (first-run detection).
pub fn count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(tenants::table.count().get_result(conn)?)
}
