//! The assignment engine: a pure, deterministic function of a ticket's facts, the tenant's routing
//! state and an instant. No database and no clock, so the preview, the intake and the tests all
//! ask the same question and get the same answer.
//!
//! Policy: among agents who are on shift at the instant, online and below their maximum load,
//! those who speak the ticket's language (native, fluent or working) win; of them the least
//! loaded relative to their maximum, ties going to whoever was routed a ticket longest ago (then
//! by id), which makes equal agents take turns. When nobody on shift speaks it, the tenant's
//! fallback decides: a basic-level speaker, or a queue for the team whose next shift with a
//! speaker starts soonest, or any on-shift agent flagged as needing translation; each fallback
//! continues with the next when it finds nobody. Off-shift, away, offline, inactive and full
//! agents are never chosen. Before all that, the tenant's first matching rule (conditions on
//! language, channel, priority and tags) may narrow the choice to one team's members and to
//! agents with a skill, and change the ticket's priority.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use super::schedule::Schedule;
use crate::accounts::agents::Proficiency;
use memo::Memo;

/// Whether an agent takes tickets now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Online,
    Away,
    Offline,
}

impl Presence {
    /// Every presence, in the order the console lists them.
    pub const ALL: [Presence; 3] = [Presence::Online, Presence::Away, Presence::Offline];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    /// A stored or submitted name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What a tenant does with a ticket nobody on shift speaks the language of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Fallback {
    /// A basic-level speaker on shift.
    Basic,
    /// Wait for the team whose next shift with a speaker starts soonest.
    Queue,
    /// Any on-shift agent, flagged as needing translation.
    Translate,
}

impl Fallback {
    /// Every fallback.
    pub const ALL: [Fallback; 3] = [Fallback::Basic, Fallback::Queue, Fallback::Translate];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::Basic => "basic",
            Fallback::Queue => "queue",
            Fallback::Translate => "translate",
        }
    }

    /// A stored name; unknown values read as the default, `queue`.
    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|f| f.as_str() == s).unwrap_or(Fallback::Queue)
    }

    /// The steps tried in order: the chosen one first, then what still helps the customer.
    fn steps(self) -> &'static [Fallback] {
        match self {
            Fallback::Basic => &[Fallback::Basic, Fallback::Queue, Fallback::Translate],
            Fallback::Queue => &[Fallback::Queue, Fallback::Translate],
            Fallback::Translate => &[Fallback::Translate, Fallback::Queue],
        }
    }
}

/// A team as routing sees it.
#[derive(Debug, Clone)]
pub struct TeamState {
    pub id: String,
    pub name: String,
    pub schedule: Option<Schedule>,
}

/// An agent as routing sees it.
#[derive(Debug, Clone)]
pub struct AgentState {
    pub id: String,
    pub name: String,
    pub active: bool,
    /// BCP 47 tags with levels.
    pub languages: Vec<(String, Proficiency)>,
    pub skills: Vec<String>,
    pub presence: Presence,
    pub open_load: i64,
    pub max_load: i64,
    /// Teams the agent belongs to, in the tenant's team order.
    pub team_ids: Vec<String>,
    /// The agent's own week, which replaces their teams' when set.
    pub own_schedule: Option<Schedule>,
    /// Dates off, in the zone of whichever schedule applies.
    pub time_off: std::collections::BTreeSet<chrono::NaiveDate>,
    /// When the agent was last routed a ticket (the round-robin turn).
    pub last_routed_at: Option<NaiveDateTime>,
}

/// One of the tenant's routing rules: when every condition given holds, the ticket goes to the
/// team (its members only), needs the skill, and takes the priority. The first match applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    pub language: Option<String>,
    pub channel: Option<crate::types::Channel>,
    pub priority: Option<crate::types::Priority>,
    /// Tags the ticket must all carry.
    pub tags: Vec<String>,
    /// The requester's email domain, lowercase (`example.com` also matches `eu.example.com`).
    pub requester_domain: Option<String>,
    /// Whether the requester is (or is not) a VIP contact.
    pub vip: Option<bool>,
    pub team_id: Option<String>,
    pub skill: Option<String>,
    pub set_priority: Option<crate::types::Priority>,
}

