use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::*;
use crate::routing::schedule::{ScheduleDoc, ShiftDoc};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const WEEK: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn schedule(zone: &str, start: &str, end: &str) -> Schedule {
    ScheduleDoc {
        time_zone: zone.into(),
        shifts: vec![ShiftDoc {
            days: WEEK.iter().map(|d| d.to_string()).collect(),
            start: start.into(),
            end: end.into(),
        }],
        holidays: vec![],
    }
    .parse("")
    .unwrap()
}

fn team(id: &str, name: &str, zone: &str, start: &str, end: &str) -> TeamState {
    TeamState { id: id.into(), name: name.into(), schedule: Some(schedule(zone, start, end)) }
}

fn agent(id: &str, team: &str, langs: &[(&str, Proficiency)], load: i64, max: i64) -> AgentState {
    AgentState {
        id: id.into(),
        name: id.to_uppercase(),
        active: true,
        languages: langs.iter().map(|(l, p)| (l.to_string(), *p)).collect(),
        skills: vec![],
        presence: Presence::Online,
        open_load: load,
        max_load: max,
        team_ids: vec![team.into()],
        own_schedule: None,
        time_off: BTreeSet::new(),
        last_routed_at: None,
    }
}

/// São Paulo 09–18 local, Dublin 08–17 local, Singapore 08–17 local.
fn three_regions() -> State {
    use Proficiency::*;
    State {
        teams: vec![
            team("amer", "AMER", "America/Sao_Paulo", "09:00", "18:00"),
            team("apac", "APAC", "Asia/Singapore", "08:00", "17:00"),
            team("emea", "EMEA", "Europe/Dublin", "08:00", "17:00"),
        ],
        agents: vec![
            agent("bruna", "amer", &[("pt", Native), ("es", Fluent)], 0, 8),
            agent("wei", "apac", &[("zh", Native), ("en", Fluent)], 0, 8),
            agent("rita", "apac", &[("pt-BR", Fluent), ("en", Fluent)], 2, 8),
            agent("sean", "emea", &[("en", Native), ("pt", Basic)], 1, 8),
        ],
        fallback: Fallback::Queue,
        rules: vec![],
    }
}

fn pt() -> Facts {
    Facts { language: Some("pt".into()), ..Facts::default() }
}

#[test]
fn portuguese_at_three_in_sao_paulo_reaches_the_singapore_speaker() {
    let s = three_regions();
    // 03:00 in São Paulo (UTC−3) is 06:00 UTC, 14:00 in Singapore, 06:00 in Dublin.
    let d = decide(&pt(), &s, utc("2026-12-02T06:00:00Z"), Options::default());
    assert_eq!(d.outcome, Outcome::Assigned);
    assert_eq!(d.agent_id.as_deref(), Some("rita"));
    assert_eq!(d.team_id.as_deref(), Some("apac"));
    assert_eq!(d.reason.key, "system-routing-assigned");
    let args: std::collections::HashMap<_, _> = d.reason.args.iter().cloned().collect();
    assert_eq!(args["level"], "fluent");
    assert_eq!(args["window"], "08:00–17:00");
    assert_eq!(args["zone"], "Asia/Singapore");
    assert_eq!((args["load"].as_str(), args["max"].as_str()), ("2", "8"));
    // At 10:00 in São Paulo only Bruna speaks it on shift (Singapore is at 21:00, off).
    let d = decide(&pt(), &s, utc("2026-12-02T13:00:00Z"), Options::default());
    assert_eq!(d.agent_id.as_deref(), Some("bruna"));
}

#[test]
fn never_offline_away_inactive_full_or_off_shift() {
    let at = utc("2026-12-02T06:00:00Z");
    for spoil in 0..4 {
        let mut s = three_regions();
        let rita = s.agents.iter_mut().find(|a| a.id == "rita").unwrap();
        match spoil {
            0 => rita.presence = Presence::Away,
            1 => rita.presence = Presence::Offline,
            2 => rita.open_load = 8,
            _ => rita.active = false,
        }
        let d = decide(&pt(), &s, at, Options::default());
        assert_ne!(d.agent_id.as_deref(), Some("rita"), "case {spoil}");
        // Queue fallback: Bruna's shift in São Paulo starts at 09:00 local = 12:00 UTC.
        assert_eq!(d.outcome, Outcome::Queued, "case {spoil}");
        assert_eq!(d.team_id.as_deref(), Some("amer"));
        assert_eq!(d.expected_pickup_at, Some(utc("2026-12-02T12:00:00Z")));
    }
    // Assumed online (a future preview) lifts presence, not load or shifts.
    let mut s = three_regions();
    s.agents.iter_mut().for_each(|a| a.presence = Presence::Offline);
    let d = decide(&pt(), &s, utc("2026-12-02T06:00:00Z"), Options { assume_online: true });
    assert_eq!(d.agent_id.as_deref(), Some("rita"));
}

