//! Action plans: the escalation and the technical plan of a case, their revisions, the
//! differences between two revisions, and what is overdue.
//!
//! Invariants:
//! - A plan's state is saved whole as a revision; revisions are never changed, so any two can be
//!   compared, and the diff is computed, not stored.
//! - Actions keep a stable id across revisions: the diff pairs actions by id, so a renamed action
//!   is "changed", not "removed and added".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    Escalation,
    Technical,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Escalation => "escalation",
            PlanKind::Technical => "technical",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PlanKind::Escalation => "Escalation action plan",
            PlanKind::Technical => "Technical action plan",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    /// Dropped, with the reason.
    Dropped(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResourceDecision {
    Requested,
    Approved,
    Refused,
}

/// An additional resource the escalation plan needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub what: String,
    pub from_whom: String,
    pub decision: ResourceDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Stable across revisions.
    pub id: String,
    pub description: String,
    /// A team member's person id.
    pub owner_id: Option<i64>,
    pub due: Option<DateTime<Utc>>,
    pub status: ActionStatus,
    /// Only on the escalation plan.
    pub resources: Vec<Resource>,
}

/// What changed in one field of an action between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "change")]
pub enum ActionDiff {
    Added {
        action: Action,
    },
    Removed {
        action: Action,
    },
    Changed {
        id: String,
        description: String,
        fields: Vec<FieldChange>,
    },
}

fn show_status(s: &ActionStatus) -> String {
    match s {
        ActionStatus::Open => "open".into(),
        ActionStatus::InProgress => "in progress".into(),
        ActionStatus::Done => "done".into(),
        ActionStatus::Dropped(r) => format!("dropped ({r})"),
    }
}

fn show_opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "—".into(), |x| x.to_string())
}

