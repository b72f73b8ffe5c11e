//! Case teams and the order of work of people on several escalations, on a real SQLite file.

mod common;

use chrono::Utc;
use common::{new_case, person};
use escalation_core::case::Level;
use escalation_core::directory::{OrgKind, OrgRole, PersonFields};
use escalation_core::stage::StageAction;
use escalation_core::store::cases::{get_case_detail, insert_case, update_stage};
use escalation_core::store::people::{insert_person, update_person_retired};
use escalation_core::store::team::{
    insert_member, insert_work_order, list_staff_load, list_work_orders, update_member_released, update_member_role,
    update_member_standby,
};
use escalation_core::store::timeline::list_events;
use escalation_core::team::{Appointment, TeamRole, WorkOrderInput};
use escalation_core::timeline::EventKind;
use escalation_core::ErrorKind;

fn appoint(t: &mut common::TempStore, case_id: i64, person_id: i64, role: TeamRole) -> escalation_core::Result<()> {
    insert_member(&mut t.store, case_id, &Appointment { person_id, role })
}

#[test]
fn appointing_changing_standby_and_releasing_are_each_on_the_timeline() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let jane = person(&mut t.store, "Jane Roe", "jane@doit.state.gov", &[]);
    appoint(&mut t, case.id, jane, TeamRole::SubjectMatterExpert).unwrap();
    let member = get_case_detail(&t.store, case.id).unwrap().team.members[0].clone();
    assert_eq!(
        (member.person.name.as_str(), member.role, member.standby),
        ("Jane Roe", TeamRole::SubjectMatterExpert, false)
    );
    update_member_role(&mut t.store, case.id, member.id, TeamRole::IncidentOwner).unwrap();
    update_member_standby(&mut t.store, case.id, member.id, true).unwrap();
    update_member_released(&mut t.store, case.id, member.id).unwrap();
    let team = get_case_detail(&t.store, case.id).unwrap().team;
    assert!(
        team.members[0].released_at.is_some(),
        "a released member stays on the record"
    );
    let kinds: Vec<EventKind> = list_events(&t.store, case.id).unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::TeamReleased,
            EventKind::TeamStandbyChanged,
            EventKind::TeamRoleChanged,
            EventKind::TeamAppointed,
            EventKind::AlertRaised,
            EventKind::CaseOpened
        ]
    );
}

#[test]
fn single_seat_roles_take_one_person_and_a_person_takes_one_seat() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let a = person(&mut t.store, "Ann", "ann@doit.state.gov", &[]);
    let b = person(&mut t.store, "Ben", "ben@doit.state.gov", &[]);
    appoint(&mut t, case.id, a, TeamRole::Abrm).unwrap();
    let err = appoint(&mut t, case.id, b, TeamRole::Abrm).unwrap_err();
    assert!(err.to_string().contains("Ann is already the ABRM"), "{err}");
    let err = appoint(&mut t, case.id, a, TeamRole::SubjectMatterExpert).unwrap_err();
    assert!(err.to_string().contains("already on the team as ABRM"), "{err}");
    appoint(&mut t, case.id, b, TeamRole::SubjectMatterExpert).unwrap();
    let c = person(&mut t.store, "Cy", "cy@doit.state.gov", &[]);
    appoint(&mut t, case.id, c, TeamRole::SubjectMatterExpert).expect("several experts are fine");
}

#[test]
fn retired_people_and_non_vendors_are_refused_for_the_seats_they_cannot_take() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let gone = person(&mut t.store, "Gone", "gone@doit.state.gov", &[]);
    update_person_retired(&mut t.store, gone, true).unwrap();
    assert_eq!(
        appoint(&mut t, case.id, gone, TeamRole::SubjectMatterExpert)
            .unwrap_err()
            .kind(),
        ErrorKind::Refused
    );
    let staff = person(&mut t.store, "Staff", "staff@doit.state.gov", &[]);
    assert!(appoint(&mut t, case.id, staff, TeamRole::Vendor)
        .unwrap_err()
        .to_string()
        .contains("not a vendor"));
    let vendor = insert_person(
        &mut t.store,
        &PersonFields {
            name: "Chris Young".into(),
            email: "chris@apex.example.com".into(),
            phone: String::new(),
            title: String::new(),
            department: String::new(),
            organization_kind: OrgKind::Vendor,
            organization: "Apex Network Services".into(),
            roles: vec![],
        },
    )
    .unwrap();
    appoint(&mut t, case.id, vendor.id, TeamRole::Vendor).unwrap();
    let team = get_case_detail(&t.store, case.id).unwrap().team;
    assert_eq!(
        team.members[0].person.organization, "Apex Network Services",
        "the vendor's organization shows"
    );
}

