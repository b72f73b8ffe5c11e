//! The report's status steps: submit for review, return to draft, sign off, start a new revision.
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
use crate::aar::{may_sign, Aar, AarStatus, SectionSource, SignOffRole};
use crate::error::{Error, Result};
use crate::store::cases::find_case;
use crate::store::Store;
use crate::team::TeamRole;
use crate::timeline::EventKind;

/// What a status change asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "type", content = "role")]
pub enum AarStep {
    /// Draft -> in review: every section has text.
    SubmitForReview,
    /// In review -> draft.
    ReturnToDraft,
    /// Signs off as one of the two approvers; both -> approved.
    SignOff(SignOffRole),
    /// Approved or distributed -> a new draft revision.
    StartNewRevision,
}

pub fn update_aar_status(store: &mut Store, aar_id: i64, expected_version: i64, step: AarStep) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        let summary = match (step, status) {
            (AarStep::SubmitForReview, AarStatus::Draft) => {
                let empty: Vec<String> = load_sections(tx, aar_id)?
                    .into_iter()
                    .filter(|s| s.body.trim().is_empty() && s.source != SectionSource::ImprovementPlan)
                    .map(|s| s.title)
                    .collect();
                if !empty.is_empty() {
                    return Err(Error::Refused(format!(
                        "Write every section before review; still empty: {}.",
                        empty.join(", ")
                    )));
                }
                set_status(tx, aar_id, AarStatus::InReview)?;
                "AAR submitted for review".to_string()
            }
            (AarStep::ReturnToDraft, AarStatus::InReview) => {
                set_status(tx, aar_id, AarStatus::Draft)?;
                clear_signoffs(tx, aar_id)?;
                "AAR returned to draft".to_string()
            }
            (AarStep::SignOff(role), AarStatus::InReview) => {
                let case = find_case(tx, case_id)?;
                let abrms: Vec<String> = tx
                    .prepare(
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
                let other_signer: Option<String> =
                    tx.query_row(&format!("SELECT {other} FROM aars WHERE id = ?1"), [aar_id], |r| r.get(0))?;
                if other_signer.as_deref() == Some(who.actor().as_str()) {
                    // Two sign-offs mean two people read it, even when one person holds both roles.
                    return Err(Error::Refused(
                        "You have already signed this report in the other role; the second sign-off must come from someone else."
                            .into(),
                    ));
                }
                tx.execute(
                    &format!("UPDATE aars SET {by} = ?2, {at} = ?3 WHERE id = ?1"),
                    params![aar_id, who.actor(), stamp.text],
                )?;
                let both: bool = tx.query_row(
                    "SELECT manager_signed_at IS NOT NULL AND abrm_signed_at IS NOT NULL FROM aars WHERE id = ?1",
                    [aar_id],
                    |r| r.get(0),
                )?;
                let role_name = match role {
                    SignOffRole::EscalationManager => "escalation manager",
                    SignOffRole::Abrm => "ABRM",
                };
                if both {
                    set_status(tx, aar_id, AarStatus::Approved)?;
                    format!("AAR signed off by the {role_name}: approved and locked")
                } else {
                    format!("AAR signed off by the {role_name}")
                }
            }
            (AarStep::StartNewRevision, AarStatus::Approved | AarStatus::Distributed) => {
                tx.execute(
                    "UPDATE aars SET status = 'draft', revision = revision + 1 WHERE id = ?1",
                    [aar_id],
                )?;
                clear_signoffs(tx, aar_id)?;
                "AAR reopened as a new revision".to_string()
            }
            (step, status) => {
                return Err(Error::Refused(format!(
                    "That is not possible while the report is {} ({step:?}).",
                    status.label().to_lowercase()
                )))
            }
        };
        event(tx, case_id, who, stamp, EventKind::AarStatusChanged, summary)
    })?;
    load_aar(store.conn(), aar_id)
}

pub(super) fn clear_signoffs(tx: &Transaction<'_>, aar_id: i64) -> Result<()> {
    tx.execute(
        "UPDATE aars SET manager_signed_by = NULL, manager_signed_at = NULL, abrm_signed_by = NULL,
           abrm_signed_at = NULL WHERE id = ?1",
        [aar_id],
    )?;
    Ok(())
}
