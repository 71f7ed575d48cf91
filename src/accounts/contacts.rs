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
    /// Set once this contact was merged into another: it is kept, with its email, so that mail
    /// from that address and links to it reach the contact it lives on in.
    pub merged_into_id: Option<crate::types::ContactId>,
    /// What agents keep about the contact (plain text).
    pub notes: Option<String>,
    /// The organisation (the email's domain), unless it is a free-mail domain.
    #[serde(rename = "organization", serialize_with = "super::organizations::serialize_domain")]
    #[schema(value_type = Option<String>)]
    pub email_domain: Option<String>,
}

/// Longest notes kept on a contact, in characters.
pub const MAX_NOTES: usize = 10_000;

/// The organisation domain stored with an (already normalised) email.
pub fn domain_of(email: Option<&str>) -> Option<String> {
    email.and_then(crate::routing::engine::email_domain)
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
        merged_into_id: None,
        notes: None,
        email_domain: None,
    };
    let c = Contact { email_domain: domain_of(c.email.as_deref()), ..c };
    diesel::insert_into(contacts::table)
        .values((
            contacts::tenant_id.eq(&c.tenant_id),
            contacts::id.eq(&c.id),
            contacts::email.eq(&c.email),
            contacts::name.eq(&c.name),
            contacts::locale.eq(&c.locale),
            contacts::created_at.eq(ts),
            contacts::updated_at.eq(ts),
            contacts::email_domain.eq(&c.email_domain),
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

/// One contact of this tenant (a merged one too: see [`Contact::merged_into_id`]).
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::ContactId) -> AppResult<Contact> {
    Ok(contacts::table.find((tenant.as_str(), id.as_str())).select(Contact::as_select()).first(conn)?)
}

/// The contact a ticket for `id` belongs to: `id` itself, or the one it was merged into (merges
/// repoint earlier tombstones, so there is at most one hop).
pub fn resolve(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::ContactId) -> AppResult<Contact> {
    let c = get(conn, tenant, id)?;
    match &c.merged_into_id {
        Some(into) => get(conn, tenant, into),
        None => Ok(c),
    }
}

/// The contact with this email, if any: the one it was merged into when its own was merged.
pub fn by_email(conn: &mut DbConnection, tenant: &TenantId, email: &str) -> AppResult<Option<Contact>> {
    let email = email.trim().to_lowercase();
    Ok(by_emails(conn, tenant, &[email.as_str()])?.remove(&email))
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
                    contacts::email_domain.eq(domain_of(Some(email))),
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

/// The contacts of these emails, keyed by email; a merged contact's email maps to the contact
/// it was merged into, so its later mail and tickets land there.
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
    let into: Vec<&str> = rows.iter().filter_map(|c| c.merged_into_id.as_ref().map(|i| i.as_str())).collect();
    let survivors: std::collections::HashMap<String, Contact> = if into.is_empty() {
        Default::default()
    } else {
        contacts::table
            .filter(contacts::tenant_id.eq(tenant.as_str()))
            .filter(contacts::id.eq_any(&into))
            .select(Contact::as_select())
            .load::<Contact>(conn)?
            .into_iter()
            .map(|c| (c.id.to_string(), c))
            .collect()
    };
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let email = c.email.clone()?;
            match &c.merged_into_id {
                Some(into) => survivors.get(into.as_str()).cloned().map(|s| (email, s)),
                None => Some((email, c)),
            }
        })
        .collect())
}

/// A page of contacts ordered by id (time-ordered), after the `after` id; merged ones are left out.
pub fn list(conn: &mut DbConnection, tenant: &TenantId, after: Option<&str>, limit: i64) -> AppResult<Vec<Contact>> {
    let mut q = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::merged_into_id.is_null())
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
    let mut c = live(conn, tenant, id)?;
    if let Some(e) = email {
        c.email = e.map(|e| normalize_email("email", e)).transpose()?;
        c.email_domain = domain_of(c.email.as_deref());
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
            contacts::email_domain.eq(&c.email_domain),
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
    live(conn, tenant, id)?;
    diesel::update(contacts::table.find((tenant.as_str(), id)))
        .set((contacts::vip.eq(vip), contacts::updated_at.eq(now())))
        .execute(conn)?;
    get(conn, tenant, &id.into())
}

/// Set (or clear, with blank text) a contact's notes.
pub fn set_notes(conn: &mut DbConnection, tenant: &TenantId, id: &str, notes: &str) -> AppResult<Contact> {
    live(conn, tenant, id)?;
    let notes = notes.replace("\r\n", "\n");
    let notes = notes.trim();
    if notes.chars().count() > MAX_NOTES || notes.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid("notes", "error-contact-notes", "notes are up to 10,000 characters of text"));
    }
    diesel::update(contacts::table.find((tenant.as_str(), id)))
        .set((contacts::notes.eq((!notes.is_empty()).then_some(notes)), contacts::updated_at.eq(now())))
        .execute(conn)?;
    get(conn, tenant, &id.into())
}

/// A contact that has not been merged away: changes go to the contact it lives on in.
fn live(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Contact> {
    let c = get(conn, tenant, &id.into())?;
    if c.merged_into_id.is_some() {
        return Err(AppError::invalid("id", "error-contact-merged", "this contact was merged into another"));
    }
    Ok(c)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(#[sql_name = "lower"] fn lower_opt(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// Contacts (not merged ones) by name, whose name or email holds `q` when given; `limit` from
/// `offset`. Case is folded by `lower()` (PostgreSQL's trigram indexes serve it).
pub fn search(
    conn: &mut DbConnection,
    tenant: &TenantId,
    q: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<Contact>> {
    let mut query = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::merged_into_id.is_null())
        .order((contacts::name.asc(), contacts::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(Contact::as_select())
        .into_boxed();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", crate::tickets::text_search::escape_like(&q.to_lowercase()));
        query = query.filter(
            lower(contacts::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_opt(contacts::email).like(pattern).escape('\\').assume_not_null()),
        );
    }
    Ok(query.load(conn)?)
}

/// The contacts merged into `id` (their addresses now reach it).
pub fn merged_into(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Vec<Contact>> {
    Ok(contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::merged_into_id.eq(id))
        .order(contacts::id.asc())
        .select(Contact::as_select())
        .load(conn)?)
}