#[test]
fn a_retired_member_stays_on_the_case_they_were_on() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let jane = person(&mut t.store, "Jane", "jane@doit.state.gov", &[]);
    appoint(&mut t, case.id, jane, TeamRole::IncidentOwner).unwrap();
    update_person_retired(&mut t.store, jane, true).unwrap();
    let team = get_case_detail(&t.store, case.id).unwrap().team;
    assert!(team.members[0].person.retired && team.members[0].released_at.is_none());
}

#[test]
fn the_team_stage_needs_an_incident_owner_and_an_abrm_before_appraisal() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    let owner = person(&mut t.store, "Owner", "owner@doit.state.gov", &[]);
    appoint(&mut t, case.id, owner, TeamRole::IncidentOwner).unwrap();
    let detail = get_case_detail(&t.store, case.id).unwrap();
    assert_eq!(detail.stage_options[0].missing, ["an ABRM on the team"]);
    let err = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap_err();
    assert_eq!(err.payload().missing, ["an ABRM on the team"]);
    let abrm = person(&mut t.store, "Abrm", "abrm@doit.state.gov", &[OrgRole::Abrm]);
    appoint(&mut t, case.id, abrm, TeamRole::Abrm).unwrap();
    let moved = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    assert_eq!(moved.stage, escalation_core::stage::Stage::Appraisal);
}

#[test]
fn the_team_suggests_the_agencys_abrm_and_account_rep_and_the_services_owner() {
    let mut t = common::store();
    escalation_core::store::sample::insert_sample_data(&mut t.store, "Dana").unwrap();
    let case = insert_case(&mut t.store, &new_case("INC0000009", Level::Escalated)).unwrap(); // DWS, UI Claims Portal
    let suggestions = get_case_detail(&t.store, case.id).unwrap().team.suggestions;
    let got: Vec<(&str, TeamRole)> = suggestions.iter().map(|s| (s.person.name.as_str(), s.role)).collect();
    assert_eq!(
        got,
        [
            ("Elena Vargas", TeamRole::Abrm),
            ("Tom Becker", TeamRole::CustomerAccountRep),
            ("Sam Ortiz", TeamRole::SubjectMatterExpert)
        ]
    );
    assert_eq!(suggestions[0].because, "ABRM of Department of Workforce Solutions");
}

