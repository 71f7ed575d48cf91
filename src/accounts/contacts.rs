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
    pub id: crate::types::ContactId,
    pub email: Option<String>,
    pub name: String,
    pub locale: Option<String>,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub updated_at: NaiveDateTime,
    /// A VIP: routing rules may send their tickets elsewhere.
    pub vip: bool,
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
        id: crate::types::ContactId::generate(),
        email,
        name,
        locale,
        created_at: ts,
        updated_at: ts,
        vip: false,
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
    crate::events::outbox::record(conn, tenant, &[created_event(&c)])?;
    Ok(c)
}

fn created_event(c: &Contact) -> crate::events::DomainEvent {
    crate::events::DomainEvent::ContactCreated {
        contact_id: c.id.as_str().into(),
        email: c.email.clone().unwrap_or_default(),
    }
}

fn check_language(tag: &str) -> AppResult<String> {
    tag.parse::<unic_langid::LanguageIdentifier>()
        .map(|l| l.to_string())
        .map_err(|_| AppError::invalid("locale", "error-language-invalid", format!("{tag:?} is not a language tag")))
}

/// One contact of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::ContactId) -> AppResult<Contact> {
    Ok(contacts::table.find((tenant.as_str(), id.as_str())).select(Contact::as_select()).first(conn)?)
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
    let wanted = [(email.to_string(), name.map(str::to_string))];
    find_or_create_many(conn, tenant, &wanted)?.pop().unwrap_or(Err(AppError::NotFound))
}

/// [`find_or_create`] for many `(email, name)` pairs at once, in at most three statements: the
/// outer error is a database failure, the inner ones say which email or name is invalid. A new
/// email wanted twice is created once, with the first name given.
pub fn find_or_create_many(
    conn: &mut DbConnection,
    tenant: &TenantId,
    wanted: &[(String, Option<String>)],
) -> AppResult<Vec<AppResult<Contact>>> {
    let normalized: Vec<AppResult<String>> =
        wanted.iter().map(|(email, _)| normalize_email("requester.email", email)).collect();
    let emails: Vec<&str> = normalized.iter().filter_map(|e| e.as_deref().ok()).collect();
    let mut found = by_emails(conn, tenant, &emails)?;
    let mut names: Vec<Option<AppResult<String>>> = Vec::with_capacity(wanted.len());
    let mut new_contacts: Vec<(String, String)> = Vec::new();
    let mut queued = std::collections::HashSet::new();
    let ts = now();
    for ((_, name), email) in wanted.iter().zip(&normalized) {
        let Ok(email) = email else {
            names.push(None);
            continue;
        };
        if found.contains_key(email) {
            names.push(None);
            continue;
        }
        let fallback = email.split('@').next().unwrap_or(email);
        let name = validate_name(
            "requester.name",
            name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(fallback),
        );
        if let Ok(n) = &name {
            if queued.insert(email.clone()) {
                new_contacts.push((email.clone(), n.clone()));
            }
        }
        names.push(Some(name));
    }
    if !new_contacts.is_empty() {
        // Rows in email order: concurrent batches then wait on each other's new emails in one
        // order and cannot deadlock.
        new_contacts.sort();
        let ids: Vec<String> = new_contacts.iter().map(|_| new_id()).collect();
        let rows: Vec<_> = new_contacts
            .iter()
            .zip(&ids)
            .map(|((email, name), id)| {
                (
                    contacts::tenant_id.eq(tenant.as_str()),
                    contacts::id.eq(id),
                    contacts::email.eq(email),
                    contacts::name.eq(name),
                    contacts::created_at.eq(ts),
                    contacts::updated_at.eq(ts),
                )
            })
            .collect();
        // Concurrent callers with the same new email both succeed and agree on one row.
        crate::db::on_backend!(conn, |c| diesel::insert_into(contacts::table)
            .values(&rows)
            .on_conflict((contacts::tenant_id, contacts::email))
            .do_nothing()
            .execute(c))?;
        let created: Vec<&str> = queued.iter().map(String::as_str).collect();
        let rows = by_emails(conn, tenant, &created)?;
        // Only the rows with the ids generated here are new; a concurrent caller made the others.
        let events: Vec<_> = rows.values().filter(|c| ids.iter().any(|id| c.id == *id)).map(created_event).collect();
        crate::events::outbox::record(conn, tenant, &events)?;
        found.extend(rows);
    }
    Ok(normalized
        .into_iter()
        .zip(names)
        .map(|(email, name)| {
            let email = email?;
            if let Some(Err(e)) = name {
                return Err(e);
            }
            found.get(&email).cloned().ok_or(AppError::NotFound)
        })
        .collect())
}

fn by_emails(
    conn: &mut DbConnection,
    tenant: &TenantId,
    emails: &[&str],
) -> AppResult<std::collections::HashMap<String, Contact>> {
    if emails.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<Contact> = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email.eq_any(emails))
        .select(Contact::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|c| Some((c.email.clone()?, c))).collect())
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
    let mut c = get(conn, tenant, &id.into())?;
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

/// Mark a contact as a VIP or not.
pub fn set_vip(conn: &mut DbConnection, tenant: &TenantId, id: &str, vip: bool) -> AppResult<Contact> {
    let n = diesel::update(contacts::table.find((tenant.as_str(), id)))
        .set((contacts::vip.eq(vip), contacts::updated_at.eq(now())))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    get(conn, tenant, &id.into())
}
