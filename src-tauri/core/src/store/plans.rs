//! The escalation and technical action plans: each save is a new revision (never changed), each
//! review a record; both on the case's timeline.

use crate::store::db::{Db, Optional};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde_json::json;

use super::cases::find_case_in;
use super::timeline::insert_event;
use super::{format_time, now, time_column, Store};
use crate::error::{Error, Result};
use crate::plan::{
    diff, overdue_actions, review_overdue, validate_actions, Action, ActionDiff, ActionStatus, PlanKind, PlanReview,
    PlanReviewInput, PlanView, Plans, RevisionInfo,
};
use crate::timeline::{EventKind, NewEvent};

/// A stored revision's actions (the JSON array `insert_revision` writes).
pub(crate) fn parse_actions(json: &str) -> Result<Vec<Action>> {
    serde_json::from_str(json).map_err(|e| Error::Internal(format!("plan revision: {e}")))
}

fn latest(conn: &Db, case_id: i64, kind: PlanKind) -> Result<(i64, Vec<Action>)> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT revision, actions FROM plan_revisions WHERE case_id = ?1 AND plan = ?2 ORDER BY revision DESC LIMIT 1")?.query_row(params![case_id, kind.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok((0, Vec::new())),
        Some((rev, json)) => Ok((rev, parse_actions(&json)?)),
    }
}

fn revision_actions(conn: &Db, case_id: i64, kind: PlanKind, revision: i64) -> Result<Vec<Action>> {
    if revision == 0 {
        return Ok(Vec::new());
    }
    let json: String = conn
        .prepare_cached("SELECT actions FROM plan_revisions WHERE case_id = ?1 AND plan = ?2 AND revision = ?3")?
        .query_row(params![case_id, kind.as_str(), revision], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Plan revision",
            id: revision,
        })?;
    parse_actions(&json)
}

/// Both plans of a case, in two reads whatever their length: their revisions newest first (the
/// newest with its actions), then their reviews. The case page and every plan save read them, so
/// on a team desk each round trip counts (this was six reads).
pub fn get_plans(conn: &Db, case_id: i64) -> Result<Plans> {
    // [escalation, technical]: the schema allows no other plan.
    let mut read: [PlanRead; 2] = Default::default();
    let of = |plan: &str| -> Result<usize> {
        match plan {
            "escalation" => Ok(0),
            "technical" => Ok(1),
            other => Err(Error::Internal(format!("unknown plan {other:?}"))),
        }
    };
    let revisions: Vec<(String, RevisionInfo, Option<String>)> = conn
        .prepare_cached(
            "SELECT p.plan, p.revision, p.saved_at, u.name,
                    CASE WHEN ROW_NUMBER() OVER (PARTITION BY p.plan ORDER BY p.revision DESC) = 1
                         THEN p.actions END
             FROM plan_revisions p JOIN users u ON u.id = p.saved_by
             WHERE p.case_id = ?1 ORDER BY p.plan, p.revision DESC",
        )?
        .query_map([case_id], |r| {
            Ok((
                r.get(0)?,
                RevisionInfo {
                    revision: r.get(1)?,
                    saved_at: time_column(r.get(2)?)?,
                    saved_by: r.get(3)?,
                },
                r.get(4)?,
            ))
        })?
        .collect::<Result<_>>()?;
    for (plan, info, actions) in revisions {
        let read = &mut read[of(&plan)?];
        if let Some(json) = actions {
            read.actions = parse_actions(&json)?;
        }
        read.revisions.push(info);
    }
    let reviews: Vec<(String, PlanReview)> = conn
        .prepare_cached(
            "SELECT p.plan, p.revision, p.reviewed_at, u.name, p.notes, p.next_review_due FROM plan_reviews p
             JOIN users u ON u.id = p.reviewed_by WHERE p.case_id = ?1 ORDER BY p.plan, p.id DESC",
        )?
        .query_map([case_id], |r| {
            let next: Option<String> = r.get(5)?;
            Ok((
                r.get(0)?,
                PlanReview {
                    revision: r.get(1)?,
                    reviewed_at: time_column(r.get(2)?)?,
                    reviewed_by: r.get(3)?,
                    notes: r.get(4)?,
                    next_review_due: next.map(time_column).transpose()?,
                },
            ))
        })?
        .collect::<Result<_>>()?;
    for (plan, review) in reviews {
        read[of(&plan)?].reviews.push(review);
    }
    let at = now();
    let [escalation, technical] = read;
    Ok(Plans {
        escalation: escalation.view(PlanKind::Escalation, at),
        technical: technical.view(PlanKind::Technical, at),
    })
}

