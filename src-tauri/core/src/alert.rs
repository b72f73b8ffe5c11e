//! Executive alert criteria (issue 5, groundwork): rules kept as data, their validation, their
//! evaluation against a case, and "fire once".
//!
//! Invariants:
//! - A rule is a tree of conditions combined with all/any; the built-in criteria of the process
//!   (a key contact of the agency in a listed category; priority P1; escalated longer than N hours
//!   without resolution) are conditions like any other, so agencies can edit or combine them.
//! - A rule alerts a case once: when it starts to match. It may alert again only after it stopped
//!   matching and starts again (see [`to_raise`]).
//!
//! The store (`store::alerts`) keeps the rules as JSON of [`Rule`], evaluates them at the end of
//! every change of a case and in a periodic sweep (for the time-based conditions), and records
//! which rules match which case so [`to_raise`] can tell "starts to match" from "still matches".

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::case::{Level, Priority};
use crate::directory::OrgRole;
use crate::error::{Error, FieldError, Result};
use crate::stage::Stage;
use crate::team::CaseRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseField {
    Agency,
    Service,
    Priority,
    Level,
    Stage,
    /// Hours since the case was opened.
    AgeHours,
    /// Title and description.
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Is,
    IsNot,
    Contains,
    /// Priority: this or more severe; age: at least this many hours.
    AtLeast,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Condition {
    Field {
        field: CaseField,
        op: Op,
        value: String,
    },
    /// A key contact of the case's agency is in one of these categories.
    KeyContact {
        categories: Vec<String>,
    },
    /// Escalated, not yet resolved (before Warranty), for longer than this many hours.
    EscalatedLongerThan {
        hours: u32,
    },
    All {
        of: Vec<Condition>,
    },
    Any {
        of: Vec<Condition>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Recipients {
    pub roles: Vec<OrgRole>,
    pub people: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub name: String,
    pub condition: Condition,
    pub recipients: Recipients,
    pub enabled: bool,
}

/// A rule as stored: built-in rules can be edited and disabled but not deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertRule {
    pub id: i64,
    pub rule: Rule,
    /// The condition in words ([`describe`]).
    pub criteria: String,
    pub builtin: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// One page of the open alerts (oldest first) and how many are open in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertPage {
    pub rows: Vec<Alert>,
    pub total: i64,
    pub offset: u32,
    pub limit: u32,
}

/// An alert raised for a case by a rule, until someone acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub id: i64,
    pub case: CaseRef,
    pub rule_id: Option<i64>,
    pub rule_name: String,
    /// What the rule looks for, in words (as it read when the alert was raised).
    pub criteria: String,
    pub raised_at: DateTime<Utc>,
    pub recipients: Vec<String>,
    pub outbox_id: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub acknowledgement: Option<String>,
    /// Where its mail is: queued until the server takes it, then sent (or failed, held...).
    pub mail_status: Option<crate::store::outbox::OutboxStatus>,
}

/// What rules look at, gathered from a case and its agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub agency: String,
    pub service: String,
    pub priority: Priority,
    pub level: Level,
    pub stage: Stage,
    pub opened_at: DateTime<Utc>,
    /// When the case became escalated (opened escalated, or escalated later).
    pub escalated_since: Option<DateTime<Utc>>,
    pub text: String,
    /// The categories of the agency's key contacts.
    pub key_contact_categories: Vec<String>,
}