#[test]
fn fallbacks_basic_then_translation() {
    let at = utc("2026-12-02T10:00:00Z"); // Dublin 10:00; São Paulo 07:00; Singapore 18:00.
    let mut s = three_regions();
    s.fallback = Fallback::Basic;
    let d = decide(&pt(), &s, at, Options::default());
    assert_eq!((d.outcome, d.agent_id.as_deref()), (Outcome::Assigned, Some("sean")));
    assert_eq!(d.reason.key, "system-routing-assigned-basic");
    s.fallback = Fallback::Translate;
    let fr = Facts { language: Some("fr".into()), ..Facts::default() };
    let d = decide(&fr, &s, at, Options::default());
    assert_eq!((d.outcome, d.agent_id.as_deref()), (Outcome::NeedsTranslation, Some("sean")));
    // Queue for a language nobody speaks anywhere: on to translation, then nobody.
    s.fallback = Fallback::Queue;
    assert_eq!(decide(&fr, &s, at, Options::default()).outcome, Outcome::NeedsTranslation);
    s.agents.retain(|a| a.id != "sean");
    let d = decide(&fr, &s, at, Options::default());
    assert_eq!((d.outcome, d.agent_id, d.team_id), (Outcome::Queued, None, None));
    assert_eq!(d.reason.key, "system-routing-nobody");
}

#[test]
fn least_loaded_relative_to_maximum_then_round_robin() {
    use Proficiency::*;
    let mut s = State {
        teams: vec![team("emea", "EMEA", "Europe/Lisbon", "00:00", "23:59")],
        agents: vec![
            agent("a", "emea", &[("en", Native)], 3, 8),
            agent("b", "emea", &[("en", Fluent)], 1, 2),
            agent("c", "emea", &[("en", Working)], 2, 8),
        ],
        fallback: Fallback::Queue,
        rules: vec![],
    };
    let en = Facts { language: Some("en-GB".into()), ..Facts::default() };
    let at = utc("2026-12-02T10:00:00Z");
    // 2/8 < 3/8 < 1/2.
    assert_eq!(decide(&en, &s, at, Options::default()).agent_id.as_deref(), Some("c"));
    // Equal loads take turns: ten tickets spread 5/5 over two equal agents.
    s.agents = vec![agent("x", "emea", &[("en", Native)], 0, 100), agent("y", "emea", &[("en", Native)], 0, 100)];
    let mut counts = std::collections::HashMap::new();
    for _ in 0..10 {
        let d = decide(&en, &s, at, Options::default());
        assert_eq!(d, decide(&en, &s, at, Options::default()), "deterministic");
        *counts.entry(d.agent_id.clone().unwrap()).or_insert(0) += 1;
        s.apply(&d, at.naive_utc());
    }
    assert_eq!((counts["x"], counts["y"]), (5, 5));
}

#[test]
fn own_schedule_and_time_off() {
    use Proficiency::*;
    let mut s = three_regions();
    let at = utc("2026-12-02T06:00:00Z");
    let rita = s.agents.iter_mut().find(|a| a.id == "rita").unwrap();
    rita.time_off.insert(chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
    assert_ne!(decide(&pt(), &s, at, Options::default()).agent_id.as_deref(), Some("rita"));
    // An agent's own night shift in São Paulo replaces the team's week.
    let mut s = three_regions();
    let bruna = s.agents.iter_mut().find(|a| a.id == "bruna").unwrap();
    bruna.own_schedule = Some(schedule("America/Sao_Paulo", "22:00", "06:00"));
    bruna.languages = vec![("pt".into(), Native)];
    let d = decide(&pt(), &s, at, Options::default());
    // Bruna (0/8) beats Rita (2/8) now that she is on her own shift at 03:00 local.
    assert_eq!(d.agent_id.as_deref(), Some("bruna"));
    assert_eq!(d.team_id.as_deref(), Some("amer"));
}

/// A small deterministic generator (no dependency needed for this much randomness).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn invariants_hold_over_random_states_and_a_simulated_year() {
    use Proficiency::*;
    let langs = ["pt", "en", "es", "zh", "fr"];
    let levels = [Native, Fluent, Working, Basic];
    let presences = [Presence::Online, Presence::Away, Presence::Offline];
    let mut rng = Lcg(7);
    let start = utc("2026-01-01T00:00:00Z");
    for round in 0..300 {
        let mut s = three_regions();
        s.fallback = Fallback::ALL[rng.next(3) as usize];
        s.agents = (0..12)
            .map(|i| {
                let team = ["amer", "apac", "emea"][rng.next(3) as usize];
                let l: Vec<(&str, Proficiency)> =
                    (0..1 + rng.next(2)).map(|_| (langs[rng.next(5) as usize], levels[rng.next(4) as usize])).collect();
                let mut a = agent(&format!("a{i}"), team, &l, rng.next(5) as i64, 1 + rng.next(5) as i64);
                a.presence = presences[rng.next(3) as usize];
                a.active = rng.next(10) > 0;
                a
            })
            .collect();
        // Every 15 minutes of a year, sampled: 365 days × 96 slots, spread over the rounds.
        let at = start + chrono::Duration::minutes(15 * (rng.next(365 * 96) as i64));
        let facts = Facts { language: Some(langs[rng.next(5) as usize].into()), ..Facts::default() };
        let d = decide(&facts, &s, at, Options::default());
        assert_eq!(d, decide(&facts, &s, at, Options::default()));
        let lang = facts.language.as_deref().unwrap();
        let on = |a: &AgentState| schedules(&s, a, None).iter().any(|(_, sc)| sc.on_shift(at));
        if let Some(id) = &d.agent_id {
            let a = s.agents.iter().find(|a| &a.id == id).unwrap();
            assert!(a.active && a.presence == Presence::Online && a.open_load < a.max_load, "round {round}");
            assert!(on(a), "round {round}: assigned off shift");
        }
        let speaker_free =
            s.agents.iter().any(|a| available(a, Options::default()) && on(a) && level_in(a, lang).is_some_and(speaks));
        if speaker_free {
            assert_eq!(d.outcome, Outcome::Assigned, "round {round}");
            let a = s.agents.iter().find(|a| Some(&a.id) == d.agent_id.as_ref()).unwrap();
            assert!(level_in(a, lang).is_some_and(speaks), "round {round}: a speaker was free");
        }
    }
}