impl Rule {
    fn matches(&self, f: &Facts) -> bool {
        let lang_ok = match (&self.language, &f.language) {
            (None, _) => true,
            (Some(want), Some(have)) => same_primary(want, have),
            (Some(_), None) => false,
        };
        lang_ok
            && self.channel.is_none_or(|c| f.channel == Some(c))
            && self.priority.is_none_or(|p| f.priority == Some(p))
            && self.tags.iter().all(|t| f.tags.contains(t))
            && self.vip.is_none_or(|v| f.vip == v)
            && self.requester_domain.as_deref().is_none_or(|want| {
                f.requester_domain
                    .as_deref()
                    .is_some_and(|have| have == want || have.strip_suffix(want).is_some_and(|sub| sub.ends_with('.')))
            })
    }
}

/// The tenant's routing state.
#[derive(Debug, Clone)]
pub struct State {
    pub teams: Vec<TeamState>,
    pub agents: Vec<AgentState>,
    pub fallback: Fallback,
    pub rules: Vec<Rule>,
}

/// Who a decision may choose from, after the rules.
#[derive(Clone, Copy, Default)]
struct Scope<'a> {
    team: Option<&'a TeamState>,
    skill: Option<&'a str>,
}

impl Scope<'_> {
    fn admits(&self, a: &AgentState) -> bool {
        self.team.is_none_or(|t| a.team_ids.contains(&t.id))
            && self.skill.is_none_or(|s| a.skills.iter().any(|k| k == s))
    }
}

/// What routing needs to know about a ticket.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub language: Option<String>,
    pub priority: Option<crate::types::Priority>,
    pub channel: Option<crate::types::Channel>,
    pub tags: Vec<String>,
    /// The requester's email domain, lowercase.
    pub requester_domain: Option<String>,
    /// Whether the requester is a VIP contact.
    pub vip: bool,
}

/// The domain of an email address, lowercase (`Ana@Example.COM` → `example.com`).
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// How a decision ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Assigned,
    Queued,
    NeedsTranslation,
}

/// Why: a Fluent key (`system-routing-…`) and its arguments, rendered in the reader's locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub key: &'static str,
    pub args: Vec<(String, String)>,
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub expected_pickup_at: Option<DateTime<Utc>>,
    pub reason: Reason,
    /// A rule's new priority for the ticket.
    pub priority: Option<crate::types::Priority>,
}

/// Knobs of one question.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Count agents as online whatever their presence (a preview of a future instant, when
    /// today's presence says nothing about then).
    pub assume_online: bool,
}

/// The primary language subtag (`pt-BR` → `pt`), lowercase.
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_']).next().unwrap_or(tag).to_ascii_lowercase()
}

/// Whether two tags share their primary subtag, without allocating (asked per agent language).
fn same_primary(a: &str, b: &str) -> bool {
    fn first(t: &str) -> &str {
        t.split(['-', '_']).next().unwrap_or(t)
    }
    first(a).eq_ignore_ascii_case(first(b))
}

/// Levels that count as speaking a language outright.
fn speaks(level: Proficiency) -> bool {
    level != Proficiency::Basic
}

/// An agent's best level in `lang`, if any.
fn level_in(agent: &AgentState, lang: &str) -> Option<Proficiency> {
    agent
        .languages
        .iter()
        .filter(|(t, _)| same_primary(t, lang))
        .map(|(_, l)| *l)
        .min_by_key(|l| Proficiency::ALL.iter().position(|p| p == l))
}

/// An agent's schedules, each with the team it counts for (only `only`'s, when given).
fn schedules<'a>(
    state: &'a State,
    agent: &'a AgentState,
    only: Option<&'a TeamState>,
) -> Vec<(Option<&'a TeamState>, std::borrow::Cow<'a, Schedule>)> {
    let teams: Vec<&TeamState> = match only {
        Some(t) => agent.team_ids.contains(&t.id).then_some(t).into_iter().collect(),
        None => agent.team_ids.iter().filter_map(|id| state.teams.iter().find(|t| &t.id == id)).collect(),
    };
    let with_time_off = |s: &'a Schedule| {
        if agent.time_off.is_empty() {
            std::borrow::Cow::Borrowed(s)
        } else {
            let mut s = s.clone();
            s.days_off.extend(agent.time_off.iter().copied());
            std::borrow::Cow::Owned(s)
        }
    };
    match &agent.own_schedule {
        Some(own) => vec![(teams.first().copied(), with_time_off(own))],
        None => teams.into_iter().filter_map(|t| t.schedule.as_ref().map(|s| (Some(t), with_time_off(s)))).collect(),
    }
}

