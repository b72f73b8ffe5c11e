//! The case's stages as one state machine.
//!
//! Invariants:
//! - [`transition`] is the only way to compute a new stage; the store calls it for every stage
//!   change and never writes a stage it did not return.
//! - A refusal is typed: either the action does not exist in that stage ([`TransitionError::NotAllowed`])
//!   or its guard names every [`Requirement`] still missing ([`TransitionError::Missing`]).
//! - Guards read only [`StageFacts`]; later features add facts and requirements, not new paths.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Intake,
    Team,
    Appraisal,
    Resolving,
    Warranty,
    Verification,
    Review,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Intake,
        Stage::Team,
        Stage::Appraisal,
        Stage::Resolving,
        Stage::Warranty,
        Stage::Verification,
        Stage::Review,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Intake => "intake",
            Stage::Team => "team",
            Stage::Appraisal => "appraisal",
            Stage::Resolving => "resolving",
            Stage::Warranty => "warranty",
            Stage::Verification => "verification",
            Stage::Review => "review",
            Stage::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Intake => "Intake",
            Stage::Team => "Team",
            Stage::Appraisal => "Appraisal",
            Stage::Resolving => "Resolving",
            Stage::Warranty => "Warranty",
            Stage::Verification => "Verification",
            Stage::Review => "Review",
            Stage::Closed => "Closed",
        }
    }

    /// The stage that `Advance` leads to, if any.
    fn next(self) -> Option<Stage> {
        let i = Stage::ALL.iter().position(|s| *s == self)?;
        Stage::ALL.get(i + 1).copied()
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StageAction {
    /// Move forward to the next stage of the process.
    Advance,
    /// The problem came back during the warranty, or the customer is not satisfied at
    /// verification: back to resolving.
    Recur,
    /// A closed case is opened again: back to resolving.
    Reopen,
    /// Close the case with a closing summary (escalated cases only after every step is done;
    /// elevated cases take the short path from Resolving on).
    Close,
}

impl StageAction {
    pub const ALL: [StageAction; 4] = [
        StageAction::Advance,
        StageAction::Recur,
        StageAction::Reopen,
        StageAction::Close,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StageAction::Advance => "advance",
            StageAction::Recur => "recur",
            StageAction::Reopen => "reopen",
            StageAction::Close => "close",
        }
    }
}

/// Something a guard requires that the case does not have yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Reopening a closed case needs a reason.
    ReopenReason,
    /// Recording a recurrence needs a description of what came back.
    RecurrenceDescription,
    /// Appraisal needs an incident owner on the team.
    IncidentOwner,
    /// Appraisal needs the agency's business relationship manager on the team.
    Abrm,
    /// Resolving needs an action on the escalation plan ...
    EscalationPlanAction,
    /// ... and on the technical plan,
    TechnicalPlanAction,
    /// and a first review of each.
    EscalationPlanReview,
    TechnicalPlanReview,
    /// Closing needs the After Action Report distributed.
    AarDistributed,
    /// The warranty is started by the customer account representative on the team ...
    CustomerAccountRep,
    /// ... with the resolution summary and the customer's confirmation of satisfaction.
    Resolution,
    /// Verification starts when the warranty period has ended.
    WarrantyEnded,
    /// Closing an escalated case needs a warranty completed without recurrence,
    WarrantyComplete,
    /// continued satisfaction verified,
    SatisfactionVerified,
    /// the post-escalation review held with its outcome recorded,
    ReviewHeld,
    /// its input handed to problem management,
    ProblemInput,
    /// and a closing summary (every case).
    ClosingSummary,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Requirement::ReopenReason => "a reason for reopening the case",
            Requirement::RecurrenceDescription => "a description of the recurrence",
            Requirement::IncidentOwner => "an incident owner on the team",
            Requirement::Abrm => "an ABRM on the team",
            Requirement::EscalationPlanAction => "an action on the escalation plan",
            Requirement::TechnicalPlanAction => "an action on the technical plan",
            Requirement::EscalationPlanReview => "a first review of the escalation plan",
            Requirement::TechnicalPlanReview => "a first review of the technical plan",
            Requirement::AarDistributed => "the After Action Report approved and distributed",
            Requirement::CustomerAccountRep => "a customer account representative on the team",
            Requirement::Resolution => "the resolution summary and the customer's confirmation of satisfaction",
            Requirement::WarrantyEnded => "the end of the warranty period",
            Requirement::WarrantyComplete => "a warranty completed without recurrence",
            Requirement::SatisfactionVerified => "the customer's continued satisfaction verified",
            Requirement::ReviewHeld => "the post-escalation review held and its outcome recorded",
            Requirement::ProblemInput => "the review's input handed to problem management",
            Requirement::ClosingSummary => "a closing summary",
        })
    }
}