#[test]
fn a_person_on_two_escalations_is_flagged_and_their_agreed_order_shows_on_each_case() {
    let mut t = common::store();
    let a = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let b = insert_case(&mut t.store, &new_case("INC0000002", Level::Escalated)).unwrap();
    let c = insert_case(&mut t.store, &new_case("INC0000003", Level::Elevated)).unwrap();
    let jane = person(&mut t.store, "Jane", "jane@doit.state.gov", &[]);
    let grace = person(
        &mut t.store,
        "Grace",
        "grace@doit.state.gov",
        &[OrgRole::DepartmentManager],
    );
    let clerk = person(&mut t.store, "Clerk", "clerk@doit.state.gov", &[]);
    appoint(&mut t, a.id, jane, TeamRole::SubjectMatterExpert).unwrap();
    assert!(
        list_staff_load(&t.store).unwrap().is_empty(),
        "one escalation is no overload"
    );
    appoint(&mut t, b.id, jane, TeamRole::IncidentOwner).unwrap();
    appoint(&mut t, c.id, jane, TeamRole::SubjectMatterExpert).unwrap();

    let load = list_staff_load(&t.store).unwrap();
    assert_eq!(load.len(), 1);
    assert_eq!(load[0].person.name, "Jane");
    let stops: Vec<(i64, bool)> = load[0].cases.iter().map(|c| (c.case.id, c.stops_work)).collect();
    assert_eq!(
        stops,
        [(a.id, true), (b.id, true), (c.id, false)],
        "the elevated case is listed, not stopping work"
    );
    let member = get_case_detail(&t.store, a.id).unwrap().team.members[0].clone();
    assert_eq!(
        member.other_escalations.iter().map(|c| c.id).collect::<Vec<_>>(),
        [b.id],
        "flagged on the team list"
    );

    let order = WorkOrderInput {
        person_id: jane,
        case_ids: vec![b.id, a.id, c.id],
        agreed_by_id: grace,
        agreed_at: Utc::now(),
        reason: "The VPN outage blocks field officers".into(),
    };
    let bad_agreer = WorkOrderInput {
        agreed_by_id: clerk,
        ..order.clone()
    };
    assert_eq!(
        insert_work_order(&mut t.store, &bad_agreer)
            .unwrap_err()
            .payload()
            .field
            .as_deref(),
        Some("agreedById")
    );
    let incomplete = WorkOrderInput {
        case_ids: vec![b.id, a.id],
        ..order.clone()
    };
    assert_eq!(
        insert_work_order(&mut t.store, &incomplete)
            .unwrap_err()
            .payload()
            .field
            .as_deref(),
        Some("caseIds")
    );
    let future = WorkOrderInput {
        agreed_at: Utc::now() + chrono::Duration::days(1),
        ..order.clone()
    };
    assert_eq!(
        insert_work_order(&mut t.store, &future).unwrap_err().kind(),
        ErrorKind::Validation
    );

    insert_work_order(&mut t.store, &order).unwrap();
    let pos = get_case_detail(&t.store, a.id).unwrap().team.members[0]
        .order
        .clone()
        .unwrap();
    assert_eq!((pos.position, pos.of, pos.agreed_by.as_str()), (2, 3, "Grace"));
    assert_eq!(list_events(&t.store, b.id).unwrap()[0].kind, EventKind::WorkOrderAgreed);

    let reorder = WorkOrderInput {
        case_ids: vec![a.id, b.id, c.id],
        reason: "Portal deadline moved up".into(),
        ..order
    };
    insert_work_order(&mut t.store, &reorder).unwrap();
    let history = list_work_orders(&t.store, jane).unwrap();
    assert_eq!(history.len(), 2, "the earlier order is kept");
    assert_eq!(history[0].reason, "Portal deadline moved up");
    let pos = get_case_detail(&t.store, a.id).unwrap().team.members[0]
        .order
        .clone()
        .unwrap();
    assert_eq!(pos.position, 1, "the latest order is the one shown");

    // A new case for Jane makes the agreed order out of date until it is agreed again.
    let d = insert_case(&mut t.store, &new_case("INC0000004", Level::Escalated)).unwrap();
    appoint(&mut t, d.id, jane, TeamRole::SubjectMatterExpert).unwrap();
    assert!(list_staff_load(&t.store).unwrap()[0].order_out_of_date);
}

