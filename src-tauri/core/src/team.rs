//! The cross-functional escalation team of a case, and the load of people on several escalations.
//!
//! Invariants:
//! - Incident owner, ABRM, problem owner and customer account representative are held by at most one
//!   active member each; vendors and subject-matter experts can be several.
//! - A person is on a team at most once while active (a change of role is an update, not a second seat).
//! - Releasing keeps the member's record (with who released and when); nothing is deleted.
//! - "Active escalated case": level escalated and stage not closed. A person on more than one is
//!   flagged, and their manager agrees an order of work, kept with its history.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::case::{Level, Priority};
use crate::directory::{OrgRole, PersonRef};
use crate::stage::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    IncidentOwner,
    Abrm,
    ProblemOwner,
    Vendor,
    SubjectMatterExpert,
    CustomerAccountRep,
}

impl TeamRole {
    pub const ALL: [TeamRole; 6] = [
        TeamRole::IncidentOwner,
        TeamRole::Abrm,
        TeamRole::ProblemOwner,
        TeamRole::Vendor,
        TeamRole::SubjectMatterExpert,
        TeamRole::CustomerAccountRep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::IncidentOwner => "incident_owner",
            TeamRole::Abrm => "abrm",
            TeamRole::ProblemOwner => "problem_owner",
            TeamRole::Vendor => "vendor",
            TeamRole::SubjectMatterExpert => "subject_matter_expert",
            TeamRole::CustomerAccountRep => "customer_account_rep",
        }
    }

    pub fn parse(s: &str) -> Option<TeamRole> {
        TeamRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TeamRole::IncidentOwner => "Incident owner",
            TeamRole::Abrm => "ABRM",
            TeamRole::ProblemOwner => "Problem owner",
            TeamRole::Vendor => "Third-party vendor",
            TeamRole::SubjectMatterExpert => "Subject-matter expert",
            TeamRole::CustomerAccountRep => "Customer account representative",
        }
    }

    /// Whether only one active member may hold the role.
    pub fn is_single(self) -> bool {
        !matches!(self, TeamRole::Vendor | TeamRole::SubjectMatterExpert)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub person_id: i64,
    pub role: TeamRole,
}

/// A case this member is also on (for the "on several escalations" flag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaseRef {
    pub id: i64,
    pub ticket: String,
    pub title: String,
    pub level: Level,
    pub priority: Priority,
    pub stage: Stage,
}

/// Where a case stands in a person's agreed order of work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrderPosition {
    pub position: i64,
    pub of: i64,
    pub agreed_by: String,
    pub agreed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    pub id: i64,
    pub case_id: i64,
    pub person: PersonRef,
    pub role: TeamRole,
    pub standby: bool,
    pub appointed_at: DateTime<Utc>,
    pub appointed_by: String,
    pub released_at: Option<DateTime<Utc>>,
    /// The person's other active escalated cases; two or more active escalations in all flags them.
    pub other_escalations: Vec<CaseRef>,
    /// This case's place in the person's latest agreed order of work, if it is in one.
    pub order: Option<OrderPosition>,
}

/// Someone the directory says should be on the team and is not yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamSuggestion {
    pub person: PersonRef,
    pub role: TeamRole,
    /// Why, e.g. "ABRM of Department of Workforce Solutions".
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Active members first, then released ones.
    pub members: Vec<TeamMember>,
    pub suggestions: Vec<TeamSuggestion>,
}