#[test]
fn the_first_matching_rule_narrows_to_a_team_and_skill_and_sets_priority() {
    use crate::types::{Channel, Priority};
    let at = utc("2026-12-02T13:00:00Z"); // São Paulo 10:00, Dublin 13:00, Singapore 21:00.
    let mut s = three_regions();
    s.agents.iter_mut().find(|a| a.id == "sean").unwrap().skills = vec!["billing".into()];
    s.rules = vec![
        Rule {
            tags: vec!["vip".into()],
            channel: Some(Channel::Email),
            set_priority: Some(Priority::Urgent),
            ..Rule::default()
        },
        Rule { tags: vec!["invoice".into()], skill: Some("billing".into()), ..Rule::default() },
        Rule { language: Some("pt".into()), team_id: Some("apac".into()), ..Rule::default() },
    ];
    // Billing: only Sean has the skill, and he only speaks basic Portuguese: queued (nobody
    // with the skill speaks it on a future shift either), so on to translation with Sean.
    let billing = Facts { language: Some("pt".into()), tags: vec!["invoice".into()], ..Facts::default() };
    let d = decide(&billing, &s, at, Options::default());
    assert_eq!((d.outcome, d.agent_id.as_deref()), (Outcome::NeedsTranslation, Some("sean")));
    // Portuguese goes to APAC only: Bruna is on shift but not in it; queued for Singapore's morning.
    let d = decide(&pt(), &s, at, Options::default());
    assert_eq!((d.outcome, d.team_id.as_deref()), (Outcome::Queued, Some("apac")));
    assert_eq!(d.expected_pickup_at, Some(utc("2026-12-03T00:00:00Z")));
    // A VIP email: the first rule only changes priority, so routing is as without rules.
    let vip = Facts {
        language: Some("pt".into()),
        tags: vec!["vip".into()],
        channel: Some(Channel::Email),
        ..Facts::default()
    };
    let d = decide(&vip, &s, at, Options::default());
    assert_eq!((d.agent_id.as_deref(), d.priority), (Some("bruna"), Some(Priority::Urgent)));
    // A rule whose team is gone is as if it named none.
    s.teams.retain(|t| t.id != "apac");
    assert_eq!(decide(&pt(), &s, at, Options::default()).agent_id.as_deref(), Some("bruna"));
}

#[test]
fn rules_match_the_requester_domain_and_its_subdomains_and_vip() {
    let rule = Rule { requester_domain: Some("bigcorp.example".into()), vip: Some(false), ..Rule::default() };
    let facts = |d: &str, vip: bool| Facts { requester_domain: email_domain(d), vip, ..Facts::default() };
    assert!(rule.matches(&facts("ana@BigCorp.Example", false)));
    assert!(rule.matches(&facts("ana@eu.bigcorp.example.", false)));
    assert!(!rule.matches(&facts("ana@notbigcorp.example", false)), "a lookalike is another domain");
    assert!(!rule.matches(&facts("ana@bigcorp.example", true)), "the VIP condition holds too");
    assert!(!rule.matches(&Facts::default()), "no requester address");
    assert_eq!(email_domain("no-at-sign"), None);
}
