//! Holidays from an iCalendar (RFC 5545) file: each VEVENT's start date (and the days up to its
//! end for all-day events that last longer), repeated by a yearly RRULE, within a horizon of
//! years. Pure. What it cannot read is an error naming the file's line, so an admin can fix the
//! export instead of guessing; what holidays do not need (times, alarms, time-zone blocks) is
//! skipped.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

/// Why a file was refused: its line (1-based) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsError {
    pub line: usize,
    pub detail: String,
}

/// Most days one all-day event may cover (a closure of a few weeks, not a whole season).
const MAX_EVENT_DAYS: i64 = 31;

/// One logical line (folded lines joined) and the line it started on.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), out.last_mut()) {
            (Some(rest), Some((_, prev))) => prev.push_str(rest),
            _ if raw.is_empty() => {}
            _ => out.push((i + 1, raw.to_string())),
        }
    }
    out
}

fn bad(line: usize, detail: impl Into<String>) -> IcsError {
    IcsError { line, detail: detail.into() }
}

/// `20261225`, or the date of `20261225T090000[Z]`.
fn date(line: usize, value: &str) -> Result<NaiveDate, IcsError> {
    let d = value.get(..8).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
    let rest = value.get(8..).unwrap_or("");
    let time_ok = rest.is_empty()
        || (rest.len() >= 7
            && rest.as_bytes()[0] == b'T'
            && rest[1..7].bytes().all(|b| b.is_ascii_digit())
            && (rest.len() == 7 || &rest[7..] == "Z"));
    d.filter(|_| time_ok)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
        .ok_or_else(|| bad(line, format!("{value:?} is not a date (YYYYMMDD)")))
}

/// SUMMARY text with its escapes undone, on one line.
fn text(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(if c.is_control() { ' ' } else { c });
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Default)]
struct Event {
    begin: usize,
    start: Option<NaiveDate>,
    /// Exclusive, as DTEND of an all-day event is.
    end: Option<(usize, NaiveDate)>,
    summary: Option<String>,
    /// COUNT and UNTIL of a yearly rule, with its interval.
    yearly: Option<(u32, Option<u32>, Option<NaiveDate>)>,
}

/// A yearly RRULE's interval, count and end; anything but a plain yearly rule is refused.
fn rrule(line: usize, value: &str) -> Result<(u32, Option<u32>, Option<NaiveDate>), IcsError> {
    let (mut freq, mut interval, mut count, mut until) = (None, 1, None, None);
    for part in value.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| bad(line, format!("{part:?} is not NAME=VALUE")))?;
        let number = || v.parse::<u32>().ok().filter(|n| (1..=1000).contains(n));
        match k.to_ascii_uppercase().as_str() {
            "FREQ" => freq = Some(v.to_ascii_uppercase()),
            "INTERVAL" => interval = number().ok_or_else(|| bad(line, format!("INTERVAL={v} is not 1-1000")))?,
            "COUNT" => count = Some(number().ok_or_else(|| bad(line, format!("COUNT={v} is not 1-1000")))?),
            "UNTIL" => until = Some(date(line, v)?),
            // Restating the start's own month and day changes nothing.
            "BYMONTH" | "BYMONTHDAY" | "WKST" => {}
            other => return Err(bad(line, format!("RRULE part {other} is not supported (only yearly dates)"))),
        }
    }
    match freq.as_deref() {
        Some("YEARLY") => Ok((interval, count, until)),
        Some(f) => Err(bad(line, format!("FREQ={f} is not supported (only FREQ=YEARLY)"))),
        None => Err(bad(line, "an RRULE needs FREQ=YEARLY")),
    }
}

