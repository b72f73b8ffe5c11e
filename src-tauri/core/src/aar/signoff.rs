//! The rules of the report's review and sign-off, apart from the store (as `crate::stage` is for
//! the case's stages): which status step is allowed from which status, what a report needs before
//! review, who may sign for a role, that one person never signs twice, when the report is approved,
//! when a change voids the sign-offs, and what a locked report refuses.
//!
//! Invariants:
//! - These functions only decide. The store (`store::aar`) reads the facts inside its transaction,
//!   asks here, and writes what was decided; a refusal here changes nothing.
//! - Status: draft -> in review -> approved (when both the escalation manager and the ABRM have
//!   signed off) -> distributed. An approved or distributed report is locked; changing it starts a
//!   new revision (back to draft, sign-offs cleared).
//! - A sign-off approves what the signer read: a change during review voids the sign-offs given.
//! - Two sign-offs mean two people read it, even when one person holds both roles.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{AarSection, AarStatus, SectionSource, SignOffRole};
use crate::error::{Error, Result};

/// What a status change asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
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

/// Whether `step` can be taken while the report is `status`; the refusal names the status.
pub fn check_step(step: AarStep, status: AarStatus) -> Result<()> {
    match (step, status) {
        (AarStep::SubmitForReview, AarStatus::Draft)
        | (AarStep::ReturnToDraft | AarStep::SignOff(_), AarStatus::InReview)
        | (AarStep::StartNewRevision, AarStatus::Approved | AarStatus::Distributed) => Ok(()),
        (step, status) => Err(Error::Refused(format!(
            "That is not possible while the report is {} ({step:?}).",
            status.label().to_lowercase()
        ))),
    }
}

/// A report goes to review with every section written; the improvement plan's section may stay
/// empty, its table is the plan itself.
pub fn ready_for_review<'a>(sections: impl IntoIterator<Item = &'a AarSection>) -> Result<()> {
    let empty: Vec<&str> = sections
        .into_iter()
        .filter(|s| s.body.trim().is_empty() && s.source != SectionSource::ImprovementPlan)
        .map(|s| s.title.as_str())
        .collect();
    if !empty.is_empty() {
        return Err(Error::Refused(format!(
            "Write every section before review; still empty: {}.",
            empty.join(", ")
        )));
    }
    Ok(())
}

/// The people who can sign off for a role, checked against the current user.
pub fn may_sign(
    role: SignOffRole,
    user_name: &str,
    user_email: &str,
    manager: &str,
    abrm_emails: &[String],
) -> Result<()> {
    match role {
        SignOffRole::EscalationManager if !user_name.trim().eq_ignore_ascii_case(manager.trim()) => {
            Err(Error::Refused(format!(
                "Only the case's escalation manager ({manager}) can sign off as escalation manager."
            )))
        }
        SignOffRole::Abrm if !abrm_emails.iter().any(|e| e.eq_ignore_ascii_case(user_email.trim())) => {
            Err(Error::Refused(if abrm_emails.is_empty() {
                "The case has no ABRM on its team to sign off.".into()
            } else {
                format!(
                    "Only the case's ABRM ({}) can sign off as ABRM.",
                    abrm_emails.join(", ")
                )
            }))
        }
        _ => Ok(()),
    }
}

/// Refuses a sign-off from the person who already signed in the other role (`other_signer`).
pub fn not_signed_by_same_person(other_signer: Option<&str>, signer: &str) -> Result<()> {
    if other_signer == Some(signer) {
        // Two sign-offs mean two people read it, even when one person holds both roles.
        return Err(Error::Refused(
            "You have already signed this report in the other role; the second sign-off must come from someone else."
                .into(),
        ));
    }
    Ok(())
}

/// The status after a sign-off: approved (and so locked) once both roles have signed.
pub fn status_after_signoff(both_signed: bool) -> AarStatus {
    if both_signed {
        AarStatus::Approved
    } else {
        AarStatus::InReview
    }
}

/// A sign-off approves what the signer read: a change to the report while it is in review voids
/// the sign-offs given so far.
pub fn change_voids_signoffs(status: AarStatus) -> bool {
    status == AarStatus::InReview
}

/// Refuses a change to a locked (approved or distributed) report.
pub fn may_change(status: AarStatus) -> Result<()> {
    if status.locked() {
        return Err(Error::Refused(format!(
            "The report is {}: it is locked. Start a new revision to change it.",
            status.label().to_lowercase()
        )));
    }
    Ok(())
}