/// One plan as `get_plans` reads it: revisions and reviews newest first, the newest's actions.
#[derive(Default)]
struct PlanRead {
    actions: Vec<Action>,
    revisions: Vec<RevisionInfo>,
    reviews: Vec<PlanReview>,
}

impl PlanRead {
    fn view(self, kind: PlanKind, at: DateTime<Utc>) -> PlanView {
        PlanView {
            kind,
            revision: self.revisions.first().map_or(0, |r| r.revision),
            overdue_actions: overdue_actions(&self.actions, at)
                .into_iter()
                .map(|a| a.id.clone())
                .collect(),
            review_overdue: review_overdue(self.reviews.first().and_then(|r| r.next_review_due), at),
            actions: self.actions,
            revisions: self.revisions,
            reviews: self.reviews,
        }
    }
}

/// Saves a plan as a new revision. `expected_revision` is the one the user edited: if someone
/// saved since, this is a conflict and nothing is saved.
pub fn insert_revision(
    store: &mut Store,
    case_id: i64,
    kind: PlanKind,
    expected_revision: i64,
    actions: &[Action],
) -> Result<Plans> {
    store.change(|tx, who, stamp| {
        find_case_in(tx, case_id)?;
        super::timeline::lock_case(tx, case_id)?;
        let (current, before) = latest(tx, case_id, kind)?;
        if current != expected_revision {
            return Err(Error::Conflict { entity: "plan", expected: expected_revision, current });
        }
        let ids: Vec<String> = before.iter().map(|a| a.id.clone()).collect();
        let after = validate_actions(kind, actions, &ids)?;
        let changes = diff(&before, &after);
        if changes.is_empty() {
            return Err(Error::Refused("Nothing to save: the plan is unchanged.".into()));
        }
        let revision = current + 1;
        tx.prepare_cached("INSERT INTO plan_revisions (case_id, plan, revision, actions, saved_at, saved_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![case_id, kind.as_str(), revision, serde_json::to_string(&after).expect("actions serialize"), stamp.text, who.id],
        )?;
        let count = |f: fn(&ActionDiff) -> bool| changes.iter().filter(|c| f(c)).count();
        let (added, changed, removed) = (
            count(|c| matches!(c, ActionDiff::Added { .. })),
            count(|c| matches!(c, ActionDiff::Changed { .. })),
            count(|c| matches!(c, ActionDiff::Removed { .. })),
        );
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::PlanRevised,
                format!("{} revision {revision}: {added} added, {changed} changed, {removed} removed", kind.label()),
            )
            .values(json!({ "revision": current }), json!({ "revision": revision, "plan": kind.as_str() })),
        )?;
        Ok(())
    })?;
    get_plans(store.conn(), case_id)
}

/// Records a review of the plan's current revision.
pub fn insert_review(store: &mut Store, case_id: i64, kind: PlanKind, input: &PlanReviewInput) -> Result<Plans> {
    let notes = input.notes.trim().to_owned();
    if notes.is_empty() {
        return Err(Error::invalid("notes", "Write what the review found."));
    }
    crate::limits::check_chars("notes", "review notes", &notes, crate::limits::NOTE_CHARS)?;
    if let Some(due) = input.next_review_due {
        let mut errors = Vec::new();
        crate::limits::check_time(&mut errors, "nextReviewDue", "next review", due);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
    }
    if input.next_review_due.is_some_and(|d| d < now()) {
        return Err(Error::invalid(
            "nextReviewDue",
            "The next review cannot be due in the past.",
        ));
    }
    store.change(|tx, who, stamp| {
        find_case_in(tx, case_id)?;
        let (revision, actions) = latest(tx, case_id, kind)?;
        if actions.is_empty() {
            return Err(Error::Refused(format!(
                "The {} has no actions to review yet.",
                kind.label().to_lowercase()
            )));
        }
        let next = input.next_review_due.map(format_time);
        tx.prepare_cached(
            "INSERT INTO plan_reviews (case_id, plan, revision, reviewed_at, reviewed_by, notes, next_review_due)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            case_id,
            kind.as_str(),
            revision,
            stamp.text,
            who.id,
            notes,
            next
        ])?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::PlanReviewed,
                format!("{} reviewed (revision {revision}): {notes}", kind.label()),
            )
            .values(
                serde_json::Value::Null,
                json!({ "revision": revision, "nextReviewDue": next }),
            ),
        )?;
        Ok(())
    })?;
    get_plans(store.conn(), case_id)
}