/// One of a person's active cases in the staff-load view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoadCase {
    pub case: CaseRef,
    pub role: TeamRole,
    /// False for elevated cases: they are listed, but do not stop other work.
    pub stops_work: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkOrder {
    pub id: i64,
    pub person_id: i64,
    /// The cases in the agreed order, first to work on first.
    pub cases: Vec<CaseRef>,
    pub agreed_by: PersonRef,
    pub agreed_at: DateTime<Utc>,
    pub reason: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkOrderInput {
    pub person_id: i64,
    pub case_ids: Vec<i64>,
    pub agreed_by_id: i64,
    pub agreed_at: DateTime<Utc>,
    pub reason: String,
}

/// Who may agree an order of work.
pub const AGREEING_ROLES: [OrgRole; 3] = [
    OrgRole::DepartmentManager,
    OrgRole::ExecutiveManagement,
    OrgRole::IncidentManager,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StaffLoad {
    pub person: PersonRef,
    /// Escalated cases first (by priority), then elevated ones.
    pub cases: Vec<LoadCase>,
    /// The latest agreed order of work, if any.
    pub order: Option<WorkOrder>,
    /// True when the person's active cases are not exactly the ones in the latest order.
    pub order_out_of_date: bool,
}

/// One active membership, as the load computation reads it.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub person: PersonRef,
    pub case: CaseRef,
    pub role: TeamRole,
}

/// People on more than one active escalated case, each with all their active cases.
pub fn overloaded(assignments: &[Assignment]) -> Vec<(PersonRef, Vec<LoadCase>)> {
    let mut by_person: BTreeMap<i64, (PersonRef, Vec<LoadCase>)> = BTreeMap::new();
    for a in assignments.iter().filter(|a| a.case.stage != Stage::Closed) {
        let entry = by_person
            .entry(a.person.id)
            .or_insert_with(|| (a.person.clone(), Vec::new()));
        if !entry.1.iter().any(|c| c.case.id == a.case.id) {
            entry.1.push(LoadCase {
                case: a.case.clone(),
                role: a.role,
                stops_work: a.case.level == Level::Escalated,
            });
        }
    }
    let mut out: Vec<_> = by_person
        .into_values()
        .filter(|(_, cases)| cases.iter().filter(|c| c.stops_work).count() > 1)
        .map(|(p, mut cases)| {
            cases.sort_by_key(|c| (!c.stops_work, c.case.priority, c.case.id));
            (p, cases)
        })
        .collect();
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64, name: &str) -> PersonRef {
        PersonRef {
            id,
            name: name.into(),
            email: format!("{id}@x.gov"),
            organization: "DoIT".into(),
            retired: false,
        }
    }
    fn case(id: i64, level: Level, priority: Priority, stage: Stage) -> CaseRef {
        CaseRef {
            id,
            ticket: format!("INC{id}"),
            title: "t".into(),
            level,
            priority,
            stage,
        }
    }
    fn on(p: &PersonRef, c: &CaseRef) -> Assignment {
        Assignment {
            person: p.clone(),
            case: c.clone(),
            role: TeamRole::SubjectMatterExpert,
        }
    }

    #[test]
    fn a_person_on_two_active_escalations_is_flagged_with_all_their_cases() {
        let jane = person(1, "Jane");
        let bob = person(2, "Bob");
        let a = case(10, Level::Escalated, Priority::P2, Stage::Team);
        let b = case(11, Level::Escalated, Priority::P1, Stage::Resolving);
        let c = case(12, Level::Elevated, Priority::P1, Stage::Team);
        let load = overloaded(&[on(&jane, &a), on(&jane, &b), on(&jane, &c), on(&bob, &a), on(&bob, &c)]);
        assert_eq!(load.len(), 1, "only Jane: Bob has one escalation and one elevated case");
        let (who, cases) = &load[0];
        assert_eq!(who.name, "Jane");
        let ids: Vec<i64> = cases.iter().map(|c| c.case.id).collect();
        assert_eq!(ids, [11, 10, 12], "escalated by priority, then elevated");
        assert!(
            !cases[2].stops_work,
            "the elevated case is listed but does not stop work"
        );
    }

    #[test]
    fn closed_cases_and_elevated_cases_do_not_count_towards_the_flag() {
        let jane = person(1, "Jane");
        let open = case(10, Level::Escalated, Priority::P2, Stage::Team);
        let closed = case(11, Level::Escalated, Priority::P1, Stage::Closed);
        let elevated = case(12, Level::Elevated, Priority::P1, Stage::Team);
        assert!(overloaded(&[on(&jane, &open), on(&jane, &closed), on(&jane, &elevated)]).is_empty());
    }

    #[test]
    fn only_incident_owner_abrm_problem_owner_and_account_rep_are_single_seats() {
        let single: Vec<TeamRole> = TeamRole::ALL.into_iter().filter(|r| r.is_single()).collect();
        assert_eq!(
            single,
            [
                TeamRole::IncidentOwner,
                TeamRole::Abrm,
                TeamRole::ProblemOwner,
                TeamRole::CustomerAccountRep
            ]
        );
    }
}
