//! Macros (canned replies): a tenant's named reply texts, one per locale, with placeholders, and
//! the field changes that go with them. Applying one renders the body in the ticket's language
//! and sends its actions through `commands::update_ticket`, so they leave the same audit trail
//! and events as changes made by hand.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::commands::{self, TicketChanges};
use super::{normalize_tags, Actor, Priority, Status, Ticket};
use crate::db::schema::macros;
use crate::db::{new_id, now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;
use crate::types::{AgentId, TicketId};

/// Longest macro name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest body of one locale, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// Most locales one macro holds.
pub const MAX_LOCALES: usize = 50;
/// The placeholders a body may hold, as written between `{{` and `}}`.
pub const PLACEHOLDERS: &[&str] =
    &["requester.name", "requester.email", "ticket.number", "ticket.subject", "agent.name"];
/// Statuses a macro may set: closing is the desk's own step after solving.
pub const STATUSES: &[&str] = &["open", "pending", "on_hold", "solved"];

/// Field changes a macro makes when applied; empty ones change nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MacroActions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<AgentId>,
}

impl MacroActions {
    /// The ticket changes these actions stand for.
    pub fn changes(&self) -> TicketChanges {
        TicketChanges {
            status: self.status,
            priority: self.priority,
            assignee_id: self.assignee_id.clone().map(Some),
            add_tags: self.add_tags.clone(),
            ..TicketChanges::default()
        }
    }
}

/// A stored macro.
#[derive(Debug, Clone)]
pub struct Macro {
    pub id: String,
    pub name: String,
    /// Body by locale tag (`en`, `pt-BR`).
    pub bodies: BTreeMap<String, String>,
    pub actions: MacroActions,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = macros)]
struct Row {
    tenant_id: String,
    id: String,
    name: String,
    bodies: String,
    actions: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn into_macro(self) -> AppResult<Macro> {
        let bad = |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("macro {}: {e}", self.id));
        Ok(Macro {
            bodies: serde_json::from_str(&self.bodies).map_err(bad)?,
            actions: serde_json::from_str(&self.actions).map_err(bad)?,
            id: self.id,
            name: self.name,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// What a create or an update sends; `None` leaves a field as it is (an update) or empty.
#[derive(Debug, Clone, Default)]
pub struct MacroInput {
    pub name: Option<String>,
    pub bodies: Option<BTreeMap<String, String>>,
    /// Status and priority as sent, checked here so errors name the field.
    pub status: Option<Option<String>>,
    pub priority: Option<Option<String>>,
    pub add_tags: Option<Vec<String>>,
    pub assignee_id: Option<Option<String>>,
}

fn check_name(name: &str) -> AppResult<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "error-macro-name", "a name of 1-120 characters, one line"));
    }
    Ok(trimmed.to_string())
}

/// The placeholders of `body` in order, or the first one that is not known (or left open).
pub fn placeholders(body: &str) -> Result<Vec<&'static str>, String> {
    let mut found = vec![];
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("{{{{{}", after.chars().take(40).collect::<String>()));
        };
        // Only ASCII spaces pad a name, as the document's pattern says.
        let name = after[..end].trim_matches(' ');
        match PLACEHOLDERS.iter().find(|p| **p == name) {
            Some(p) => found.push(*p),
            None => return Err(format!("{{{{{}}}}}", &after[..end])),
        }
        rest = &after[end + 2..];
    }
    Ok(found)
}

fn check_bodies(bodies: &BTreeMap<String, String>) -> AppResult<BTreeMap<String, String>> {
    if bodies.len() > MAX_LOCALES {
        return Err(AppError::invalid("bodies", "error-macro-bodies", format!("at most {MAX_LOCALES} locales")));
    }
    let mut out = BTreeMap::new();
    for (locale, body) in bodies {
        let field = format!("bodies.{locale}");
        let tag = commands::validate_language(locale).map_err(|_| {
            AppError::invalid(&field, "error-language-invalid", format!("{locale:?} is not a language tag"))
        })?;
        if body.contains('\0') || body.chars().count() > MAX_BODY_CHARS {
            return Err(AppError::invalid(
                &field,
                "error-macro-body",
                format!("at most {MAX_BODY_CHARS} characters, no NUL"),
            ));
        }
        if let Err(p) = placeholders(body) {
            return Err(AppError::invalid(&field, "error-macro-placeholder", format!("unknown placeholder {p}")));
        }
        if out.insert(tag.clone(), body.clone()).is_some() {
            return Err(AppError::invalid(&field, "error-macro-locale-twice", format!("{tag} is given twice")));
        }
    }
    Ok(out)
}