/// What the guards may look at. The store gathers it for a case; tests build it by hand.
#[derive(Debug, Clone, Default)]
pub struct StageFacts {
    /// The reason the user typed for this action, if any.
    pub reason: Option<String>,
    /// The team has an active incident owner.
    pub has_incident_owner: bool,
    /// The team has an active ABRM.
    pub has_abrm: bool,
    /// (has an action, has been reviewed) for the escalation plan and the technical plan.
    pub escalation_plan: (bool, bool),
    pub technical_plan: (bool, bool),
    /// The After Action Report has been distributed.
    pub aar_distributed: bool,
    /// The case is escalated (elevated cases take the short path to closure).
    pub escalated: bool,
    /// A customer account representative is on the team.
    pub has_car: bool,
    /// The resolution summary and the customer's confirmation come with this action.
    pub resolution_recorded: bool,
    /// The current warranty's period is over.
    pub warranty_ended: bool,
    /// The last warranty completed (no recurrence ended it).
    pub warranty_complete: bool,
    /// The last verification after the warranty found the customer satisfied.
    pub satisfaction_verified: bool,
    /// The review meeting's outcome is recorded ...
    pub review_held: bool,
    /// ... and handed to problem management.
    pub problem_input_handed: bool,
}

impl StageFacts {
    fn has_reason(&self) -> bool {
        self.reason.as_deref().is_some_and(|r| !r.trim().is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{} is not possible in the {from} stage.", action_label(*.action))]
    NotAllowed { from: Stage, action: StageAction },
    #[error("Cannot move from {from} to {to}: still needs {}.", join_requirements(.missing))]
    Missing {
        from: Stage,
        to: Stage,
        missing: Vec<Requirement>,
    },
}

fn action_label(action: StageAction) -> &'static str {
    match action {
        StageAction::Advance => "Moving forward",
        StageAction::Recur => "Recording a recurrence",
        StageAction::Reopen => "Reopening",
        StageAction::Close => "Closing",
    }
}

fn join_requirements(missing: &[Requirement]) -> String {
    missing.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(" and ")
}

/// Where `action` leads from `from`, ignoring guards; `None` when the action does not exist there.
pub fn target(from: Stage, action: StageAction) -> Option<Stage> {
    match (from, action) {
        (Stage::Closed, StageAction::Advance) => None,
        // The review is left by closing the case, which has its own guard and summary.
        (Stage::Review, StageAction::Advance) => None,
        (_, StageAction::Advance) => from.next(),
        (Stage::Warranty | Stage::Verification, StageAction::Recur) => Some(Stage::Resolving),
        (Stage::Closed, StageAction::Reopen) => Some(Stage::Resolving),
        (Stage::Resolving | Stage::Warranty | Stage::Verification | Stage::Review, StageAction::Close) => {
            Some(Stage::Closed)
        }
        _ => None,
    }
}

/// The single transition function: the new stage, or why not.
pub fn transition(from: Stage, action: StageAction, facts: &StageFacts) -> Result<Stage, TransitionError> {
    let to = target(from, action).ok_or(TransitionError::NotAllowed { from, action })?;
    let mut missing = Vec::new();
    match (from, action) {
        (_, StageAction::Reopen) if !facts.has_reason() => missing.push(Requirement::ReopenReason),
        (_, StageAction::Recur) if !facts.has_reason() => missing.push(Requirement::RecurrenceDescription),
        (Stage::Team, StageAction::Advance) => {
            if !facts.has_incident_owner {
                missing.push(Requirement::IncidentOwner);
            }
            if !facts.has_abrm {
                missing.push(Requirement::Abrm);
            }
        }
        (Stage::Appraisal, StageAction::Advance) => {
            let checks = [
                (facts.escalation_plan.0, Requirement::EscalationPlanAction),
                (facts.technical_plan.0, Requirement::TechnicalPlanAction),
                (facts.escalation_plan.1, Requirement::EscalationPlanReview),
                (facts.technical_plan.1, Requirement::TechnicalPlanReview),
            ];
            missing.extend(checks.into_iter().filter(|(ok, _)| !ok).map(|(_, r)| r));
        }
        (Stage::Resolving, StageAction::Advance) => {
            if !facts.has_car {
                missing.push(Requirement::CustomerAccountRep);
            }
            if !facts.resolution_recorded {
                missing.push(Requirement::Resolution);
            }
        }
        (Stage::Warranty, StageAction::Advance) if !facts.warranty_ended => missing.push(Requirement::WarrantyEnded),
        (Stage::Verification, StageAction::Advance) if !facts.satisfaction_verified => {
            missing.push(Requirement::SatisfactionVerified)
        }
        (_, StageAction::Close) => {
            // Every missing step at once, so a refused close is a complete to-do list.
            if facts.escalated {
                let checks = [
                    (facts.warranty_complete, Requirement::WarrantyComplete),
                    (facts.satisfaction_verified, Requirement::SatisfactionVerified),
                    (facts.aar_distributed, Requirement::AarDistributed),
                    (facts.review_held, Requirement::ReviewHeld),
                    (facts.problem_input_handed, Requirement::ProblemInput),
                ];
                missing.extend(checks.into_iter().filter(|(ok, _)| !ok).map(|(_, r)| r));
            }
            if !facts.has_reason() {
                missing.push(Requirement::ClosingSummary);
            }
        }
        _ => {}
    }
    if missing.is_empty() {
        Ok(to)
    } else {
        Err(TransitionError::Missing { from, to, missing })
    }
}

/// One possible next step, as the stage bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StageOption {
    pub action: StageAction,
    pub to: Stage,
    /// Whether the action needs a typed reason (the UI asks for it).
    pub needs_reason: bool,
    /// What is missing besides the reason; empty when the action can be taken now.
    pub missing: Vec<String>,
}