/// The differences from `before` to `after`: removed and changed actions in `before`'s order,
/// then added ones in `after`'s order.
pub fn diff(before: &[Action], after: &[Action]) -> Vec<ActionDiff> {
    let mut out = Vec::new();
    for old in before {
        match after.iter().find(|a| a.id == old.id) {
            None => out.push(ActionDiff::Removed { action: old.clone() }),
            Some(new) => {
                let mut fields = Vec::new();
                let mut cmp = |field: &str, b: String, a: String| {
                    if b != a {
                        fields.push(FieldChange {
                            field: field.into(),
                            before: b,
                            after: a,
                        });
                    }
                };
                cmp("description", old.description.clone(), new.description.clone());
                cmp("owner", show_opt(&old.owner_id), show_opt(&new.owner_id));
                cmp(
                    "due",
                    show_opt(&old.due.map(|d| d.to_rfc3339())),
                    show_opt(&new.due.map(|d| d.to_rfc3339())),
                );
                cmp("status", show_status(&old.status), show_status(&new.status));
                cmp(
                    "resources",
                    serde_json::to_string(&old.resources).unwrap_or_default(),
                    serde_json::to_string(&new.resources).unwrap_or_default(),
                );
                if !fields.is_empty() {
                    out.push(ActionDiff::Changed {
                        id: new.id.clone(),
                        description: new.description.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for new in after.iter().filter(|a| !before.iter().any(|b| b.id == a.id)) {
        out.push(ActionDiff::Added { action: new.clone() });
    }
    out
}

/// One saved revision, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RevisionInfo {
    pub revision: i64,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanReview {
    pub revision: i64,
    pub reviewed_at: DateTime<Utc>,
    pub reviewed_by: String,
    pub notes: String,
    pub next_review_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanReviewInput {
    pub notes: String,
    pub next_review_due: Option<DateTime<Utc>>,
}

/// A plan as the case page shows it: its latest revision, history, reviews and what is overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    pub kind: PlanKind,
    /// 0 before the first save.
    pub revision: i64,
    pub actions: Vec<Action>,
    /// Newest first.
    pub revisions: Vec<RevisionInfo>,
    /// Newest first.
    pub reviews: Vec<PlanReview>,
    pub overdue_actions: Vec<String>,
    pub review_overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Plans {
    pub escalation: PlanView,
    pub technical: PlanView,
}

/// Checks a plan before it is saved; gives new actions an id. Returns the actions as stored.
pub fn validate_actions(kind: PlanKind, actions: &[Action], existing_ids: &[String]) -> crate::Result<Vec<Action>> {
    use crate::error::{Error, FieldError};
    let mut errors = Vec::new();
    let mut out = Vec::new();
    // Ids are "a1", "a2", ...: the next is one past the highest ever used. A crafted or damaged
    // id near the top of the range must not overflow into a panic or a reused id.
    let highest = existing_ids
        .iter()
        .filter_map(|i| i.strip_prefix('a')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let used_up =
        || Error::Refused("This plan has used up its action numbers: start a new plan revision from a copy.".into());
    let mut next = highest.checked_add(1).ok_or_else(used_up)?;
    let mut seen = std::collections::HashSet::new();
    for (i, a) in actions.iter().enumerate() {
        let n = i + 1;
        let mut a = a.clone();
        a.description = a.description.trim().to_owned();
        if a.description.is_empty() {
            errors.push(FieldError::new("actions", format!("Action {n}: describe the action.")));
        }
        if let Some(due) = a.due {
            let mut e = Vec::new();
            crate::limits::check_time(&mut e, "actions", "due time", due);
            errors.extend(
                e.into_iter()
                    .map(|f| FieldError::new("actions", format!("Action {n}: {}", f.message))),
            );
        }
        if let Some(m) = crate::limits::text_problem("description", &a.description, crate::limits::ACTION_CHARS) {
            errors.push(FieldError::new("actions", format!("Action {n}: {m}")));
        }
        if let ActionStatus::Dropped(r) = &a.status {
            if let Some(m) = crate::limits::text_problem("reason", r.trim(), crate::limits::REASON_CHARS) {
                errors.push(FieldError::new("actions", format!("Action {n}: {m}")));
            }
            if r.trim().is_empty() {
                errors.push(FieldError::new(
                    "actions",
                    format!("Action {n}: say why it was dropped."),
                ));
            }
        }
        if kind == PlanKind::Technical && !a.resources.is_empty() {
            errors.push(FieldError::new(
                "actions",
                format!("Action {n}: resources belong on the escalation plan."),
            ));
        }
        for r in &a.resources {
            if r.what.trim().is_empty() {
                errors.push(FieldError::new(
                    "actions",
                    format!("Action {n}: say what resource is needed."),
                ));
            }
            if let Some(m) = crate::limits::text_problem("resource", r.what.trim(), crate::limits::LINE_CHARS) {
                errors.push(FieldError::new("actions", format!("Action {n}: {m}")));
            }
            if let Some(m) =
                crate::limits::text_problem("resource's source", r.from_whom.trim(), crate::limits::NAME_CHARS)
            {
                errors.push(FieldError::new("actions", format!("Action {n}: {m}")));
            }
        }
        if a.id.is_empty() {
            a.id = format!("a{next}");
            next = next.checked_add(1).ok_or_else(used_up)?;
        }
        if !seen.insert(a.id.clone()) {
            errors.push(FieldError::new("actions", format!("Action {n}: appears twice.")));
        }
        out.push(a);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(errors))
    }
}

/// Actions past their due time that are neither done nor dropped.
pub fn overdue_actions(actions: &[Action], now: DateTime<Utc>) -> Vec<&Action> {
    actions
        .iter()
        .filter(|a| matches!(a.status, ActionStatus::Open | ActionStatus::InProgress))
        .filter(|a| a.due.is_some_and(|d| d < now))
        .collect()
}

/// Whether the plan's next review is overdue (a plan never reviewed has no review due yet).
pub fn review_overdue(next_review_due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    next_review_due.is_some_and(|d| d < now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn action(id: &str, description: &str, status: ActionStatus) -> Action {
        Action {
            id: id.into(),
            description: description.into(),
            owner_id: Some(1),
            due: Some(t("2026-11-27T12:00:00Z")),
            status,
            resources: vec![],
        }
    }

    #[test]
    fn a_diff_names_added_removed_and_changed_actions_with_their_fields() {
        let before = vec![
            action("a", "Fail over the database", ActionStatus::InProgress),
            action("b", "Call the vendor", ActionStatus::Open),
        ];
        let mut renamed = action("a", "Fail over the claims database", ActionStatus::Done);
        renamed.owner_id = Some(2);
        let after = vec![renamed, action("c", "Brief the cabinet secretary", ActionStatus::Open)];
        let d = diff(&before, &after);
        assert_eq!(d.len(), 3);
        match &d[0] {
            ActionDiff::Changed { id, fields, .. } => {
                assert_eq!(id, "a");
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(names, ["description", "owner", "status"]);
                assert_eq!(
                    (fields[2].before.as_str(), fields[2].after.as_str()),
                    ("in progress", "done")
                );
            }
            other => panic!("expected a change, got {other:?}"),
        }
        assert!(matches!(&d[1], ActionDiff::Removed { action } if action.id == "b"));
        assert!(matches!(&d[2], ActionDiff::Added { action } if action.id == "c"));
    }

    #[test]
    fn identical_revisions_have_no_differences() {
        let plan = vec![action("a", "x", ActionStatus::Open)];
        assert!(diff(&plan, &plan.clone()).is_empty());
    }

    #[test]
    fn a_dropped_action_shows_its_reason_in_the_diff() {
        let before = vec![action("a", "x", ActionStatus::Open)];
        let after = vec![action("a", "x", ActionStatus::Dropped("vendor fixed it".into()))];
        match &diff(&before, &after)[0] {
            ActionDiff::Changed { fields, .. } => assert_eq!(fields[0].after, "dropped (vendor fixed it)"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_open_or_running_actions_past_due_are_overdue() {
        let now = t("2026-11-27T13:00:00Z");
        let mut later = action("d", "later", ActionStatus::Open);
        later.due = Some(t("2026-11-27T18:00:00Z"));
        let actions = vec![
            action("a", "open", ActionStatus::Open),
            action("b", "running", ActionStatus::InProgress),
            action("c", "done", ActionStatus::Done),
            later,
            action("e", "dropped", ActionStatus::Dropped("n/a".into())),
        ];
        let ids: Vec<&str> = overdue_actions(&actions, now).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(review_overdue(Some(t("2026-11-27T12:59:00Z")), now));
        assert!(!review_overdue(None, now));
    }

    #[test]
    fn action_numbers_near_the_top_of_the_range_are_refused_not_overflowed() {
        let new = Action {
            id: String::new(),
            ..action_for_overflow_test()
        };
        let err =
            validate_actions(PlanKind::Technical, std::slice::from_ref(&new), &["a4294967295".into()]).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Refused, "{err}");
        let err = validate_actions(PlanKind::Technical, &[new.clone(), new], &["a4294967294".into()]).unwrap_err();
        assert_eq!(
            err.kind(),
            crate::ErrorKind::Refused,
            "the second new action would overflow: {err}"
        );
    }

    #[test]
    fn a_due_time_outside_years_1_to_9999_is_refused() {
        let far = Action {
            due: Some(chrono::TimeZone::with_ymd_and_hms(&Utc, 10000, 1, 1, 0, 0, 0).unwrap()),
            ..action_for_overflow_test()
        };
        let err = validate_actions(PlanKind::Technical, &[far], &[]).unwrap_err();
        assert!(err.to_string().contains("between the years 1 and 9999"), "{err}");
    }

    fn action_for_overflow_test() -> Action {
        Action {
            id: String::new(),
            description: "Fail over".into(),
            owner_id: None,
            due: None,
            status: ActionStatus::Open,
            resources: Vec::new(),
        }
    }
}