/// The holidays of `text` from `from` to `to` (inclusive), by date, each with its name.
pub fn holidays(text_in: &str, from: NaiveDate, to: NaiveDate) -> Result<BTreeMap<NaiveDate, String>, IcsError> {
    let lines = unfold(text_in);
    let Some((first, head)) = lines.first() else { return Err(bad(1, "the file is empty")) };
    if !head.eq_ignore_ascii_case("BEGIN:VCALENDAR") {
        return Err(bad(*first, "an iCalendar file starts with BEGIN:VCALENDAR"));
    }
    let mut out = BTreeMap::new();
    let mut depth: Vec<String> = Vec::new();
    let mut event: Option<Event> = None;
    let mut ended = false;
    for (n, l) in &lines {
        let n = *n;
        if ended {
            return Err(bad(n, "nothing may follow END:VCALENDAR"));
        }
        let (name_params, value) = l.split_once(':').ok_or_else(|| bad(n, "a content line is NAME:VALUE"))?;
        let name = name_params.split(';').next().unwrap_or("").to_ascii_uppercase();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad(n, format!("{name_params:?} is not a property name")));
        }
        match name.as_str() {
            "BEGIN" => {
                let what = value.to_ascii_uppercase();
                if what == "VEVENT" && depth.last().map(String::as_str) == Some("VCALENDAR") {
                    event = Some(Event { begin: n, ..Event::default() });
                }
                if depth.len() >= 8 {
                    return Err(bad(n, "components nest too deep"));
                }
                depth.push(what);
            }
            "END" => {
                let what = value.to_ascii_uppercase();
                if depth.pop().as_deref() != Some(what.as_str()) {
                    return Err(bad(n, format!("END:{value} closes nothing open")));
                }
                if what == "VEVENT" && depth.last().map(String::as_str) == Some("VCALENDAR") {
                    if let Some(e) = event.take() {
                        expand(e, from, to, &mut out)?;
                    }
                }
                ended = depth.is_empty();
            }
            _ if depth.len() == 2 && depth[1] == "VEVENT" => {
                let Some(e) = event.as_mut() else { continue };
                match name.as_str() {
                    "DTSTART" => e.start = Some(date(n, value)?),
                    "DTEND" => e.end = Some((n, date(n, value)?)),
                    "SUMMARY" => e.summary = Some(text(value)),
                    "RRULE" => e.yearly = Some(rrule(n, value)?),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if !ended {
        let last = lines.last().map_or(1, |(n, _)| *n);
        return Err(bad(last, "the file ends before END:VCALENDAR"));
    }
    Ok(out)
}

fn expand(e: Event, from: NaiveDate, to: NaiveDate, out: &mut BTreeMap<NaiveDate, String>) -> Result<(), IcsError> {
    let start = e.start.ok_or_else(|| bad(e.begin, "this VEVENT has no DTSTART"))?;
    let days = match e.end {
        None => 1,
        Some((line, end)) => {
            let d = (end - start).num_days();
            if !(0..=MAX_EVENT_DAYS).contains(&d) {
                return Err(bad(line, format!("DTEND is not within {MAX_EVENT_DAYS} days after DTSTART")));
            }
            d.max(1)
        }
    };
    let name: String = e.summary.filter(|s| !s.is_empty()).unwrap_or_default().chars().take(120).collect();
    let (interval, count, until) = e.yearly.unwrap_or((1, Some(1), None));
    let mut k = 0u32;
    while count.is_none_or(|c| k < c) {
        let year = start.year() + (k * interval) as i32;
        k += 1;
        if year > to.year() || until.is_some_and(|u| year > u.year()) {
            break;
        }
        // A 29 February start has no occurrence in common years (RFC 5545 skips invalid dates).
        let Some(first) = NaiveDate::from_ymd_opt(year, start.month(), start.day()) else { continue };
        if until.is_some_and(|u| first > u) {
            break;
        }
        for d in 0..days {
            let day = first + Duration::days(d);
            if day >= from && day <= to {
                out.entry(day).or_insert_with(|| name.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn read(body: &str) -> Result<BTreeMap<NaiveDate, String>, IcsError> {
        holidays(body, d("2026-01-01"), d("2028-12-31"))
    }

    #[test]
    fn yearly_rules_multi_day_events_and_folded_summaries() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20241225\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Christ\r\n mas Day\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270405\r\nDTEND;VALUE=DATE:20270407\r\nSUMMARY:Easter\\, Monday\r\nBEGIN:VALARM\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART:20240229T000000Z\r\nRRULE:FREQ=YEARLY;COUNT=8\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let h = read(ics).unwrap();
        let dates: Vec<String> = h.keys().map(|k| k.to_string()).collect();
        assert_eq!(
            dates,
            ["2026-12-25", "2027-04-05", "2027-04-06", "2027-12-25", "2028-02-29", "2028-12-25"],
            "before the horizon and 29 February of common years are skipped"
        );
        assert_eq!(h[&d("2026-12-25")], "Christmas Day");
        assert_eq!(h[&d("2027-04-06")], "Easter, Monday");
        let once = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260501\nRRULE:FREQ=YEARLY;UNTIL=20270101\nEND:VEVENT\nEND:VCALENDAR";
        assert_eq!(read(once).unwrap().len(), 1, "UNTIL ends the series");
    }

    #[test]
    fn malformed_files_name_the_line() {
        let line = |body: &str| read(body).unwrap_err().line;
        assert_eq!(line(""), 1);
        assert_eq!(line("hello"), 1);
        assert_eq!(line("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026-12-25\nEND:VEVENT\nEND:VCALENDAR"), 3);
        assert_eq!(line("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR"), 2);
        assert_eq!(
            line("BEGIN:VCALENDAR\n\nBEGIN:VEVENT\nDTSTART:20261225\nRRULE:FREQ=WEEKLY\nEND:VEVENT\nEND:VCALENDAR"),
            5
        );
        assert_eq!(
            line("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225\nno colon here\nEND:VEVENT\nEND:VCALENDAR"),
            4
        );
        assert_eq!(line("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225\nEND:VCALENDAR"), 4);
        assert_eq!(line("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225\nEND:VEVENT"), 4);
        assert_eq!(
            line("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225\nDTEND:20270225\nEND:VEVENT\nEND:VCALENDAR"),
            4
        );
    }
}
