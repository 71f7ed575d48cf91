//! A year of follow-the-sun, every 15 minutes of 2026, for a tenant with teams in São Paulo,
//! Dublin and Singapore (and an agent on her own Kathmandu week): tickets arrive, are routed,
//! solved, handed off at shift end and picked up from the queue as the desk's jobs would do it,
//! with the engine as the only decision maker. Checked at every step: nobody holds a ticket off
//! shift, nobody is above maximum load, nothing waits unassigned while a free agent on shift
//! speaks its language, and each team's shifts keep their wall-clock hours across DST.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};

use super::*;
use crate::routing::schedule::{ScheduleDoc, ShiftDoc};
use crate::types::Priority;

fn schedule(zone: &str, shifts: &[(&[&str], &str, &str)], holidays: &[&str]) -> Schedule {
    ScheduleDoc {
        time_zone: zone.into(),
        shifts: shifts
            .iter()
            .map(|(d, s, e)| ShiftDoc {
                days: d.iter().map(|x| x.to_string()).collect(),
                start: s.to_string(),
                end: e.to_string(),
            })
            .collect(),
        holidays: holidays
            .iter()
            .map(|d| crate::routing::schedule::HolidayDoc { date: d.to_string(), name: None })
            .collect(),
    }
    .parse("")
    .unwrap()
}

const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];

fn agent(id: &str, team: &str, langs: &[(&str, Proficiency)], max: i64) -> AgentState {
    AgentState {
        id: id.into(),
        name: id.to_uppercase(),
        active: true,
        languages: langs.iter().map(|(l, p)| (l.to_string(), *p)).collect(),
        skills: vec![],
        presence: Presence::Online,
        open_load: 0,
        max_load: max,
        team_ids: vec![team.into()],
        own_schedule: None,
        time_off: BTreeSet::new(),
        last_routed_at: None,
    }
}

fn tenant() -> State {
    use Proficiency::*;
    let mut priya = agent("priya", "apac", &[("hi", Native), ("en", Fluent)], 3);
    priya.own_schedule = Some(schedule("Asia/Kathmandu", &[(WEEKDAYS, "09:00", "17:00")], &[]));
    // Sean is off the week before Dublin's spring change.
    let mut sean = agent("sean", "emea", &[("en", Native), ("pt", Basic)], 4);
    sean.time_off = (23..=27).map(|d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap()).collect();
    State {
        teams: vec![
            TeamState {
                id: "amer".into(),
                name: "AMER".into(),
                schedule: Some(schedule("America/Sao_Paulo", &[(WEEKDAYS, "09:00", "18:00")], &["2026-09-07"])),
            },
            TeamState {
                id: "apac".into(),
                name: "APAC".into(),
                schedule: Some(schedule(
                    "Asia/Singapore",
                    &[(&["mon", "tue", "wed", "thu", "fri", "sat"], "08:00", "12:00"), (WEEKDAYS, "13:00", "17:00")],
                    &["2026-12-25"],
                )),
            },
            TeamState {
                id: "emea".into(),
                name: "EMEA".into(),
                // The Saturday night shift spans both of Dublin's DST change nights.
                schedule: Some(schedule(
                    "Europe/Dublin",
                    &[(WEEKDAYS, "08:00", "17:00"), (&["sat"], "22:00", "06:00")],
                    &["2026-03-17", "2026-12-25"],
                )),
            },
        ],
        agents: vec![
            agent("bruna", "amer", &[("pt", Native), ("es", Fluent)], 4),
            agent("diego", "amer", &[("es", Native), ("en", Fluent), ("pt", Basic)], 3),
            agent("rita", "apac", &[("pt-BR", Fluent), ("en", Fluent)], 4),
            agent("wei", "apac", &[("zh", Native), ("en", Fluent)], 4),
            priya,
            sean,
            agent("aoife", "emea", &[("en", Native), ("fr", Fluent)], 4),
            agent("lukas", "emea", &[("de", Native), ("en", Working)], 3),
        ],
        fallback: Fallback::Queue,
        rules: vec![],
    }
}

/// Deterministic randomness for arrivals, priorities, solve times and presence.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

struct Ticket {
    lang: &'static str,
    priority: Priority,
    created: usize,
    agent: Option<usize>,
    /// The step at which its agent solves it.
    solve_at: usize,
    done: bool,
}

/// Languages tickets arrive in (and now and then `ja`, which nobody speaks: translation).
const LANGS: [&str; 8] = ["en", "en", "pt", "es", "zh", "fr", "de", "hi"];

