//! A tenant's widget settings: the origins allowed to embed it, the identity secret, the
//! pre-chat form and the look per language ([`super::appearance`]).

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::appearance::{self, Prechat, WidgetLook};

use crate::db::schema::chat_settings;
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// Most origins one tenant may list.
pub const MAX_ORIGINS: usize = 50;

/// What the widget endpoint checks for a tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChatSettings {
    /// Normalised origins (`https://app.example`); empty means any origin.
    pub allowed_origins: Vec<String>,
    /// Whether an identity secret is set (the secret itself is never serialized).
    #[serde(skip)]
    pub identity_secret: Option<String>,
    /// Whether anonymous visitors fill in a pre-chat form.
    pub prechat: Prechat,
    /// Colour and greeting by language tag.
    pub appearance: BTreeMap<String, WidgetLook>,
}

impl ChatSettings {
    /// Whether a connection from `origin` may proceed: any, until the tenant lists some.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        if self.allowed_origins.is_empty() {
            return true;
        }
        origin.and_then(|o| normalize_origin(o).ok()).is_some_and(|o| self.allowed_origins.contains(&o))
    }
}

/// `scheme://host[:port]`, lowercase, default ports dropped; anything with a path, query or
/// credentials is not an origin.
pub fn normalize_origin(s: &str) -> AppResult<String> {
    let bad = || AppError::invalid("allowed_origins", "error-origin-invalid", format!("{s:?} is not an origin"));
    let u = url::Url::parse(s.trim()).map_err(|_| bad())?;
    let plain = matches!(u.scheme(), "http" | "https")
        && u.username().is_empty()
        && u.password().is_none()
        && u.query().is_none()
        && u.fragment().is_none()
        && matches!(u.path(), "" | "/");
    if !plain {
        return Err(bad());
    }
    let host = u.host_str().ok_or_else(bad)?;
    Ok(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

/// A tenant's settings (defaults when it never saved any).
pub fn get(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<ChatSettings> {
    let row: Option<(String, Option<String>, String, String)> = chat_settings::table
        .find(tenant.as_str())
        .select((
            chat_settings::allowed_origins,
            chat_settings::identity_secret,
            chat_settings::prechat,
            chat_settings::appearance,
        ))
        .first(conn)
        .optional()?;
    let Some((origins, secret, prechat, looks)) = row else { return Ok(ChatSettings::default()) };
    Ok(ChatSettings {
        allowed_origins: serde_json::from_str(&origins)?,
        identity_secret: secret,
        prechat: Prechat::parse(&prechat).unwrap_or_default(),
        appearance: serde_json::from_str(&looks)?,
    })
}

fn save(conn: &mut DbConnection, tenant: &TenantId, s: &ChatSettings) -> AppResult<()> {
    let origins = serde_json::to_string(&s.allowed_origins)?;
    let looks = serde_json::to_string(&s.appearance)?;
    let ts = now();
    let updated = diesel::update(chat_settings::table.find(tenant.as_str()))
        .set((
            chat_settings::allowed_origins.eq(&origins),
            chat_settings::identity_secret.eq(&s.identity_secret),
            chat_settings::prechat.eq(s.prechat.as_str()),
            chat_settings::appearance.eq(&looks),
            chat_settings::updated_at.eq(ts),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(chat_settings::table)
            .values((
                chat_settings::tenant_id.eq(tenant.as_str()),
                chat_settings::allowed_origins.eq(&origins),
                chat_settings::identity_secret.eq(&s.identity_secret),
                chat_settings::prechat.eq(s.prechat.as_str()),
                chat_settings::appearance.eq(&looks),
                chat_settings::updated_at.eq(ts),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replace the allowed origins (normalised, deduplicated); an empty list allows any origin.
pub fn set_allowed_origins(conn: &mut DbConnection, tenant: &TenantId, origins: &[String]) -> AppResult<ChatSettings> {
    if origins.len() > MAX_ORIGINS {
        return Err(AppError::invalid(
            "allowed_origins",
            "error-origin-invalid",
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut list: Vec<String> = Vec::new();
    for o in origins.iter().filter(|o| !o.trim().is_empty()) {
        let o = normalize_origin(o)?;
        if !list.contains(&o) {
            list.push(o);
        }
    }
    let mut s = get(conn, tenant)?;
    s.allowed_origins = list;
    save(conn, tenant, &s)?;
    Ok(s)
}

/// Set the pre-chat form and the looks (each only when given; the looks replace the map).
pub fn set_widget(
    conn: &mut DbConnection,
    tenant: &TenantId,
    prechat: Option<Prechat>,
    looks: Option<&BTreeMap<String, WidgetLook>>,
) -> AppResult<ChatSettings> {
    let looks = looks.map(appearance::validate).transpose()?;
    let mut s = get(conn, tenant)?;
    if let Some(p) = prechat {
        s.prechat = p;
    }
    if let Some(l) = looks {
        s.appearance = l;
    }
    save(conn, tenant, &s)?;
    Ok(s)
}

/// Make a new identity secret (the old one stops verifying at once) and return it.
pub fn rotate_identity_secret(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<String> {
    let secret = crate::accounts::tokens::random_secret(32);
    let mut s = get(conn, tenant)?;
    s.identity_secret = Some(secret.clone());
    save(conn, tenant, &s)?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_paths_refused() {
        assert_eq!(normalize_origin("HTTPS://App.Example:443/").unwrap(), "https://app.example");
        assert_eq!(normalize_origin("http://localhost:8080").unwrap(), "http://localhost:8080");
        assert!(normalize_origin("https://app.example/path").is_err());
        assert!(normalize_origin("javascript:alert(1)").is_err());
        assert!(normalize_origin("https://u:p@app.example").is_err());
    }

    #[test]
    fn any_origin_until_some_are_listed() {
        let mut s = ChatSettings::default();
        assert!(s.origin_allowed(None));
        s.allowed_origins = vec!["https://app.example".into()];
        assert!(s.origin_allowed(Some("https://APP.example")));
        assert!(!s.origin_allowed(Some("https://evil.example")));
        assert!(!s.origin_allowed(None));
    }
}
