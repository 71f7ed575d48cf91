//! Whether anyone can answer a chat now, asked of the routing engine as the first message will
//! be routed; and when nobody can, when someone will be back (the soonest shift start).

use chrono::{DateTime, Utc};

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::routing::engine::{self, Facts, Options, Outcome, State};
use crate::routing::{router, store};
use crate::tenancy::TenantId;
use crate::types::Channel;

/// The Fluent key of the system message a conversation opened while nobody is on gets.
pub const NOTICE_KEY: &str = "system-chat-offline";
/// The same notice when no shift is scheduled at all.
pub const NOTICE_UNKNOWN_KEY: &str = "system-chat-offline-unknown";

/// Nobody can answer now; `back_at` is the next shift start, when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offline {
    pub back_at: Option<DateTime<Utc>>,
}

/// `Some` when a chat in `language` arriving at `at` would find nobody on shift and online.
/// A tenant that has not set up routing (no schedules at all) is always available: nothing
/// says when its people work.
pub fn check(
    conn: &mut DbConnection,
    tenant: &TenantId,
    language: Option<&str>,
    at: DateTime<Utc>,
) -> AppResult<Option<Offline>> {
    if !router::configured(conn, tenant)? {
        return Ok(None);
    }
    let state = store::load_state(conn, tenant)?;
    let facts = Facts { language: language.map(engine::primary), channel: Some(Channel::Chat), ..Facts::default() };
    let d = engine::decide(&facts, &state, at, Options::default());
    if d.agent_id.is_some() || d.outcome != Outcome::Queued {
        return Ok(None);
    }
    let back_at = d.expected_pickup_at.or_else(|| next_start(&state, d.team_id.as_deref(), at));
    Ok(Some(Offline { back_at }))
}

/// The soonest shift start after `at` of any agent who takes tickets (of `team`, when given).
fn next_start(state: &State, team: Option<&str>, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut best: Option<DateTime<Utc>> = None;
    for a in state.agents.iter().filter(|a| a.active && a.max_load > 0) {
        if team.is_some_and(|t| !a.team_ids.iter().any(|x| x == t)) {
            continue;
        }
        let own = a.own_schedule.iter();
        let teams = state
            .teams
            .iter()
            .filter(|t| a.own_schedule.is_none() && a.team_ids.contains(&t.id))
            .filter_map(|t| t.schedule.as_ref());
        for s in own.chain(teams) {
            if let Some(w) = s.next_start_after(at) {
                best = Some(best.map_or(w.start, |b| b.min(w.start)));
            }
        }
    }
    best
}