struct Desk {
    state: State,
    tickets: Vec<Ticket>,
    rng: Lcg,
    handoffs: usize,
    from_queue: usize,
    translations: usize,
}

impl Desk {
    /// Route one ticket now, as the intake, the queue and a handoff do; `true` when someone took it.
    fn route(&mut self, t: usize, at: DateTime<Utc>, step: usize) -> bool {
        let facts = Facts { language: Some(self.tickets[t].lang.into()), ..Facts::default() };
        let d = decide(&facts, &self.state, at, Options::default());
        let Some(id) = &d.agent_id else { return false };
        let i = self.state.agents.iter().position(|a| &a.id == id).unwrap();
        if d.outcome == Outcome::NeedsTranslation {
            self.translations += 1;
        }
        self.state.apply(&d, at.naive_utc());
        let ticket = &mut self.tickets[t];
        ticket.agent = Some(i);
        ticket.solve_at = step + 2 + self.rng.next(16) as usize;
        true
    }

    fn release(&mut self, t: usize) {
        if let Some(i) = self.tickets[t].agent.take() {
            self.state.agents[i].open_load -= 1;
        }
    }
}

/// Whether `team`'s week is on at `at`, read straight off the local wall clock: the oracle the
/// schedule's UTC windows are checked against. Windows start on a local date and are cancelled
/// by a holiday on that date.
fn oracle(team: &str, at: DateTime<Utc>) -> bool {
    let (zone, holidays): (chrono_tz::Tz, &[(u32, u32)]) = match team {
        "amer" => (chrono_tz::America::Sao_Paulo, &[(9, 7)]),
        "apac" => (chrono_tz::Asia::Singapore, &[(12, 25)]),
        _ => (chrono_tz::Europe::Dublin, &[(3, 17), (12, 25)]),
    };
    let local = at.with_timezone(&zone);
    let working = |d: NaiveDate| !holidays.contains(&(d.month(), d.day()));
    let (day, wd, minute) = (local.date_naive(), local.weekday(), local.hour() * 60 + local.minute());
    let weekday = !matches!(wd, Weekday::Sat | Weekday::Sun);
    match team {
        "amer" => weekday && working(day) && (9 * 60..18 * 60).contains(&minute),
        "apac" => {
            working(day)
                && ((wd != Weekday::Sun && (8 * 60..12 * 60).contains(&minute))
                    || (weekday && (13 * 60..17 * 60).contains(&minute)))
        }
        _ => {
            let yesterday = day.pred_opt().unwrap();
            (weekday && working(day) && (8 * 60..17 * 60).contains(&minute))
                || (wd == Weekday::Sat && working(day) && minute >= 22 * 60)
                || (wd == Weekday::Sun && working(yesterday) && minute < 6 * 60)
        }
    }
}

