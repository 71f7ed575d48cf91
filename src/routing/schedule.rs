//! Weekly shift schedules in an IANA zone: "is this team or agent on shift at instant T" and
//! "when does its next shift start". Pure: no database, no clock.
//!
//! A window's local times hold across DST changes (a 08:00–17:00 shift starts at 08:00 on the
//! wall clock whatever the offset). A local time that does not exist (the hour skipped in
//! spring) resolves to the first instant the clock reaches it, i.e. the transition; a local time
//! that happens twice (the repeated hour in autumn) resolves to its first occurrence, so a window
//! is counted once. A shift whose end is not after its start crosses midnight and ends the next
//! day. Holidays are local dates: a window that starts on one does not happen.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// One weekly window: on these weekdays, from `start` to `end` local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Shift {
    /// Whether the window ends on the day after it starts.
    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// `08:00–17:00`, as reasons show it.
    pub fn label(&self) -> String {
        format!("{}–{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// A team's (or an agent's own) week in its zone, with the dates it does not work.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub zone: Tz,
    pub shifts: Vec<Shift>,
    pub days_off: BTreeSet<NaiveDate>,
}

/// One occurrence of a shift, as UTC instants (`start` inclusive, `end` exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Index into `Schedule::shifts`.
    pub shift: usize,
}

/// How far ahead the next shift is looked for: a year and a bit covers any holiday calendar.
const HORIZON_DAYS: i64 = 400;

/// The first instant at which the wall clock of `zone` reads `local` (see the module docs).
pub fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: the first minute after it that exists. Gaps are whole minutes in every
            // modern zone and last at most a day (Apia skipped 2011-12-30).
            let mut probe = local;
            for _ in 0..(2 * 24 * 60) {
                probe += Duration::minutes(1);
                if let Some(t) = zone.from_local_datetime(&probe).earliest() {
                    // The first existing minute after the gap is the transition itself.
                    return t.with_timezone(&Utc);
                }
            }
            // Unreachable for real zones; fall back to reading the time as UTC.
            Utc.from_utc_datetime(&local)
        }
    }
}

impl Schedule {
    /// The windows of shifts that start on local date `day`.
    fn windows_starting(&self, day: NaiveDate) -> impl Iterator<Item = Window> + '_ {
        let working = !self.days_off.contains(&day);
        self.shifts.iter().enumerate().filter(move |(_, s)| working && s.days.contains(&day.weekday())).filter_map(
            move |(i, s)| {
                let end_day = if s.crosses_midnight() { day.succ_opt()? } else { day };
                let start = resolve(self.zone, day.and_time(s.start));
                let end = resolve(self.zone, end_day.and_time(s.end));
                // A window entirely inside a skipped hour has no length and does not happen.
                (end > start).then_some(Window { start, end, shift: i })
            },
        )
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The window in progress at `at`, if the schedule is on shift then.
    pub fn window_at(&self, at: DateTime<Utc>) -> Option<Window> {
        let today = self.local_date(at);
        // A window in progress started today or, crossing midnight, yesterday (two days back
        // covers a day skipped by a date-line change).
        (-2..=0)
            .filter_map(|d| today.checked_add_signed(Duration::days(d)))
            .flat_map(|day| self.windows_starting(day).collect::<Vec<_>>())
            .filter(|w| w.start <= at && at < w.end)
            .min_by_key(|w| (w.start, w.shift))
    }

    /// Whether the schedule is on shift at `at`.
    pub fn on_shift(&self, at: DateTime<Utc>) -> bool {
        self.window_at(at).is_some()
    }

    /// The latest window that ended at or before `at`, looking back a week (the follow-the-sun
    /// handoff asks which shift end it has not handled yet).
    pub fn last_end_at_or_before(&self, at: DateTime<Utc>) -> Option<Window> {
        let today = self.local_date(at);
        (-8..=0)
            .filter_map(|d| today.checked_add_signed(Duration::days(d)))
            .flat_map(|day| self.windows_starting(day).collect::<Vec<_>>())
            .filter(|w| w.end <= at)
            .max_by_key(|w| (w.end, std::cmp::Reverse(w.shift)))
    }

