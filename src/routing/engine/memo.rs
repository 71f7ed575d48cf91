//! One decision's memo of the team schedules' answers. Agents without their own week or time
//! off share their team's schedule, so a tenant of 500 agents in 20 teams needs 20 shift
//! look-ups per instant, not 500; each is worked out the first time an agent asks and kept for
//! the rest of the decision. Agents with their own week or time off are answered directly, as
//! before. The memo only remembers pure answers, so decisions stay deterministic.

use std::cell::OnceCell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{on_shift, schedules, AgentState, State, TeamState};
use crate::routing::schedule::{Schedule, Window};

/// The answers of `state`'s team schedules at one instant.
pub(super) struct Memo<'a> {
    state: &'a State,
    at: DateTime<Utc>,
    /// A team id's position in `state.teams` (the first, as `find` reads it).
    index: HashMap<&'a str, usize>,
    window: Vec<OnceCell<Option<Window>>>,
    next: Vec<OnceCell<Option<Window>>>,
}

impl<'a> Memo<'a> {
    pub(super) fn new(state: &'a State, at: DateTime<Utc>) -> Self {
        let mut index = HashMap::with_capacity(state.teams.len());
        for (i, t) in state.teams.iter().enumerate() {
            index.entry(t.id.as_str()).or_insert(i);
        }
        let cells = || (0..state.teams.len()).map(|_| OnceCell::new()).collect();
        Memo { state, at, index, window: cells(), next: cells() }
    }

    /// The agent's teams (only `only`, when given and the agent is in it) with their schedules,
    /// in the order `schedules` gives them; `None` when the agent's own week or time off
    /// applies instead.
    fn shared(
        &self,
        agent: &'a AgentState,
        only: Option<&'a TeamState>,
    ) -> Option<impl Iterator<Item = (usize, &'a TeamState, &'a Schedule)> + '_> {
        if agent.own_schedule.is_some() || !agent.time_off.is_empty() {
            return None;
        }
        // A scope's team is the first with its id; any other is answered directly.
        if only.is_some_and(|t| self.index.get(t.id.as_str()).is_none_or(|&i| !std::ptr::eq(&self.state.teams[i], t))) {
            return None;
        }
        let state = self.state;
        let limit = if only.is_some() { 1 } else { usize::MAX };
        let ids = agent.team_ids.iter().filter(move |id| only.is_none_or(|t| &t.id == *id)).take(limit);
        Some(ids.filter_map(move |id| {
            let i = *self.index.get(id.as_str())?;
            let t = &state.teams[i];
            t.schedule.as_ref().map(|s| (i, t, s))
        }))
    }

    /// [`on_shift`] at the memo's instant.
    pub(super) fn on_shift(
        &self,
        agent: &'a AgentState,
        only: Option<&'a TeamState>,
    ) -> Option<(Option<&'a TeamState>, String, String)> {
        let Some(mut teams) = self.shared(agent, only) else { return on_shift(self.state, agent, self.at, only) };
        teams.find_map(|(i, t, s)| {
            let w = self.window[i].get_or_init(|| s.window_at(self.at)).as_ref()?;
            let label = s.shifts.get(w.shift).map(|x| x.label()).unwrap_or_default();
            Some((Some(t), label, s.zone.name().to_string()))
        })
    }

    /// Each of the agent's schedules (with the team it counts for) and its first window that
    /// starts after the memo's instant.
    pub(super) fn next_starts(
        &self,
        agent: &'a AgentState,
        only: Option<&'a TeamState>,
    ) -> Vec<(Option<&'a TeamState>, chrono_tz::Tz, Window)> {
        match self.shared(agent, only) {
            Some(teams) => teams
                .filter_map(|(i, t, s)| {
                    let w = self.next[i].get_or_init(|| s.next_start_after(self.at)).clone()?;
                    Some((Some(t), s.zone, w))
                })
                .collect(),
            None => schedules(self.state, agent, only)
                .into_iter()
                .filter_map(|(t, s)| s.next_start_after(self.at).map(|w| (t, s.zone, w)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};

    use super::*;
    use crate::routing::schedule::{ScheduleDoc, ShiftDoc};

    fn schedule(zone: &str, days: &[&str], start: &str, end: &str) -> Schedule {
        let shifts =
            vec![ShiftDoc { days: days.iter().map(|d| d.to_string()).collect(), start: start.into(), end: end.into() }];
        ScheduleDoc { time_zone: zone.into(), shifts, holidays: vec![] }.parse("").unwrap()
    }

    /// The memo answers exactly what each agent's own schedules answer, for agents in one team,
    /// in two, with their own week, with time off, and in a team without a schedule.
    #[test]
    fn the_memo_answers_as_each_agents_schedules_do() {
        let wk = ["mon", "tue", "wed", "thu", "fri"];
        let team = |id: &str, s: Option<Schedule>| TeamState { id: id.into(), name: id.to_uppercase(), schedule: s };
        let teams = vec![
            team("lis", Some(schedule("Europe/Lisbon", &wk, "08:00", "17:00"))),
            team("sgp", Some(schedule("Asia/Singapore", &wk, "22:00", "06:00"))),
            team("none", None),
        ];
        let agent = |id: &str, team_ids: &[&str], own: Option<Schedule>, off: &[NaiveDate]| AgentState {
            id: id.into(),
            name: id.into(),
            active: true,
            languages: vec![],
            skills: vec![],
            presence: crate::routing::engine::Presence::Online,
            open_load: 0,
            max_load: 4,
            team_ids: team_ids.iter().map(|t| t.to_string()).collect(),
            own_schedule: own,
            time_off: off.iter().copied().collect(),
            last_routed_at: None,
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let agents = vec![
            agent("a", &["lis"], None, &[]),
            agent("b", &["sgp", "lis"], None, &[]),
            agent("c", &["lis"], Some(schedule("America/Sao_Paulo", &["sat", "sun"], "10:00", "14:00")), &[]),
            agent("d", &["sgp"], None, &[day(30), day(31)]),
            agent("e", &["none", "gone"], None, &[]),
        ];
        let state = State { teams, agents, fallback: crate::routing::engine::Fallback::Queue, rules: vec![] };
        // A week over Europe's spring DST change, every 15 minutes.
        let start = Utc.with_ymd_and_hms(2026, 3, 26, 0, 0, 0).unwrap();
        for step in 0..(8 * 96) {
            let at = start + Duration::minutes(15 * step);
            let memo = Memo::new(&state, at);
            for only in [None, Some(&state.teams[0]), Some(&state.teams[1])] {
                for a in &state.agents {
                    let ids = |x: Option<(Option<&TeamState>, String, String)>| {
                        x.map(|(t, l, z)| (t.map(|t| t.id.clone()), l, z))
                    };
                    assert_eq!(ids(memo.on_shift(a, only)), ids(on_shift(&state, a, at, only)), "{} at {at}", a.id);
                    let direct: Vec<_> = schedules(&state, a, only)
                        .into_iter()
                        .filter_map(|(t, s)| s.next_start_after(at).map(|w| (t.map(|t| &t.id), s.zone, w)))
                        .collect();
                    let memoed: Vec<_> =
                        memo.next_starts(a, only).into_iter().map(|(t, z, w)| (t.map(|t| &t.id), z, w)).collect();
                    assert_eq!(memoed, direct, "{} at {at}", a.id);
                }
            }
        }
    }
}
