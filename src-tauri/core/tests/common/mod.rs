//! Shared setup: a real SQLite file in a fresh temp folder, with a workstation user; a real SMTP server.
#![allow(dead_code)]

pub mod smtp;

use escalation_core::case::{CaseFields, CaseKind, Level, NewCase, Rating};
use escalation_core::identity::IdentityInput;
use escalation_core::store::users::update_current_user;
use escalation_core::Store;

pub struct TempStore {
    pub store: Store,
    pub dir: tempfile::TempDir,
}

impl TempStore {
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("desk.sqlite3")
    }
}

pub fn store_without_identity() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("desk.sqlite3")).unwrap();
    TempStore { store, dir }
}

pub fn store() -> TempStore {
    let mut t = store_without_identity();
    update_current_user(
        &mut t.store,
        &IdentityInput {
            name: "Dana Whitfield".into(),
            email: "dana.whitfield@doit.state.gov".into(),
            role: "Escalation manager".into(),
        },
    )
    .unwrap();
    t
}

pub fn fields(ticket: &str) -> CaseFields {
    CaseFields {
        kind: CaseKind::Incident,
        ticket: ticket.into(),
        title: "Claims portal unavailable".into(),
        description: "HTTP 503 for all claimants".into(),
        agency: "Department of Workforce Solutions".into(),
        affected_service: "UI Claims Portal".into(),
        impact: Rating::High,
        urgency: Rating::High,
        reported_by: "Maria Lopez".into(),
        escalation_manager: "Dana Whitfield".into(),
    }
}

pub fn new_case(ticket: &str, level: Level) -> NewCase {
    NewCase {
        fields: fields(ticket),
        level,
        level_reason: "Statewide outage on a deadline".into(),
    }
}

pub fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

pub fn person(store: &mut Store, name: &str, email: &str, roles: &[escalation_core::directory::OrgRole]) -> i64 {
    escalation_core::store::people::insert_person(
        store,
        &escalation_core::directory::PersonFields {
            name: name.into(),
            email: email.into(),
            phone: String::new(),
            title: String::new(),
            department: "Infrastructure".into(),
            organization_kind: escalation_core::directory::OrgKind::Division,
            organization: "DoIT".into(),
            roles: roles.to_vec(),
        },
    )
    .unwrap()
    .id
}

/// Appoints a new incident owner and ABRM, which the Team -> Appraisal guard requires.
pub fn appoint_core_team(store: &mut Store, case_id: i64) {
    use escalation_core::team::{Appointment, TeamRole};
    let owner = person(
        store,
        &format!("Owner {case_id}"),
        &format!("owner{case_id}@doit.state.gov"),
        &[],
    );
    let abrm = person(
        store,
        &format!("ABRM {case_id}"),
        &format!("abrm{case_id}@doit.state.gov"),
        &[],
    );
    escalation_core::store::team::insert_member(
        store,
        case_id,
        &Appointment {
            person_id: owner,
            role: TeamRole::IncidentOwner,
        },
    )
    .unwrap();
    escalation_core::store::team::insert_member(
        store,
        case_id,
        &Appointment {
            person_id: abrm,
            role: TeamRole::Abrm,
        },
    )
    .unwrap();
}

pub fn action(description: &str) -> escalation_core::plan::Action {
    escalation_core::plan::Action {
        id: String::new(),
        description: description.into(),
        owner_id: None,
        due: None,
        status: escalation_core::plan::ActionStatus::Open,
        resources: vec![],
    }
}

/// One action on each plan and a first review of each: what Appraisal -> Resolving requires.
pub fn make_plans_ready(store: &mut Store, case_id: i64) {
    use escalation_core::plan::{PlanKind, PlanReviewInput};
    use escalation_core::store::plans::{insert_review, insert_revision};
    for kind in [PlanKind::Escalation, PlanKind::Technical] {
        insert_revision(store, case_id, kind, 0, &[action("First step")]).unwrap();
        insert_review(
            store,
            case_id,
            kind,
            &PlanReviewInput {
                notes: "Agreed".into(),
                next_review_due: None,
            },
        )
        .unwrap();
    }
}
