//! The verification of continued satisfaction, after the warranty.
//!
//! Invariants:
//! - Verified only in the Verification stage; the record is kept either way.
//! - Satisfied moves the case on to the review; not satisfied sends it back to Resolving with the
//!   reason, in the same transaction.

use rusqlite::params;

use crate::case::Case;
use crate::closure::VerificationInput;
use crate::error::{Error, Result};
use crate::stage::{Stage, StageAction};
use crate::store::cases::{find_case, get_case, move_stage_in};
use crate::store::timeline::insert_event;
use crate::store::{format_time, now, Store};
use crate::timeline::{EventKind, NewEvent};

/// Records the verification of continued satisfaction: satisfied moves on to the review, not
/// satisfied goes back to Resolving with the reason.
pub fn insert_verification(
    store: &mut Store,
    case_id: i64,
    expected_version: i64,
    input: &VerificationInput,
) -> Result<Case> {
    let input = input.validate(now())?;
    store.change(|tx, who, stamp| {
        let case = find_case(tx, case_id)?;
        if case.stage != Stage::Verification {
            return Err(Error::Refused(format!(
                "Satisfaction is verified in the Verification stage; the case is in {}.",
                case.stage.label()
            )));
        }
        tx.prepare_cached(
            "INSERT INTO verifications (case_id, contact, verified_at, satisfied, notes, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            case_id,
            input.contact,
            format_time(input.verified_at),
            input.satisfied,
            input.notes,
            stamp.text,
            who.actor()
        ])?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::SatisfactionVerified,
                format!(
                    "Satisfaction verified with {}: {}{}",
                    input.contact,
                    if input.satisfied { "satisfied" } else { "not satisfied" },
                    if input.notes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", input.notes)
                    }
                ),
            ),
        )?;
        if input.satisfied {
            move_stage_in(
                tx,
                who,
                stamp,
                case_id,
                expected_version,
                StageAction::Advance,
                None,
                |_| {},
            )?;
        } else {
            move_stage_in(
                tx,
                who,
                stamp,
                case_id,
                expected_version,
                StageAction::Recur,
                Some(&input.notes),
                |_| {},
            )?;
        }
        Ok(())
    })?;
    get_case(store, case_id)
}
