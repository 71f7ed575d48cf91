//! Agents: the support staff of a tenant, with their locale, time zone and languages.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{normalize_email, validate_name, Role};
use crate::db::schema::{agent_languages, agents};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// An agent row. The password hash is skipped when serialised.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = agents)]
pub struct Agent {
    #[serde(skip)]
    pub tenant_id: String,
    pub id: crate::types::AgentId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub active: bool,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc::serialize")]
    pub updated_at: NaiveDateTime,
}

impl Agent {
    /// The agent's role; an unknown stored value is treated as the least privileged.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Agent)
    }
}

/// How well an agent speaks a language; routing prefers the stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proficiency {
    Native,
    Fluent,
    Working,
    Basic,
}

impl Proficiency {
    /// Every level, strongest first.
    pub const ALL: [Proficiency; 4] =
        [Proficiency::Native, Proficiency::Fluent, Proficiency::Working, Proficiency::Basic];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Proficiency::Native => "native",
            Proficiency::Fluent => "fluent",
            Proficiency::Working => "working",
            Proficiency::Basic => "basic",
        }
    }

    /// Parse a stored or submitted level.
    pub fn parse(s: &str) -> AppResult<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            AppError::invalid("proficiency", "error-proficiency-invalid", format!("{s:?} is not a proficiency"))
        })
    }
}

/// A language an agent speaks.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = agent_languages)]
pub struct AgentLanguage {
    #[serde(skip)]
    pub tenant_id: String,
    #[serde(skip)]
    pub agent_id: String,
    pub language: String,
    pub proficiency: String,
}

/// Input for creating an agent.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
}

/// Create an agent with an optional (already hashed) password.
pub fn create(
    conn: &mut DbConnection,
    tenant: &TenantId,
    new: &NewAgent,
    password_hash: Option<String>,
) -> AppResult<Agent> {
    let email = normalize_email("email", &new.email)?;
    let name = validate_name("name", &new.name)?;
    if let Some(l) = &new.locale {
        check_locale(l)?;
    }
    if let Some(tz) = &new.time_zone {
        crate::tenancy::validate_time_zone("time_zone", tz)?;
    }
    let ts = now();
    let agent = Agent {
        tenant_id: tenant.as_str().to_string(),
        id: crate::types::AgentId::generate(),
        email,
        name,
        role: new.role.as_str().to_string(),
        locale: new.locale.clone(),
        time_zone: new.time_zone.clone(),
        password_hash,
        active: true,
        created_at: ts,
        updated_at: ts,
    };
    diesel::insert_into(agents::table)
        .values((
            agents::tenant_id.eq(&agent.tenant_id),
            agents::id.eq(&agent.id),
            agents::email.eq(&agent.email),
            agents::name.eq(&agent.name),
            agents::role.eq(&agent.role),
            agents::locale.eq(&agent.locale),
            agents::time_zone.eq(&agent.time_zone),
            agents::password_hash.eq(&agent.password_hash),
            agents::active.eq(true),
            agents::created_at.eq(ts),
            agents::updated_at.eq(ts),
        ))
        .execute(conn)
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::invalid("email", "error-email-taken", "an agent with this email exists"),
            other => other,
        })?;
    Ok(agent)
}

fn check_locale(l: &str) -> AppResult<()> {
    if crate::i18n::is_supported(l) {
        Ok(())
    } else {
        Err(AppError::invalid("locale", "error-locale-unsupported", format!("{l:?} is not a supported locale")))
    }
}

/// One agent of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &crate::types::AgentId) -> AppResult<Agent> {
    Ok(agents::table.find((tenant.as_str(), id.as_str())).select(Agent::as_select()).first(conn)?)
}

/// The agent with this email in this tenant, if any.
pub fn by_email(conn: &mut DbConnection, tenant: &TenantId, email: &str) -> AppResult<Option<Agent>> {
    Ok(agents::table
        .filter(agents::tenant_id.eq(tenant.as_str()))
        .filter(agents::email.eq(email.trim().to_lowercase()))
        .select(Agent::as_select())
        .first(conn)
        .optional()?)
}

