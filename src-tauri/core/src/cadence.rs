//! When the customer is next owed an update.
//!
//! Invariants:
//! - Times are stored in UTC; the cadence's wall-clock times are read in its IANA time zone, so a
//!   daylight-saving change moves nothing the customer agreed to ("09:00" stays 09:00 local).
//! - A fixed time that does not exist on a spring-forward day moves one hour later; one that occurs
//!   twice on a fall-back day is the first occurrence.
//! - "Every N hours" counts real elapsed hours (UTC arithmetic); on working days only, a due time
//!   that lands on a Saturday or Sunday moves to the same local time on the Monday.
//! - The clock starts at the later of the cadence's agreement and the last update.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CadenceKind {
    EveryHours,
    FixedTimes,
}

/// The agreed rhythm of customer updates, as the user enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CadenceInput {
    pub kind: CadenceKind,
    /// For `every_hours`.
    pub every_hours: Option<u32>,
    /// For `fixed_times`: "HH:MM" in the cadence's time zone.
    pub fixed_times: Vec<String>,
    pub working_days_only: bool,
    /// IANA name, e.g. "America/Denver".
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    pub kind: CadenceKind,
    pub every_hours: u32,
    pub fixed_times: Vec<NaiveTime>,
    pub working_days_only: bool,
    pub tz: Tz,
    pub agreed_at: DateTime<Utc>,
}

