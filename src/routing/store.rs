//! Routing settings in the database: teams' schedules, agents' languages, skills, presence,
//! maximum load and own week, the tenant's fallback; and the whole routing state of a tenant as
//! the engine takes it. Every function takes the tenant first and reads only its rows.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::engine::{AgentState, Fallback, Presence, State, TeamState};
use super::schedule::{HolidayDoc, Schedule, ScheduleDoc, ShiftDoc};
use crate::accounts::agents::{self as agent_store, Proficiency};
use crate::db::schema::{agent_languages, agents, team_members, teams, tenants, tickets};
use crate::db::{now, DbConnection};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantId;

/// Most languages an agent lists.
pub const MAX_LANGUAGES: usize = 50;
/// Highest maximum open load.
pub const MAX_LOAD: i32 = 1000;

/// A team's schedule; `None` when it has none (its members are then never on shift through it).
pub fn team_schedule(conn: &mut DbConnection, tenant: &TenantId, team_id: &str) -> AppResult<Option<ScheduleDoc>> {
    let stored: Option<String> =
        teams::table.find((tenant.as_str(), team_id)).select(teams::schedule).first::<Option<String>>(conn)?;
    stored.map(|s| serde_json::from_str(&s).map_err(|e| AppError::Internal(e.into()))).transpose()
}

/// Replace a team's schedule after checking every field.
pub fn set_team_schedule(
    conn: &mut DbConnection,
    tenant: &TenantId,
    team_id: &str,
    doc: &ScheduleDoc,
) -> AppResult<ScheduleDoc> {
    doc.parse("")?;
    let n = diesel::update(teams::table.find((tenant.as_str(), team_id)))
        .set(teams::schedule.eq(serde_json::to_string(doc)?))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(doc.clone())
}

/// Add the holidays of an iCalendar file to a team's schedule (kept beside the ones it has; a
/// date it has keeps its name), from the start of this year in the team's zone to the end of
/// the year after next. A team without a schedule gets one in `zone` with no shifts. A file
/// that cannot be read is refused with the line at fault as the field (`line 7`).
pub fn import_team_holidays(
    conn: &mut DbConnection,
    tenant: &TenantId,
    team_id: &str,
    ics: &[u8],
    zone: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<ScheduleDoc> {
    let refuse = |e: super::ics::IcsError| {
        AppError::invalid(&format!("line {}", e.line), "error-ics-invalid", format!("line {}: {}", e.line, e.detail))
    };
    let text = std::str::from_utf8(ics).map_err(|e| {
        let line = ics[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        refuse(super::ics::IcsError { line, detail: "the file is not UTF-8".into() })
    })?;
    let mut doc = team_schedule(conn, tenant, team_id)?.unwrap_or(ScheduleDoc {
        time_zone: zone.to_string(),
        shifts: vec![],
        holidays: vec![],
    });
    let year = {
        use chrono::Datelike;
        let tz = doc.parse("")?.zone;
        at.with_timezone(&tz).year()
    };
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no year {year}")))?,
        chrono::NaiveDate::from_ymd_opt(year + 2, 12, 31)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no year {year}")))?,
    );
    let found = super::ics::holidays(text, from, to).map_err(refuse)?;
    let mut by_date: std::collections::BTreeMap<String, Option<String>> =
        doc.holidays.drain(..).map(|h| (h.date, h.name)).collect();
    for (date, name) in found {
        by_date.entry(date.format("%Y-%m-%d").to_string()).or_insert((!name.is_empty()).then_some(name));
    }
    doc.holidays = by_date.into_iter().map(|(date, name)| HolidayDoc { date, name }).collect();
    set_team_schedule(conn, tenant, team_id, &doc)
}

/// ISO 639-1 codes: the languages an agent can list by two letters.
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv \
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig \
    ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn \
    mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk \
    sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za \
    zh zu";

/// Every ISO 639-1 code, for the OpenAPI pattern.
pub fn language_codes() -> impl Iterator<Item = &'static str> {
    ISO_639_1.split_whitespace()
}

