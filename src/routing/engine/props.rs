//! Property tests of the engine: random tenants (teams in zones with and without DST, agents
//! with languages, presence, loads, own weeks and time off, rules), random tickets and instants.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::routing::schedule::Shift;

const ZONES: [&str; 6] = [
    "America/Sao_Paulo",
    "Europe/Dublin",
    "Asia/Singapore",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/New_York",
];
const LANGS: [&str; 5] = ["pt", "en", "es", "zh", "fr"];
const SKILLS: [&str; 2] = ["billing", "android"];
const TEAMS: usize = 3;
const WEEKDAYS: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

fn shift() -> impl Strategy<Value = Shift> {
    (vec(0usize..7, 1..8), 0u32..24, 0u32..4, 1i64..16).prop_map(|(days, h, q, hours)| {
        let start = NaiveTime::from_hms_opt(h, q * 15, 0).unwrap();
        let mut d: Vec<Weekday> = Vec::new();
        for i in days {
            if !d.contains(&WEEKDAYS[i]) {
                d.push(WEEKDAYS[i]);
            }
        }
        // 1–15 hours long, so some windows cross midnight and none is empty.
        Shift { days: d, start, end: start + Duration::hours(hours) }
    })
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (0..ZONES.len(), vec(shift(), 1..4), vec(0i64..366, 0..4)).prop_map(|(z, shifts, off)| Schedule {
        zone: ZONES[z].parse().unwrap(),
        shifts,
        days_off: off.into_iter().map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d)).collect(),
    })
}

fn level() -> impl Strategy<Value = Proficiency> {
    (0..Proficiency::ALL.len()).prop_map(|i| Proficiency::ALL[i])
}

fn presence() -> impl Strategy<Value = Presence> {
    prop_oneof![3 => Just(Presence::Online), 1 => Just(Presence::Away), 1 => Just(Presence::Offline)]
}

fn agent() -> impl Strategy<Value = AgentState> {
    (
        (vec((0..LANGS.len(), level()), 0..3), vec(0..SKILLS.len(), 0..2), vec(0..TEAMS, 1..3)),
        (presence(), 0i64..7, 0i64..7, prop::bool::weighted(0.9)),
        (prop::option::weighted(0.2, schedule()), vec(0i64..366, 0..3), prop::option::of(0i64..100_000)),
    )
        .prop_map(|((langs, skills, teams), (presence, load, max, active), (own, off, turn))| AgentState {
            id: String::new(),
            name: String::new(),
            active,
            languages: langs.into_iter().map(|(l, p)| (LANGS[l].to_string(), p)).collect(),
            skills: skills.into_iter().map(|s| SKILLS[s].to_string()).collect(),
            presence,
            open_load: load,
            max_load: max,
            team_ids: {
                let mut t: Vec<String> = teams.into_iter().map(|t| format!("t{t}")).collect();
                t.dedup();
                t
            },
            own_schedule: own,
            time_off: off
                .into_iter()
                .map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(d))
                .collect(),
            last_routed_at: turn.map(|m| utc0().naive_utc() - Duration::minutes(m)),
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::option::of(0..LANGS.len()),
        prop::option::of(0..TEAMS + 1),
        prop::option::of(0..SKILLS.len()),
        prop::option::of(Just("vip".to_string())),
    )
        .prop_map(|(lang, team, skill, tag)| Rule {
            language: lang.map(|l| LANGS[l].to_string()),
            // `t3` names a team that does not exist.
            team_id: team.map(|t| format!("t{t}")),
            skill: skill.map(|s| SKILLS[s].to_string()),
            tags: tag.into_iter().collect(),
            ..Rule::default()
        })
}

fn fallback() -> impl Strategy<Value = Fallback> {
    (0..Fallback::ALL.len()).prop_map(|i| Fallback::ALL[i])
}

/// A tenant; `rules` says whether it may have routing rules.
fn state(rules: bool) -> impl Strategy<Value = State> {
    let max_rules = if rules { 3 } else { 0 };
    (vec(prop::option::weighted(0.9, schedule()), TEAMS), vec(agent(), 0..14), fallback(), vec(rule(), 0..=max_rules))
        .prop_map(|(schedules, agents, fallback, rules)| State {
            teams: schedules
                .into_iter()
                .enumerate()
                .map(|(i, schedule)| TeamState { id: format!("t{i}"), name: format!("T{i}"), schedule })
                .collect(),
            agents: agents
                .into_iter()
                .enumerate()
                .map(|(i, mut a)| {
                    a.id = format!("a{i:02}");
                    a.name = a.id.to_uppercase();
                    a
                })
                .collect(),
            fallback,
            rules,
        })
}

fn facts() -> impl Strategy<Value = Facts> {
    (prop::option::weighted(0.9, 0..LANGS.len()), prop::bool::ANY).prop_map(|(l, vip)| Facts {
        language: l.map(|l| LANGS[l].to_string()),
        tags: if vip { vec!["vip".into()] } else { vec![] },
        ..Facts::default()
    })
}

fn utc0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// Any minute of 2026 (both hemispheres' DST changes fall in it).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..365 * 24 * 60).prop_map(|m| utc0() + Duration::minutes(m))
}

fn on(state: &State, a: &AgentState, at: DateTime<Utc>) -> bool {
    on_shift(state, a, at, None).is_some()
}

fn speaker(a: &AgentState, lang: &str) -> bool {
    level_in(a, lang).is_some_and(speaks)
}