    /// The first window that starts strictly after `at`, within about a year.
    pub fn next_start_after(&self, at: DateTime<Utc>) -> Option<Window> {
        let today = self.local_date(at);
        for d in -1..HORIZON_DAYS {
            let Some(day) = today.checked_add_signed(Duration::days(d)) else { break };
            let next = self.windows_starting(day).filter(|w| w.start > at).min_by_key(|w| (w.start, w.shift));
            if next.is_some() {
                // Windows of later days start later (each day's shifts start within that day).
                return next;
            }
        }
        None
    }
}

/// The wire shape of a schedule (`GET/PUT /api/v1/teams/{id}/schedule`), also how it is stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDoc {
    /// An IANA zone name (`Europe/Lisbon`).
    pub time_zone: String,
    #[serde(default)]
    pub shifts: Vec<ShiftDoc>,
    #[serde(default)]
    pub holidays: Vec<HolidayDoc>,
}

/// One weekly window on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftDoc {
    /// `mon` … `sun`.
    pub days: Vec<String>,
    /// `HH:MM`, local time.
    pub start: String,
    /// `HH:MM`, local time; not after `start` means the next day.
    pub end: String,
}

/// A date off on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayDoc {
    /// `YYYY-MM-DD`, local to the schedule's zone.
    pub date: String,
    pub name: Option<String>,
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// Most shifts and holidays a schedule holds.
pub const MAX_SHIFTS: usize = 50;
/// See [`MAX_SHIFTS`].
pub const MAX_HOLIDAYS: usize = 400;

