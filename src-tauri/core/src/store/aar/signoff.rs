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

use rusqlite::{params, Transaction};

use super::sections::load_sections;
use super::{claim_aar, event, load_aar, set_status};
use crate::aar::signoff::{
    check_step, may_sign, not_signed_by_same_person, ready_for_review, status_after_signoff, AarStep,
};
use crate::aar::{Aar, AarStatus, SignOffRole};
use crate::error::Result;
use crate::store::cases::find_case;
use crate::store::Store;
use crate::team::TeamRole;
use crate::timeline::EventKind;

/// Takes a status step; whether it is allowed, and by whom, is decided by `crate::aar::signoff`.
pub fn update_aar_status(store: &mut Store, aar_id: i64, expected_version: i64, step: AarStep) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        check_step(step, status)?;
        let summary = match step {
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
            AarStep::SignOff(role) => {
                let case = find_case(tx, case_id)?;
                let abrms: Vec<String> = tx
                    .prepare_cached(
                        "SELECT p.email FROM team_members t JOIN people p ON p.id = t.person_id
                         WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL",
                    )?
                    .query_map(params![case_id, TeamRole::Abrm.as_str()], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                may_sign(role, &who.name, &who.email, &case.fields.escalation_manager, &abrms)?;
                let (by, at, other) = match role {
                    SignOffRole::EscalationManager => ("manager_signed_by", "manager_signed_at", "abrm_signed_by"),
                    SignOffRole::Abrm => ("abrm_signed_by", "abrm_signed_at", "manager_signed_by"),
                };
                let other_signer: Option<String> = tx
                    .prepare_cached(&format!("SELECT {other} FROM aars WHERE id = ?1"))?
                    .query_row([aar_id], |r| r.get(0))?;
                not_signed_by_same_person(other_signer.as_deref(), &who.actor())?;
                tx.prepare_cached(&format!("UPDATE aars SET {by} = ?2, {at} = ?3 WHERE id = ?1"))?
                    .execute(params![aar_id, who.actor(), stamp.text])?;
                let both: bool = tx
                    .prepare_cached(
                        "SELECT manager_signed_at IS NOT NULL AND abrm_signed_at IS NOT NULL FROM aars WHERE id = ?1",
                    )?
                    .query_row([aar_id], |r| r.get(0))?;
                let role_name = match role {
                    SignOffRole::EscalationManager => "escalation manager",
                    SignOffRole::Abrm => "ABRM",
                };
                let next = status_after_signoff(both);
                if next == AarStatus::Approved {
                    set_status(tx, aar_id, next)?;
                    format!("AAR signed off by the {role_name}: approved and locked")
                } else {
                    format!("AAR signed off by the {role_name}")
                }
            }
            AarStep::StartNewRevision => {
                tx.prepare_cached("UPDATE aars SET status = 'draft', revision = revision + 1 WHERE id = ?1")?
                    .execute([aar_id])?;
                clear_signoffs(tx, aar_id)?;
                "AAR reopened as a new revision".to_string()
            }
        };
        event(tx, case_id, who, stamp, EventKind::AarStatusChanged, summary)
    })?;
    load_aar(store.conn(), aar_id)
}

pub(super) fn clear_signoffs(tx: &Transaction<'_>, aar_id: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE aars SET manager_signed_by = NULL, manager_signed_at = NULL, abrm_signed_by = NULL,
           abrm_signed_at = NULL WHERE id = ?1",
    )?
    .execute([aar_id])?;
    Ok(())
}
