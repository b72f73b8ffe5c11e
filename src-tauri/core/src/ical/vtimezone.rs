//! The VTIMEZONE for the organizer's zone, derived from chrono-tz.
//!
//! Invariant: for every instant of the year it is generated for, a reader evaluating this
//! VTIMEZONE gets the UTC offset chrono-tz gives. Other years are not promised: the yearly rules
//! are read off one year's changes, and zones change their rules.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc, Weekday};
use chrono_tz::{OffsetComponents, Tz};

use super::{text, Ics};

/// One change of UTC offset found by scanning chrono-tz.
struct Transition {
    at: DateTime<Utc>,
    from: i32,
    to: i32,
}

/// The offset changes in the UTC calendar year `year`. chrono-tz exposes no transition list, so we
/// step an hour at a time (no zone changes twice within an hour) and bisect each change to the
/// second. A change of abbreviation alone counts too, so TZNAME is right all year.
fn transitions(tz: Tz, year: i32) -> Vec<Transition> {
    let state = |t: DateTime<Utc>| {
        let local = t.with_timezone(&tz);
        (local.offset().fix().local_minus_utc(), local.format("%Z").to_string())
    };
    let (Some(mut t), Some(end)) = (
        Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single(),
        Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).single(),
    ) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut before = state(t);
    while t < end {
        let next = t + chrono::Duration::hours(1);
        let after = state(next);
        if after != before {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > chrono::Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if state(mid) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(Transition {
                at: hi,
                from: before.0,
                to: state(hi).0,
            });
        }
        t = next;
        before = after;
    }
    found
}

/// The VTIMEZONE for `tz`, true for `year`, the year of the meeting (see [`transitions`]).
///
/// The usual shape, one change to summer time and one back, becomes STANDARD and DAYLIGHT with a
/// yearly RRULE that reproduces this year's changes, starting in 1970 so that the rule already
/// applies before this year's first change (a meeting in January needs an observance in force).
/// DAYLIGHT is the one moving to the larger offset: that is what readers expect, and it stays right
/// for Europe/Dublin, whose tz data calls winter the negative-DST period. Any other shape (no
/// changes, a zone changing its rules this year like Yukon in 2020) is written as the offset in
/// force on 1 January plus each change as a one-time observance.
pub(super) fn vtimezone(ics: &mut Ics, tz: Tz, year: i32) {
    ics.line("BEGIN:VTIMEZONE");
    ics.line(&format!("TZID:{}", tz.name()));
    let changes = transitions(tz, year);
    match changes.as_slice() {
        [a, b] if a.from == b.to && a.to == b.from => {
            let (daylight, standard) = if a.to > a.from { (a, b) } else { (b, a) };
            observance(ics, tz, "STANDARD", standard, Onset::Yearly);
            observance(ics, tz, "DAYLIGHT", daylight, Onset::Yearly);
        }
        _ => {
            let jan1 = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single().unwrap_or_default();
            let in_force = jan1.with_timezone(&tz);
            let offset = in_force.offset().fix().local_minus_utc();
            // "Zones without DST get only a STANDARD": a lone observance is never DAYLIGHT.
            let summer = !changes.is_empty() && in_force.offset().dst_offset() > chrono::Duration::zero();
            let kind = if summer { "DAYLIGHT" } else { "STANDARD" };
            let before = Transition {
                at: jan1,
                from: offset,
                to: offset,
            };
            observance(ics, tz, kind, &before, Onset::Since1970);
            for change in &changes {
                let summer = change.at.with_timezone(&tz).offset().dst_offset() > chrono::Duration::zero();
                let kind = if summer { "DAYLIGHT" } else { "STANDARD" };
                observance(ics, tz, kind, change, Onset::Once);
            }
        }
    }
    ics.line("END:VTIMEZONE");
}

/// When an observance begins, which decides its DTSTART and whether it has an RRULE.
enum Onset {
    /// Every year, by the RRULE derived from the change; DTSTART is the rule's 1970 instance.
    Yearly,
    /// Once, at the change itself.
    Once,
    /// 1970-01-01: the offset in force before the scanned year, as far back as anyone asks.
    Since1970,
}