#[test]
fn a_year_every_fifteen_minutes_in_three_regions() {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let steps = 365 * 96;
    let mut desk =
        Desk { state: tenant(), tickets: vec![], rng: Lcg(2026), handoffs: 0, from_queue: 0, translations: 0 };
    let n = desk.state.agents.len();
    let mut was_on = vec![false; n];
    // Quarter hours each team's windows last, by (team, local start date, shift).
    let mut lengths: BTreeMap<(String, NaiveDate, usize), u32> = BTreeMap::new();

    for step in 0..steps {
        let at = start + Duration::minutes(15 * step as i64);
        let prev = at - Duration::minutes(15);

        for team in &desk.state.teams {
            let s = team.schedule.as_ref().unwrap();
            let w = s.window_at(at);
            assert_eq!(w.is_some(), oracle(&team.id, at), "{} at {at}", team.id);
            if let Some(w) = w {
                let day = w.start.with_timezone(&s.zone).date_naive();
                *lengths.entry((team.id.clone(), day, w.shift)).or_default() += 1;
            }
        }

        // Capacity may have freed up: the queue is offered again (as the desk's jobs do on a
        // ticket solved, an agent coming online or a shift starting).
        let mut freed = false;
        // Presence: now and then someone steps away, and comes back.
        for a in &mut desk.state.agents {
            if desk.rng.next(40) == 0 {
                a.presence = if a.presence == Presence::Online { Presence::Away } else { Presence::Online };
                freed |= a.presence == Presence::Online;
            }
        }

        for t in 0..desk.tickets.len() {
            let tk = &desk.tickets[t];
            if !tk.done && tk.agent.is_some() && tk.solve_at <= step {
                desk.release(t);
                desk.tickets[t].done = true;
                freed = true;
            }
        }
        desk.tickets.retain(|t| !t.done);

        // Shift ends: the engine says when, and the tickets move on (or are queued).
        let on_now: Vec<bool> =
            desk.state.agents.iter().map(|a| on_shift(&desk.state, a, at, None).is_some()).collect();
        for i in 0..n {
            freed |= on_now[i] && !was_on[i];
            if was_on[i] && !on_now[i] {
                let end = shift_ended(&desk.state, &desk.state.agents[i], at).expect("an ended shift has an end");
                assert!(prev < end && end <= at, "{} ended at {end}, seen at {at}", desk.state.agents[i].id);
                let theirs: Vec<usize> =
                    (0..desk.tickets.len()).filter(|&t| desk.tickets[t].agent == Some(i)).collect();
                for t in theirs {
                    desk.release(t);
                    desk.handoffs += 1;
                    desk.route(t, at, step);
                }
            }
        }
        was_on = on_now.clone();

        // About 16 tickets a day, as much as the desk clears in a week: queues drain.
        for _ in 0..desk.rng.next(6).saturating_sub(4) {
            let lang = if desk.rng.next(50) == 0 { "ja" } else { LANGS[desk.rng.next(LANGS.len() as u64) as usize] };
            let priority = [Priority::Low, Priority::Normal, Priority::Normal, Priority::High, Priority::Urgent]
                [desk.rng.next(5) as usize];
            desk.tickets.push(Ticket { lang, priority, created: step, agent: None, solve_at: 0, done: false });
            desk.route(desk.tickets.len() - 1, at, step);
        }

        // The queue: highest priority first, then oldest. A language the engine could not place
        // stays unplaceable for the rest of this pass, since placing others only adds load.
        let mut waiting: Vec<usize> = (0..desk.tickets.len())
            .filter(|&t| freed && desk.tickets[t].created < step && desk.tickets[t].agent.is_none())
            .collect();
        waiting.sort_by_key(|&t| (std::cmp::Reverse(desk.tickets[t].priority.rank()), desk.tickets[t].created));
        let mut stuck: BTreeSet<&str> = BTreeSet::new();
        for t in waiting {
            let lang = desk.tickets[t].lang;
            if stuck.contains(lang) {
                continue;
            }
            if desk.route(t, at, step) {
                desk.from_queue += 1;
            } else {
                stuck.insert(lang);
            }
        }

        // The invariants, after every step.
        let st = &desk.state;
        let mut load = vec![0i64; n];
        for tk in &desk.tickets {
            match tk.agent {
                Some(i) => {
                    load[i] += 1;
                    assert!(on_now[i], "step {step}: {} holds a ticket off shift", st.agents[i].id);
                }
                None => {
                    let free = |a: &AgentState, i: usize| on_now[i] && available(a, Options::default());
                    let speaker_free = st
                        .agents
                        .iter()
                        .enumerate()
                        .any(|(i, a)| free(a, i) && level_in(a, tk.lang).is_some_and(speaks));
                    assert!(!speaker_free, "step {step} ({at}): a {} ticket waits while a speaker is free", tk.lang);
                    if tk.lang == "ja" {
                        let anyone = st.agents.iter().enumerate().any(|(i, a)| free(a, i));
                        assert!(!anyone, "step {step}: an untranslatable ticket waits while someone is free");
                    }
                }
            }
        }
        for (a, l) in st.agents.iter().zip(load) {
            assert_eq!(a.open_load, l, "{}'s load is its open tickets", a.id);
            assert!(a.open_load <= a.max_load, "{} above maximum", a.id);
        }
    }

    // A window keeps its wall-clock length: 9 hours is 36 quarter hours on every working
    // weekday, the DST change days included; Dublin's Saturday night shift is 8 hours, but 7 on
    // the spring night and 9 on the autumn one.
    let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    for ((team, day, shift), q) in &lengths {
        let want = match (team.as_str(), shift) {
            ("amer", _) | ("emea", 0) => 36,
            ("apac", _) => 16,
            ("emea", _) if *day == date(3, 28) => 28,
            ("emea", _) if *day == date(10, 24) => 36,
            _ => 32,
        };
        assert_eq!(*q, want, "{team} {day} shift {shift}");
    }
    let days = |team: &str| lengths.keys().filter(|(t, _, s)| t == team && *s == 0).count();
    // 2026 has 261 weekdays; São Paulo's holiday is a Monday, Dublin's two a Tuesday and a Friday.
    assert_eq!((days("amer"), days("emea")), (260, 259));
    assert!(
        desk.handoffs > 1000 && desk.from_queue > 1000 && desk.translations > 10,
        "{} handoffs, {} from the queue, {} translations",
        desk.handoffs,
        desk.from_queue,
        desk.translations
    );
}