/// Where an agent is on shift at `at`: the team it counts for, the shift's label and zone.
fn on_shift<'a>(
    state: &'a State,
    agent: &'a AgentState,
    at: DateTime<Utc>,
    only: Option<&'a TeamState>,
) -> Option<(Option<&'a TeamState>, String, String)> {
    schedules(state, agent, only).into_iter().find_map(|(team, s)| {
        let w = s.window_at(at)?;
        let label = s.shifts.get(w.shift).map(|x| x.label()).unwrap_or_default();
        Some((team, label, s.zone.name().to_string()))
    })
}

/// When the agent's latest shift ended, if they are off shift at `at` (`None` while on shift,
/// or without any schedule): the follow-the-sun handoff's question.
pub fn shift_ended(state: &State, agent: &AgentState, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if on_shift(state, agent, at, None).is_some() {
        return None;
    }
    schedules(state, agent, None).into_iter().filter_map(|(_, s)| s.last_end_at_or_before(at)).map(|w| w.end).max()
}

/// Whether someone who speaks `lang` (not only at a basic level) and takes tickets at all is on
/// shift at `at`, whatever their presence: the coverage panel's question.
pub fn covers(state: &State, lang: &str, at: DateTime<Utc>) -> bool {
    state.agents.iter().any(|a| {
        a.active && a.max_load > 0 && level_in(a, lang).is_some_and(speaks) && on_shift(state, a, at, None).is_some()
    })
}

/// Whether the agent can take a ticket at `at`: active, online, below maximum load.
fn available(agent: &AgentState, opts: Options) -> bool {
    agent.active
        && (opts.assume_online || agent.presence == Presence::Online)
        && agent.max_load > 0
        && agent.open_load < agent.max_load
}

/// Least loaded relative to maximum, then longest since last routed, then id.
fn fairness(a: &AgentState, b: &AgentState) -> Ordering {
    (a.open_load * b.max_load)
        .cmp(&(b.open_load * a.max_load))
        .then_with(|| a.last_routed_at.cmp(&b.last_routed_at))
        .then_with(|| a.id.cmp(&b.id))
}

struct Pick<'a> {
    agent: &'a AgentState,
    team: Option<&'a TeamState>,
    window_label: String,
    zone: String,
}

/// The fairest available, on-shift agent among those `accept` keeps.
fn pick<'a>(
    state: &'a State,
    memo: &Memo<'a>,
    opts: Options,
    scope: Scope<'a>,
    accept: impl Fn(&AgentState) -> bool,
) -> Option<Pick<'a>> {
    let mut best: Option<Pick<'a>> = None;
    for agent in state.agents.iter().filter(|a| available(a, opts) && scope.admits(a) && accept(a)) {
        if best.as_ref().is_some_and(|b| fairness(agent, b.agent) != Ordering::Less) {
            continue;
        }
        let Some((team, window_label, zone)) = memo.on_shift(agent, scope.team) else { continue };
        best = Some(Pick { agent, team, window_label, zone });
    }
    best
}

fn arg(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

fn assigned(p: Pick<'_>, outcome: Outcome, key: &'static str, lang: Option<(&str, Option<Proficiency>)>) -> Decision {
    let mut args = vec![
        arg("agent", &p.agent.name),
        arg("team", p.team.map(|t| t.name.as_str()).unwrap_or("—")),
        arg("window", &p.window_label),
        arg("zone", &p.zone),
        arg("load", p.agent.open_load),
        arg("max", p.agent.max_load),
    ];
    if let Some((code, level)) = lang {
        args.push(arg("language", code));
        args.push(arg("level", level.map(|l| l.as_str()).unwrap_or("")));
    }
    Decision {
        outcome,
        agent_id: Some(p.agent.id.clone()),
        team_id: p.team.map(|t| t.id.clone()),
        expected_pickup_at: None,
        reason: Reason { key, args },
        priority: None,
    }
}

/// The team whose next shift with a speaker of `lang` starts soonest after `at`, and when.
fn soonest_team<'a>(
    state: &'a State,
    memo: &Memo<'a>,
    lang: &str,
    scope: Scope<'a>,
) -> Option<(&'a TeamState, DateTime<Utc>, String)> {
    let mut best: Option<(&TeamState, DateTime<Utc>, String)> = None;
    for agent in state.agents.iter().filter(|a| a.active && a.max_load > 0 && scope.admits(a)) {
        if !level_in(agent, lang).is_some_and(speaks) {
            continue;
        }
        for (team, zone, w) in memo.next_starts(agent, scope.team) {
            let Some(team) = team else { continue };
            let better = match &best {
                None => true,
                Some((bt, bs, _)) => (w.start, &team.name, &team.id) < (*bs, &bt.name, &bt.id),
            };
            if better {
                let local = w.start.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
                best = Some((team, w.start, format!("{local} {}", zone.name())));
            }
        }
    }
    best
}