#[test]
fn renaming_an_agency_and_a_service_keeps_their_cases_alerts_suggested_team_and_report_recipients() {
    use escalation_core::alert::{CaseField, Condition, Op, Recipients, Rule};
    use escalation_core::directory::{AgencyFields, DirectoryFilter, KeyContactInput, ServiceFields};
    use escalation_core::store::aar::list_distribution_suggestions;
    use escalation_core::store::agencies::{list_agencies, update_agency};
    use escalation_core::store::alerts::{insert_alert_rule, list_alert_rules, list_case_alerts};
    use escalation_core::store::cases::update_case;
    use escalation_core::store::services::{list_services, update_service};

    let mut t = common::store();
    escalation_core::store::sample::insert_sample_data(&mut t.store, "Dana").unwrap();
    let rule = insert_alert_rule(
        &mut t.store,
        &Rule {
            name: "Anything at Workforce".into(),
            condition: Condition::Field {
                field: CaseField::Agency,
                op: Op::Is,
                value: "Department of Workforce Solutions".into(),
            },
            recipients: Recipients {
                roles: vec![OrgRole::ExecutiveManagement],
                people: vec![],
            },
            enabled: true,
        },
    )
    .unwrap();
    let before = insert_case(&mut t.store, &new_case("INC0000009", Level::Escalated)).unwrap();
    let all = DirectoryFilter::default();
    let dws = list_agencies(&t.store, &all)
        .unwrap()
        .into_iter()
        .find(|a| a.fields.name == "Department of Workforce Solutions")
        .unwrap();
    assert_eq!(
        before.fields.agency_id,
        Some(dws.id),
        "the case names the directory entry by id"
    );
    let portal = list_services(&t.store, &all)
        .unwrap()
        .into_iter()
        .find(|s| s.fields.name == "UI Claims Portal")
        .unwrap();

    update_agency(
        &mut t.store,
        dws.id,
        dws.version,
        &AgencyFields {
            name: "Workforce Solutions Department".into(),
            contacts: dws
                .contacts
                .iter()
                .map(|c| KeyContactInput {
                    person_id: c.person.id,
                    category_id: c.category.id,
                })
                .collect(),
            ..dws.fields.clone()
        },
    )
    .unwrap();
    update_service(
        &mut t.store,
        portal.id,
        portal.version,
        &ServiceFields {
            name: "Unemployment Claims Portal".into(),
            ..portal.fields.clone()
        },
    )
    .unwrap();

    let detail = get_case_detail(&t.store, before.id).unwrap();
    assert_eq!(
        detail.case.fields.agency, "Workforce Solutions Department",
        "the case shows the new name"
    );
    assert_eq!(detail.case.fields.affected_service, "Unemployment Claims Portal");
    let team: Vec<(&str, TeamRole)> = detail
        .team
        .suggestions
        .iter()
        .map(|s| (s.person.name.as_str(), s.role))
        .collect();
    assert_eq!(
        team,
        [
            ("Elena Vargas", TeamRole::Abrm),
            ("Tom Becker", TeamRole::CustomerAccountRep),
            ("Sam Ortiz", TeamRole::SubjectMatterExpert)
        ],
        "the suggested team still comes from the renamed agency and service"
    );
    let recipients = list_distribution_suggestions(&t.store, before.id).unwrap();
    let reasons: Vec<(&str, &str)> = recipients
        .iter()
        .map(|r| (r.name.as_str(), r.reason.as_str()))
        .collect();
    assert!(reasons.contains(&("Elena Vargas", "ABRM")), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|(name, why)| *name == "Sam Ortiz" && why.contains("Owner of the affected service")),
        "{reasons:?}"
    );

    let renamed = list_alert_rules(&t.store)
        .unwrap()
        .into_iter()
        .find(|r| r.id == rule.id)
        .unwrap();
    assert_eq!(
        renamed.rule.condition,
        Condition::Field {
            field: CaseField::Agency,
            op: Op::Is,
            value: "Workforce Solutions Department".into()
        },
        "the rule follows the rename"
    );
    let mut fields = common::fields("INC0000010");
    fields.agency = "Workforce Solutions Department".into();
    let after = insert_case(
        &mut t.store,
        &escalation_core::case::NewCase {
            fields,
            level: Level::Escalated,
            level_reason: "Deadline".into(),
        },
    )
    .unwrap();
    let alerts = list_case_alerts(&t.store, after.id).unwrap();
    assert!(
        alerts.iter().any(|a| a.rule_name == "Anything at Workforce"),
        "the rule still raises its alert: {:?}",
        alerts.iter().map(|a| &a.rule_name).collect::<Vec<_>>()
    );
    assert!(
        alerts.iter().any(|a| a.criteria.contains("key contact")),
        "the agency's key contacts still count"
    );

    // A page read before the rename saves with the old name and the id: the id wins, nothing is added.
    let edited = update_case(
        &mut t.store,
        before.id,
        before.version,
        &escalation_core::case::CaseFields {
            title: "Claims portal down statewide".into(),
            ..before.fields.clone()
        },
    )
    .unwrap();
    assert_eq!(edited.fields.agency, "Workforce Solutions Department");
    assert_eq!(edited.fields.agency_id, Some(dws.id));
    assert_eq!(
        common::count(
            &t.store,
            "SELECT COUNT(*) FROM agencies WHERE name = 'Department of Workforce Solutions'"
        ),
        0,
        "the old name did not come back as a new agency"
    );
}

