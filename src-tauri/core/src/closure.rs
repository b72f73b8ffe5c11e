//! The end of the process: the warranty (and its dates), recurrences, the verification of
//! continued satisfaction, the post-escalation review meeting, and closure.
//!
//! Invariants:
//! - A warranty ends at the same local wall-clock time `period_days` calendar days after it
//!   started, in the office's time zone; across a daylight-saving change that is 23 or 25 real
//!   hours on that day, never a shifted end time (see [`warranty_end`]).
//! - A case has at most one running warranty (outcome not set); a recurrence ends it as
//!   "recurred", the move to Verification ends it as "completed".
//! - Inputs are validated here; the store trusts them.

use chrono::{DateTime, Days, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};
use crate::limits::{check_text, LINE_CHARS, NAME_CHARS, NOTE_CHARS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmedHow {
    Email,
    Phone,
    Meeting,
}

impl ConfirmedHow {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmedHow::Email => "email",
            ConfirmedHow::Phone => "phone",
            ConfirmedHow::Meeting => "meeting",
        }
    }
    pub fn parse(s: &str) -> Option<ConfirmedHow> {
        [ConfirmedHow::Email, ConfirmedHow::Phone, ConfirmedHow::Meeting]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProcessSettings {
    pub warranty_days: u32,
    /// IANA name, e.g. America/Denver.
    pub time_zone: String,
}

impl ProcessSettings {
    pub fn validate(&self) -> Result<(ProcessSettings, Tz)> {
        let mut errors = Vec::new();
        if !(1..=365).contains(&self.warranty_days) {
            errors.push(FieldError::new("warrantyDays", "Enter a warranty of 1 to 365 days."));
        }
        let tz = self.time_zone.trim().parse::<Tz>();
        if tz.is_err() {
            errors.push(FieldError::new(
                "timeZone",
                format!(
                    "{:?} is not a time zone name such as America/Denver.",
                    self.time_zone.trim()
                ),
            ));
        }
        match (errors.is_empty(), tz) {
            (true, Ok(tz)) => Ok((
                ProcessSettings {
                    warranty_days: self.warranty_days,
                    time_zone: self.time_zone.trim().into(),
                },
                tz,
            )),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

/// The end of a warranty: the same local time `days` calendar days later in `tz`.
pub fn warranty_end(start: DateTime<Utc>, days: u32, tz: Tz) -> DateTime<Utc> {
    let local = start.with_timezone(&tz).naive_local();
    let end_local = local.checked_add_days(Days::new(u64::from(days))).unwrap_or(local);
    match tz.from_local_datetime(&end_local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        // The first of the two readings of an hour that happens twice.
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        // An hour skipped by the spring change: the same real duration past the last valid time.
        LocalResult::None => tz
            .from_local_datetime(&(end_local + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(start + chrono::Duration::days(i64::from(days))),
    }
}

/// The local calendar date a time falls on, in `tz` (for "ends this week").
pub fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Whether `end` falls within the 7 days starting today (local).
/// The week [`ends_within_week`] means, as UTC times: from the local midnight that starts today
/// to the one that starts the seventh day after it (the store reads the warranties between).
pub fn week_bounds(now: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |day: NaiveDate| {
        let local = day.and_hms_opt(0, 0, 0).expect("midnight is a time");
        // Where a DST change skips midnight, the day starts an hour later.
        [local, local + chrono::Duration::hours(1)]
            .iter()
            .find_map(|t| tz.from_local_datetime(t).earliest())
            .map_or(now, |t| t.with_timezone(&Utc))
    };
    let today = local_date(now, tz);
    (midnight(today), midnight(today + Days::new(7)))
}

pub fn ends_within_week(end: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> bool {
    let (today, day) = (local_date(now, tz), local_date(end, tz));
    day >= today && day < today + Days::new(7)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WarrantyInput {
    pub resolution_summary: String,
    /// The customer contact who confirmed satisfaction.
    pub confirmed_by: String,
    pub confirmed_at: DateTime<Utc>,
    pub confirmed_how: ConfirmedHow,
    /// Agreed period; the settings' default when not given.
    pub period_days: Option<u32>,
}

impl WarrantyInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<WarrantyInput> {
        let mut errors = Vec::new();
        if self.resolution_summary.trim().is_empty() {
            errors.push(FieldError::new("resolutionSummary", "Summarize the resolution."));
        }
        check_text(
            &mut errors,
            "resolutionSummary",
            "resolution summary",
            self.resolution_summary.trim(),
            NOTE_CHARS,
        );
        check_text(
            &mut errors,
            "confirmedBy",
            "name of who confirmed",
            self.confirmed_by.trim(),
            NAME_CHARS,
        );
        if self.confirmed_by.trim().is_empty() {
            errors.push(FieldError::new(
                "confirmedBy",
                "Name the customer contact who confirmed satisfaction.",
            ));
        }
        crate::limits::check_time(&mut errors, "confirmedAt", "confirmation time", self.confirmed_at);
        if self.confirmed_at > now + chrono::Duration::minutes(5) {
            errors.push(FieldError::new(
                "confirmedAt",
                "The confirmation cannot be in the future.",
            ));
        }
        if self.period_days.is_some_and(|d| !(1..=365).contains(&d)) {
            errors.push(FieldError::new("periodDays", "Enter a warranty of 1 to 365 days."));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(WarrantyInput {
            resolution_summary: self.resolution_summary.trim().into(),
            confirmed_by: self.confirmed_by.trim().into(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Warranty {
    pub number: i64,
    pub resolution_summary: String,
    pub confirmed_by: String,
    pub confirmed_at: DateTime<Utc>,
    pub confirmed_how: ConfirmedHow,
    pub period_days: i64,
    /// The customer account representative who warranties the solution.
    pub warranted_by: String,
    pub started_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// "completed" or "recurred" once ended.
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceInput {
    pub observed_at: DateTime<Utc>,
    pub description: String,
}

impl RecurrenceInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<RecurrenceInput> {
        let mut errors = Vec::new();
        if self.description.trim().is_empty() {
            errors.push(FieldError::new("description", "Describe what was seen."));
        }
        check_text(
            &mut errors,
            "description",
            "description",
            self.description.trim(),
            NOTE_CHARS,
        );
        crate::limits::check_time(&mut errors, "observedAt", "time it was seen", self.observed_at);
        if self.observed_at > now + chrono::Duration::minutes(5) {
            errors.push(FieldError::new("observedAt", "The recurrence cannot be in the future."));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(RecurrenceInput {
            description: self.description.trim().into(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Recurrence {
    pub observed_at: DateTime<Utc>,
    pub description: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VerificationInput {
    pub contact: String,
    pub verified_at: DateTime<Utc>,
    pub satisfied: bool,
    pub notes: String,
}

impl VerificationInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<VerificationInput> {
        let mut errors = Vec::new();
        if self.contact.trim().is_empty() {
            errors.push(FieldError::new(
                "contact",
                "Name the customer contact you verified with.",
            ));
        }
        crate::limits::check_time(&mut errors, "verifiedAt", "verification time", self.verified_at);
        if self.verified_at > now + chrono::Duration::minutes(5) {
            errors.push(FieldError::new(
                "verifiedAt",
                "The verification cannot be in the future.",
            ));
        }
        check_text(&mut errors, "contact", "contact", self.contact.trim(), NAME_CHARS);
        check_text(&mut errors, "notes", "notes", self.notes.trim(), NOTE_CHARS);
        if !self.satisfied && self.notes.trim().is_empty() {
            errors.push(FieldError::new(
                "notes",
                "Say why the customer is not satisfied: it is the reason the case goes back to Resolving.",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(VerificationInput {
            contact: self.contact.trim().into(),
            notes: self.notes.trim().into(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub contact: String,
    pub verified_at: DateTime<Utc>,
    pub satisfied: bool,
    pub notes: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewMeetingInput {
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: u32,
    /// A room or a link.
    pub location: String,
    pub attendees: Vec<Attendee>,
    pub agenda: String,
}

impl ReviewMeetingInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ReviewMeetingInput> {
        let mut errors = Vec::new();
        crate::limits::check_time(&mut errors, "startsAt", "meeting time", self.starts_at);
        if self.starts_at < now {
            errors.push(FieldError::new("startsAt", "Choose a time in the future."));
        }
        if !(15..=480).contains(&self.duration_minutes) {
            errors.push(FieldError::new(
                "durationMinutes",
                "Choose a duration of 15 minutes to 8 hours.",
            ));
        }
        if self.location.trim().is_empty() {
            errors.push(FieldError::new("location", "Enter the place or the meeting link."));
        }
        check_text(&mut errors, "location", "location", self.location.trim(), LINE_CHARS);
        check_text(&mut errors, "agenda", "agenda", self.agenda.trim(), NOTE_CHARS);
        if self.attendees.is_empty() {
            errors.push(FieldError::new("attendees", "Invite at least one attendee."));
        }
        for a in &self.attendees {
            if let Some(m) = crate::limits::text_problem("attendee's name", a.name.trim(), NAME_CHARS) {
                errors.push(FieldError::new("attendees", m));
            }
            if let Some(p) = crate::identity::email_problem(&a.email) {
                errors.push(FieldError::new(
                    "attendees",
                    format!("{}: {}", a.email, p.replace("your email", "an email")),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(ReviewMeetingInput {
            location: self.location.trim().into(),
            agenda: self.agenda.trim().into(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewMeeting {
    pub id: i64,
    pub uid: String,
    pub sequence: i64,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
    pub location: String,
    pub attendees: Vec<Attendee>,
    pub agenda: String,
    /// scheduled, cancelled or held.
    pub status: String,
    pub outcome: Option<String>,
    pub findings: Option<String>,
    pub actions: Option<String>,
    pub problem_ticket: Option<String>,
    pub handed_at: Option<DateTime<Utc>>,
    /// When the meeting took place (as recorded with its outcome).
    pub held_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReviewOutcomeInput {
    pub outcome: String,
    pub findings: String,
    pub actions: String,
    /// Needed only when the case has no problem case yet: one is created with this number.
    pub new_problem_ticket: Option<String>,
    /// When the meeting was actually held; `None`: at its scheduled time, which must have come.
    #[serde(default)]
    pub held_at: Option<DateTime<Utc>>,
}

impl ReviewOutcomeInput {
    /// `scheduled` is the meeting's start, `now` the time of recording: an outcome is recorded for
    /// a meeting that took place, so "held at" is never a time that has not come yet.
    pub fn validate(
        &self,
        has_problem: bool,
        scheduled: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ReviewOutcomeInput> {
        let mut errors = Vec::new();
        if let Some(t) = self.held_at {
            crate::limits::check_time(&mut errors, "heldAt", "time the meeting was held", t);
        }
        match self.held_at {
            Some(t) if t > now => errors.push(FieldError::new(
                "heldAt",
                "The meeting cannot have been held in the future: enter when it took place.",
            )),
            None if scheduled > now => errors.push(FieldError::new(
                "heldAt",
                "The meeting is scheduled for later: record its outcome after it, or enter when it was actually held.",
            )),
            _ => {}
        }
        if self.outcome.trim().is_empty() {
            errors.push(FieldError::new("outcome", "Record what the review concluded."));
        }
        check_text(&mut errors, "outcome", "outcome", self.outcome.trim(), NOTE_CHARS);
        check_text(&mut errors, "findings", "findings", self.findings.trim(), NOTE_CHARS);
        check_text(&mut errors, "actions", "actions", self.actions.trim(), NOTE_CHARS);
        if self.findings.trim().is_empty() {
            errors.push(FieldError::new(
                "findings",
                "Record the findings for problem management.",
            ));
        }
        if self.actions.trim().is_empty() {
            errors.push(FieldError::new("actions", "Record the actions for problem management."));
        }
        if !has_problem && self.new_problem_ticket.as_deref().is_none_or(|t| t.trim().is_empty()) {
            errors.push(FieldError::new(
                "newProblemTicket",
                "The case has no problem case: enter the problem number to create one.",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(ReviewOutcomeInput {
            outcome: self.outcome.trim().into(),
            findings: self.findings.trim().into(),
            actions: self.actions.trim().into(),
            new_problem_ticket: self.new_problem_ticket.as_ref().map(|t| t.trim().to_uppercase()),
            held_at: Some(self.held_at.unwrap_or(scheduled)),
        })
    }
}

/// A team member on standby during the warranty, and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StandbyMember {
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
}

/// Everything the case page shows about the end of the process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Closure {
    /// Newest first.
    pub warranties: Vec<Warranty>,
    pub recurrences: Vec<Recurrence>,
    pub verifications: Vec<Verification>,
    /// The latest meeting (scheduled, held or cancelled).
    pub meeting: Option<ReviewMeeting>,
    pub standby: Vec<StandbyMember>,
    pub closing_summary: Option<String>,
    /// Elevated cases close without warranty, review or AAR.
    pub short_path: bool,
    pub default_warranty_days: u32,
    pub time_zone: String,
    /// The AAR's open corrective actions, as an agenda to start from.
    pub suggested_agenda: String,
    /// Who to invite by default: the team and the management contacts.
    pub suggested_attendees: Vec<Attendee>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    const DENVER: Tz = chrono_tz::America::Denver;

    #[test]
    fn a_warranty_across_a_month_end_ends_on_the_right_calendar_day() {
        // 15:00 local (MST, UTC-7) on 20 Jan + 30 days = 15:00 local on 19 Feb.
        assert_eq!(
            warranty_end(utc("2026-01-20T22:00:00Z"), 30, DENVER),
            utc("2026-02-19T22:00:00Z")
        );
        // 31 Jan + 1 month of days lands in March in a non-leap year.
        assert_eq!(
            warranty_end(utc("2026-01-31T17:00:00Z"), 30, DENVER),
            utc("2026-03-02T17:00:00Z")
        );
        // Leap year: 2028-02-28 + 1 day is 29 Feb.
        assert_eq!(
            warranty_end(utc("2028-02-28T17:00:00Z"), 1, DENVER),
            utc("2028-02-29T17:00:00Z")
        );
    }

    #[test]
    fn a_warranty_across_daylight_saving_keeps_the_local_end_time() {
        // Starts 10:00 MST (UTC-7) on 1 Mar 2026; DST begins 8 Mar; ends 10:00 MDT (UTC-6) on 31 Mar.
        assert_eq!(
            warranty_end(utc("2026-03-01T17:00:00Z"), 30, DENVER),
            utc("2026-03-31T16:00:00Z")
        );
        // Starts 10:00 MDT on 20 Oct; DST ends 1 Nov; ends 10:00 MST on 19 Nov.
        assert_eq!(
            warranty_end(utc("2026-10-20T16:00:00Z"), 30, DENVER),
            utc("2026-11-19T17:00:00Z")
        );
    }

    #[test]
    fn an_end_time_inside_a_skipped_or_doubled_hour_is_still_a_real_time() {
        // 02:30 local does not exist on 8 Mar 2026 in Denver: the end moves past the gap.
        let end = warranty_end(utc("2026-03-07T09:30:00Z"), 1, DENVER);
        assert_eq!(end.with_timezone(&DENVER).format("%H:%M").to_string(), "03:30");
        // 01:30 happens twice on 1 Nov 2026: the first (still MDT) is taken.
        let end = warranty_end(utc("2026-10-31T07:30:00Z"), 1, DENVER);
        assert_eq!(end, utc("2026-11-01T07:30:00Z"));
    }

    #[test]
    fn ending_this_week_counts_local_days_including_today_and_the_last_day() {
        let now = utc("2026-11-27T18:00:00Z"); // Friday 11:00 in Denver
        assert!(
            ends_within_week(utc("2026-11-28T06:30:00Z"), now, DENVER),
            "tomorrow (local) 23:30 Friday"
        );
        assert!(
            ends_within_week(utc("2026-12-04T06:59:00Z"), now, DENVER),
            "Thursday 23:59 local, day 7"
        );
        assert!(
            !ends_within_week(utc("2026-12-04T07:00:00Z"), now, DENVER),
            "Friday next week, day 8"
        );
        assert!(!ends_within_week(utc("2026-11-26T18:00:00Z"), now, DENVER), "yesterday");
    }

    #[test]
    fn the_week_the_store_reads_is_the_week_ends_within_week_means() {
        let now = utc("2026-11-27T18:00:00Z"); // Friday 11:00 in Denver (MST, UTC-7)
        assert_eq!(
            week_bounds(now, DENVER),
            (utc("2026-11-27T07:00:00Z"), utc("2026-12-04T07:00:00Z")),
            "from today's local midnight to the one that starts day 8"
        );
        let (from, until) = week_bounds(now, DENVER);
        assert!(ends_within_week(from, now, DENVER) && !ends_within_week(until, now, DENVER));
        assert!(ends_within_week(until - chrono::Duration::milliseconds(1), now, DENVER));
    }

    #[test]
    fn a_recurrence_on_the_last_day_of_the_warranty_is_accepted() {
        let end = warranty_end(utc("2026-11-01T17:00:00Z"), 26, DENVER);
        let input = RecurrenceInput {
            observed_at: end - chrono::Duration::minutes(1),
            description: "Portal down again".into(),
        };
        assert!(input.validate(end).is_ok());
    }

    #[test]
    fn a_not_satisfied_verification_needs_the_reason() {
        let v = VerificationInput {
            contact: "Linda Morales".into(),
            verified_at: utc("2026-11-27T17:00:00Z"),
            satisfied: false,
            notes: " ".into(),
        };
        let err = v.validate(utc("2026-11-27T18:00:00Z")).unwrap_err();
        assert_eq!(err.payload().fields[0].field, "notes");
    }

    #[test]
    fn bad_settings_are_refused_beside_their_fields() {
        let err = ProcessSettings {
            warranty_days: 0,
            time_zone: "Mars/Olympus".into(),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<String> = err.payload().fields.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["warrantyDays", "timeZone"]);
    }
}