/// Refuses to distribute a report that is not approved.
pub fn may_distribute(status: AarStatus) -> Result<()> {
    if !status.locked() {
        return Err(Error::Refused(
            "Only an approved report is distributed: both the escalation manager and the ABRM sign it off first."
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: [AarStep; 5] = [
        AarStep::SubmitForReview,
        AarStep::ReturnToDraft,
        AarStep::SignOff(SignOffRole::EscalationManager),
        AarStep::SignOff(SignOffRole::Abrm),
        AarStep::StartNewRevision,
    ];

    /// The statuses each step is allowed from.
    fn allowed_from(step: AarStep) -> &'static [AarStatus] {
        match step {
            AarStep::SubmitForReview => &[AarStatus::Draft],
            AarStep::ReturnToDraft | AarStep::SignOff(_) => &[AarStatus::InReview],
            AarStep::StartNewRevision => &[AarStatus::Approved, AarStatus::Distributed],
        }
    }

    fn section(title: &str, source: SectionSource, body: &str) -> AarSection {
        AarSection {
            id: 1,
            key: title.to_lowercase(),
            title: title.into(),
            source,
            body: body.into(),
            version: 1,
            assignee: None,
            edited_by: None,
            edited_at: None,
            comments: vec![],
        }
    }

    #[test]
    fn each_step_is_allowed_only_from_its_statuses() {
        for step in STEPS {
            for status in AarStatus::ALL {
                assert_eq!(
                    check_step(step, status).is_ok(),
                    allowed_from(step).contains(&status),
                    "{step:?} from {status:?}"
                );
            }
        }
    }

    #[test]
    fn a_refused_step_names_the_status_the_report_is_in() {
        let err = check_step(AarStep::SignOff(SignOffRole::Abrm), AarStatus::Draft).unwrap_err();
        assert_eq!(
            err.to_string(),
            "That is not possible while the report is draft (SignOff(Abrm)).",
            "the user is told why, in the status's words"
        );
    }

    #[test]
    fn a_report_goes_to_review_only_with_every_section_written() {
        let sections = [
            section("Summary", SectionSource::Text, "What happened."),
            section("Root cause", SectionSource::Text, "  \n"),
            section("Lessons", SectionSource::Text, ""),
        ];
        let err = ready_for_review(&sections).unwrap_err();
        assert!(
            err.to_string().ends_with("still empty: Root cause, Lessons."),
            "the refusal names every empty section, blank text counting as empty: {err}"
        );
        assert!(ready_for_review(&sections[..1]).is_ok());
    }

    #[test]
    fn the_improvement_plan_section_may_stay_empty_because_its_table_is_the_plan() {
        let sections = [
            section("Summary", SectionSource::Text, "What happened."),
            section("Improvement plan", SectionSource::ImprovementPlan, ""),
        ];
        assert!(ready_for_review(&sections).is_ok());
    }

    #[test]
    fn only_the_named_manager_and_the_teams_abrm_may_sign() {
        let abrm = vec!["elena@doit.state.gov".to_string()];
        assert!(may_sign(
            SignOffRole::EscalationManager,
            "dana whitfield",
            "d@x",
            "Dana Whitfield",
            &abrm
        )
        .is_ok());
        assert!(may_sign(
            SignOffRole::EscalationManager,
            "Elena Vargas",
            "d@x",
            "Dana Whitfield",
            &abrm
        )
        .is_err());
        assert!(may_sign(SignOffRole::Abrm, "Elena", "ELENA@doit.state.gov", "Dana", &abrm).is_ok());
        let err = may_sign(SignOffRole::Abrm, "Dana", "dana@x", "Dana", &abrm).unwrap_err();
        assert!(err.to_string().contains("elena@doit.state.gov"), "{err}");
    }

    #[test]
    fn a_case_without_an_abrm_on_its_team_has_nobody_to_sign_as_abrm() {
        let err = may_sign(SignOffRole::Abrm, "Elena", "elena@doit.state.gov", "Dana", &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The case has no ABRM on its team to sign off.",
            "the refusal says what is missing instead of naming an empty list"
        );
    }

    #[test]
    fn one_person_never_signs_in_both_roles() {
        let dana = "Dana Whitfield <dana@doit.state.gov>";
        assert!(
            not_signed_by_same_person(Some(dana), dana).is_err(),
            "holding both roles still takes a second reader"
        );
        assert!(not_signed_by_same_person(Some("Elena Vargas <elena@doit.state.gov>"), dana).is_ok());
        assert!(
            not_signed_by_same_person(None, dana).is_ok(),
            "the first signer is free to sign"
        );
    }

    #[test]
    fn the_report_is_approved_when_the_second_role_signs() {
        assert_eq!(
            status_after_signoff(false),
            AarStatus::InReview,
            "one sign-off is not enough"
        );
        assert_eq!(status_after_signoff(true), AarStatus::Approved);
        assert!(status_after_signoff(true).locked(), "an approved report is locked");
    }

    #[test]
    fn a_change_voids_the_signoffs_only_while_the_report_is_in_review() {
        for status in AarStatus::ALL {
            assert_eq!(
                change_voids_signoffs(status),
                status == AarStatus::InReview,
                "{status:?}"
            );
        }
    }

    #[test]
    fn an_approved_or_distributed_report_is_changed_only_through_a_new_revision() {
        for status in AarStatus::ALL {
            assert_eq!(may_change(status).is_err(), status.locked(), "{status:?}");
        }
        let err = may_change(AarStatus::Distributed).unwrap_err();
        assert!(err.to_string().contains("Start a new revision"), "{err}");
    }

    #[test]
    fn only_an_approved_report_is_distributed() {
        for status in AarStatus::ALL {
            assert_eq!(
                may_distribute(status).is_ok(),
                matches!(status, AarStatus::Approved | AarStatus::Distributed),
                "{status:?}: a distributed report may go to more people"
            );
        }
    }
}