#[test]
fn intake_adds_an_agency_the_directory_lacks_and_says_so_on_the_timeline() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000011", Level::Escalated)).unwrap();
    let agency = escalation_core::store::agencies::get_agency(&t.store, case.fields.agency_id.unwrap()).unwrap();
    assert_eq!(agency.fields.name, "Department of Workforce Solutions");
    let opened = |store: &escalation_core::Store, id: i64| {
        list_events(store, id)
            .unwrap()
            .into_iter()
            .find(|e| e.kind == EventKind::CaseOpened)
            .unwrap()
    };
    let first = opened(&t.store, case.id);
    assert!(
        first
            .summary
            .ends_with("; added to the directory: agency Department of Workforce Solutions, service UI Claims Portal"),
        "{}",
        first.summary
    );
    let again = insert_case(&mut t.store, &new_case("INC0000012", Level::Escalated)).unwrap();
    assert_eq!(
        again.fields.agency_id, case.fields.agency_id,
        "the second case finds it"
    );
    assert!(!opened(&t.store, again.id).summary.contains("added to the directory"));
}

#[test]
fn intake_refuses_a_retired_agency_beside_its_field() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000013", Level::Escalated)).unwrap();
    escalation_core::store::agencies::update_agency_retired(&mut t.store, case.fields.agency_id.unwrap(), true)
        .unwrap();
    let err = insert_case(&mut t.store, &new_case("INC0000014", Level::Escalated)).unwrap_err();
    match err {
        escalation_core::Error::Invalid(errors) => {
            assert_eq!(errors[0].field, "agency");
            assert!(
                errors[0].message.contains("retired in the directory"),
                "{}",
                errors[0].message
            );
        }
        other => panic!("expected a field error, got {other:?}"),
    }
    let edited = escalation_core::store::cases::update_case(
        &mut t.store,
        case.id,
        case.version,
        &escalation_core::case::CaseFields {
            title: "Still this agency".into(),
            ..case.fields.clone()
        },
    );
    assert!(
        edited.is_ok(),
        "a case already at a retired agency can still be edited: {edited:?}"
    );
}

#[test]
fn closing_a_case_releases_its_team_and_keeps_the_history() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Elevated)).unwrap();
    common::appoint_core_team(&mut t.store, case.id);
    common::make_plans_ready(&mut t.store, case.id);
    let mut case = escalation_core::store::cases::get_case(&t.store, case.id).unwrap();
    for _ in 0..3 {
        case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    }
    let seated = get_case_detail(&t.store, case.id).unwrap().team.members.len();
    assert!(seated >= 2, "the core team is seated");
    update_stage(
        &mut t.store,
        case.id,
        case.version,
        StageAction::Close,
        Some("Restored"),
    )
    .unwrap();

    let team = get_case_detail(&t.store, case.id).unwrap().team;
    assert_eq!(team.members.len(), seated, "every member stays on the record");
    assert!(
        team.members.iter().all(|m| m.released_at.is_some()),
        "nobody is still on a closed case's team"
    );
    let events = list_events(&t.store, case.id).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::TeamReleased && e.summary.contains("The case closed")),
        "the release is on the timeline"
    );
    assert_eq!(
        common::count(&t.store, "SELECT COUNT(*) FROM team_members WHERE released_at IS NULL"),
        0,
        "no active membership is left to count as load"
    );
    let dashboard = escalation_core::store::cases::list_cases(
        &t.store,
        &Default::default(),
        escalation_core::page::PageRequest::FIRST,
    )
    .unwrap();
    assert_eq!(
        (dashboard.rows.len(), dashboard.total),
        (0, 0),
        "a closed case leaves the dashboard and its total"
    );
}
