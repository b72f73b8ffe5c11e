//! The improvement plan: the report's corrective actions, and their hand-over to the case's
//! problem case.
//!
//! Invariants:
//! - The plan is saved whole, guarded by the report's version; a locked report refuses it, and a
//!   change during review voids the sign-offs (the plan is printed in the report).
//! - A corrective action is handed to the problem case once: it keeps its `sent_to_problem_at`
//!   mark through later saves, and only the unsent ones are sent.

use crate::store::db::Db;
use rusqlite::params;

use super::signoff::clear_signoffs;
use super::{claim_aar, event, load_aar};
use crate::aar::signoff::{change_voids_signoffs, may_change};
use crate::aar::{validate_improvements, Aar, Improvement, ImprovementStatus};
use crate::error::{Error, Result};
use crate::store::cases::find_case;
use crate::store::{format_time, parse_stored, time_column, Store};
use crate::timeline::EventKind;

pub(super) fn load_improvements(conn: &Db, aar_id: i64) -> Result<Vec<Improvement>> {
    conn.prepare_cached(
        "SELECT action, owner, due_date, status, sent_to_problem_at FROM aar_improvements
             WHERE aar_id = ?1 ORDER BY position",
    )?
    .query_map([aar_id], |r| {
        let due: Option<String> = r.get(2)?;
        Ok(Improvement {
            action: r.get(0)?,
            owner: r.get(1)?,
            due_date: due.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            status: parse_stored(r.get(3)?, ImprovementStatus::parse, "improvement status")?,
            sent_to_problem_at: r.get::<_, Option<String>>(4)?.map(time_column).transpose()?,
        })
    })?
    .collect::<Result<_>>()
}

/// Replaces the improvement plan (rows already handed to the problem case keep that mark).
pub fn update_aar_improvements(
    store: &mut Store,
    aar_id: i64,
    expected_version: i64,
    items: &[Improvement],
) -> Result<Aar> {
    let items = validate_improvements(items)?;
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        may_change(status)?;
        if change_voids_signoffs(status) {
            // The plan is printed in the report: a change voids the sign-offs given so far.
            clear_signoffs(tx, aar_id)?;
        }
        tx.prepare_cached("DELETE FROM aar_improvements WHERE aar_id = ?1")?
            .execute([aar_id])?;
        for (i, it) in items.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO aar_improvements (aar_id, position, action, owner, due_date, status, sent_to_problem_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                aar_id,
                i as i64,
                it.action,
                it.owner,
                it.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
                it.status.as_str(),
                it.sent_to_problem_at.map(format_time)
            ])?;
        }
        event(
            tx,
            case_id,
            who,
            stamp,
            EventKind::AarEdited,
            format!("AAR improvement plan saved ({} corrective actions)", items.len()),
        )
    })?;
    load_aar(store.conn(), aar_id)
}

/// Hands the corrective actions not yet sent to the case's problem case.
pub fn insert_problem_actions(store: &mut Store, aar_id: i64, expected_version: i64) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let (_, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        let case = find_case(tx, case_id)?;
        let Some(problem_id) = case.problem_id else {
            return Err(Error::Refused(
                "The case has no problem case yet: create or relate one first.".into(),
            ));
        };
        let problem: String = tx
            .prepare_cached("SELECT ticket FROM problems WHERE id = ?1")?
            .query_row([problem_id], |r| r.get(0))?;
        let items = load_improvements(tx, aar_id)?;
        let unsent: Vec<(usize, &Improvement)> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.sent_to_problem_at.is_none())
            .collect();
        if unsent.is_empty() {
            return Err(Error::Refused(
                "Every corrective action has already been sent to the problem case.".into(),
            ));
        }
        for (pos, it) in &unsent {
            tx.prepare_cached(
                "INSERT INTO problem_actions (problem_id, case_id, action, owner, due_date, status, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                problem_id,
                case_id,
                it.action,
                it.owner,
                it.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
                it.status.as_str(),
                stamp.text
            ])?;
            tx.prepare_cached(
                "UPDATE aar_improvements SET sent_to_problem_at = ?3 WHERE aar_id = ?1 AND position = ?2",
            )?
            .execute(params![aar_id, *pos as i64, stamp.text])?;
        }
        event(
            tx,
            case_id,
            who,
            stamp,
            EventKind::AarEdited,
            format!("{} corrective actions sent to problem {problem}", unsent.len()),
        )
    })?;
    load_aar(store.conn(), aar_id)
}