/// Display names of these agents of this tenant, by id (ids of other tenants are left out).
pub fn names(
    conn: &mut DbConnection,
    tenant: &TenantId,
    ids: &[String],
) -> AppResult<std::collections::HashMap<String, String>> {
    Ok(agents::table
        .filter(agents::tenant_id.eq(tenant.as_str()))
        .filter(agents::id.eq_any(ids))
        .select((agents::id, agents::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// All agents of this tenant, by name.
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Agent>> {
    Ok(agents::table
        .filter(agents::tenant_id.eq(tenant.as_str()))
        .order((agents::name.asc(), agents::id.asc()))
        .select(Agent::as_select())
        .load(conn)?)
}

/// Change an agent's own display preferences.
pub fn update_profile(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    name: &str,
    locale: Option<&str>,
    time_zone: Option<&str>,
) -> AppResult<()> {
    let name = validate_name("name", name)?;
    if let Some(l) = locale {
        check_locale(l)?;
    }
    if let Some(tz) = time_zone {
        crate::tenancy::validate_time_zone("time_zone", tz)?;
    }
    let n = diesel::update(agents::table.find((tenant.as_str(), id)))
        .set((
            agents::name.eq(name),
            agents::locale.eq(locale),
            agents::time_zone.eq(time_zone),
            agents::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Store a new password hash.
pub fn set_password_hash(conn: &mut DbConnection, tenant: &TenantId, id: &str, hash: &str) -> AppResult<()> {
    let n = diesel::update(agents::table.find((tenant.as_str(), id)))
        .set((agents::password_hash.eq(hash), agents::updated_at.eq(now())))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Change role and active flag. The last active owner cannot be removed. Callers deactivating an
/// agent use [`super::set_role_and_active`], which also ends their sessions.
pub fn set_role_and_active(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    role: Role,
    active: bool,
) -> AppResult<Agent> {
    let current = get(conn, tenant, &id.into())?;
    if current.role() == Role::Owner && (role != Role::Owner || !active) {
        let owners: i64 = agents::table
            .filter(agents::tenant_id.eq(tenant.as_str()))
            .filter(agents::role.eq("owner"))
            .filter(agents::active.eq(true))
            .count()
            .get_result(conn)?;
        if owners <= 1 {
            return Err(AppError::invalid("role", "error-last-owner", "a tenant keeps at least one active owner"));
        }
    }
    diesel::update(agents::table.find((tenant.as_str(), id)))
        .set((agents::role.eq(role.as_str()), agents::active.eq(active), agents::updated_at.eq(now())))
        .execute(conn)?;
    get(conn, tenant, &id.into())
}

/// The languages an agent speaks, strongest first.
pub fn languages(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<Vec<AgentLanguage>> {
    let mut rows: Vec<AgentLanguage> = agent_languages::table
        .filter(agent_languages::tenant_id.eq(tenant.as_str()))
        .filter(agent_languages::agent_id.eq(agent_id))
        .select(AgentLanguage::as_select())
        .load(conn)?;
    rows.sort_by_key(|l| {
        (Proficiency::ALL.iter().position(|p| p.as_str() == l.proficiency).unwrap_or(9), l.language.clone())
    });
    Ok(rows)
}

/// Replace the languages an agent speaks. Language tags are BCP 47 (`pt`, `pt-BR`, `zh-Hans`).
pub fn set_languages(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    langs: &[(String, Proficiency)],
) -> AppResult<()> {
    get(conn, tenant, &agent_id.into())?;
    let mut canonical: Vec<(String, Proficiency)> = Vec::with_capacity(langs.len());
    for (tag, prof) in langs {
        let parsed: unic_langid::LanguageIdentifier = tag.parse().map_err(|_| {
            AppError::invalid("languages", "error-language-invalid", format!("{tag:?} is not a language tag"))
        })?;
        let parsed = parsed.to_string();
        if canonical.iter().any(|(t, _)| *t == parsed) {
            return Err(AppError::invalid("languages", "error-language-duplicate", format!("{tag:?} is listed twice")));
        }
        canonical.push((parsed, *prof));
    }
    diesel::delete(
        agent_languages::table
            .filter(agent_languages::tenant_id.eq(tenant.as_str()))
            .filter(agent_languages::agent_id.eq(agent_id)),
    )
    .execute(conn)?;
    for (tag, prof) in &canonical {
        diesel::insert_into(agent_languages::table)
            .values((
                agent_languages::tenant_id.eq(tenant.as_str()),
                agent_languages::agent_id.eq(agent_id),
                agent_languages::language.eq(tag),
                agent_languages::proficiency.eq(prof.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
