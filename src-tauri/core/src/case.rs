//! The escalation case: its fields, its level, its priority, and intake validation.
//!
//! Invariants:
//! - Priority is never entered: it is derived from impact and urgency by [`Priority::from_matrix`].
//! - [`CaseFields::validate`] is the authority for what a case may hold; the UI repeats the same
//!   rules only to answer sooner.
//! - Text is stored trimmed; ticket numbers are stored in upper case.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};
use crate::stage::Stage;

macro_rules! stored_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Incident,
    ServiceRequest,
}
stored_enum!(CaseKind { Incident => "incident", ServiceRequest => "service_request" });

/// Escalated: everyone on the team stops other work. Elevated: important, but nobody stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Escalated,
    Elevated,
}
stored_enum!(Level { Escalated => "escalated", Elevated => "elevated" });

/// Used for both impact and urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    High,
    Medium,
    Low,
}
stored_enum!(Rating { High => "high", Medium => "medium", Low => "low" });

impl Rating {
    fn weight(self) -> u8 {
        match self {
            Rating::High => 1,
            Rating::Medium => 2,
            Rating::Low => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}
stored_enum!(Priority { P1 => "P1", P2 => "P2", P3 => "P3", P4 => "P4" });

impl Priority {
    /// The ITIL impact x urgency matrix, folded to four levels:
    ///
    /// | impact \ urgency | high | medium | low |
    /// |---|---|---|---|
    /// | high   | P1 | P2 | P3 |
    /// | medium | P2 | P3 | P4 |
    /// | low    | P3 | P4 | P4 |
    pub fn from_matrix(impact: Rating, urgency: Rating) -> Priority {
        match impact.weight() + urgency.weight() {
            2 => Priority::P1,
            3 => Priority::P2,
            4 => Priority::P3,
            _ => Priority::P4,
        }
    }
}

/// The fields of a case that intake sets and the case page edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseFields {
    pub kind: CaseKind,
    /// The case's number in the agency's ITSM system, e.g. INC0012345.
    pub ticket: String,
    pub title: String,
    pub description: String,
    /// The customer agency's name, as the directory spells it.
    pub agency: String,
    pub affected_service: String,
    /// The agency's directory entry. Read: always set. Written: `None` means "the entry named
    /// `agency`, added to the directory if it has none" (intake's way to add a missing agency);
    /// an id wins over the name, so an edit made while the agency was renamed keeps the agency.
    #[serde(default)]
    pub agency_id: Option<i64>,
    /// The affected service's directory entry, as `agency_id`.
    #[serde(default)]
    pub service_id: Option<i64>,
    pub impact: Rating,
    pub urgency: Rating,
    pub reported_by: String,
    pub escalation_manager: String,
}

// The numbers live in `limits`, named once; these names stay for the case's own rules.
pub const TICKET_MAX: usize = crate::limits::TICKET_CHARS;
pub const TITLE_MAX: usize = crate::limits::TITLE_CHARS;
pub const DESCRIPTION_MAX: usize = crate::limits::DESCRIPTION_CHARS;
pub const NAME_MAX: usize = crate::limits::NAME_CHARS;
pub const REASON_MAX: usize = crate::limits::REASON_CHARS;

fn required(errors: &mut Vec<FieldError>, field: &str, value: &str, what: &str, max: usize) {
    let len = value.trim().chars().count();
    if len == 0 {
        errors.push(FieldError::new(field, format!("Enter the {what}.")));
    } else {
        crate::limits::check_text(errors, field, what, value.trim(), max);
    }
}

/// A ticket number: letters, digits and dashes, with at least one digit (INC0012345, RITM0004711, SR-2031).
pub fn ticket_problem(ticket: &str) -> Option<String> {
    let t = ticket.trim();
    if t.is_empty() {
        return Some("Enter the ITSM ticket number.".into());
    }
    if t.chars().count() > TICKET_MAX {
        return Some(format!("A ticket number has at most {TICKET_MAX} characters."));
    }
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("Use only letters, digits and dashes, as in INC0012345.".into());
    }
    if !t.chars().any(|c| c.is_ascii_digit()) {
        return Some("A ticket number contains digits, as in INC0012345.".into());
    }
    None
}

pub fn normalize_ticket(ticket: &str) -> String {
    ticket.trim().to_ascii_uppercase()
}

/// A reason for a level change or a stage action: required, bounded.
pub fn validate_reason(field: &str, reason: &str, what: &str) -> Result<String> {
    let mut errors = Vec::new();
    required(&mut errors, field, reason, what, REASON_MAX);
    if errors.is_empty() {
        Ok(reason.trim().to_owned())
    } else {
        Err(Error::Invalid(errors))
    }
}

