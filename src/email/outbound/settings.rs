//! A tenant's outbound identity (`tenant_email_settings`): the From address and display name,
//! the signature under replies, and an optional DKIM key with its selector. Everything is
//! validated here, so the sender only ever sees values that make a valid message.

use diesel::prelude::*;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};

use crate::db::schema::tenant_email_settings;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::{Tenant, TenantId};

/// Longest signature kept (characters).
const MAX_SIGNATURE: usize = 2000;

/// The stored settings of one tenant (all optional: defaults apply).
#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = tenant_email_settings)]
pub struct EmailSettings {
    pub support_address: Option<String>,
    pub display_name: Option<String>,
    pub signature: Option<String>,
    pub dkim_selector: Option<String>,
    /// PKCS#1 PEM; never shown back.
    pub dkim_private_key: Option<String>,
}

/// What an admin submits on the setup page.
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub support_address: String,
    pub display_name: String,
    pub signature: String,
    pub dkim_selector: String,
    /// Empty keeps the stored key.
    pub dkim_private_key: String,
    /// Remove the stored key.
    pub remove_dkim: bool,
}

impl EmailSettings {
    /// The From address: the configured one, else `{slug}@{inbound domain}`.
    pub fn from_address(&self, tenant: &Tenant, domain: &str) -> String {
        self.support_address.clone().unwrap_or_else(|| format!("{}@{domain}", tenant.slug))
    }

    /// The display name on From: the configured one, else the workspace's name.
    pub fn from_name(&self, tenant: &Tenant) -> String {
        self.display_name.clone().unwrap_or_else(|| tenant.name.clone())
    }

    /// The DKIM TXT record to publish, as (DNS name, value), when a key is set.
    pub fn dkim_record(&self, tenant: &Tenant, domain: &str) -> Option<(String, String)> {
        let (sel, pem) = (self.dkim_selector.as_deref()?, self.dkim_private_key.as_deref()?);
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem).ok()?;
        let der = key.to_public_key().to_public_key_der().ok()?;
        use base64::Engine;
        let p = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
        let from = self.from_address(tenant, domain);
        let host = from.rsplit_once('@').map_or(domain, |(_, h)| h);
        Some((format!("{sel}._domainkey.{host}"), format!("v=DKIM1; k=rsa; p={p}")))
    }
}

/// The tenant's settings (defaults when none were saved).
pub fn get(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<EmailSettings> {
    Ok(tenant_email_settings::table
        .find(tenant.as_str())
        .select(EmailSettings::as_select())
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

fn blank(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A DKIM selector is one or more DNS labels.
fn valid_selector(s: &str) -> bool {
    s.len() <= 63
        && s.split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// A PEM RSA private key (PKCS#1 or PKCS#8) as the PKCS#1 PEM the signer takes.
pub fn normalize_key(pem: &str) -> AppResult<String> {
    let bad = || AppError::invalid("dkim_private_key", "error-dkim-key-invalid", "not an RSA private key in PEM");
    let pem = pem.trim();
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))
        .map_err(|_| bad())?;
    Ok(key.to_pkcs1_pem(LineEnding::LF).map_err(|_| bad())?.to_string())
}

/// Validate and store the settings; a bad field is an error naming it and nothing is written.
pub fn save(conn: &mut DbConnection, tenant: &TenantId, f: &SettingsForm) -> AppResult<EmailSettings> {
    let current = get(conn, tenant)?;
    let support_address =
        blank(&f.support_address).map(|a| crate::accounts::normalize_email("support_address", &a)).transpose()?;
    let display_name =
        blank(&f.display_name).map(|n| crate::accounts::validate_name("display_name", &n)).transpose()?;
    let signature = blank(&f.signature.replace('\0', "").replace("\r\n", "\n"));
    if signature.as_ref().is_some_and(|s| s.chars().count() > MAX_SIGNATURE) {
        return Err(AppError::invalid("signature", "error-signature-too-long", "at most 2000 characters"));
    }
    let dkim_selector = blank(&f.dkim_selector).map(|s| s.to_ascii_lowercase());
    if dkim_selector.as_deref().is_some_and(|s| !valid_selector(s)) {
        return Err(AppError::invalid("dkim_selector", "error-dkim-selector-invalid", "letters, digits, - and ."));
    }
    let dkim_private_key = match (f.remove_dkim, blank(&f.dkim_private_key)) {
        (true, _) => None,
        (false, Some(pem)) => Some(normalize_key(&pem)?),
        (false, None) => current.dkim_private_key,
    };
    if dkim_private_key.is_some() && dkim_selector.is_none() {
        return Err(AppError::invalid("dkim_selector", "error-dkim-selector-invalid", "a key needs a selector"));
    }
    let row = (
        tenant_email_settings::tenant_id.eq(tenant.as_str()),
        tenant_email_settings::support_address.eq(&support_address),
        tenant_email_settings::display_name.eq(&display_name),
        tenant_email_settings::signature.eq(&signature),
        tenant_email_settings::dkim_selector.eq(&dkim_selector),
        tenant_email_settings::dkim_private_key.eq(&dkim_private_key),
        tenant_email_settings::updated_at.eq(now()),
    );
    diesel::delete(tenant_email_settings::table.find(tenant.as_str())).execute(conn)?;
    diesel::insert_into(tenant_email_settings::table).values(row).execute(conn)?;
    get(conn, tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_dns_labels() {
        assert!(valid_selector("mail2026"));
        assert!(valid_selector("s1.eu"));
        assert!(!valid_selector("bad selector"));
        assert!(!valid_selector("-x"));
        assert!(!valid_selector(""));
    }

    #[test]
    fn garbage_is_not_a_key() {
        assert!(normalize_key("-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----").is_err());
    }
}
