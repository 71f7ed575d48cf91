//! One routing decision for a tenant of 500 agents in 20 teams, and language detection of a
//! 1 KB message (criterion). `cargo bench --bench routing`; numbers in BENCHMARKS.md.

use std::collections::BTreeSet;
use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};
use criterion::{criterion_group, criterion_main, Criterion};
use meridian::accounts::agents::Proficiency;
use meridian::routing::engine::{decide, AgentState, Facts, Fallback, Options, Presence, State, TeamState};
use meridian::routing::language;
use meridian::routing::schedule::{Schedule, Shift};

const ZONES: [&str; 5] = ["America/Sao_Paulo", "Europe/Dublin", "Asia/Singapore", "America/New_York", "Asia/Kathmandu"];
const LANGS: [&str; 20] = [
    "en", "es", "pt", "fr", "de", "it", "nl", "ru", "uk", "pl", "tr", "ar", "hi", "zh", "ja", "ko", "vi", "th", "id",
    "sv",
];

/// 20 teams in five zones, weekdays 08:00–17:00 and a Saturday morning, with a few holidays;
/// 25 agents each with two or three languages, loads spread over their maximum.
fn tenant() -> State {
    let weekdays = vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let teams: Vec<TeamState> = (0..20)
        .map(|i| TeamState {
            id: format!("team-{i:02}"),
            name: format!("Team {i}"),
            schedule: Some(Schedule {
                zone: ZONES[i % ZONES.len()].parse().unwrap(),
                shifts: vec![
                    Shift { days: weekdays.clone(), start: t(8), end: t(17) },
                    Shift { days: vec![Weekday::Sat], start: t(9), end: t(13) },
                ],
                days_off: (0..10).map(|d| chrono::NaiveDate::from_ymd_opt(2026, 12, 20 + d).unwrap()).collect(),
            }),
        })
        .collect();
    let levels = [Proficiency::Native, Proficiency::Fluent, Proficiency::Working, Proficiency::Basic];
    let agents = (0..500)
        .map(|i: usize| AgentState {
            id: format!("agent-{i:03}"),
            name: format!("Agent {i}"),
            active: i % 50 != 0,
            languages: (0..2 + i % 2).map(|k| (LANGS[(i * 7 + k * 3) % 20].to_string(), levels[(i + k) % 4])).collect(),
            skills: vec!["billing".into()],
            presence: [Presence::Online, Presence::Online, Presence::Online, Presence::Away][i % 4],
            open_load: (i % 9) as i64,
            max_load: 8,
            team_ids: vec![teams[i % 20].id.clone()],
            own_schedule: None,
            time_off: BTreeSet::new(),
            last_routed_at: Some(
                Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap().naive_utc() + Duration::seconds(i as i64),
            ),
        })
        .collect();
    State { teams, agents, fallback: Fallback::Queue, rules: vec![] }
}

fn decision(c: &mut Criterion) {
    let state = tenant();
    // Wednesday 2026-12-02 12:00 UTC: Dublin and São Paulo on shift, Singapore just off.
    let at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
    let pt = Facts { language: Some("pt".into()), ..Facts::default() };
    c.bench_function("decide: pt, 500 agents in 20 teams, speakers on shift", |b| {
        b.iter(|| decide(black_box(&pt), black_box(&state), at, Options::default()))
    });
    // Sunday: nobody is on shift, so the queue fallback looks for the soonest next shift.
    let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    c.bench_function("decide: pt, 500 agents in 20 teams, nobody on shift (queue)", |b| {
        b.iter(|| decide(black_box(&pt), black_box(&state), sunday, Options::default()))
    });
}

fn detection(c: &mut Criterion) {
    let sentence =
        "Olá, não consigo entrar na minha conta desde ontem à noite e já tentei redefinir a senha duas vezes. ";
    let mut text = String::new();
    while text.len() < 1024 {
        text.push_str(sentence);
    }
    let text: String = text
        .chars()
        .scan(0, |n, ch| {
            *n += ch.len_utf8();
            (*n <= 1024).then_some(ch)
        })
        .collect();
    c.bench_function("detect: 1 KB Portuguese message", |b| b.iter(|| language::detect_scored(black_box(&text))));
}

criterion_group!(benches, decision, detection);
criterion_main!(benches);
