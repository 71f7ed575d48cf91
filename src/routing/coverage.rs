//! What the routing admin page draws (pure): a team's week as a grid of hours in its zone, and the
//! hours of the coming week when nobody on shift speaks a language.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::engine::{self, State};
use super::schedule::{resolve, Schedule};

/// Whether the schedule is on shift in each hour (sampled at half past) of the week that starts
/// on Monday `monday`, local time: `[day][hour]`, Monday first.
pub fn week_grid(s: &Schedule, monday: NaiveDate) -> Vec<Vec<bool>> {
    (0..7)
        .map(|d| {
            let day = monday + Duration::days(d);
            (0..24)
                .map(|h| {
                    let local = day.and_hms_opt(h, 30, 0).unwrap_or_default();
                    s.on_shift(resolve(s.zone, local))
                })
                .collect()
        })
        .collect()
}

/// The Monday of the week `at` falls in, in `zone`.
pub fn monday_of(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    let local = at.with_timezone(&zone).date_naive();
    local - Duration::days(local.weekday().num_days_from_monday().into())
}

/// A stretch of hours without a speaker: its first hour and the hour after its last (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// For each language, the stretches of the 168 hours from the hour `at` falls in when nobody
/// who speaks it is on shift (sampled at half past each hour).
pub fn gaps(state: &State, languages: &[String], at: DateTime<Utc>) -> Vec<(String, Vec<Gap>)> {
    let start = at - Duration::minutes(at.minute().into()) - Duration::seconds(at.second().into());
    let start = start.with_nanosecond(0).unwrap_or(start);
    languages
        .iter()
        .map(|lang| {
            let mut out: Vec<Gap> = Vec::new();
            for h in 0..168 {
                let hour = start + Duration::hours(h);
                if engine::covers(state, lang, hour + Duration::minutes(30)) {
                    continue;
                }
                match out.last_mut() {
                    Some(g) if g.to == hour => g.to = hour + Duration::hours(1),
                    _ => out.push(Gap { from: hour, to: hour + Duration::hours(1) }),
                }
            }
            (lang.clone(), out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::schedule::{ScheduleDoc, ShiftDoc};

    #[test]
    fn a_lisbon_week_in_its_own_hours_across_the_spring_change() {
        let s = ScheduleDoc {
            time_zone: "Europe/Lisbon".into(),
            shifts: vec![ShiftDoc {
                days: vec!["sun".into(), "mon".into()],
                start: "08:00".into(),
                end: "17:00".into(),
            }],
            holidays: vec![],
        }
        .parse("")
        .unwrap();
        // The week of Sunday 2030-03-31, when Lisbon moves to UTC+1: local hours hold.
        let monday = monday_of("2030-03-31T12:00:00Z".parse().unwrap(), s.zone);
        assert_eq!(monday, NaiveDate::from_ymd_opt(2030, 3, 25).unwrap());
        let g = week_grid(&s, monday);
        let on = |d: usize| (0..24).filter(|&h| g[d][h]).collect::<Vec<_>>();
        assert_eq!(on(0), (8..17).collect::<Vec<_>>(), "Monday");
        assert_eq!(on(6), (8..17).collect::<Vec<_>>(), "Sunday, after the change");
        assert!(on(1).is_empty());
    }
}