impl CadenceInput {
    pub fn validate(&self, agreed_at: DateTime<Utc>) -> Result<Cadence> {
        let mut errors = Vec::new();
        let tz: Option<Tz> = self.time_zone.trim().parse().ok();
        if tz.is_none() {
            errors.push(FieldError::new(
                "timeZone",
                "Choose a time zone such as America/Denver.",
            ));
        }
        let mut times = Vec::new();
        match self.kind {
            CadenceKind::EveryHours => match self.every_hours {
                Some(h) if (1..=168).contains(&h) => {}
                _ => errors.push(FieldError::new("everyHours", "Enter a number of hours from 1 to 168.")),
            },
            CadenceKind::FixedTimes => {
                for t in self.fixed_times.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                    match NaiveTime::parse_from_str(t, "%H:%M") {
                        Ok(nt) => times.push(nt),
                        Err(_) => errors.push(FieldError::new("fixedTimes", format!("{t} is not a time like 09:00."))),
                    }
                }
                if times.is_empty() && errors.iter().all(|e| e.field != "fixedTimes") {
                    errors.push(FieldError::new(
                        "fixedTimes",
                        "Enter at least one time of day, like 09:00.",
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        times.sort();
        times.dedup();
        Ok(Cadence {
            kind: self.kind,
            every_hours: self.every_hours.unwrap_or(0),
            fixed_times: times,
            working_days_only: self.working_days_only,
            tz: tz.expect("checked above"),
            agreed_at,
        })
    }
}

fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A local wall-clock time as an instant: the first occurrence when it happens twice, one hour
/// later when it does not happen at all (spring forward).
fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

impl Cadence {
    /// When the next update is due, given the last one (if any).
    pub fn next_due(&self, last_update: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let base = last_update.map_or(self.agreed_at, |u| u.max(self.agreed_at));
        match self.kind {
            CadenceKind::EveryHours => {
                let due = base + Duration::hours(i64::from(self.every_hours));
                if !self.working_days_only {
                    return due;
                }
                let local = due.with_timezone(&self.tz);
                let mut date = local.date_naive();
                if is_working_day(date) {
                    return due;
                }
                while !is_working_day(date) {
                    date = date.succ_opt().expect("dates continue");
                }
                local_instant(self.tz, date, local.time())
            }
            CadenceKind::FixedTimes => {
                let mut date = base.with_timezone(&self.tz).date_naive();
                for _ in 0..16 {
                    if !self.working_days_only || is_working_day(date) {
                        for t in &self.fixed_times {
                            let at = local_instant(self.tz, date, *t);
                            if at > base {
                                return at;
                            }
                        }
                    }
                    date = date.succ_opt().expect("dates continue");
                }
                base + Duration::days(1) // unreachable with at least one time and at most two weekend days
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn fixed(times: &[&str], working: bool, tz: &str, agreed: &str) -> Cadence {
        CadenceInput {
            kind: CadenceKind::FixedTimes,
            every_hours: None,
            fixed_times: times.iter().map(|t| t.to_string()).collect(),
            working_days_only: working,
            time_zone: tz.into(),
        }
        .validate(utc(agreed))
        .unwrap()
    }

    fn every(hours: u32, working: bool, tz: &str, agreed: &str) -> Cadence {
        CadenceInput {
            kind: CadenceKind::EveryHours,
            every_hours: Some(hours),
            fixed_times: vec![],
            working_days_only: working,
            time_zone: tz.into(),
        }
        .validate(utc(agreed))
        .unwrap()
    }

    #[test]
    fn fixed_times_are_local_to_the_cadences_time_zone() {
        // 09:00 and 15:00 in Denver (UTC-7 in November).
        let c = fixed(&["15:00", "09:00"], true, "America/Denver", "2026-11-24T14:00:00Z"); // Tue 07:00 Denver
        assert_eq!(c.next_due(None), utc("2026-11-24T16:00:00Z"), "09:00 Denver");
        assert_eq!(
            c.next_due(Some(utc("2026-11-24T16:30:00Z"))),
            utc("2026-11-24T22:00:00Z"),
            "15:00 Denver"
        );
        let ny = fixed(&["09:00"], true, "America/New_York", "2026-11-24T12:00:00Z");
        assert_eq!(
            ny.next_due(None),
            utc("2026-11-24T14:00:00Z"),
            "09:00 New York is another instant"
        );
    }

    #[test]
    fn on_working_days_only_friday_afternoon_is_followed_by_monday_morning() {
        let c = fixed(&["09:00", "15:00"], true, "America/Denver", "2026-11-20T12:00:00Z");
        let after_friday = utc("2026-11-27T22:30:00Z"); // Fri 15:30 Denver
        assert_eq!(c.next_due(Some(after_friday)), utc("2026-11-30T16:00:00Z"), "Mon 09:00");
        let every_day = fixed(&["09:00", "15:00"], false, "America/Denver", "2026-11-20T12:00:00Z");
        assert_eq!(
            every_day.next_due(Some(after_friday)),
            utc("2026-11-28T16:00:00Z"),
            "Sat 09:00"
        );
    }

    #[test]
    fn every_n_hours_counts_elapsed_time_and_skips_the_weekend_when_asked() {
        let c = every(4, false, "America/Denver", "2026-11-24T14:00:00Z");
        assert_eq!(
            c.next_due(Some(utc("2026-11-24T15:10:00Z"))),
            utc("2026-11-24T19:10:00Z")
        );
        let working = every(4, true, "America/Denver", "2026-11-20T12:00:00Z");
        // Fri 22:00 Denver + 4 h = Sat 02:00 Denver -> Mon 02:00 Denver.
        assert_eq!(
            working.next_due(Some(utc("2026-11-28T05:00:00Z"))),
            utc("2026-11-30T09:00:00Z")
        );
    }

    #[test]
    fn a_fixed_time_keeps_its_local_hour_across_the_spring_daylight_saving_change() {
        // US DST starts Sun 2026-03-08 at 02:00. 09:00 Denver is 16:00Z before, 15:00Z after.
        let c = fixed(&["09:00"], false, "America/Denver", "2026-03-01T00:00:00Z");
        assert_eq!(
            c.next_due(Some(utc("2026-03-07T17:00:00Z"))),
            utc("2026-03-08T15:00:00Z")
        );
        // 02:30 does not exist that day: it moves an hour later, to 03:30 MDT.
        let gap = fixed(&["02:30"], false, "America/Denver", "2026-03-01T00:00:00Z");
        assert_eq!(
            gap.next_due(Some(utc("2026-03-07T12:00:00Z"))),
            utc("2026-03-08T09:30:00Z")
        );
    }

    #[test]
    fn a_repeated_hour_in_the_autumn_change_takes_its_first_occurrence() {
        // US DST ends Sun 2026-11-01 at 02:00 MDT -> 01:00 MST; 01:30 happens twice.
        let c = fixed(&["01:30"], false, "America/Denver", "2026-10-25T00:00:00Z");
        assert_eq!(
            c.next_due(Some(utc("2026-10-31T12:00:00Z"))),
            utc("2026-11-01T07:30:00Z"),
            "01:30 MDT"
        );
        // Every 24 hours across the change is 24 real hours: 12:00 MDT becomes 11:00 MST.
        let e = every(24, false, "America/Denver", "2026-10-25T00:00:00Z");
        assert_eq!(
            e.next_due(Some(utc("2026-10-31T18:00:00Z"))),
            utc("2026-11-01T18:00:00Z")
        );
    }

    #[test]
    fn the_clock_starts_at_the_agreement_when_there_is_no_update_yet() {
        let c = every(2, false, "UTC", "2026-11-24T10:00:00Z");
        assert_eq!(c.next_due(None), utc("2026-11-24T12:00:00Z"));
        assert_eq!(
            c.next_due(Some(utc("2026-11-23T10:00:00Z"))),
            utc("2026-11-24T12:00:00Z"),
            "an older update does not move it back"
        );
    }

    #[test]
    fn bad_cadences_are_refused_field_by_field() {
        let bad = CadenceInput {
            kind: CadenceKind::FixedTimes,
            every_hours: None,
            fixed_times: vec!["9am".into()],
            working_days_only: true,
            time_zone: "Mars/Olympus".into(),
        };
        let fields: Vec<String> = bad
            .validate(Utc::now())
            .unwrap_err()
            .payload()
            .fields
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["timeZone", "fixedTimes"]);
        let zero = CadenceInput {
            kind: CadenceKind::EveryHours,
            every_hours: Some(0),
            fixed_times: vec![],
            working_days_only: false,
            time_zone: "UTC".into(),
        };
        assert_eq!(
            zero.validate(Utc::now()).unwrap_err().payload().field.as_deref(),
            Some("everyHours")
        );
    }
}