/// What changed from one revision to another (0 is the empty plan before the first save).
pub fn get_revision_diff(store: &Store, case_id: i64, kind: PlanKind, from: i64, to: i64) -> Result<Vec<ActionDiff>> {
    let conn = store.conn();
    Ok(diff(
        &revision_actions(conn, case_id, kind, from)?,
        &revision_actions(conn, case_id, kind, to)?,
    ))
}

/// Whether an action or a review of either plan is overdue, from the latest revision's actions
/// and the latest review's next due time of each plan (escalation, technical), as the dashboard
/// reads them for a whole page in one query.
pub(crate) fn plans_overdue_from(
    latest_actions: [Option<String>; 2],
    next_reviews: [Option<String>; 2],
    at: DateTime<Utc>,
) -> Result<bool> {
    for json in latest_actions.into_iter().flatten() {
        if any_action_overdue(&json, at)? {
            return Ok(true);
        }
    }
    for next in next_reviews.into_iter().flatten() {
        if review_overdue(Some(time_column(next)?), at) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What [`any_action_overdue`] reads of a stored action: its status and due time; the rest of it
/// (description, resources) is skipped unread.
#[derive(serde::Deserialize)]
struct ActionDue<'a> {
    status: ActionStatus,
    #[serde(borrow)]
    due: Option<std::borrow::Cow<'a, str>>,
}

/// [`crate::plan::overdue_actions`] is not empty, for a revision's stored actions, without
/// building them: a dashboard page asks it of both plans of every row, and building each action
/// (its texts, its resources, every due time) was most of the page's own time. A due time is
/// read only for an open action, the way the `Action`'s own deserializer reads it.
fn any_action_overdue(json: &str, at: DateTime<Utc>) -> Result<bool> {
    let actions: Vec<ActionDue<'_>> =
        serde_json::from_str(json).map_err(|e| Error::Internal(format!("plan revision: {e}")))?;
    for action in actions {
        if let (ActionStatus::Open | ActionStatus::InProgress, Some(due)) = (&action.status, &action.due) {
            let due: DateTime<Utc> = due
                .parse()
                .map_err(|e| Error::Internal(format!("plan revision: the due time {due:?}: {e}")))?;
            if due < at {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{overdue_actions, Action};
    use chrono::TimeZone;

    fn action(id: &str, due: Option<DateTime<Utc>>, status: ActionStatus) -> Action {
        Action {
            id: id.into(),
            description: format!("Call \"{id}\" back\n\u{202e}then \\ report"),
            owner_id: Some(3),
            due,
            status,
            resources: Vec::new(),
        }
    }

    #[test]
    fn the_dashboards_overdue_flag_agrees_with_the_plans_own_rule_for_every_status_and_due_time() {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        let before = Some(at - chrono::Duration::milliseconds(1));
        let after = Some(at + chrono::Duration::hours(1));
        let statuses = [
            ActionStatus::Open,
            ActionStatus::InProgress,
            ActionStatus::Done,
            ActionStatus::Dropped("out of \"scope\"".into()),
        ];
        for status in &statuses {
            for due in [None, before, Some(at), after] {
                let one = vec![action("a", after, ActionStatus::Done), action("b", due, status.clone())];
                let json = serde_json::to_string(&one).unwrap();
                assert_eq!(
                    any_action_overdue(&json, at).unwrap(),
                    !overdue_actions(&one, at).is_empty(),
                    "{status:?} due {due:?}"
                );
            }
        }
        assert!(any_action_overdue("[]", at).is_ok_and(|overdue| !overdue));
        assert!(any_action_overdue("{not json", at).is_err());
    }
}