/// A language an agent speaks: a known ISO 639-1 language, optionally with script and region
/// (`pt`, `pt-BR`, `zh-Hans`); canonical casing out.
pub fn parse_language(field: &str, code: &str) -> AppResult<String> {
    let bad = || AppError::invalid(field, "error-language-unknown", format!("{code:?} is not a known language code"));
    let mut parts = code.split('-');
    let primary = parts.next().unwrap_or("");
    if !language_codes().any(|c| c == primary) {
        return Err(bad());
    }
    let mut rest: Vec<&str> = parts.collect();
    if rest.first().is_some_and(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphabetic())) {
        rest.remove(0);
    }
    if rest.first().is_some_and(|r| {
        (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
            || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
    }) {
        rest.remove(0);
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    code.parse::<unic_langid::LanguageIdentifier>().map(|l| l.to_string()).map_err(|_| bad())
}

/// One language of an agent on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageDoc {
    pub code: String,
    #[schema(value_type = String)]
    pub level: Proficiency,
}

/// An agent's routing profile as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentRouting {
    pub languages: Vec<LanguageDoc>,
    pub skills: Vec<String>,
    pub max_load: i32,
    pub presence: Presence,
    pub team_ids: Vec<String>,
    /// The agent's own week (in their time zone, else the tenant's); `null` follows their teams.
    pub shifts: Option<Vec<ShiftDoc>>,
    pub time_off: Vec<HolidayDoc>,
    /// Open tickets assigned to the agent now.
    pub open_load: i64,
}

/// What `PATCH /api/v1/agents/{id}` may change; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    pub languages: Option<Vec<LanguageDoc>>,
    pub skills: Option<Vec<String>>,
    pub max_load: Option<i32>,
    pub presence: Option<Presence>,
    pub team_ids: Option<Vec<String>>,
    /// `null` clears the agent's own week.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<Vec<ShiftDoc>>)]
    pub shifts: Option<Option<Vec<ShiftDoc>>>,
    pub time_off: Option<Vec<HolidayDoc>>,
}

fn some<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

#[derive(Queryable)]
struct AgentRow {
    id: String,
    name: String,
    active: bool,
    time_zone: Option<String>,
    presence: String,
    skills: String,
    max_load: i32,
    schedule: Option<String>,
    time_off: String,
    last_routed_at: Option<chrono::NaiveDateTime>,
}

type AgentCols = (
    agents::id,
    agents::name,
    agents::active,
    agents::time_zone,
    agents::presence,
    agents::skills,
    agents::max_load,
    agents::schedule,
    agents::time_off,
    agents::last_routed_at,
);
const AGENT_COLS: AgentCols = (
    agents::id,
    agents::name,
    agents::active,
    agents::time_zone,
    agents::presence,
    agents::skills,
    agents::max_load,
    agents::schedule,
    agents::time_off,
    agents::last_routed_at,
);

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(e.into())
}

/// Normalise skills as ticket tags are (lowercase, `a-z 0-9 _ - :`, deduplicated, sorted).
fn normalize_skills(skills: &[String]) -> AppResult<Vec<String>> {
    crate::tickets::normalize_tags(skills).map_err(|e| match e {
        AppError::Invalid { detail, .. } => {
            AppError::Invalid { field: "skills".into(), key: "error-skill-invalid", detail }
        }
        other => other,
    })
}