impl CaseFields {
    /// Every field error at once, so the form can show them all beside their fields.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(problem) = ticket_problem(&self.ticket) {
            errors.push(FieldError::new("ticket", problem));
        }
        required(&mut errors, "title", &self.title, "title", TITLE_MAX);
        crate::limits::check_text(
            &mut errors,
            "description",
            "description",
            &self.description,
            DESCRIPTION_MAX,
        );
        required(&mut errors, "agency", &self.agency, "customer agency", NAME_MAX);
        required(
            &mut errors,
            "affectedService",
            &self.affected_service,
            "affected service",
            NAME_MAX,
        );
        required(
            &mut errors,
            "reportedBy",
            &self.reported_by,
            "name of who reported it",
            NAME_MAX,
        );
        required(
            &mut errors,
            "escalationManager",
            &self.escalation_manager,
            "escalation manager",
            NAME_MAX,
        );
        errors
    }

    /// The fields as they are stored: trimmed, ticket in upper case.
    pub fn normalized(&self) -> CaseFields {
        CaseFields {
            kind: self.kind,
            ticket: normalize_ticket(&self.ticket),
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            agency: self.agency.trim().to_owned(),
            affected_service: self.affected_service.trim().to_owned(),
            agency_id: self.agency_id,
            service_id: self.service_id,
            impact: self.impact,
            urgency: self.urgency,
            reported_by: self.reported_by.trim().to_owned(),
            escalation_manager: self.escalation_manager.trim().to_owned(),
        }
    }

    pub fn priority(&self) -> Priority {
        Priority::from_matrix(self.impact, self.urgency)
    }

    /// The fields that differ, as `(field, old, new)` JSON values for the timeline.
    pub fn diff(&self, new: &CaseFields) -> Vec<(&'static str, serde_json::Value, serde_json::Value)> {
        let old_json = serde_json::to_value(self).expect("case fields serialize");
        let new_json = serde_json::to_value(new).expect("case fields serialize");
        const NAMES: [&str; 10] = [
            "kind",
            "ticket",
            "title",
            "description",
            "agency",
            "affectedService",
            "impact",
            "urgency",
            "reportedBy",
            "escalationManager",
        ];
        NAMES
            .into_iter()
            .filter(|n| old_json[n] != new_json[n])
            .map(|n| (n, old_json[n].clone(), new_json[n].clone()))
            .collect()
    }
}

/// What intake submits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewCase {
    pub fields: CaseFields,
    pub level: Level,
    pub level_reason: String,
}

impl NewCase {
    pub fn validate(&self) -> Result<()> {
        let mut errors = self.fields.validate();
        required(
            &mut errors,
            "levelReason",
            &self.level_reason,
            "reason for this level",
            REASON_MAX,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

/// A case as the store holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    pub id: i64,
    pub fields: CaseFields,
    pub priority: Priority,
    pub level: Level,
    pub level_reason: String,
    pub stage: Stage,
    pub problem_id: Option<i64>,
    /// The hierarchical escalation level reached (0: not raised).
    pub hierarchy_level: i64,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub updated_at: DateTime<Utc>,
    /// Increases by one with every change; an update names the version it read.
    pub version: i64,
}

/// One row of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseSummary {
    pub id: i64,
    pub kind: CaseKind,
    pub ticket: String,
    pub title: String,
    pub agency: String,
    pub escalation_manager: String,
    pub priority: Priority,
    pub level: Level,
    pub stage: Stage,
    pub opened_at: DateTime<Utc>,
    pub problem_id: Option<i64>,
    /// When the next customer update is due (no cadence agreed: none).
    pub update_due: Option<DateTime<Utc>>,
    pub update_overdue: bool,
    /// An action or a plan review is overdue.
    pub plans_overdue: bool,
    /// The hierarchical escalation level reached (0: not raised).
    pub hierarchy_level: i64,
    /// When the running warranty ends, if one runs.
    pub warranty_ends_at: Option<DateTime<Utc>>,
    /// It ends within the next seven days (local days of the office's time zone).
    pub warranty_ends_this_week: bool,
}

/// Dashboard filters; empty means everything active.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseFilter {
    /// Matched case-insensitively against ticket, title, agency, service and manager.
    pub text: Option<String>,
    pub stage: Option<Stage>,
    /// Include closed cases (the dashboard shows active ones only).
    pub include_closed: bool,
    /// One level only (the dashboard pages its escalated and elevated groups separately).
    pub level: Option<Level>,
    pub sort: CaseSort,
}

/// The order of the dashboard's rows; every order ends with the case id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseSort {
    /// Most severe first, then oldest first: the desk's work queue.
    #[default]
    Priority,
    OldestFirst,
    NewestFirst,
    Ticket,
}

/// One page of the dashboard's rows and how many rows match the filter in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CasePage {
    pub rows: Vec<CaseSummary>,
    pub total: i64,
    pub offset: u32,
    pub limit: u32,
}

