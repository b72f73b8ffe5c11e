//! The report's status steps in the store: submit for review, return to draft, sign off, start a
//! new revision. The rules (which step from which status, who may sign, never one person twice,
//! when the report is approved) are pure and live in `crate::aar::signoff`; this file reads the
//! facts they need and writes what they decide.
//!
//! Invariants:
//! - Status: draft -> in review -> approved (when both the escalation manager and the ABRM have
//!   signed off) -> distributed (see `distribution`). Approved and distributed are locked; a new
//!   revision goes back to draft with the sign-offs cleared.
//! - Every step claims the report's version first: a step taken on a stale view is a conflict,
//!   never a signature on text the signer did not see.
//! - Two sign-offs mean two people: one person never signs in both roles.
//! - A sign-off is only recorded through `signoff_code::confirm_signoff`, with the one-time code
//!   mailed to the signer's directory address; a plain `SignOff` step is refused.

use crate::store::db::Db;
use rusqlite::params;

use super::sections::load_sections;
use super::{claim_aar, event, load_aar, set_status};
use crate::aar::signoff::{
    check_step, may_sign, not_signed_by_same_person, ready_for_review, status_after_signoff, AarStep,
};
use crate::aar::{Aar, AarStatus, SignOffRole};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::store::cases::find_case;
use crate::store::Store;
use crate::team::TeamRole;
use crate::timeline::EventKind;

/// Takes a status step; whether it is allowed, and by whom, is decided by `crate::aar::signoff`.
pub fn update_aar_status(store: &mut Store, aar_id: i64, expected_version: i64, step: AarStep) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        check_step(step, status)?;
        let summary =
            match step {
                AarStep::SubmitForReview => {
                    ready_for_review(&load_sections(tx, aar_id)?)?;
                    set_status(tx, aar_id, AarStatus::InReview)?;
                    "AAR submitted for review".to_string()
                }
                AarStep::ReturnToDraft => {
                    set_status(tx, aar_id, AarStatus::Draft)?;
                    clear_signoffs(tx, aar_id)?;
                    "AAR returned to draft".to_string()
                }
                AarStep::SignOff(_) => return Err(Error::Refused(
                    "A sign-off is confirmed with a one-time code mailed to the signer's address in the directory: \
                     send the code, then enter it."
                        .into(),
                )),
                AarStep::StartNewRevision => {
                    tx.execute(
                        "UPDATE aars SET status = 'draft', revision = revision + 1 WHERE id = ?1",
                        [aar_id],
                    )?;
                    clear_signoffs(tx, aar_id)?;
                    "AAR reopened as a new revision".to_string()
                }
            };
        event(tx, case_id, who, stamp, EventKind::AarStatusChanged, summary)
    })?;
    load_aar(store.conn(), aar_id)
}

/// The case's ABRMs' directory addresses (active team members).
pub(super) fn abrm_emails(tx: &Db, case_id: i64) -> Result<Vec<String>> {
    tx.prepare_cached(
        "SELECT p.email FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL",
    )?
    .query_map(params![case_id, TeamRole::Abrm.as_str()], |r| r.get(0))?
    .collect::<Result<_>>()
}

/// Who may sign for `role` now: the same checks before a code is sent and when it is entered.
pub(super) fn check_signer(tx: &Db, aar_id: i64, case_id: i64, role: SignOffRole, who: &Identity) -> Result<()> {
    let case = find_case(tx, case_id)?;
    may_sign(
        role,
        &who.name,
        &who.email,
        &case.fields.escalation_manager,
        &abrm_emails(tx, case_id)?,
    )?;
    let other = match role {
        SignOffRole::EscalationManager => "abrm_signed_by",
        SignOffRole::Abrm => "manager_signed_by",
    };
    let other_signer: Option<String> =
        tx.query_row(&format!("SELECT {other} FROM aars WHERE id = ?1"), [aar_id], |r| {
            r.get(0)
        })?;
    not_signed_by_same_person(other_signer.as_deref(), &who.actor())
}

/// Records a confirmed sign-off (the code was checked by the caller); both -> approved. Returns
/// the timeline summary.
pub(super) fn sign_in(
    tx: &Db,
    who: &Identity,
    stamp: &crate::store::Stamp,
    aar_id: i64,
    role: SignOffRole,
    confirmation: &str,
) -> Result<String> {
    let (by, at, how) = match role {
        SignOffRole::EscalationManager => ("manager_signed_by", "manager_signed_at", "manager_confirmation"),
        SignOffRole::Abrm => ("abrm_signed_by", "abrm_signed_at", "abrm_confirmation"),
    };
    tx.execute(
        &format!("UPDATE aars SET {by} = ?2, {at} = ?3, {how} = ?4 WHERE id = ?1"),
        params![aar_id, who.actor(), stamp.text, confirmation],
    )?;
    let both: bool = tx.query_row(
        "SELECT CASE WHEN manager_signed_at IS NOT NULL AND abrm_signed_at IS NOT NULL THEN 1 ELSE 0 END
         FROM aars WHERE id = ?1",
        [aar_id],
        |r| r.get(0),
    )?;
    let role_name = match role {
        SignOffRole::EscalationManager => "escalation manager",
        SignOffRole::Abrm => "ABRM",
    };
    let next = status_after_signoff(both);
    Ok(if next == AarStatus::Approved {
        set_status(tx, aar_id, next)?;
        format!("AAR signed off by the {role_name} ({confirmation}): approved and locked")
    } else {
        format!("AAR signed off by the {role_name} ({confirmation})")
    })
}

pub(super) fn clear_signoffs(tx: &Db, aar_id: i64) -> Result<()> {
    tx.execute(
        "UPDATE aars SET manager_signed_by = NULL, manager_signed_at = NULL, abrm_signed_by = NULL,
           abrm_signed_at = NULL, manager_confirmation = NULL, abrm_confirmation = NULL WHERE id = ?1",
        [aar_id],
    )?;
    Ok(())
}