fn observance(ics: &mut Ics, tz: Tz, kind: &str, change: &Transition, onset: Onset) {
    // DTSTART of an observance is the wall-clock time just before the change, i.e. in TZOFFSETFROM.
    let local = change.at.naive_utc() + chrono::Duration::seconds(i64::from(change.from));
    let (dtstart, rrule) = match onset {
        Onset::Yearly => {
            let (month, nth, weekday) = yearly_rule(local.date());
            let date = nth_weekday(1970, month, nth, weekday);
            let rrule = format!("RRULE:FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{}", weekday_code(weekday));
            (NaiveDateTime::new(date, local.time()), Some(rrule))
        }
        Onset::Once => (local, None),
        Onset::Since1970 => (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default().into(), None),
    };
    ics.line(&format!("BEGIN:{kind}"));
    ics.line(&format!("DTSTART:{}", dtstart.format("%Y%m%dT%H%M%S")));
    ics.line(&format!("TZOFFSETFROM:{}", utc_offset(change.from)));
    ics.line(&format!("TZOFFSETTO:{}", utc_offset(change.to)));
    ics.line(&format!(
        "TZNAME:{}",
        text(&change.at.with_timezone(&tz).format("%Z").to_string())
    ));
    if let Some(rrule) = rrule {
        ics.line(&rrule);
    }
    ics.line(&format!("END:{kind}"));
}

/// Month, week number and weekday of `date`, for BYMONTH and BYDAY. A date in the month's last
/// seven days is "-1" (last), because that is how such rules are made ("last Sunday of October"),
/// and a fixed 4 would drift to the wrong week in years where the month has five Sundays.
fn yearly_rule(date: NaiveDate) -> (u32, i32, Weekday) {
    let nth = if date.day() + 7 > days_in_month(date.year(), date.month()) {
        -1
    } else {
        (date.day() as i32 - 1) / 7 + 1
    };
    (date.month(), nth, date.weekday())
}

/// The `nth` (1-based, or -1 for last) `weekday` of a month.
fn nth_weekday(year: i32, month: u32, nth: i32, weekday: Weekday) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let to_first = (7 + weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    let first_match = first.day() + to_first;
    let day = if nth > 0 {
        first_match + 7 * (nth as u32 - 1)
    } else {
        let last = days_in_month(year, month);
        first_match + 7 * ((last - first_match) / 7)
    };
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(first)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

fn weekday_code(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// RFC 5545 UTC-OFFSET: `+HHMM`, seconds only when non-zero, and never `-0000`.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets_have_a_sign_hours_and_minutes() {
        assert_eq!(utc_offset(-5 * 3600), "-0500");
        assert_eq!(utc_offset(0), "+0000", "RFC 5545 forbids -0000");
        assert_eq!(utc_offset(5 * 3600 + 45 * 60), "+0545", "Kathmandu");
        assert_eq!(
            utc_offset(-(17 * 60 + 30)),
            "-001730",
            "seconds only when there are some (old LMT)"
        );
    }

    #[test]
    fn a_date_in_the_last_week_of_its_month_is_the_last_such_weekday() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(yearly_rule(d(2025, 3, 9)), (3, 2, Weekday::Sun), "US spring forward");
        assert_eq!(yearly_rule(d(2025, 11, 2)), (11, 1, Weekday::Sun), "US fall back");
        assert_eq!(
            yearly_rule(d(2024, 10, 27)),
            (10, -1, Weekday::Sun),
            "the 4th Sunday, but also the last"
        );
        assert_eq!(yearly_rule(d(2025, 3, 25)), (3, -1, Weekday::Tue), "25 + 7 > 31");
        assert_eq!(
            yearly_rule(d(2025, 2, 22)),
            (2, -1, Weekday::Sat),
            "February 2025 has four Saturdays"
        );
    }

    #[test]
    fn the_1970_instance_of_a_rule_is_the_right_day() {
        assert_eq!(
            nth_weekday(1970, 3, 2, Weekday::Sun),
            NaiveDate::from_ymd_opt(1970, 3, 8).unwrap()
        );
        assert_eq!(
            nth_weekday(1970, 11, 1, Weekday::Sun),
            NaiveDate::from_ymd_opt(1970, 11, 1).unwrap()
        );
        assert_eq!(
            nth_weekday(1970, 3, -1, Weekday::Sun),
            NaiveDate::from_ymd_opt(1970, 3, 29).unwrap()
        );
        assert_eq!(
            nth_weekday(1970, 10, -1, Weekday::Sun),
            NaiveDate::from_ymd_opt(1970, 10, 25).unwrap()
        );
    }
}
