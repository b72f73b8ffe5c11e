//! What the stage machine sees of the end of the process, and what a stage move does to it.
//!
//! Invariants:
//! - The guard's facts count only what happened since the case was last reopened; a case that
//!   passed Warranty or Verification before these records existed (schema 9) has nothing to wait
//!   for.
//! - [`after_move`] runs inside the move's transaction: the warranty's outcome (recurred,
//!   completed, closed), the team's standby and the closing summary change with the stage or not
//!   at all.

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::{reopened_at, running_warranty, set_standby};
use crate::case::Case;
use crate::error::Result;
use crate::identity::Identity;
use crate::stage::{Stage, StageAction, StageFacts};
use crate::store::timeline::insert_event;
use crate::store::Stamp;
use crate::timeline::{EventKind, NewEvent};

/// The closure-related facts of the stage guards, counting only what happened since the last
/// reopening.
pub(crate) fn closure_facts(conn: &Db, case_id: i64) -> Result<StageFacts> {
    let since = reopened_at(conn, case_id)?;
    let last_warranty: Option<(String, Option<String>)> = conn
        .prepare_cached(
            "SELECT started_at, outcome FROM warranties WHERE case_id = ?1 AND (started_at >= ?2 OR ?2 IS NULL)
             ORDER BY number DESC LIMIT 1",
        )?
        .query_row(params![case_id, since], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let warranty_complete = matches!(&last_warranty, Some((_, Some(o))) if o == "completed");
    let satisfied_after: bool = match &last_warranty {
        Some((started, _)) => conn
            .prepare_cached(
                "SELECT COALESCE((SELECT satisfied FROM verifications WHERE case_id = ?1 AND recorded_at >= ?2
               ORDER BY id DESC LIMIT 1), 0)",
            )?
            .query_row(params![case_id, started], |r| r.get(0))?,
        None => false,
    };
    let (held, handed): (bool, bool) = conn
        .prepare_cached(
            "SELECT CASE WHEN status = 'held' THEN 1 ELSE 0 END, CASE WHEN handed_at IS NOT NULL THEN 1 ELSE 0 END
             FROM review_meetings WHERE case_id = ?1 AND (created_at >= ?2 OR ?2 IS NULL)
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![case_id, since], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((false, false));
    // A case that passed Warranty or Verification before these records existed (schema 9) has
    // nothing to wait for: the stages it already left count as done.
    let stage: String = conn
        .prepare_cached("SELECT stage FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))?;
    let no_records = !conn
        .prepare_cached("SELECT 1 FROM warranties WHERE case_id = ?1")?
        .exists([case_id])?;
    let legacy = no_records && matches!(stage.as_str(), "warranty" | "verification" | "review");
    let now = crate::store::desk_now(conn)?;
    Ok(StageFacts {
        warranty_ended: running_warranty(conn, case_id)?.is_some_and(|(_, end)| end <= now)
            || legacy && stage == "warranty",
        warranty_complete: warranty_complete || legacy && stage != "warranty",
        satisfaction_verified: satisfied_after || legacy && stage == "review",
        review_held: held,
        problem_input_handed: handed,
        ..StageFacts::default()
    })
}

/// The side effects of a stage move, in the same transaction.
pub(crate) fn after_move(
    tx: &Db,
    who: &Identity,
    stamp: &Stamp,
    old: &Case,
    to: Stage,
    action: StageAction,
    reason: Option<&str>,
) -> Result<()> {
    match (old.stage, to, action) {
        (Stage::Warranty, Stage::Resolving, StageAction::Recur) => {
            if let Some((id, _)) = running_warranty(tx, old.id)? {
                tx.prepare_cached("UPDATE warranties SET ended_at = ?2, outcome = 'recurred' WHERE id = ?1")?
                    .execute(params![id, stamp.text])?;
                // Recorded by `insert_recurrence` with its own time; the plain stage action records now.
                let recorded = tx
                    .prepare_cached("SELECT 1 FROM recurrences WHERE warranty_id = ?1")?
                    .exists([id])?;
                if !recorded {
                    tx.prepare_cached("INSERT INTO recurrences (case_id, warranty_id, observed_at, description, recorded_at, recorded_by)
                         VALUES (?1, ?2, ?3, ?4, ?3, ?5)")?.execute(params![old.id, id, stamp.text, reason.unwrap_or(""), who.actor()],
                    )?;
                }
            }
            back_to_work(tx, who, stamp, old.id)
        }
        (Stage::Verification, Stage::Resolving, StageAction::Recur) => back_to_work(tx, who, stamp, old.id),
        (Stage::Warranty, Stage::Verification, StageAction::Advance) => {
            if let Some((id, _)) = running_warranty(tx, old.id)? {
                tx.prepare_cached("UPDATE warranties SET ended_at = ?2, outcome = 'completed' WHERE id = ?1")?
                    .execute(params![id, stamp.text])?;
            }
            Ok(())
        }
        (_, Stage::Closed, StageAction::Close) => {
            if let Some((id, _)) = running_warranty(tx, old.id)? {
                tx.prepare_cached("UPDATE warranties SET ended_at = ?2, outcome = 'closed' WHERE id = ?1")?
                    .execute(params![id, stamp.text])?;
            }
            tx.prepare_cached("UPDATE cases SET closing_summary = ?2 WHERE id = ?1")?
                .execute(params![old.id, reason])?;
            set_standby(tx, old.id, false)?;
            release_team(tx, who, stamp, old.id)
        }
        _ => Ok(()),
    }
}

fn back_to_work(tx: &Db, who: &Identity, stamp: &Stamp, case_id: i64) -> Result<()> {
    if set_standby(tx, case_id, false)? > 0 {
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::TeamStandbyChanged,
                "The team is back at work on the case (off standby)".to_string(),
            ),
        )?;
    }
    Ok(())
}

/// Closing a case releases its team: nobody counts as busy on a closed case (the staff load and
/// every team panel read active memberships only). The rows stay, marked released, so the team's
/// history is kept; reopening the case means appointing again.
fn release_team(tx: &Db, who: &Identity, stamp: &Stamp, case_id: i64) -> Result<()> {
    let released = tx
        .prepare_cached(
            "UPDATE team_members SET released_at = ?2, released_by = ?3 WHERE case_id = ?1 AND released_at IS NULL",
        )?
        .execute(params![case_id, stamp.text, who.id])?;
    if released > 0 {
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::TeamReleased,
                format!(
                    "The case closed: the team is released ({released} {})",
                    if released == 1 { "member" } else { "members" }
                ),
            )
            .values(serde_json::Value::Null, serde_json::json!({ "released": released })),
        )?;
    }
    Ok(())
}