/// Everything the case page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseDetail {
    pub case: Case,
    /// The actions the stage bar offers, each with what it still misses.
    pub stage_options: Vec<crate::stage::StageOption>,
    /// The related problem and all of its incidents (this one included).
    pub problem: Option<crate::problem::ProblemDetail>,
    /// The cross-functional team and the directory's suggestions for it.
    pub team: crate::team::Team,
    /// Contacts, customer-update cadence and updates, and this case's mail.
    pub communications: crate::communication::Communications,
    /// The escalation and technical action plans.
    pub plans: crate::plan::Plans,
    /// The hierarchical escalation ladder, to show the current and the next level.
    pub ladder: Vec<crate::ladder::LadderLevel>,
    /// Executive alerts raised for this case, newest first.
    pub alerts: Vec<crate::alert::Alert>,
    /// Warranty, recurrences, verification, the review meeting and closure.
    pub closure: crate::closure::Closure,
    /// Newest first.
    pub timeline: Vec<crate::timeline::TimelineEvent>,
}

/// How people name an escalation: "ESC-00042", the same on screen, in mail and on the PDF; the
/// internal row id is never shown on its own.
pub fn escalation_number(id: i64) -> String {
    format!("ESC-{id:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample_fields() -> CaseFields {
        CaseFields {
            kind: CaseKind::Incident,
            ticket: " inc0012345 ".into(),
            title: "  Unemployment claims portal down ".into(),
            description: "Portal returns 503 for all claimants.".into(),
            agency: "Department of Workforce Solutions".into(),
            affected_service: "Claims portal".into(),
            agency_id: None,
            service_id: None,
            impact: Rating::High,
            urgency: Rating::High,
            reported_by: "Maria Lopez".into(),
            escalation_manager: "Dana Whitfield".into(),
        }
    }

    #[test]
    fn priority_follows_the_impact_urgency_matrix() {
        use Rating::*;
        let table = [
            (High, High, Priority::P1),
            (High, Medium, Priority::P2),
            (Medium, High, Priority::P2),
            (High, Low, Priority::P3),
            (Medium, Medium, Priority::P3),
            (Low, High, Priority::P3),
            (Medium, Low, Priority::P4),
            (Low, Medium, Priority::P4),
            (Low, Low, Priority::P4),
        ];
        for (impact, urgency, want) in table {
            assert_eq!(
                Priority::from_matrix(impact, urgency),
                want,
                "impact {impact:?}, urgency {urgency:?}"
            );
        }
    }

    #[test]
    fn a_complete_intake_has_no_errors() {
        assert_eq!(sample_fields().validate(), vec![]);
    }

    #[test]
    fn every_missing_required_field_is_reported_beside_its_field() {
        let blank = CaseFields {
            ticket: "".into(),
            title: " ".into(),
            agency: "".into(),
            affected_service: "".into(),
            reported_by: "".into(),
            escalation_manager: "".into(),
            ..sample_fields()
        };
        let fields: Vec<String> = blank.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "ticket",
                "title",
                "agency",
                "affectedService",
                "reportedBy",
                "escalationManager"
            ]
        );
    }

    #[test]
    fn ticket_numbers_must_look_like_ticket_numbers() {
        assert_eq!(ticket_problem("INC0012345"), None);
        assert_eq!(ticket_problem("SR-2031"), None);
        assert!(ticket_problem("INC 001")
            .unwrap()
            .contains("letters, digits and dashes"));
        assert!(ticket_problem("INCIDENT").unwrap().contains("digits"));
        assert!(ticket_problem(&"1".repeat(TICKET_MAX + 1)).unwrap().contains("at most"));
    }

    #[test]
    fn an_over_long_title_says_how_long_it_is_and_the_limit() {
        let f = CaseFields {
            title: "x".repeat(TITLE_MAX + 5),
            ..sample_fields()
        };
        let errors = f.validate();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("205") && errors[0].message.contains("200"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn intake_requires_a_reason_for_the_level() {
        let new = NewCase {
            fields: sample_fields(),
            level: Level::Escalated,
            level_reason: " ".into(),
        };
        match new.validate() {
            Err(Error::Invalid(errors)) => assert_eq!(errors[0].field, "levelReason"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn normalizing_trims_text_and_upper_cases_the_ticket() {
        let n = sample_fields().normalized();
        assert_eq!(n.ticket, "INC0012345");
        assert_eq!(n.title, "Unemployment claims portal down");
    }

    #[test]
    fn diff_names_only_the_changed_fields_with_old_and_new_values() {
        let old = sample_fields().normalized();
        let new = CaseFields {
            title: "Claims portal slow".into(),
            urgency: Rating::Low,
            ..old.clone()
        };
        let diff = old.diff(&new);
        assert_eq!(diff.len(), 2);
        assert_eq!(
            diff[0],
            (
                "title",
                "Unemployment claims portal down".into(),
                "Claims portal slow".into()
            )
        );
        assert_eq!(diff[1], ("urgency", "high".into(), "low".into()));
    }
}