fn agent_of<'a>(state: &'a State, d: &Decision) -> Option<&'a AgentState> {
    d.agent_id.as_ref().map(|id| state.agents.iter().find(|a| &a.id == id).expect("the chosen agent exists"))
}

/// Relative loads compare without division: a/b ≤ c/d.
fn not_busier(a: &AgentState, b: &AgentState) -> bool {
    a.open_load * b.max_load <= b.open_load * a.max_load
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn never_an_off_shift_away_offline_inactive_or_full_agent(s in state(true), f in facts(), at in instant()) {
        let d = decide(&f, &s, at, Options::default());
        match agent_of(&s, &d) {
            Some(a) => {
                prop_assert!(a.active && a.presence == Presence::Online, "{} is not online", a.id);
                prop_assert!(a.max_load > 0 && a.open_load < a.max_load, "{} is full", a.id);
                prop_assert!(on(&s, a, at), "{} is off shift", a.id);
                prop_assert!(d.outcome != Outcome::Queued);
                if let Some(team) = &d.team_id {
                    prop_assert!(a.team_ids.contains(team));
                }
            }
            None => prop_assert_eq!(d.outcome, Outcome::Queued),
        }
        // A preview of a future instant ignores presence, never shifts or loads.
        let d = decide(&f, &s, at, Options { assume_online: true });
        if let Some(a) = agent_of(&s, &d) {
            prop_assert!(a.active && a.open_load < a.max_load && on(&s, a, at));
        }
    }

    #[test]
    fn a_batch_never_takes_an_agent_above_maximum(
        mut s in state(true),
        batch in vec(facts(), 1..40),
        at in instant(),
    ) {
        let start: Vec<i64> = s.agents.iter().map(|a| a.open_load).collect();
        for f in &batch {
            let d = decide(f, &s, at, Options::default());
            if let Some(a) = agent_of(&s, &d) {
                prop_assert!(a.open_load < a.max_load);
            }
            s.apply(&d, at.naive_utc());
        }
        for (a, before) in s.agents.iter().zip(start) {
            prop_assert!(a.open_load <= a.max_load.max(before), "{} at {}/{}", a.id, a.open_load, a.max_load);
        }
    }

    #[test]
    fn a_free_on_shift_speaker_always_gets_it_and_the_least_loaded_one(
        s in state(false),
        f in facts(),
        at in instant(),
    ) {
        let Some(lang) = f.language.clone() else { return Ok(()) };
        let free: Vec<&AgentState> = s
            .agents
            .iter()
            .filter(|a| available(a, Options::default()) && on(&s, a, at) && speaker(a, &lang))
            .collect();
        let d = decide(&f, &s, at, Options::default());
        if free.is_empty() {
            if let Some(a) = agent_of(&s, &d) {
                prop_assert!(!speaker(a, &lang), "a speaker was chosen though none was free");
            }
            return Ok(());
        }
        prop_assert_eq!(d.outcome, Outcome::Assigned);
        prop_assert_eq!(d.reason.key, "system-routing-assigned");
        let chosen = agent_of(&s, &d).unwrap();
        prop_assert!(speaker(chosen, &lang));
        for other in free {
            prop_assert!(not_busier(chosen, other), "{} is busier than {}", chosen.id, other.id);
        }
    }

    #[test]
    fn the_same_question_gets_the_same_answer_whatever_the_agents_order(
        s in state(true),
        f in facts(),
        at in instant(),
    ) {
        let d = decide(&f, &s, at, Options::default());
        prop_assert_eq!(&d, &decide(&f, &s.clone(), at, Options::default()));
        let mut reversed = s.clone();
        reversed.agents.reverse();
        let r = decide(&f, &reversed, at, Options::default());
        prop_assert_eq!(
            (d.outcome, &d.agent_id, &d.team_id, d.expected_pickup_at, d.priority),
            (r.outcome, &r.agent_id, &r.team_id, r.expected_pickup_at, r.priority)
        );
    }

    #[test]
    fn round_robin_spreads_ties_evenly(
        n in 1usize..9,
        tickets in 1usize..60,
        load in 0i64..3,
        at in instant(),
    ) {
        let week = Schedule {
            zone: chrono_tz::Tz::UTC,
            shifts: vec![Shift { days: WEEKDAYS.to_vec(), start: NaiveTime::MIN, end: NaiveTime::MIN }],
            days_off: BTreeSet::new(),
        };
        let mut s = State {
            teams: vec![TeamState { id: "t0".into(), name: "T0".into(), schedule: Some(week) }],
            agents: (0..n)
                .map(|i| AgentState {
                    id: format!("a{i}"),
                    name: format!("A{i}"),
                    active: true,
                    languages: vec![("pt".into(), Proficiency::Native)],
                    skills: vec![],
                    presence: Presence::Online,
                    open_load: load,
                    max_load: 8,
                    team_ids: vec!["t0".into()],
                    own_schedule: None,
                    time_off: BTreeSet::new(),
                    last_routed_at: None,
                })
                .collect(),
            fallback: Fallback::Queue,
            rules: vec![],
        };
        let mut counts = vec![0usize; n];
        let f = Facts { language: Some("pt".into()), ..Facts::default() };
        for _ in 0..tickets {
            let d = decide(&f, &s, at, Options::default());
            let i = s.agents.iter().position(|a| Some(&a.id) == d.agent_id.as_ref()).unwrap();
            counts[i] += 1;
            s.apply(&d, at.naive_utc());
            // Solved at once: the loads stay equal, so only the turn tells the agents apart.
            s.agents[i].open_load -= 1;
        }
        let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        prop_assert!(hi - lo <= 1, "{counts:?}");
    }
}