/// The actions that exist in `from`, each with what its guard still misses (ignoring the reason,
/// which the user types when taking the action).
pub fn options(from: Stage, facts: &StageFacts) -> Vec<StageOption> {
    StageAction::ALL
        .into_iter()
        .filter_map(|action| {
            let to = target(from, action)?;
            let needs_reason = matches!(action, StageAction::Recur | StageAction::Reopen | StageAction::Close);
            // The reason is typed when the action is taken, so it is never reported as missing here.
            let mut with_reason = facts.clone();
            with_reason.reason = Some("given".into());
            let missing = match transition(from, action, &with_reason) {
                Ok(_) => Vec::new(),
                Err(TransitionError::Missing { missing, .. }) => missing.iter().map(|m| m.to_string()).collect(),
                Err(e @ TransitionError::NotAllowed { .. }) => vec![e.to_string()],
            };
            Some(StageOption {
                action,
                to,
                needs_reason,
                missing,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts that satisfy every guard, so the table test sees only where actions lead.
    fn with_reason() -> StageFacts {
        StageFacts {
            reason: Some("Customer reported the outage again".into()),
            has_incident_owner: true,
            has_abrm: true,
            escalation_plan: (true, true),
            technical_plan: (true, true),
            aar_distributed: true,
            escalated: true,
            has_car: true,
            resolution_recorded: true,
            warranty_ended: true,
            warranty_complete: true,
            satisfaction_verified: true,
            review_held: true,
            problem_input_handed: true,
        }
    }

    /// The whole table: every (stage, action) pair and where it leads (None = not allowed).
    fn expected(from: Stage, action: StageAction) -> Option<Stage> {
        use Stage::*;
        use StageAction::*;
        match (from, action) {
            (Intake, Advance) => Some(Team),
            (Team, Advance) => Some(Appraisal),
            (Appraisal, Advance) => Some(Resolving),
            (Resolving, Advance) => Some(Warranty),
            (Warranty, Advance) => Some(Verification),
            (Verification, Advance) => Some(Review),
            (Warranty | Verification, Recur) => Some(Resolving),
            (Closed, Reopen) => Some(Resolving),
            (Resolving | Warranty | Verification | Review, Close) => Some(Closed),
            _ => None,
        }
    }

    #[test]
    fn every_stage_and_action_pair_leads_where_the_process_says_or_is_refused() {
        let mut pairs = 0;
        for from in Stage::ALL {
            for action in StageAction::ALL {
                pairs += 1;
                let got = transition(from, action, &with_reason());
                match expected(from, action) {
                    Some(to) => assert_eq!(got, Ok(to), "{from:?} + {action:?} should lead to {to:?}"),
                    None => assert_eq!(
                        got,
                        Err(TransitionError::NotAllowed { from, action }),
                        "{from:?} + {action:?} should be refused as not allowed"
                    ),
                }
            }
        }
        assert_eq!(pairs, 32, "8 stages x 4 actions");
    }

    #[test]
    fn reopening_a_closed_case_without_a_reason_names_the_missing_reason() {
        let err = transition(Stage::Closed, StageAction::Reopen, &StageFacts::default()).unwrap_err();
        assert_eq!(
            err,
            TransitionError::Missing {
                from: Stage::Closed,
                to: Stage::Resolving,
                missing: vec![Requirement::ReopenReason]
            }
        );
        assert!(
            err.to_string().contains("a reason for reopening"),
            "message names what is missing: {err}"
        );
    }

    #[test]
    fn a_blank_reason_counts_as_no_reason() {
        let facts = StageFacts {
            reason: Some("   ".into()),
            ..StageFacts::default()
        };
        assert!(matches!(
            transition(Stage::Warranty, StageAction::Recur, &facts),
            Err(TransitionError::Missing { missing, .. }) if missing == vec![Requirement::RecurrenceDescription]
        ));
    }

    #[test]
    fn appraisal_needs_an_incident_owner_and_an_abrm_and_names_each_that_is_missing() {
        let none = transition(Stage::Team, StageAction::Advance, &StageFacts::default()).unwrap_err();
        assert_eq!(
            none,
            TransitionError::Missing {
                from: Stage::Team,
                to: Stage::Appraisal,
                missing: vec![Requirement::IncidentOwner, Requirement::Abrm]
            }
        );
        assert!(
            none.to_string()
                .contains("an incident owner on the team and an ABRM on the team"),
            "{none}"
        );
        let owner_only = StageFacts {
            has_incident_owner: true,
            ..StageFacts::default()
        };
        assert!(matches!(
            transition(Stage::Team, StageAction::Advance, &owner_only),
            Err(TransitionError::Missing { missing, .. }) if missing == vec![Requirement::Abrm]
        ));
        let both = StageFacts {
            has_incident_owner: true,
            has_abrm: true,
            ..StageFacts::default()
        };
        assert_eq!(
            transition(Stage::Team, StageAction::Advance, &both),
            Ok(Stage::Appraisal)
        );
    }

    #[test]
    fn resolving_needs_an_action_and_a_first_review_on_both_plans() {
        let none = transition(Stage::Appraisal, StageAction::Advance, &StageFacts::default()).unwrap_err();
        assert_eq!(
            none,
            TransitionError::Missing {
                from: Stage::Appraisal,
                to: Stage::Resolving,
                missing: vec![
                    Requirement::EscalationPlanAction,
                    Requirement::TechnicalPlanAction,
                    Requirement::EscalationPlanReview,
                    Requirement::TechnicalPlanReview
                ]
            }
        );
        let unreviewed = StageFacts {
            escalation_plan: (true, false),
            technical_plan: (true, true),
            ..StageFacts::default()
        };
        assert!(matches!(
            transition(Stage::Appraisal, StageAction::Advance, &unreviewed),
            Err(TransitionError::Missing { missing, .. }) if missing == vec![Requirement::EscalationPlanReview]
        ));
        let ready = StageFacts {
            escalation_plan: (true, true),
            technical_plan: (true, true),
            ..StageFacts::default()
        };
        assert_eq!(
            transition(Stage::Appraisal, StageAction::Advance, &ready),
            Ok(Stage::Resolving)
        );
    }

    #[test]
    fn the_team_stage_bar_reports_the_missing_team_roles() {
        let o = options(Stage::Team, &StageFacts::default());
        assert_eq!(o[0].missing, ["an incident owner on the team", "an ABRM on the team"]);
    }

    #[test]
    fn advancing_needs_no_reason() {
        assert_eq!(
            transition(Stage::Intake, StageAction::Advance, &StageFacts::default()),
            Ok(Stage::Team)
        );
    }

    #[test]
    fn options_list_exactly_the_actions_that_exist_in_each_stage() {
        for from in Stage::ALL {
            let listed: Vec<StageAction> = options(from, &StageFacts::default()).iter().map(|o| o.action).collect();
            let existing: Vec<StageAction> = StageAction::ALL
                .into_iter()
                .filter(|a| expected(from, *a).is_some())
                .collect();
            assert_eq!(listed, existing, "options in {from:?}");
        }
        let warranty = options(Stage::Warranty, &StageFacts::default());
        let recur = warranty.iter().find(|o| o.action == StageAction::Recur).unwrap();
        assert!(recur.missing.is_empty(), "reasons are asked for, not reported missing");
        let close = options(Stage::Resolving, &StageFacts::default());
        let close = close.iter().find(|o| o.action == StageAction::Close).unwrap();
        assert!(
            close.missing.is_empty() && close.needs_reason,
            "an elevated close only asks for its summary"
        );
        assert!(warranty
            .iter()
            .any(|o| o.action == StageAction::Recur && o.needs_reason));
    }

    #[test]
    fn stage_names_round_trip_through_their_stored_form() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("bogus"), None);
    }

    #[test]
    fn a_refused_close_of_an_escalated_case_lists_every_missing_step() {
        let facts = StageFacts {
            escalated: true,
            ..StageFacts::default()
        };
        let err = transition(Stage::Warranty, StageAction::Close, &facts).unwrap_err();
        assert_eq!(
            err,
            TransitionError::Missing {
                from: Stage::Warranty,
                to: Stage::Closed,
                missing: vec![
                    Requirement::WarrantyComplete,
                    Requirement::SatisfactionVerified,
                    Requirement::AarDistributed,
                    Requirement::ReviewHeld,
                    Requirement::ProblemInput,
                    Requirement::ClosingSummary,
                ]
            }
        );
        assert!(err.to_string().contains("After Action Report"), "{err}");
    }

    #[test]
    fn an_elevated_case_closes_from_resolving_with_a_summary_only() {
        let facts = StageFacts {
            escalated: false,
            reason: Some("Mailboxes restored".into()),
            ..StageFacts::default()
        };
        assert_eq!(
            transition(Stage::Resolving, StageAction::Close, &facts),
            Ok(Stage::Closed)
        );
        let no_summary = StageFacts { reason: None, ..facts };
        assert_eq!(
            transition(Stage::Resolving, StageAction::Close, &no_summary),
            Err(TransitionError::Missing {
                from: Stage::Resolving,
                to: Stage::Closed,
                missing: vec![Requirement::ClosingSummary]
            })
        );
    }

    #[test]
    fn the_warranty_needs_the_account_rep_and_the_customers_confirmation_and_ends_on_time() {
        let err = transition(Stage::Resolving, StageAction::Advance, &StageFacts::default()).unwrap_err();
        assert_eq!(
            err,
            TransitionError::Missing {
                from: Stage::Resolving,
                to: Stage::Warranty,
                missing: vec![Requirement::CustomerAccountRep, Requirement::Resolution]
            }
        );
        let err = transition(Stage::Warranty, StageAction::Advance, &StageFacts::default()).unwrap_err();
        assert!(err.to_string().contains("end of the warranty period"), "{err}");
        let err = transition(Stage::Verification, StageAction::Advance, &StageFacts::default()).unwrap_err();
        assert!(err.to_string().contains("satisfaction verified"), "{err}");
    }
}