/// Parse `HH:MM` (24-hour).
pub fn parse_hhmm(field: &str, s: &str) -> AppResult<NaiveTime> {
    let bad = || AppError::invalid(field, "error-time-invalid", format!("{s:?} is not a time HH:MM"));
    if s.len() != 5 || s.as_bytes()[2] != b':' {
        return Err(bad());
    }
    let (h, m) = (s[..2].parse::<u32>().map_err(|_| bad())?, s[3..].parse::<u32>().map_err(|_| bad())?);
    if !s[..2].bytes().all(|b| b.is_ascii_digit()) || !s[3..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

impl ScheduleDoc {
    /// Check every field and build the schedule; errors name the field (`shifts[1].end`). `field`
    /// prefixes the paths when the document is part of a larger body.
    pub fn parse(&self, field: &str) -> AppResult<Schedule> {
        let at = |rest: &str| if field.is_empty() { rest.to_string() } else { format!("{field}.{rest}") };
        let zone = self.time_zone.parse::<Tz>().map_err(|_| {
            AppError::invalid(
                &at("time_zone"),
                "error-timezone-invalid",
                format!("{:?} is not an IANA time zone", self.time_zone),
            )
        })?;
        if self.shifts.len() > MAX_SHIFTS {
            return Err(AppError::invalid(
                &at("shifts"),
                "error-shift-invalid",
                format!("at most {MAX_SHIFTS} shifts"),
            ));
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(AppError::invalid(
                &at("holidays"),
                "error-holiday-invalid",
                format!("at most {MAX_HOLIDAYS} holidays"),
            ));
        }
        let mut shifts = Vec::with_capacity(self.shifts.len());
        for (i, s) in self.shifts.iter().enumerate() {
            let mut days = Vec::new();
            if s.days.is_empty() {
                return Err(AppError::invalid(&at(&format!("shifts[{i}].days")), "error-shift-invalid", "name a day"));
            }
            for (j, d) in s.days.iter().enumerate() {
                let day = DAYS.iter().find(|(n, _)| *n == d.as_str()).map(|(_, w)| *w).ok_or_else(|| {
                    AppError::invalid(
                        &at(&format!("shifts[{i}].days[{j}]")),
                        "error-shift-invalid",
                        format!("{d:?} is not a day (mon … sun)"),
                    )
                })?;
                if !days.contains(&day) {
                    days.push(day);
                }
            }
            let start = parse_hhmm(&at(&format!("shifts[{i}].start")), &s.start)?;
            let end = parse_hhmm(&at(&format!("shifts[{i}].end")), &s.end)?;
            if start == end {
                return Err(AppError::invalid(
                    &at(&format!("shifts[{i}].end")),
                    "error-shift-invalid",
                    "a shift ends at another time than it starts",
                ));
            }
            shifts.push(Shift { days, start, end });
        }
        let mut days_off = BTreeSet::new();
        for (i, h) in self.holidays.iter().enumerate() {
            let shaped = h.date.len() == 10
                && h.date
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| matches!((i, b), (4 | 7, b'-')) || (i != 4 && i != 7 && b.is_ascii_digit()));
            let date = Some(&h.date)
                .filter(|_| shaped)
                .ok_or(())
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| ()))
                .map_err(|_| {
                    AppError::invalid(
                        &at(&format!("holidays[{i}].date")),
                        "error-holiday-invalid",
                        format!("{:?} is not a date YYYY-MM-DD", h.date),
                    )
                })?;
            if let Some(n) = &h.name {
                crate::accounts::validate_name(&at(&format!("holidays[{i}].name")), n)?;
            }
            days_off.insert(date);
        }
        Ok(Schedule { zone, shifts, days_off })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sched(zone: &str, shifts: &[(&[&str], &str, &str)], holidays: &[&str]) -> Schedule {
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
            holidays: holidays.iter().map(|d| HolidayDoc { date: d.to_string(), name: None }).collect(),
        }
        .parse("")
        .unwrap()
    }

    #[test]
    fn the_last_shift_end_before_an_instant_skips_days_off_and_crosses_dst() {
        // Lisbon, weekdays 08:00–17:00; Friday 2030-03-29 is a holiday; summer time from Sunday 31st.
        let s = sched("Europe/Lisbon", &[(&["mon", "tue", "wed", "thu", "fri"], "08:00", "17:00")], &["2030-03-29"]);
        // Monday 1 April at 09:00 local (UTC+1): the last end was Thursday's 17:00 (UTC+0).
        let w = s.last_end_at_or_before(utc("2030-04-01T08:00:00Z")).unwrap();
        assert_eq!(w.end, utc("2030-03-28T17:00:00Z"));
        // Monday's end, exactly at it, counts; a minute before, it does not.
        assert_eq!(s.last_end_at_or_before(utc("2030-04-01T16:00:00Z")).unwrap().end, utc("2030-04-01T16:00:00Z"));
        assert_eq!(s.last_end_at_or_before(utc("2030-04-01T15:59:00Z")).unwrap().end, utc("2030-03-28T17:00:00Z"));
        // A night shift ending after midnight.
        let n = sched("UTC", &[(&["sat"], "22:00", "06:00")], &[]);
        assert_eq!(n.last_end_at_or_before(utc("2030-10-27T07:00:00Z")).unwrap().end, utc("2030-10-27T06:00:00Z"));
        assert!(sched("UTC", &[], &[]).last_end_at_or_before(utc("2030-10-27T07:00:00Z")).is_none());
    }

    const WEEK: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    #[test]
    fn lisbon_office_hours_hold_across_both_dst_changes() {
        let s = sched("Europe/Lisbon", &[(WEEK, "08:00", "17:00")], &[]);
        // Winter: Lisbon is UTC+0.
        assert!(s.on_shift(utc("2026-01-15T08:00:00Z")));
        assert!(!s.on_shift(utc("2026-01-15T07:59:59Z")));
        assert!(!s.on_shift(utc("2026-01-15T17:00:00Z")));
        // Summer: UTC+1, so 08:00 local is 07:00 UTC.
        assert!(s.on_shift(utc("2026-07-15T07:00:00Z")));
        assert!(!s.on_shift(utc("2026-07-15T16:00:00Z")));
        // The change days themselves (2026-03-29 and 2026-10-25, at 01:00 UTC).
        assert_eq!(s.window_at(utc("2026-03-29T12:00:00Z")).unwrap().start, utc("2026-03-29T07:00:00Z"));
        assert_eq!(s.window_at(utc("2026-10-25T12:00:00Z")).unwrap().start, utc("2026-10-25T08:00:00Z"));
        // Next start from a Saturday evening in summer: Sunday 08:00 local.
        assert_eq!(s.next_start_after(utc("2026-07-18T20:00:00Z")).unwrap().start, utc("2026-07-19T07:00:00Z"));
    }

    #[test]
    fn a_skipped_local_time_moves_to_the_transition_and_a_repeated_one_counts_once() {
        // Lisbon springs 01:00 → 02:00 local on 2026-03-29; 01:30 does not exist.
        let s = sched("Europe/Lisbon", &[(&["sun"], "01:30", "03:00")], &[]);
        let w = s.next_start_after(utc("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(w.start, utc("2026-03-29T01:00:00Z"), "starts when the clock jumps to 02:00");
        assert_eq!(w.end, utc("2026-03-29T02:00:00Z"));
        // A shift inside the gap does not happen at all that day.
        let gap = sched("Europe/Lisbon", &[(&["sun"], "01:10", "01:50")], &[]);
        assert!(!gap.on_shift(utc("2026-03-29T01:00:00Z")));
        assert_eq!(gap.next_start_after(utc("2026-03-28T12:00:00Z")).unwrap().start, utc("2026-04-05T00:10:00Z"));
        // Autumn: 01:00–02:00 local happens twice on 2026-10-25; the window is the first pass.
        let rep = sched("Europe/Lisbon", &[(&["sun"], "01:00", "01:30")], &[]);
        let w = rep.next_start_after(utc("2026-10-24T12:00:00Z")).unwrap();
        assert_eq!((w.start, w.end), (utc("2026-10-25T00:00:00Z"), utc("2026-10-25T00:30:00Z")));
        assert!(!rep.on_shift(utc("2026-10-25T01:10:00Z")), "the repeated half hour is not a second shift");
    }

    #[test]
    fn night_shift_across_midnight_on_a_dst_night_keeps_its_wall_clock_ends() {
        // 22:00 Saturday to 06:00 Sunday across Lisbon's autumn change: nine real hours.
        let s = sched("Europe/Lisbon", &[(&["sat"], "22:00", "06:00")], &[]);
        let w = s.window_at(utc("2026-10-25T03:00:00Z")).unwrap();
        assert_eq!(w.start, utc("2026-10-24T21:00:00Z"));
        assert_eq!(w.end, utc("2026-10-25T06:00:00Z"));
        assert!(s.on_shift(utc("2026-10-25T05:59:00Z")));
        assert!(!s.on_shift(utc("2026-10-25T06:00:00Z")));
        // Spring: seven real hours.
        let w = s.window_at(utc("2026-03-29T03:00:00Z")).unwrap();
        assert_eq!(w.end - w.start, Duration::hours(7));
    }

    #[test]
    fn singapore_has_no_dst_and_split_shifts_are_separate_windows() {
        let s =
            sched("Asia/Singapore", &[(&["mon", "tue"], "09:00", "12:00"), (&["mon", "tue"], "13:00", "18:00")], &[]);
        // 2026-12-07 is a Monday; Singapore is UTC+8 all year.
        assert!(s.on_shift(utc("2026-12-07T01:00:00Z")));
        assert!(!s.on_shift(utc("2026-12-07T04:30:00Z")), "lunch break");
        let next = s.next_start_after(utc("2026-12-07T04:30:00Z")).unwrap();
        assert_eq!((next.start, next.shift), (utc("2026-12-07T05:00:00Z"), 1));
        assert!(s.on_shift(utc("2026-06-08T01:00:00Z")), "same offset in June");
        assert_eq!(s.window_at(utc("2026-12-07T06:00:00Z")).unwrap().shift, 1);
        // After Tuesday's last window, the next one is the Monday after.
        assert_eq!(s.next_start_after(utc("2026-12-08T10:00:00Z")).unwrap().start, utc("2026-12-14T01:00:00Z"));
    }

    #[test]
    fn sao_paulo_without_dst_since_2019() {
        let s = sched("America/Sao_Paulo", &[(WEEK, "09:00", "18:00")], &[]);
        // UTC−3 in January (it was −2 in summer until 2019).
        assert!(s.on_shift(utc("2027-01-12T12:00:00Z")));
        assert!(!s.on_shift(utc("2027-01-12T11:59:00Z")));
        // A date from the DST years still uses that history: 2018-01-10 was UTC−2.
        assert!(s.on_shift(utc("2018-01-10T11:00:00Z")));
    }

    #[test]
    fn holidays_cancel_windows_that_start_on_them_in_the_schedules_own_zone() {
        let s = sched("Europe/Dublin", &[(WEEK, "22:00", "02:00")], &["2026-12-25"]);
        assert!(!s.on_shift(utc("2026-12-25T23:00:00Z")), "Christmas night's shift is off");
        assert!(s.on_shift(utc("2026-12-25T01:00:00Z")), "Christmas Eve's night shift runs into the holiday");
        assert_eq!(s.next_start_after(utc("2026-12-25T12:00:00Z")).unwrap().start, utc("2026-12-26T22:00:00Z"));
        // The same UTC instant is 25 December in Singapore but still the 24th in Dublin.
        let sg = sched("Asia/Singapore", &[(WEEK, "08:00", "17:00")], &["2026-12-25"]);
        let dub = sched("Europe/Dublin", &[(WEEK, "00:00", "12:00")], &["2026-12-25"]);
        assert!(!sg.on_shift(utc("2026-12-25T02:00:00Z")));
        assert!(dub.on_shift(utc("2026-12-24T02:00:00Z")));
        assert!(!dub.on_shift(utc("2026-12-25T02:00:00Z")));
    }

    #[test]
    fn apia_skipped_day_and_kathmandu_offset() {
        // Samoa skipped Friday 2011-12-30 entirely.
        let s = sched("Pacific/Apia", &[(WEEK, "09:00", "17:00")], &[]);
        let w = s.next_start_after(utc("2011-12-29T20:00:00Z")).unwrap();
        // Saturday 2011-12-31 09:00 at UTC+14.
        assert_eq!(w.start, utc("2011-12-30T19:00:00Z"));
        let k = sched("Asia/Kathmandu", &[(WEEK, "09:00", "17:00")], &[]);
        assert_eq!(k.next_start_after(utc("2026-12-01T00:00:00Z")).unwrap().start, utc("2026-12-01T03:15:00Z"));
    }

    #[test]
    fn no_shifts_never_on_and_no_next_start() {
        let s = sched("UTC", &[], &[]);
        assert!(!s.on_shift(utc("2026-12-01T00:00:00Z")));
        assert_eq!(s.next_start_after(utc("2026-12-01T00:00:00Z")), None);
    }

    #[test]
    fn bad_input_names_the_field() {
        let doc = |tz: &str, start: &str, end: &str, day: &str| ScheduleDoc {
            time_zone: tz.into(),
            shifts: vec![ShiftDoc { days: vec![day.into()], start: start.into(), end: end.into() }],
            holidays: vec![],
        };
        let field = |d: ScheduleDoc| match d.parse("") {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected invalid, got {other:?}"),
        };
        assert_eq!(field(doc("Mars/Olympus", "08:00", "17:00", "mon")), "time_zone");
        assert_eq!(field(doc("UTC", "8:00", "17:00", "mon")), "shifts[0].start");
        assert_eq!(field(doc("UTC", "08:00", "24:00", "mon")), "shifts[0].end");
        assert_eq!(field(doc("UTC", "08:00", "08:00", "mon")), "shifts[0].end");
        assert_eq!(field(doc("UTC", "08:00", "17:00", "monday")), "shifts[0].days[0]");
        assert_eq!(field(doc("UTC", "+8:00", "17:00", "mon")), "shifts[0].start");
        let mut d = doc("UTC", "08:00", "17:00", "mon");
        d.holidays.push(HolidayDoc { date: "2026-02-30".into(), name: None });
        assert_eq!(field(d), "holidays[0].date");
    }
}
