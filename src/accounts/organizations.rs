//! Organisations: a tenant's contacts grouped by the domain of their email.
//!
//! Derived, not stored: `contacts.email_domain` is kept with every email write and indexed with
//! the tenant, so the list is one index range grouped by domain and an organisation's contacts
//! are one range of it. A stored table would need its counts kept in step with every contact,
//! merge and ticket status change for no faster read. Free-mail domains are dropped when read,
//! so changing [`FREE_MAIL`] needs no backfill.

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use super::contacts::Contact;
use crate::db::schema::{contacts, tickets};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// Domains anyone can get an address at: their contacts share no organisation.
pub const FREE_MAIL: &[&str] = &[
    "126.com",
    "139.com",
    "163.com",
    "aim.com",
    "aliyun.com",
    "aol.com",
    "bol.com.br",
    "daum.net",
    "fastmail.com",
    "foxmail.com",
    "free.fr",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hanmail.net",
    "hey.com",
    "hotmail.co.uk",
    "hotmail.com",
    "hotmail.fr",
    "icloud.com",
    "laposte.net",
    "libero.it",
    "live.com",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "naver.com",
    "orange.fr",
    "outlook.com",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rediffmail.com",
    "sina.cn",
    "sina.com",
    "sohu.com",
    "t-online.de",
    "terra.com.br",
    "tutanota.com",
    "uol.com.br",
    "web.de",
    "yahoo.co.jp",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.com.br",
    "yahoo.fr",
    "yandex.com",
    "yandex.ru",
    "yeah.net",
    "ymail.com",
    "zoho.com",
];

/// Whether `domain` is a free-mail domain.
pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL.contains(&domain)
}

/// Serialises a contact's stored domain as its organisation: `null` for free mail.
pub fn serialize_domain<S: serde::Serializer>(d: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    d.as_deref().filter(|d| !is_free_mail(d)).serialize(s)
}

/// One organisation with its counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Organization {
    /// The email domain its contacts share.
    pub domain: String,
    /// Contacts with an address at the domain (merged ones not counted).
    pub contact_count: i64,
    /// Their tickets that are not solved or closed.
    pub open_ticket_count: i64,
}

/// Organisations in domain order after `after`, up to `limit`.
pub fn list(
    conn: &mut DbConnection,
    tenant: &TenantId,
    after: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Organization>> {
    let rows: Vec<(Option<String>, i64)> = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email_domain.gt(after.unwrap_or("")))
        .filter(contacts::email_domain.ne_all(FREE_MAIL))
        .filter(contacts::merged_into_id.is_null())
        .group_by(contacts::email_domain)
        .order(contacts::email_domain.asc())
        .limit(limit)
        .select((contacts::email_domain, count_star()))
        .load(conn)?;
    let rows: Vec<(String, i64)> = rows.into_iter().filter_map(|(d, n)| Some((d?, n))).collect();
    let domains: Vec<&str> = rows.iter().map(|(d, _)| d.as_str()).collect();
    let open = open_counts(conn, tenant, &domains)?;
    Ok(rows
        .iter()
        .map(|(d, n)| Organization {
            domain: d.clone(),
            contact_count: *n,
            open_ticket_count: open.get(d).copied().unwrap_or(0),
        })
        .collect())
}

fn open_counts(
    conn: &mut DbConnection,
    tenant: &TenantId,
    domains: &[&str],
) -> AppResult<std::collections::HashMap<String, i64>> {
    if domains.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Option<String>, i64)> = tickets::table
        .inner_join(
            contacts::table.on(contacts::tenant_id.eq(tickets::tenant_id).and(contacts::id.eq(tickets::requester_id))),
        )
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email_domain.eq_any(domains))
        .filter(tickets::is_open.eq(true))
        .group_by(contacts::email_domain)
        .select((contacts::email_domain, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(d, n)| Some((d?, n))).collect())
}

/// Normalise a domain from a path; `None` when it could not be one.
fn parse_domain(domain: &str) -> Option<String> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-') || !c.is_ascii());
    ok.then_some(d)
}

/// One organisation of this tenant: not found for free mail and for a domain none of its
/// contacts has (another tenant's included).
pub fn get(conn: &mut DbConnection, tenant: &TenantId, domain: &str) -> AppResult<Organization> {
    let d = parse_domain(domain).filter(|d| !is_free_mail(d)).ok_or(AppError::NotFound)?;
    let contact_count: i64 = contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email_domain.eq(&d))
        .filter(contacts::merged_into_id.is_null())
        .count()
        .get_result(conn)?;
    if contact_count == 0 {
        return Err(AppError::NotFound);
    }
    let open_ticket_count = open_counts(conn, tenant, &[d.as_str()])?.get(&d).copied().unwrap_or(0);
    Ok(Organization { domain: d, contact_count, open_ticket_count })
}

/// The organisation's contacts in id order after `after`, up to `limit`.
pub fn contacts_of(
    conn: &mut DbConnection,
    tenant: &TenantId,
    domain: &str,
    after: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Contact>> {
    Ok(contacts::table
        .filter(contacts::tenant_id.eq(tenant.as_str()))
        .filter(contacts::email_domain.eq(domain))
        .filter(contacts::merged_into_id.is_null())
        .filter(contacts::id.gt(after.unwrap_or("")))
        .order(contacts::id.asc())
        .limit(limit)
        .select(Contact::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_mail_is_known_and_sorted_for_reading() {
        assert!(is_free_mail("gmail.com") && is_free_mail("qq.com") && is_free_mail("163.com"));
        assert!(!is_free_mail("acme.example"));
        assert!(FREE_MAIL.windows(2).all(|w| w[0] < w[1]), "keep the list sorted");
    }

    #[test]
    fn path_domains_are_normalised_or_refused() {
        assert_eq!(parse_domain("ACME.example."), Some("acme.example".into()));
        assert_eq!(parse_domain("localhost"), None);
        assert_eq!(parse_domain("a b.example"), None);
        assert_eq!(parse_domain(""), None);
    }
}
