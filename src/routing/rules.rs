//! The tenant's routing rules: ordered conditions on a ticket's language, channel, priority,
//! tags, the requester's email domain and VIP flag, each sending matches to a team, requiring a skill or changing the priority. The first
//! matching rule applies (see `engine::Rule`).

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::engine::Rule;
use crate::db::schema::tenants;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::types::{Channel, Priority};

/// Most rules a tenant keeps.
pub const MAX_RULES: usize = 100;

/// `GET/PUT /api/v1/routing/rules`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesDoc {
    pub rules: Vec<RuleDoc>,
}

/// One rule on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    #[serde(default)]
    pub when: RuleWhen,
    #[serde(default)]
    pub then: RuleThen,
}

/// Conditions; each given one must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleWhen {
    /// Matches the primary language (`pt` matches `pt-BR`).
    pub language: Option<String>,
    pub channel: Option<Channel>,
    pub priority: Option<Priority>,
    /// The ticket carries all of them.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The requester's email domain (`example.com` also matches `eu.example.com`).
    pub requester_domain: Option<String>,
    /// The requester is (`true`) or is not (`false`) a VIP contact.
    pub vip: Option<bool>,
}

/// Effects.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleThen {
    /// Only this team's members; the ticket joins its queue when nobody can take it.
    pub team_id: Option<String>,
    /// Only agents with this skill.
    pub skill: Option<String>,
    /// The ticket's new priority.
    pub priority: Option<Priority>,
}

fn retag(e: AppError, field: String) -> AppError {
    match e {
        AppError::Invalid { key, detail, .. } => AppError::Invalid { field, key, detail },
        other => other,
    }
}

/// A domain as rules compare it: lowercase, no leading `@` or trailing dot, labels of letters,
/// digits and hyphens (IDNs in their `xn--` form).
fn check_domain(field: &str, d: &str) -> AppResult<String> {
    let d = d.trim().trim_start_matches('@').trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if d.len() > 253 || !d.contains('.') || !d.split('.').all(label_ok) {
        return Err(AppError::invalid(field, "error-domain-invalid", format!("{d:?} is not a domain name")));
    }
    Ok(d)
}

/// Check and normalise rules against this tenant's teams; errors name the field
/// (`rules[2].then.team_id`).
fn check(conn: &mut DbConnection, tenant: &TenantId, doc: &RulesDoc) -> AppResult<RulesDoc> {
    if doc.rules.len() > MAX_RULES {
        return Err(AppError::invalid("rules", "error-rule-invalid", format!("at most {MAX_RULES} rules")));
    }
    let mut out = Vec::with_capacity(doc.rules.len());
    for (i, r) in doc.rules.iter().enumerate() {
        let language = r
            .when
            .language
            .as_deref()
            .map(crate::tickets::commands::validate_language)
            .transpose()
            .map_err(|e| retag(e, format!("rules[{i}].when.language")))?;
        let tags =
            crate::tickets::normalize_tags(&r.when.tags).map_err(|e| retag(e, format!("rules[{i}].when.tags")))?;
        let skill = match &r.then.skill {
            Some(s) => {
                let mut one = crate::tickets::normalize_tags(std::slice::from_ref(s))
                    .map_err(|e| retag(e, format!("rules[{i}].then.skill")))?;
                Some(one.pop().ok_or_else(|| {
                    AppError::invalid(&format!("rules[{i}].then.skill"), "error-skill-invalid", "the skill is blank")
                })?)
            }
            None => None,
        };
        if let Some(t) = &r.then.team_id {
            crate::tickets::teams::get(conn, tenant, &t.as_str().into()).map_err(|e| match e {
                AppError::NotFound => {
                    AppError::invalid(&format!("rules[{i}].then.team_id"), "error-team-invalid", format!("no team {t}"))
                }
                other => other,
            })?;
        }
        let requester_domain = r
            .when
            .requester_domain
            .as_deref()
            .map(|d| check_domain(&format!("rules[{i}].when.requester_domain"), d))
            .transpose()?;
        out.push(RuleDoc {
            when: RuleWhen {
                language,
                channel: r.when.channel,
                priority: r.when.priority,
                tags,
                requester_domain,
                vip: r.when.vip,
            },
            then: RuleThen { team_id: r.then.team_id.clone(), skill, priority: r.then.priority },
        });
    }
    Ok(RulesDoc { rules: out })
}

/// The tenant's rules, in order.
pub fn get(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<RulesDoc> {
    let stored: String = tenants::table.find(tenant.as_str()).select(tenants::routing_rules).first(conn)?;
    Ok(RulesDoc { rules: serde_json::from_str(&stored).map_err(|e| AppError::Internal(e.into()))? })
}

/// Replace the tenant's rules after checking every field.
pub fn set(conn: &mut DbConnection, tenant: &TenantId, doc: &RulesDoc) -> AppResult<RulesDoc> {
    let checked = check(conn, tenant, doc)?;
    diesel::update(tenants::table.find(tenant.as_str()))
        .set(tenants::routing_rules.eq(serde_json::to_string(&checked.rules)?))
        .execute(conn)?;
    Ok(checked)
}

/// The rules as the engine takes them.
pub fn to_engine(doc: &RulesDoc) -> Vec<Rule> {
    doc.rules
        .iter()
        .map(|r| Rule {
            language: r.when.language.clone(),
            channel: r.when.channel,
            priority: r.when.priority,
            tags: r.when.tags.clone(),
            requester_domain: r.when.requester_domain.clone(),
            vip: r.when.vip,
            team_id: r.then.team_id.clone(),
            skill: r.then.skill.clone(),
            set_priority: r.then.priority,
        })
        .collect()
}