fn open_loads(conn: &mut DbConnection, tenant: &TenantId, only: Option<&str>) -> AppResult<HashMap<String, i64>> {
    let mut q = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::is_open.eq(true))
        .filter(tickets::assignee_id.is_not_null())
        .group_by(tickets::assignee_id)
        .select((tickets::assignee_id, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(a) = only {
        q = q.filter(tickets::assignee_id.eq(a));
    }
    Ok(q.load::<(Option<String>, i64)>(conn)?.into_iter().filter_map(|(a, n)| a.map(|a| (a, n))).collect())
}

fn team_ids_of(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<Vec<String>> {
    Ok(team_members::table
        .inner_join(
            teams::table.on(teams::tenant_id.eq(team_members::tenant_id).and(teams::id.eq(team_members::team_id))),
        )
        .filter(team_members::tenant_id.eq(tenant.as_str()))
        .filter(team_members::agent_id.eq(agent_id))
        .order((teams::name.asc(), teams::id.asc()))
        .select(team_members::team_id)
        .load(conn)?)
}

/// An agent's routing profile.
pub fn agent_routing(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<AgentRouting> {
    let row: AgentRow = agents::table.find((tenant.as_str(), agent_id)).select(AGENT_COLS).first(conn)?;
    let languages = agent_store::languages(conn, tenant, agent_id)?
        .into_iter()
        .filter_map(|l| Proficiency::parse(&l.proficiency).ok().map(|level| LanguageDoc { code: l.language, level }))
        .collect();
    let open_load = open_loads(conn, tenant, Some(agent_id))?.get(agent_id).copied().unwrap_or(0);
    Ok(AgentRouting {
        languages,
        skills: row.skills.split_whitespace().map(str::to_string).collect(),
        max_load: row.max_load,
        presence: Presence::parse(&row.presence).unwrap_or(Presence::Offline),
        team_ids: team_ids_of(conn, tenant, agent_id)?,
        shifts: row.schedule.map(|s| serde_json::from_str(&s)).transpose().map_err(json_err)?,
        time_off: serde_json::from_str(&row.time_off).map_err(json_err)?,
        open_load,
    })
}

/// The zone an agent's own week is read in: theirs, else the tenant's.
fn agent_zone(conn: &mut DbConnection, tenant: &TenantId, own: Option<String>) -> AppResult<String> {
    match own {
        Some(z) => Ok(z),
        None => Ok(tenants::table.find(tenant.as_str()).select(tenants::time_zone).first(conn)?),
    }
}

/// Apply a patch to an agent's routing profile; every field is checked before anything is written.
pub fn patch_agent(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    p: &AgentPatch,
) -> AppResult<AgentRouting> {
    let row: AgentRow = agents::table.find((tenant.as_str(), agent_id)).select(AGENT_COLS).first(conn)?;
    let languages = match &p.languages {
        None => None,
        Some(ls) => {
            if ls.len() > MAX_LANGUAGES {
                return Err(AppError::invalid(
                    "languages",
                    "error-too-many-languages",
                    format!("at most {MAX_LANGUAGES} languages"),
                ));
            }
            let mut out: Vec<(String, Proficiency)> = Vec::new();
            for (i, l) in ls.iter().enumerate() {
                let code = parse_language(&format!("languages[{i}].code"), &l.code)?;
                if out.iter().any(|(c, _)| *c == code) {
                    return Err(AppError::invalid(
                        &format!("languages[{i}].code"),
                        "error-language-duplicate",
                        format!("{code:?} is listed twice"),
                    ));
                }
                out.push((code, l.level));
            }
            Some(out)
        }
    };
    let skills = p.skills.as_deref().map(normalize_skills).transpose()?;
    if let Some(m) = p.max_load {
        if !(0..=MAX_LOAD).contains(&m) {
            return Err(AppError::invalid(
                "max_load",
                "error-max-load-invalid",
                format!("max_load is 0 to {MAX_LOAD}"),
            ));
        }
    }
    if let Some(ids) = &p.team_ids {
        for (i, t) in ids.iter().enumerate() {
            crate::tickets::teams::get(conn, tenant, &t.as_str().into()).map_err(|e| match e {
                AppError::NotFound => {
                    AppError::invalid(&format!("team_ids[{i}]"), "error-team-invalid", format!("no team {t}"))
                }
                other => other,
            })?;
        }
    }
    let shifts = match &p.shifts {
        Some(Some(s)) => {
            let zone = agent_zone(conn, tenant, row.time_zone.clone())?;
            ScheduleDoc { time_zone: zone, shifts: s.clone(), holidays: vec![] }.parse("").map_err(|e| match e {
                // The zone is the agent's own, not part of this body.
                AppError::Invalid { field, key, detail } if field != "time_zone" => {
                    AppError::Invalid { field, key, detail }
                }
                other => other,
            })?;
            Some(Some(serde_json::to_string(s)?))
        }
        Some(None) => Some(None),
        None => None,
    };
    let time_off = match &p.time_off {
        Some(t) => {
            let doc = ScheduleDoc { time_zone: "UTC".into(), shifts: vec![], holidays: t.clone() };
            doc.parse("").map_err(|e| match e {
                AppError::Invalid { field, key, detail } => {
                    AppError::Invalid { field: field.replacen("holidays", "time_off", 1), key, detail }
                }
                other => other,
            })?;
            Some(serde_json::to_string(t)?)
        }
        None => None,
    };
    if let Some(ls) = &languages {
        agent_store::set_languages(conn, tenant, agent_id, ls)?;
    }
    if let Some(ids) = &p.team_ids {
        diesel::delete(
            team_members::table
                .filter(team_members::tenant_id.eq(tenant.as_str()))
                .filter(team_members::agent_id.eq(agent_id)),
        )
        .execute(conn)?;
        let unique: BTreeSet<&String> = ids.iter().collect();
        for t in unique {
            crate::tickets::teams::add_member(conn, tenant, t, agent_id)?;
        }
    }
    let target = agents::table.find((tenant.as_str(), agent_id));
    if let Some(s) = skills {
        diesel::update(target).set(agents::skills.eq(s.join(" "))).execute(conn)?;
    }
    if let Some(m) = p.max_load {
        diesel::update(target).set(agents::max_load.eq(m)).execute(conn)?;
    }
    if let Some(pr) = p.presence {
        set_presence(conn, tenant, agent_id, pr)?;
    }
    if let Some(s) = shifts {
        diesel::update(target).set(agents::schedule.eq(s)).execute(conn)?;
    }
    if let Some(t) = time_off {
        diesel::update(target).set(agents::time_off.eq(t)).execute(conn)?;
    }
    diesel::update(target).set(agents::updated_at.eq(now())).execute(conn)?;
    agent_routing(conn, tenant, agent_id)
}

/// Set an agent's presence (the console's control).
pub fn set_presence(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str, presence: Presence) -> AppResult<()> {
    let target = agents::table.find((tenant.as_str(), agent_id));
    let n = diesel::update(target)
        .set((agents::presence.eq(presence.as_str()), agents::updated_at.eq(now())))
        .execute(conn)?;
    if presence == Presence::Online {
        // Saying "online" starts a new grace period for auto offline (`followup`), which
        // otherwise would count from a console stream closed long ago.
        diesel::update(target.filter(agents::streams_seen_at.is_not_null()))
            .set(agents::streams_seen_at.eq(Some(now())))
            .execute(conn)?;
    }
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// An agent's presence.
pub fn presence(conn: &mut DbConnection, tenant: &TenantId, agent_id: &str) -> AppResult<Presence> {
    let p: String = agents::table.find((tenant.as_str(), agent_id)).select(agents::presence).first(conn)?;
    Ok(Presence::parse(&p).unwrap_or(Presence::Offline))
}

/// The tenant's fallback.
pub fn fallback(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Fallback> {
    let f: String = tenants::table.find(tenant.as_str()).select(tenants::routing_fallback).first(conn)?;
    Ok(Fallback::parse(&f))
}

/// Change the tenant's fallback.
pub fn set_fallback(conn: &mut DbConnection, tenant: &TenantId, f: Fallback) -> AppResult<()> {
    diesel::update(tenants::table.find(tenant.as_str())).set(tenants::routing_fallback.eq(f.as_str())).execute(conn)?;
    Ok(())
}

/// Record that these agents were just routed a ticket (their round-robin turn).
pub fn mark_routed(
    conn: &mut DbConnection,
    tenant: &TenantId,
    agent_id: &str,
    at: chrono::NaiveDateTime,
) -> AppResult<()> {
    diesel::update(agents::table.find((tenant.as_str(), agent_id))).set(agents::last_routed_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Everything the engine needs about this tenant, read in a handful of statements. A stored
/// schedule that no longer parses (a zone dropped from the tz database) counts as none.
pub fn load_state(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<State> {
    let tenant_zone: String = tenants::table.find(tenant.as_str()).select(tenants::time_zone).first(conn)?;
    let fallback = fallback(conn, tenant)?;
    let team_rows: Vec<(String, String, Option<String>)> = teams::table
        .filter(teams::tenant_id.eq(tenant.as_str()))
        .order((teams::name.asc(), teams::id.asc()))
        .select((teams::id, teams::name, teams::schedule))
        .load(conn)?;
    let teams: Vec<TeamState> = team_rows
        .into_iter()
        .map(|(id, name, s)| {
            let schedule = s.and_then(|s| serde_json::from_str::<ScheduleDoc>(&s).ok()).and_then(|d| d.parse("").ok());
            TeamState { id, name, schedule }
        })
        .collect();
    let rows: Vec<AgentRow> = agents::table
        .filter(agents::tenant_id.eq(tenant.as_str()))
        .order(agents::id.asc())
        .select(AGENT_COLS)
        .load(conn)?;
    let mut langs: HashMap<String, Vec<(String, Proficiency)>> = HashMap::new();
    for (a, l, p) in agent_languages::table
        .filter(agent_languages::tenant_id.eq(tenant.as_str()))
        .select((agent_languages::agent_id, agent_languages::language, agent_languages::proficiency))
        .load::<(String, String, String)>(conn)?
    {
        if let Ok(p) = Proficiency::parse(&p) {
            langs.entry(a).or_default().push((l, p));
        }
    }
    let mut membership: HashMap<String, Vec<String>> = HashMap::new();
    for (a, t) in team_members::table
        .filter(team_members::tenant_id.eq(tenant.as_str()))
        .select((team_members::agent_id, team_members::team_id))
        .load::<(String, String)>(conn)?
    {
        membership.entry(a).or_default().push(t);
    }
    let order: HashMap<&str, usize> = teams.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    let loads = open_loads(conn, tenant, None)?;
    let agents = rows
        .into_iter()
        .map(|r| {
            let mut team_ids = membership.remove(&r.id).unwrap_or_default();
            team_ids.sort_by_key(|t| order.get(t.as_str()).copied().unwrap_or(usize::MAX));
            let zone = r.time_zone.clone().unwrap_or_else(|| tenant_zone.clone());
            let own_schedule: Option<Schedule> = r
                .schedule
                .as_deref()
                .and_then(|s| serde_json::from_str::<Vec<ShiftDoc>>(s).ok())
                .and_then(|shifts| ScheduleDoc { time_zone: zone, shifts, holidays: vec![] }.parse("").ok());
            let time_off = serde_json::from_str::<Vec<HolidayDoc>>(&r.time_off)
                .unwrap_or_default()
                .iter()
                .filter_map(|h| chrono::NaiveDate::parse_from_str(&h.date, "%Y-%m-%d").ok())
                .collect();
            AgentState {
                languages: langs.remove(&r.id).unwrap_or_default(),
                skills: r.skills.split_whitespace().map(str::to_string).collect(),
                presence: Presence::parse(&r.presence).unwrap_or(Presence::Offline),
                open_load: loads.get(&r.id).copied().unwrap_or(0),
                max_load: r.max_load.into(),
                team_ids,
                own_schedule,
                time_off,
                last_routed_at: r.last_routed_at,
                id: r.id,
                name: r.name,
                active: r.active,
            }
        })
        .collect();
    // Rules that no longer read (written by a newer version) route as if there were none.
    let rules = super::rules::get(conn, tenant).map(|d| super::rules::to_engine(&d)).unwrap_or_default();
    Ok(State { teams, agents, fallback, rules })
}

/// The primary languages the tenant deals in: its agents' and its open tickets', sorted.
pub fn languages_seen(conn: &mut DbConnection, tenant: &TenantId) -> AppResult<Vec<String>> {
    let mut out: BTreeSet<String> = agent_languages::table
        .filter(agent_languages::tenant_id.eq(tenant.as_str()))
        .select(agent_languages::language)
        .distinct()
        .load::<String>(conn)?
        .iter()
        .map(|l| super::engine::primary(l))
        .collect();
    let open: Vec<Option<String>> = tickets::table
        .filter(tickets::tenant_id.eq(tenant.as_str()))
        .filter(tickets::is_open.eq(true))
        .filter(tickets::language.is_not_null())
        .select(tickets::language)
        .distinct()
        .limit(200)
        .load(conn)?;
    out.extend(open.into_iter().flatten().map(|l| super::engine::primary(&l)));
    Ok(out.into_iter().collect())
}