fn check_actions(conn: &mut DbConnection, tenant: &TenantId, m: &mut Macro, input: &MacroInput) -> AppResult<()> {
    if let Some(s) = &input.status {
        m.actions.status = match s.as_deref() {
            None => None,
            Some(s) if STATUSES.contains(&s) => Some(Status::parse(s)?),
            Some(_) => {
                return Err(AppError::invalid(
                    "actions.status",
                    "error-macro-status",
                    "open, pending, on_hold or solved",
                ))
            }
        };
    }
    if let Some(p) = &input.priority {
        m.actions.priority = p.as_deref().map(Priority::parse).transpose().map_err(|_| {
            AppError::invalid("actions.priority", "error-priority-invalid", "low, normal, high or urgent")
        })?;
    }
    if let Some(tags) = &input.add_tags {
        m.actions.add_tags = normalize_tags(tags).map_err(|e| match e {
            AppError::Invalid { key, detail, .. } => {
                AppError::Invalid { field: "actions.add_tags".into(), key, detail }
            }
            other => other,
        })?;
    }
    if let Some(a) = &input.assignee_id {
        m.actions.assignee_id = match a {
            None => None,
            Some(id) => {
                let id = AgentId::from(id.as_str());
                match crate::accounts::agents::get(conn, tenant, &id) {
                    Ok(agent) if agent.active => Some(id),
                    Ok(_) | Err(AppError::NotFound) => {
                        return Err(AppError::invalid(
                            "actions.assignee_id",
                            "error-assignee-invalid",
                            "no active agent with this id",
                        ))
                    }
                    Err(e) => return Err(e),
                }
            }
        };
    }
    Ok(())
}

