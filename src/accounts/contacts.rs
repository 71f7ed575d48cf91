//! Contacts: the end users who write to a tenant's support.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{normalize_email, validate_name};
use crate::db::schema::contacts;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// A contact row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = contacts)]
pub struct Contact {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: String,
    pub email: Option<String>,
    pub name: String,
    pub locale: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Create a contact; the email, when given, is unique within the tenant.
pub fn create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    email: Option<&str>,
    name: &str,
    locale: Option<&str>,
) -> AppResult<Contact> {
    let email = email.map(|e| normalize_email("email", e)).transpose()?;
    let name = validate_name("name", name)?;
    let locale = locale.map(check_language).transpose()?;
    let ts = now();
    let c = Contact {
        tenant_id: tenant.as_str().to_string(),
        id: new_id(),
        email,
        name,
        locale,
        created_at: ts,
        updated_at: ts,
    };
    diesel::insert_into(contacts::table)
        .values((
            contacts::tenant_id.eq(&c.tenant_id),
            contacts::id.eq(&c.id),
            contacts::email.eq(&c.email),
            contacts::name.eq(&c.name),
            contacts::locale.eq(&c.locale),
            contacts::created_at.eq(ts),
            contacts::updated_at.eq(ts),
        ))
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => {
                AppError::invalid("email", "error-email-taken", "a contact with this email exists")
            }
            other => other,
        })?;
    Ok(c)
}

fn check_language(tag: &str) -> AppResult<String> {
    tag.parse::<unic_langid::LanguageIdentifier>()
        .map(|l| l.to_string())
        .map_err(|_| AppError::invalid("locale", "error-language-invalid", format!("{tag:?} is not a language tag")))
}

/// One contact of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Contact> {
    Ok(contacts::table.find((tenant.as_str(), id)).select(Contact::as_select()).first(conn)?)
}

/// The contact with this email, if any.
pub fn by_email(conn: &mut DbConnection, tenant: &TenantId, email: &str) -> AppResult<Option<Contact>> {
    Ok(contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email.eq(email.trim().to_lowercase()))
        .select(Contact::as_select())
        .first(conn)
        .optional()?)
}

/// Find the contact with this email or create one (inbound mail, API ticket creation); safe
/// against concurrent callers with the same new email.
pub fn find_or_create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    email: &str,
    name: Option<&str>,
) -> AppResult<Contact> {
    let normalized = normalize_email("requester.email", email)?;
    if let Some(c) = by_email(conn, tenant, &normalized)? {
        return Ok(c);
    }
    let fallback = normalized.split('@').next().unwrap_or(&normalized).to_string();
    let name = validate_name("requester.name", name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&fallback))?;
    // Concurrent callers with the same new email both succeed and agree on one row.
    crate::db::backend::insert_contact_if_absent(conn, tenant.as_str(), &new_id(), &normalized, &name, now())?;
    by_email(conn, tenant, &normalized)?.ok_or(AppError::NotFound)
}

/// A page of contacts ordered by id (time-ordered), after the `after` id.
pub fn list(conn: &mut DbConnection, tenant: &TenantId, after: Option<&str>, limit: i64) -> AppResult<Vec<Contact>> {
    let mut q = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .order(contacts::id.asc())
        .limit(limit)
        .select(Contact::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(contacts::id.gt(a.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Update a contact's name, email and locale.
pub fn update(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    email: Option<Option<&str>>,
    name: Option<&str>,
    locale: Option<Option<&str>>,
) -> AppResult<Contact> {
    let mut c = get(conn, tenant, id)?;
    if let Some(e) = email {
        c.email = e.map(|e| normalize_email("email", e)).transpose()?;
    }
    if let Some(n) = name {
        c.name = validate_name("name", n)?;
    }
    if let Some(l) = locale {
        c.locale = l.map(check_language).transpose()?;
    }
    c.updated_at = now();
    diesel::update(contacts::table.find((tenant.as_str(), id)))
        .set((
            contacts::email.eq(&c.email),
            contacts::name.eq(&c.name),
            contacts::locale.eq(&c.locale),
            contacts::updated_at.eq(c.updated_at),
        ))
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => {
                AppError::invalid("email", "error-email-taken", "a contact with this email exists")
            }
            other => other,
        })?;
    Ok(c)
}