/// Decide who `facts` goes to at `at` (see the module docs).
pub fn decide(facts: &Facts, state: &State, at: DateTime<Utc>, opts: Options) -> Decision {
    let rule = state.rules.iter().find(|r| r.matches(facts));
    // A rule naming a team that is gone routes as if it named none.
    let scope = Scope {
        team: rule.and_then(|r| r.team_id.as_ref()).and_then(|id| state.teams.iter().find(|t| &t.id == id)),
        skill: rule.and_then(|r| r.skill.as_deref()),
    };
    let mut d = decide_in(facts, state, at, opts, scope);
    d.priority = rule.and_then(|r| r.set_priority);
    d
}

fn decide_in<'a>(facts: &Facts, state: &'a State, at: DateTime<Utc>, opts: Options, scope: Scope<'a>) -> Decision {
    let memo = &Memo::new(state, at);
    let Some(lang) = facts.language.as_deref().map(primary) else {
        return match pick(state, memo, opts, scope, |_| true) {
            Some(p) => assigned(p, Outcome::Assigned, "system-routing-assigned-any", None),
            None => nobody(None, scope),
        };
    };
    if let Some(p) = pick(state, memo, opts, scope, |a| level_in(a, &lang).is_some_and(speaks)) {
        let level = level_in(p.agent, &lang);
        return assigned(p, Outcome::Assigned, "system-routing-assigned", Some((&lang, level)));
    }
    for step in state.fallback.steps() {
        match step {
            Fallback::Basic => {
                if let Some(p) = pick(state, memo, opts, scope, |a| level_in(a, &lang).is_some()) {
                    let level = level_in(p.agent, &lang);
                    return assigned(p, Outcome::Assigned, "system-routing-assigned-basic", Some((&lang, level)));
                }
            }
            Fallback::Queue => {
                if let Some((team, start, local)) = soonest_team(state, memo, &lang, scope) {
                    return Decision {
                        outcome: Outcome::Queued,
                        agent_id: None,
                        team_id: Some(team.id.clone()),
                        expected_pickup_at: Some(start),
                        reason: Reason {
                            key: "system-routing-queued",
                            args: vec![arg("team", &team.name), arg("language", &lang), arg("at", local)],
                        },
                        priority: None,
                    };
                }
            }
            Fallback::Translate => {
                if let Some(p) = pick(state, memo, opts, scope, |_| true) {
                    return assigned(
                        p,
                        Outcome::NeedsTranslation,
                        "system-routing-needs-translation",
                        Some((&lang, None)),
                    );
                }
            }
        }
    }
    nobody(Some(&lang), scope)
}

/// Nobody can take it: it waits unassigned, in the rule's team when a rule chose one.
fn nobody(lang: Option<&str>, scope: Scope<'_>) -> Decision {
    Decision {
        outcome: Outcome::Queued,
        agent_id: None,
        team_id: scope.team.map(|t| t.id.clone()),
        expected_pickup_at: None,
        reason: Reason { key: "system-routing-nobody", args: vec![arg("language", lang.unwrap_or("—"))] },
        priority: None,
    }
}

impl State {
    /// Count a decision into the state, so the next ticket of the same batch sees the load and
    /// the turn it took.
    pub fn apply(&mut self, d: &Decision, at: NaiveDateTime) {
        let Some(id) = &d.agent_id else { return };
        let latest = self.agents.iter().filter_map(|a| a.last_routed_at).max();
        if let Some(a) = self.agents.iter_mut().find(|a| &a.id == id) {
            a.open_load += 1;
            // Strictly later than every turn taken so far, even within one instant.
            let next = latest.map_or(at, |l| l.max(at) + chrono::Duration::microseconds(1));
            a.last_routed_at = Some(next);
        }
    }
}

mod memo;
#[cfg(test)]
mod props;
#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;