fn row(tenant: &TenantId, m: &Macro) -> AppResult<Row> {
    Ok(Row {
        tenant_id: tenant.as_str().into(),
        id: m.id.clone(),
        name: m.name.clone(),
        bodies: serde_json::to_string(&m.bodies)?,
        actions: serde_json::to_string(&m.actions)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Store a new macro; a name is required.
pub fn create(conn: &mut DbConnection, tenant: &TenantId, input: &MacroInput) -> AppResult<Macro> {
    let name = check_name(input.name.as_deref().unwrap_or(""))?;
    let bodies = check_bodies(&input.bodies.clone().unwrap_or_default())?;
    let ts = now();
    let mut m = Macro { id: new_id(), name, bodies, actions: MacroActions::default(), created_at: ts, updated_at: ts };
    check_actions(conn, tenant, &mut m, input)?;
    diesel::insert_into(macros::table).values(row(tenant, &m)?).execute(conn)?;
    Ok(m)
}

/// Change a macro: fields absent from `input` stay as they are.
pub fn update(conn: &mut DbConnection, tenant: &TenantId, id: &str, input: &MacroInput) -> AppResult<Macro> {
    let mut m = get(conn, tenant, id)?;
    if let Some(n) = &input.name {
        m.name = check_name(n)?;
    }
    if let Some(b) = &input.bodies {
        m.bodies = check_bodies(b)?;
    }
    check_actions(conn, tenant, &mut m, input)?;
    m.updated_at = now();
    let r = row(tenant, &m)?;
    diesel::update(macros::table.find((tenant.as_str(), id)))
        .set((
            macros::name.eq(r.name),
            macros::bodies.eq(r.bodies),
            macros::actions.eq(r.actions),
            macros::updated_at.eq(r.updated_at),
        ))
        .execute(conn)?;
    Ok(m)
}

/// One macro of this tenant.
pub fn get(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<Macro> {
    macros::table.find((tenant.as_str(), id)).select(Row::as_select()).first(conn)?.into_macro()
}

/// The tenant's macros by name.
pub fn list(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<Macro>> {
    let rows: Vec<Row> = macros::table
        .filter(macros::tenant_id.eq(tenant.as_str()))
        .order((macros::name.asc(), macros::id.asc()))
        .select(Row::as_select())
        .load(conn)?;
    rows.into_iter().map(Row::into_macro).collect()
}

/// Delete a macro.
pub fn delete(conn: &mut DbConnection, tenant: &TenantId, id: &str) -> AppResult<()> {
    match diesel::delete(macros::table.find((tenant.as_str(), id))).execute(conn)? {
        0 => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

/// The locale of `bodies` to use for `wanted`: the same tag, then its base language, then the
/// tenant's default (and its base), then the first there is.
pub fn pick_locale<'a>(bodies: &'a BTreeMap<String, String>, wanted: Option<&str>, default: &str) -> Option<&'a str> {
    let base = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let exact = |tag: &str| bodies.keys().find(|k| k.eq_ignore_ascii_case(tag));
    let by_base = |tag: &str| {
        let b = base(tag);
        bodies.keys().find(|k| k.eq_ignore_ascii_case(&b)).or_else(|| bodies.keys().find(|k| base(k) == b))
    };
    wanted
        .and_then(|w| exact(w).or_else(|| by_base(w)))
        .or_else(|| exact(default).or_else(|| by_base(default)))
        .or_else(|| bodies.keys().next())
        .map(String::as_str)
}

/// A macro rendered for one ticket: what applying it would write.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The locale whose body was used, if the macro has any.
    pub locale: Option<String>,
    pub body: String,
    pub actions: MacroActions,
}

/// Fill `body`'s placeholders. Values are plain text; the console escapes them like any body.
fn fill(body: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        let name = after[..end].trim_matches(' ');
        if let Some((_, v)) = values.iter().find(|(k, _)| *k == name) {
            out.push_str(v);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Render macro `id` for ticket `ticket_id` as written by `agent`, changing nothing.
pub fn render(
    conn: &mut DbConnection,
    tenant: &TenantId,
    id: &str,
    ticket_id: &TicketId,
    agent: Option<&AgentId>,
) -> AppResult<Rendered> {
    let m = get(conn, tenant, id)?;
    let ticket = commands::get(conn, tenant, ticket_id)?;
    render_for(conn, tenant, &m, &ticket, agent)
}

fn render_for(
    conn: &mut DbConnection,
    tenant: &TenantId,
    m: &Macro,
    ticket: &Ticket,
    agent: Option<&AgentId>,
) -> AppResult<Rendered> {
    let requester = crate::accounts::contacts::get(conn, tenant, &ticket.requester_id)?;
    let default = crate::tenancy::get(conn, tenant)?.default_locale;
    // The ticket's detected or declared language first; the requester's own setting otherwise.
    let wanted = ticket.language.clone().or_else(|| requester.locale.clone());
    let Some(locale) = pick_locale(&m.bodies, wanted.as_deref(), &default).map(str::to_string) else {
        return Ok(Rendered { locale: None, body: String::new(), actions: m.actions.clone() });
    };
    let agent_name = match agent {
        Some(a) => crate::accounts::agents::get(conn, tenant, a)?.name,
        None => String::new(),
    };
    let values = [
        ("requester.name", requester.name.clone()),
        ("requester.email", requester.email.clone().unwrap_or_default()),
        ("ticket.number", ticket.number.to_string()),
        ("ticket.subject", ticket.subject.clone()),
        ("agent.name", agent_name),
    ];
    let body = fill(&m.bodies[&locale], &values);
    Ok(Rendered { locale: Some(locale), body, actions: m.actions.clone() })
}

/// Apply macro `id`'s actions to a ticket as `actor`, through the ticket commands (audit events,
/// domain events, the version check when `expected_version` is given).
pub fn apply_actions(
    conn: &mut DbConnection,
    tenant: &TenantId,
    actor: &Actor,
    id: &str,
    ticket_id: &TicketId,
    expected_version: Option<i32>,
) -> AppResult<Ticket> {
    let m = get(conn, tenant, id)?;
    let changes = m.actions.changes();
    if changes.is_empty() {
        return commands::get(conn, tenant, ticket_id);
    }
    commands::update_ticket(conn, tenant, actor, ticket_id, &changes, expected_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(keys: &[&str]) -> BTreeMap<String, String> {
        keys.iter().map(|k| (k.to_string(), format!("body {k}"))).collect()
    }

    #[test]
    fn locale_falls_back_from_exact_to_base_to_default_to_any() {
        let b = bodies(&["en", "pt", "zh-CN"]);
        assert_eq!(pick_locale(&b, Some("zh-CN"), "en"), Some("zh-CN"));
        assert_eq!(pick_locale(&b, Some("pt-BR"), "en"), Some("pt"));
        assert_eq!(pick_locale(&b, Some("zh-TW"), "en"), Some("zh-CN"));
        assert_eq!(pick_locale(&b, Some("de"), "en"), Some("en"));
        assert_eq!(pick_locale(&bodies(&["pt", "ja"]), Some("de"), "en"), Some("ja"));
        assert_eq!(pick_locale(&BTreeMap::new(), Some("de"), "en"), None);
    }

    #[test]
    fn placeholders_are_checked_and_filled() {
        assert_eq!(
            placeholders("Hi {{ requester.name }}, #{{ticket.number}}"),
            Ok(vec!["requester.name", "ticket.number"])
        );
        assert_eq!(placeholders("Hi {{requester.nmae}}"), Err("{{requester.nmae}}".into()));
        assert!(placeholders("Hi {{requester.name").is_err());
        assert_eq!(placeholders("a { b } }} c"), Ok(vec![]));
        let v = [("requester.name", "Ana".to_string()), ("agent.name", "Bo".to_string())];
        assert_eq!(fill("Hi {{ requester.name }}, {{agent.name}} here {x}", &v), "Hi Ana, Bo here {x}");
    }
}