fn stage_rank(s: Stage) -> usize {
    Stage::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn validate_condition(c: &Condition, path: &str, errors: &mut Vec<FieldError>) {
    let err =
        |errors: &mut Vec<FieldError>, m: String| errors.push(FieldError::new("condition", format!("{path}: {m}")));
    match c {
        Condition::Field { field, op, value } => {
            let v = value.trim();
            if v.is_empty() {
                return err(errors, "enter a value to compare with".into());
            }
            if let Some(m) = crate::limits::text_problem("value", v, crate::limits::RULE_VALUE_CHARS) {
                return err(errors, m);
            }
            match (field, op) {
                (CaseField::Priority, Op::Contains)
                | (CaseField::Level, Op::Contains)
                | (CaseField::Stage, Op::Contains) => err(errors, "\"contains\" applies to text fields only".into()),
                (CaseField::Agency | CaseField::Service | CaseField::Text | CaseField::Level, Op::AtLeast) => {
                    err(errors, "\"at least\" applies to priority, stage and age only".into())
                }
                (CaseField::AgeHours, Op::Contains | Op::Is | Op::IsNot) => {
                    err(errors, "compare age with \"at least\"".into())
                }
                _ => {}
            }
            match field {
                CaseField::Priority if Priority::parse(v).is_none() => {
                    err(errors, format!("{v:?} is not a priority (P1 to P4)"))
                }
                CaseField::Level if Level::parse(v).is_none() => {
                    err(errors, format!("{v:?} is not escalated or elevated"))
                }
                CaseField::Stage if Stage::parse(v).is_none() => err(errors, format!("{v:?} is not a stage")),
                CaseField::AgeHours if v.parse::<u32>().is_err() => {
                    err(errors, format!("{v:?} is not a number of hours"))
                }
                _ => {}
            }
        }
        Condition::KeyContact { categories } if categories.is_empty() => {
            err(errors, "choose at least one contact category".into())
        }
        Condition::EscalatedLongerThan { hours: 0 } => err(errors, "enter a number of hours above zero".into()),
        Condition::All { of } | Condition::Any { of } if of.is_empty() => {
            err(errors, "an \"all\"/\"any\" group needs at least one condition".into())
        }
        Condition::All { of } | Condition::Any { of } => {
            for (i, inner) in of.iter().enumerate() {
                validate_condition(inner, &format!("{path}.{}", i + 1), errors);
            }
        }
        _ => {}
    }
}

impl Condition {
    /// Follows a rename in the directory: every `field is / is not <old name>` (compared as the
    /// directory compares names, ignoring case) now names `new`. Returns whether anything changed.
    pub fn rename(&mut self, field: CaseField, old: &str, new: &str) -> bool {
        match self {
            Condition::Field { field: f, op, value }
                if *f == field && matches!(op, Op::Is | Op::IsNot) && value.trim().eq_ignore_ascii_case(old.trim()) =>
            {
                *value = new.to_owned();
                true
            }
            Condition::All { of } | Condition::Any { of } => {
                // Every branch is visited: `any` would stop at the first rename.
                let mut changed = false;
                for c in of {
                    changed |= c.rename(field, old, new);
                }
                changed
            }
            _ => false,
        }
    }
}

impl Rule {
    /// Refuses a rule that could never be evaluated, naming the condition at fault ("1.2: ...").
    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "Give the rule a name."));
        }
        crate::limits::check_text(
            &mut errors,
            "name",
            "rule's name",
            self.name.trim(),
            crate::limits::NAME_CHARS,
        );
        validate_condition(&self.condition, "1", &mut errors);
        if self.recipients.roles.is_empty() && self.recipients.people.is_empty() {
            errors.push(FieldError::new(
                "recipients",
                "Choose who is alerted: organizational roles or named people.",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

/// Whether the condition holds for the case at `now`.
pub fn matches(c: &Condition, f: &CaseFacts, now: DateTime<Utc>) -> bool {
    match c {
        Condition::All { of } => of.iter().all(|x| matches(x, f, now)),
        Condition::Any { of } => of.iter().any(|x| matches(x, f, now)),
        Condition::KeyContact { categories } => f
            .key_contact_categories
            .iter()
            .any(|k| categories.iter().any(|c| c.eq_ignore_ascii_case(k))),
        Condition::EscalatedLongerThan { hours } => {
            f.level == Level::Escalated
                && stage_rank(f.stage) < stage_rank(Stage::Warranty)
                && f.escalated_since
                    .is_some_and(|t| now - t >= Duration::hours(i64::from(*hours)))
        }
        Condition::Field { field, op, value } => {
            let v = value.trim();
            let text = |s: &str| match op {
                Op::Is => s.eq_ignore_ascii_case(v),
                Op::IsNot => !s.eq_ignore_ascii_case(v),
                Op::Contains => s.to_lowercase().contains(&v.to_lowercase()),
                Op::AtLeast => false,
            };
            match field {
                CaseField::Agency => text(&f.agency),
                CaseField::Service => text(&f.service),
                CaseField::Text => text(&f.text),
                CaseField::Level => text(f.level.as_str()),
                CaseField::Priority => match (op, Priority::parse(v)) {
                    (Op::AtLeast, Some(p)) => f.priority <= p,
                    _ => text(f.priority.as_str()),
                },
                CaseField::Stage => match (op, Stage::parse(v)) {
                    (Op::AtLeast, Some(s)) => stage_rank(f.stage) >= stage_rank(s),
                    _ => text(f.stage.as_str()),
                },
                CaseField::AgeHours => {
                    matches!(op, Op::AtLeast)
                        && v.parse::<i64>()
                            .ok()
                            .and_then(Duration::try_hours)
                            .is_some_and(|h| now - f.opened_at >= h)
                }
            }
        }
    }
}

/// The earliest moment after `now` at which the condition starts to match the case as it stands,
/// if time alone can make it match: the conditions are monotone in time (no negation; age and
/// "escalated longer than" only turn true as time passes), so it is the first of the moments a
/// time-based part turns true at which the whole condition matches. `None`: it matches already,
/// or only a change of the case (or of the directory) can make it match.
pub fn next_match_at(c: &Condition, f: &CaseFacts, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // A moment past the years a time is kept in never comes: a rule of u32::MAX hours must not
    // overflow the clock (a panic) nor be written as a due time nothing reads back.
    fn after(t: DateTime<Utc>, hours: i64) -> Option<DateTime<Utc>> {
        use chrono::Datelike;
        t.checked_add_signed(Duration::try_hours(hours)?)
            .filter(|t| crate::limits::YEARS.contains(&t.year()))
    }
    fn moments(c: &Condition, f: &CaseFacts, out: &mut Vec<DateTime<Utc>>) {
        match c {
            Condition::All { of } | Condition::Any { of } => of.iter().for_each(|x| moments(x, f, out)),
            Condition::EscalatedLongerThan { hours } => {
                out.extend(f.escalated_since.and_then(|t| after(t, i64::from(*hours))));
            }
            Condition::Field {
                field: CaseField::AgeHours,
                op: Op::AtLeast,
                value,
            } => out.extend(value.trim().parse::<i64>().ok().and_then(|h| after(f.opened_at, h))),
            Condition::Field { .. } | Condition::KeyContact { .. } => {}
        }
    }
    if matches(c, f, now) {
        return None;
    }
    let mut at = Vec::new();
    moments(c, f, &mut at);
    at.retain(|t| *t > now);
    at.sort();
    at.into_iter().find(|t| matches(c, f, *t))
}

/// The condition in words, for the alert message and the rules screen.
pub fn describe(c: &Condition) -> String {
    let field_name = |f: &CaseField| match f {
        CaseField::Agency => "agency",
        CaseField::Service => "service",
        CaseField::Priority => "priority",
        CaseField::Level => "level",
        CaseField::Stage => "stage",
        CaseField::AgeHours => "age in hours",
        CaseField::Text => "title or description",
    };
    let group = |word: &str, of: &[Condition]| {
        let parts: Vec<String> = of.iter().map(describe).collect();
        if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("{word} of ({})", parts.join("; "))
        }
    };
    match c {
        Condition::Field { field, op, value } => {
            let op = match op {
                Op::Is => "is",
                Op::IsNot => "is not",
                Op::Contains => "contains",
                Op::AtLeast => "is at least",
            };
            format!("{} {op} \"{}\"", field_name(field), value.trim())
        }
        Condition::KeyContact { categories } => {
            format!("a key contact of the agency is: {}", categories.join(", "))
        }
        Condition::EscalatedLongerThan { hours } => {
            format!("escalated for more than {hours} hours without resolution")
        }
        Condition::All { of } => group("all", of),
        Condition::Any { of } => group("any", of),
    }
}

/// The rules (by index) to raise an alert for now: matching now, and not matching at the last
/// evaluation. `matched_before` is the set the store keeps per case.
pub fn to_raise(matching_now: &BTreeSet<usize>, matched_before: &BTreeSet<usize>) -> Vec<usize> {
    matching_now.difference(matched_before).copied().collect()
}

/// The process's own criteria, as editable rules.
pub fn builtin_rules(escalated_hours: u32) -> Vec<Rule> {
    let execs = Recipients {
        roles: vec![OrgRole::ExecutiveManagement],
        people: vec![],
    };
    vec![
        Rule {
            name: "A key contact of the agency is a senior official".into(),
            condition: Condition::KeyContact {
                categories: vec![
                    "Statewide elected official".into(),
                    "Cabinet secretary".into(),
                    "Agency director".into(),
                    "Governor's office staff".into(),
                ],
            },
            recipients: execs.clone(),
            enabled: true,
        },
        Rule {
            name: "Priority P1".into(),
            condition: Condition::Field {
                field: CaseField::Priority,
                op: Op::Is,
                value: "P1".into(),
            },
            recipients: execs.clone(),
            enabled: true,
        },
        Rule {
            name: format!("Escalated for more than {escalated_hours} hours without resolution"),
            condition: Condition::EscalatedLongerThan { hours: escalated_hours },
            recipients: execs,
            enabled: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    const NOW: &str = "2026-11-27T12:00:00Z";

    fn facts() -> CaseFacts {
        CaseFacts {
            agency: "Department of Workforce Solutions".into(),
            service: "UI Claims Portal".into(),
            priority: Priority::P2,
            level: Level::Escalated,
            stage: Stage::Appraisal,
            opened_at: t("2026-11-27T06:00:00Z"),
            escalated_since: Some(t("2026-11-27T07:00:00Z")),
            text: "Claims portal returns 503".into(),
            key_contact_categories: vec!["Cabinet secretary".into()],
        }
    }

    fn field(field: CaseField, op: Op, value: &str) -> Condition {
        Condition::Field {
            field,
            op,
            value: value.into(),
        }
    }

    fn m(c: &Condition) -> bool {
        matches(c, &facts(), t(NOW))
    }

    #[test]
    fn a_condition_that_time_alone_can_make_match_says_when() {
        let f = facts(); // opened 06:00, escalated since 07:00, now 12:00, P2
        let older = |h: &str| field(CaseField::AgeHours, Op::AtLeast, h);
        assert_eq!(
            next_match_at(&older("8"), &f, t(NOW)),
            Some(t("2026-11-27T14:00:00Z")),
            "opened + 8 h"
        );
        assert_eq!(next_match_at(&older("6"), &f, t(NOW)), None, "it matches already");
        assert_eq!(
            next_match_at(&Condition::EscalatedLongerThan { hours: 8 }, &f, t(NOW)),
            Some(t("2026-11-27T15:00:00Z")),
            "escalated since + 8 h"
        );
        let p1_and_old = Condition::All {
            of: vec![field(CaseField::Priority, Op::Is, "P1"), older("8")],
        };
        assert_eq!(
            next_match_at(&p1_and_old, &f, t(NOW)),
            None,
            "a P2 case never becomes P1 by waiting"
        );
        let either = Condition::Any {
            of: vec![older("30"), Condition::EscalatedLongerThan { hours: 10 }],
        };
        assert_eq!(
            next_match_at(&either, &f, t(NOW)),
            Some(t("2026-11-27T17:00:00Z")),
            "the sooner of the two"
        );
        assert_eq!(
            next_match_at(&field(CaseField::Priority, Op::Is, "P1"), &f, t(NOW)),
            None,
            "no time in it: only a change can make it match"
        );
    }

    #[test]
    fn each_operator_on_each_kind_of_field() {
        assert!(
            m(&field(CaseField::Agency, Op::Is, "department of workforce solutions")),
            "case-insensitive"
        );
        assert!(m(&field(CaseField::Service, Op::IsNot, "Email")));
        assert!(m(&field(CaseField::Text, Op::Contains, "503")));
        assert!(!m(&field(CaseField::Text, Op::Contains, "outage")));
        assert!(m(&field(CaseField::Priority, Op::AtLeast, "P2")) && m(&field(CaseField::Priority, Op::AtLeast, "P3")));
        assert!(
            !m(&field(CaseField::Priority, Op::AtLeast, "P1")),
            "P2 is not at least P1"
        );
        assert!(m(&field(CaseField::Level, Op::Is, "escalated")));
        assert!(
            m(&field(CaseField::Stage, Op::AtLeast, "team")) && !m(&field(CaseField::Stage, Op::AtLeast, "resolving"))
        );
        assert!(m(&field(CaseField::AgeHours, Op::AtLeast, "6")) && !m(&field(CaseField::AgeHours, Op::AtLeast, "7")));
    }

    #[test]
    fn all_needs_every_condition_and_any_needs_one() {
        let yes = field(CaseField::Level, Op::Is, "escalated");
        let no = field(CaseField::Priority, Op::Is, "P1");
        assert!(!m(&Condition::All {
            of: vec![yes.clone(), no.clone()]
        }));
        assert!(m(&Condition::Any {
            of: vec![yes.clone(), no.clone()]
        }));
        assert!(
            m(&Condition::All {
                of: vec![yes.clone(), Condition::Any { of: vec![no, yes] }]
            }),
            "groups nest"
        );
    }

    #[test]
    fn the_built_in_criteria_match_as_the_process_describes() {
        let rules = builtin_rules(4);
        assert!(
            m(&rules[0].condition),
            "the agency's cabinet secretary is a key contact"
        );
        let mut no_official = facts();
        no_official.key_contact_categories = vec!["Other".into()];
        assert!(!matches(&rules[0].condition, &no_official, t(NOW)));
        assert!(!m(&rules[1].condition), "P2 is not P1");
        assert!(m(&rules[2].condition), "escalated 5 hours ago, more than 4");
        let mut resolved = facts();
        resolved.stage = Stage::Warranty;
        assert!(
            !matches(&rules[2].condition, &resolved, t(NOW)),
            "resolved cases no longer count"
        );
        let mut elevated = facts();
        elevated.level = Level::Elevated;
        assert!(!matches(&rules[2].condition, &elevated, t(NOW)));
        for r in &rules {
            r.validate().expect("built-in rules are valid");
        }
    }

    #[test]
    fn a_rule_fires_once_when_it_starts_to_match_and_again_only_after_it_stopped() {
        let set = |v: &[usize]| v.iter().copied().collect::<BTreeSet<_>>();
        assert_eq!(to_raise(&set(&[0, 1]), &set(&[])), [0, 1]);
        assert!(
            to_raise(&set(&[0, 1]), &set(&[0, 1])).is_empty(),
            "not again on each change"
        );
        assert_eq!(to_raise(&set(&[0, 2]), &set(&[0, 1])), [2]);
        assert_eq!(
            to_raise(&set(&[1]), &set(&[])),
            [1],
            "matched, stopped, matches again: alerts again"
        );
    }

    #[test]
    fn bad_rules_are_refused_naming_the_condition_at_fault() {
        let rule = Rule {
            name: " ".into(),
            condition: Condition::All {
                of: vec![
                    field(CaseField::Priority, Op::Is, "P9"),
                    Condition::Any {
                        of: vec![
                            field(CaseField::Agency, Op::AtLeast, "DWS"),
                            field(CaseField::AgeHours, Op::AtLeast, "soon"),
                        ],
                    },
                    Condition::Any { of: vec![] },
                ],
            },
            recipients: Recipients {
                roles: vec![],
                people: vec![],
            },
            enabled: true,
        };
        let messages: Vec<String> = rule
            .validate()
            .unwrap_err()
            .payload()
            .fields
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(messages[0], "Give the rule a name.");
        assert!(messages[1].starts_with("1.1: \"P9\" is not a priority"), "{messages:?}");
        assert!(
            messages[2].starts_with("1.2.1: \"at least\" applies to"),
            "{messages:?}"
        );
        assert!(
            messages[3].starts_with("1.2.2: \"soon\" is not a number of hours"),
            "{messages:?}"
        );
        assert!(
            messages[4].starts_with("1.3: an \"all\"/\"any\" group needs"),
            "{messages:?}"
        );
        assert!(messages[5].contains("Choose who is alerted"));
    }

    #[test]
    fn a_rename_reaches_every_is_and_is_not_of_its_field_and_nothing_else() {
        let mut c = Condition::All {
            of: vec![
                field(CaseField::Agency, Op::Is, "department of workforce solutions"),
                Condition::Any {
                    of: vec![
                        field(CaseField::Agency, Op::IsNot, "Department of Workforce Solutions"),
                        field(CaseField::Agency, Op::Contains, "Workforce"),
                        field(CaseField::Service, Op::Is, "Department of Workforce Solutions"),
                    ],
                },
            ],
        };
        assert!(c.rename(
            CaseField::Agency,
            "Department of Workforce Solutions",
            "Workforce Solutions Department"
        ));
        let Condition::All { of } = &c else { unreachable!() };
        assert_eq!(
            of[0],
            field(CaseField::Agency, Op::Is, "Workforce Solutions Department")
        );
        let Condition::Any { of: inner } = &of[1] else {
            unreachable!()
        };
        assert_eq!(
            inner[0],
            field(CaseField::Agency, Op::IsNot, "Workforce Solutions Department")
        );
        assert_eq!(
            inner[1],
            field(CaseField::Agency, Op::Contains, "Workforce"),
            "a word match is the user's own"
        );
        assert_eq!(
            inner[2],
            field(CaseField::Service, Op::Is, "Department of Workforce Solutions")
        );
        assert!(!c.rename(CaseField::Agency, "Other agency", "Anything"));
    }
}
