//! Cases on a real SQLite file: intake, edits, levels, stages, problems, the dashboard list.

mod common;

use common::{count, fields, new_case};
use escalation_core::case::{CaseFields, CaseFilter, CaseKind, CaseSort, Level, Priority, Rating};
use escalation_core::page::PageRequest;
use escalation_core::problem::NewProblem;
use escalation_core::stage::{Stage, StageAction};
use escalation_core::store::cases::{
    get_case, get_case_detail, insert_case, list_cases, update_case, update_level, update_stage,
};
use escalation_core::store::problems::{get_problem_detail, insert_problem, update_case_problem};
use escalation_core::store::sample::insert_sample_data;
use escalation_core::store::timeline::{list_events, verify_case_timeline};
use escalation_core::timeline::EventKind;
use escalation_core::{Error, ErrorKind};

#[test]
fn an_opened_case_reads_back_as_entered_with_its_priority_stage_and_first_event() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case(" inc0012345 ", Level::Escalated)).unwrap();
    // Read back through a connection of its own, as the next start would.
    let store = t.open_again();
    let read = get_case(&store, case.id).unwrap();
    assert_eq!(read, case, "what was stored is what was returned");
    assert_eq!(
        read.fields.ticket, "INC0012345",
        "ticket stored trimmed and upper-cased"
    );
    assert_eq!(
        (read.priority, read.stage, read.version),
        (Priority::P1, Stage::Intake, 1)
    );
    assert_eq!(read.opened_by, "Dana Whitfield");
    let events = list_events(&store, case.id).unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EventKind::AlertRaised, EventKind::CaseOpened],
        "a P1 case raises the built-in P1 executive alert as it opens"
    );
    let events = &events[1..];
    assert_eq!(
        events[0].actor, "Dana Whitfield <dana.whitfield@doit.state.gov>",
        "the event names who made it"
    );
    assert!(
        events[0].new_value.as_deref().unwrap().contains("INC0012345"),
        "the event carries the new values"
    );
}

#[test]
fn a_duplicate_ticket_number_is_refused_whatever_its_case_and_changes_nothing() {
    let mut t = common::store();
    let first = insert_case(&mut t.store, &new_case("INC0012345", Level::Escalated)).unwrap();
    let err = insert_case(&mut t.store, &new_case("inc0012345", Level::Elevated)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Duplicate);
    let payload = err.payload();
    assert_eq!(
        payload.field.as_deref(),
        Some("ticket"),
        "the message belongs beside the ticket field"
    );
    assert!(
        payload.message.contains(&format!("escalation ESC-{:05}", first.id)) && !payload.message.contains('#'),
        "names the case that has it: {}",
        payload.message
    );
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM cases"), 1);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM timeline_events"),
        2,
        "the first case's opening and its P1 alert only"
    );
}

#[test]
fn invalid_intake_is_refused_with_every_field_error_and_stores_nothing() {
    let mut t = common::store();
    let mut bad = new_case("not a ticket", Level::Escalated);
    bad.fields.title = "".into();
    bad.level_reason = "".into();
    let err = insert_case(&mut t.store, &bad).unwrap_err();
    let fields: Vec<String> = err.payload().fields.into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["ticket", "title", "levelReason"]);
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM cases"), 0);
}

#[test]
fn nothing_changes_until_the_workstation_user_is_known() {
    let mut t = common::store_without_identity();
    let err = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap_err();
    if t.on_postgres() {
        // A team desk knows the login, not yet the person: the message says whom to ask.
        assert_eq!(err.kind(), ErrorKind::Refused);
        assert!(
            err.to_string().contains("is not a person on this team desk yet"),
            "{err}"
        );
    } else {
        assert_eq!(err.kind(), ErrorKind::NoIdentity);
    }
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM cases"), 0);
}

#[test]
fn editing_records_only_the_changed_fields_with_old_and_new_values_and_bumps_the_version() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let edited = CaseFields {
        title: "Claims portal slow".into(),
        urgency: Rating::Low,
        ..case.fields.clone()
    };
    let after = update_case(&mut t.store, case.id, case.version, &edited).unwrap();
    assert_eq!(after.version, case.version + 1);
    assert_eq!(after.priority, Priority::P3, "priority follows the new urgency");
    let event = &list_events(&t.store, case.id).unwrap()[0];
    assert_eq!(event.kind, EventKind::FieldsChanged);
    let old: serde_json::Value = serde_json::from_str(event.old_value.as_deref().unwrap()).unwrap();
    let new: serde_json::Value = serde_json::from_str(event.new_value.as_deref().unwrap()).unwrap();
    assert_eq!(
        old,
        serde_json::json!({"title": "Claims portal unavailable", "urgency": "high", "priority": "P1"})
    );
    assert_eq!(
        new,
        serde_json::json!({"title": "Claims portal slow", "urgency": "low", "priority": "P3"})
    );
}

#[test]
fn an_update_naming_an_old_version_is_a_conflict_and_changes_nothing() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let mine = CaseFields {
        title: "Mine".into(),
        ..case.fields.clone()
    };
    let theirs = CaseFields {
        title: "Theirs".into(),
        ..case.fields.clone()
    };
    update_case(&mut t.store, case.id, case.version, &theirs).unwrap();
    let err = update_case(&mut t.store, case.id, case.version, &mine).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                expected: 1,
                current: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        get_case(&t.store, case.id).unwrap().fields.title,
        "Theirs",
        "the other person's change stands"
    );
    assert_eq!(
        list_events(&t.store, case.id).unwrap().len(),
        3,
        "opened, P1 alert, their edit: no event for the refused change"
    );
    for stale in [
        update_level(&mut t.store, case.id, 1, Level::Elevated, "fine now").unwrap_err(),
        update_stage(&mut t.store, case.id, 1, StageAction::Advance, None).unwrap_err(),
    ] {
        assert_eq!(
            stale.kind(),
            ErrorKind::Conflict,
            "every case change checks the version: {stale}"
        );
    }
}

#[test]
fn changing_a_ticket_to_one_another_case_uses_is_refused() {
    let mut t = common::store();
    insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let b = insert_case(&mut t.store, &new_case("INC0000002", Level::Escalated)).unwrap();
    let err = update_case(
        &mut t.store,
        b.id,
        b.version,
        &CaseFields {
            ticket: "inc0000001".into(),
            ..b.fields.clone()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Duplicate);
    assert_eq!(
        get_case(&t.store, b.id).unwrap().version,
        b.version,
        "the refused edit did not bump the version"
    );
}

#[test]
fn an_elevated_case_can_be_escalated_and_de_escalated_with_reasons() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Elevated)).unwrap();
    let err = update_level(&mut t.store, case.id, case.version, Level::Escalated, "  ").unwrap_err();
    assert_eq!(err.payload().field.as_deref(), Some("reason"));
    let up = update_level(
        &mut t.store,
        case.id,
        case.version,
        Level::Escalated,
        "Second agency affected",
    )
    .unwrap();
    assert_eq!(
        (up.level, up.level_reason.as_str()),
        (Level::Escalated, "Second agency affected")
    );
    let down = update_level(&mut t.store, up.id, up.version, Level::Elevated, "Workaround in place").unwrap();
    assert_eq!(down.level, Level::Elevated);
    let events = list_events(&t.store, case.id).unwrap();
    assert_eq!(events[0].summary, "De-escalated to elevated: Workaround in place");
    assert_eq!(events[1].summary, "Escalated: Second agency affected");
    assert!(events[0].old_value.as_deref().unwrap().contains("escalated"));
}

#[test]
fn a_case_walks_every_stage_to_closed_and_a_refused_action_changes_nothing() {
    let mut t = common::store();
    let mut case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = update_stage(
        &mut t.store,
        case.id,
        case.version,
        StageAction::Reopen,
        Some("why not"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransitionRefused);
    assert_eq!(get_case(&t.store, case.id).unwrap().version, case.version);
    case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    assert_eq!(case.stage, Stage::Team);
    let err = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap_err();
    assert_eq!(
        err.payload().missing,
        ["an incident owner on the team", "an ABRM on the team"]
    );
    common::appoint_core_team(&mut t.store, case.id);
    case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    assert_eq!(case.stage, Stage::Appraisal);
    let err = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap_err();
    assert_eq!(
        err.payload().missing.len(),
        4,
        "both plans need an action and a review: {:?}",
        err.payload().missing
    );
    common::make_plans_ready(&mut t.store, case.id);
    case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    assert_eq!(case.stage, Stage::Resolving);
    let err = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap_err();
    assert_eq!(
        err.payload().missing,
        [
            "a customer account representative on the team",
            "the resolution summary and the customer's confirmation of satisfaction"
        ],
        "the warranty is started with its own form, by the account representative"
    );
    common::appoint_car(&mut t.store, case.id);
    case = common::start_warranty(&mut t.store, case.id);
    assert_eq!(case.stage, Stage::Warranty);
    let err = update_stage(&mut t.store, case.id, case.version, StageAction::Recur, None).unwrap_err();
    assert_eq!(err.payload().missing, ["a description of the recurrence"]);
    case = update_stage(
        &mut t.store,
        case.id,
        case.version,
        StageAction::Recur,
        Some("Portal down again at 14:10"),
    )
    .unwrap();
    assert_eq!(case.stage, Stage::Resolving);
    case = common::start_warranty(&mut t.store, case.id);
    case = common::finish_warranty(&mut t.store, case.id);
    assert_eq!(case.stage, Stage::Verification);
    case = common::verify_satisfied(&mut t.store, case.id);
    assert_eq!(case.stage, Stage::Review);
    let err = update_stage(&mut t.store, case.id, case.version, StageAction::Close, None).unwrap_err();
    assert_eq!(
        err.payload().missing,
        [
            "the After Action Report approved and distributed",
            "the post-escalation review held and its outcome recorded",
            "the review's input handed to problem management",
            "a closing summary"
        ],
        "a refused close lists every missing step"
    );
    common::distribute_aar(&mut t.store, case.id);
    common::hold_review(&mut t.store, case.id);
    case = escalation_core::store::cases::get_case(&t.store, case.id).unwrap();
    case = update_stage(
        &mut t.store,
        case.id,
        case.version,
        StageAction::Close,
        Some("Resolved, warrantied, reviewed"),
    )
    .unwrap();
    assert_eq!(case.stage, Stage::Closed);
    assert!(
        list_cases(&t.store, &CaseFilter::default(), PageRequest::FIRST)
            .unwrap()
            .rows
            .is_empty(),
        "closed cases leave the dashboard"
    );
    case = update_stage(
        &mut t.store,
        case.id,
        case.version,
        StageAction::Reopen,
        Some("Customer reports data loss"),
    )
    .unwrap();
    assert_eq!(case.stage, Stage::Resolving);
    let moves: Vec<_> = list_events(&t.store, case.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::StageChanged)
        .collect();
    assert_eq!(
        moves.len(),
        10,
        "team, appraisal, resolving, warranty, recurrence, warranty, verification, review, closed, reopened"
    );
    assert_eq!(
        moves[0].summary,
        "Reopened, back to Resolving: Customer reports data loss"
    );
    assert!(verify_case_timeline(&t.store, case.id).unwrap().is_intact());
}

#[test]
fn the_case_page_offers_the_actions_of_its_stage() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let detail = get_case_detail(&t.store, case.id).unwrap();
    assert_eq!(detail.stage_options.len(), 1);
    assert_eq!(
        (detail.stage_options[0].action, detail.stage_options[0].to),
        (StageAction::Advance, Stage::Team)
    );
}

#[test]
fn the_dashboard_sorts_by_priority_then_age_and_filters_by_text_and_stage() {
    let mut t = common::store();
    let mut low = new_case("INC0000001", Level::Elevated);
    low.fields.impact = Rating::Low;
    low.fields.urgency = Rating::Low;
    low.fields.title = "Printer queue 100% stuck".into();
    let low = insert_case(&mut t.store, &low).unwrap();
    let old_p1 = insert_case(&mut t.store, &new_case("INC0000002", Level::Escalated)).unwrap();
    let new_p1 = insert_case(&mut t.store, &new_case("INC0000003", Level::Escalated)).unwrap();
    update_stage(&mut t.store, new_p1.id, new_p1.version, StageAction::Advance, None).unwrap();

    let ids = |f: CaseFilter| {
        list_cases(&t.store, &f, PageRequest::FIRST)
            .unwrap()
            .rows
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(CaseFilter::default()),
        [old_p1.id, new_p1.id, low.id],
        "P1s first, oldest first"
    );
    assert_eq!(
        ids(CaseFilter {
            text: Some("printer".into()),
            ..Default::default()
        }),
        [low.id]
    );
    assert_eq!(
        ids(CaseFilter {
            text: Some("100%".into()),
            ..Default::default()
        }),
        [low.id],
        "% is matched literally"
    );
    assert_eq!(
        ids(CaseFilter {
            text: Some("0%".into()),
            ..Default::default()
        }),
        [low.id]
    );
    assert_eq!(
        ids(CaseFilter {
            stage: Some(Stage::Team),
            ..Default::default()
        }),
        [new_p1.id]
    );
    assert_eq!(
        ids(CaseFilter {
            text: Some("workforce".into()),
            stage: Some(Stage::Intake),
            ..Default::default()
        }),
        [old_p1.id, low.id]
    );
}

#[test]
fn a_problem_created_from_an_escalated_incident_relates_it_and_others_can_join() {
    let mut t = common::store();
    let a = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let b = insert_case(&mut t.store, &new_case("INC0000002", Level::Elevated)).unwrap();
    let err = insert_problem(
        &mut t.store,
        b.id,
        b.version,
        &NewProblem {
            ticket: "PRB0000001".into(),
            title: "x".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "only from an escalated incident");

    let a = insert_problem(
        &mut t.store,
        a.id,
        a.version,
        &NewProblem {
            ticket: "prb0000001".into(),
            title: "DB failover".into(),
        },
    )
    .unwrap();
    let pid = a.problem_id.expect("the incident is related to its new problem");
    let b = update_case_problem(&mut t.store, b.id, b.version, Some(pid)).unwrap();
    assert_eq!(b.problem_id, Some(pid));

    let problem = get_problem_detail(&t.store, pid).unwrap();
    assert_eq!(problem.problem.ticket, "PRB0000001");
    let mut related: Vec<i64> = problem.incidents.iter().map(|c| c.id).collect();
    related.sort();
    assert_eq!(related, [a.id, b.id], "the problem shows its incidents");
    let detail = get_case_detail(&t.store, b.id).unwrap();
    assert_eq!(
        detail.problem.unwrap().problem.id,
        pid,
        "each incident shows its problem"
    );
    assert_eq!(list_events(&t.store, a.id).unwrap()[0].kind, EventKind::ProblemCreated);
    assert_eq!(list_events(&t.store, b.id).unwrap()[0].kind, EventKind::ProblemLinked);

    let again = insert_problem(
        &mut t.store,
        a.id,
        a.version,
        &NewProblem {
            ticket: "PRB0000002".into(),
            title: "y".into(),
        },
    )
    .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Refused, "an incident has one problem");
    let b = update_case_problem(&mut t.store, b.id, b.version, None).unwrap();
    assert_eq!(b.problem_id, None);
    assert_eq!(list_events(&t.store, b.id).unwrap()[0].kind, EventKind::ProblemUnlinked);
}

#[test]
fn service_requests_do_not_relate_to_problems() {
    let mut t = common::store();
    let mut sr = new_case("RITM0000001", Level::Escalated);
    sr.fields = CaseFields {
        kind: CaseKind::ServiceRequest,
        ..fields("RITM0000001")
    };
    let sr = insert_case(&mut t.store, &sr).unwrap();
    let err = insert_problem(
        &mut t.store,
        sr.id,
        sr.version,
        &NewProblem {
            ticket: "PRB1".into(),
            title: "x".into(),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("Only incidents"), "{err}");
}

#[test]
fn sample_data_fills_an_empty_database_with_verifiable_cases_and_only_once() {
    let mut t = common::store();
    let n = insert_sample_data(&mut t.store, "Dana Whitfield").unwrap();
    let cases = list_cases(&t.store, &CaseFilter::default(), PageRequest::FIRST)
        .unwrap()
        .rows;
    assert_eq!(cases.len(), n);
    assert!(cases.iter().any(|c| c.level == Level::Escalated) && cases.iter().any(|c| c.level == Level::Elevated));
    for c in &cases {
        assert!(
            verify_case_timeline(&t.store, c.id).unwrap().is_intact(),
            "sample case {} has a valid chain",
            c.ticket
        );
    }
    assert_eq!(
        insert_sample_data(&mut t.store, "Dana").unwrap_err().kind(),
        ErrorKind::Refused
    );
}

#[test]
fn an_identity_change_goes_on_the_timeline_of_the_cases_the_previous_identity_changed_with_its_os_login() {
    use escalation_core::identity::IdentityInput;
    use escalation_core::store::timeline::list_events;
    use escalation_core::store::users::update_current_user_from;
    // A workstation's own file: on a team desk the login is who you are (store_roles.rs).
    let mut t = common::sqlite_store_without_identity();
    let dana = IdentityInput {
        name: "Dana Whitfield".into(),
        email: "dana@doit.state.gov".into(),
        role: "Escalation manager".into(),
    };
    let who = update_current_user_from(&mut t.store, &dana, "dwhitfield", "ws-17").unwrap();
    assert_eq!((who.os_account.as_str(), who.machine.as_str()), ("dwhitfield", "ws-17"));
    let touched = insert_case(&mut t.store, &common::new_case("INC0000001", Level::Escalated)).unwrap();
    let elena = IdentityInput {
        name: "Elena Vargas".into(),
        email: "elena@dws.state.gov".into(),
        role: "ABRM".into(),
    };
    update_current_user_from(&mut t.store, &elena, "dwhitfield", "ws-17").unwrap();
    let untouched = insert_case(&mut t.store, &common::new_case("INC0000002", Level::Escalated)).unwrap();
    update_current_user_from(&mut t.store, &elena, "dwhitfield", "ws-17").unwrap(); // the same identity again: no change

    let changes: Vec<_> = list_events(&t.store, touched.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == escalation_core::timeline::EventKind::IdentityChanged)
        .collect();
    assert_eq!(
        changes.len(),
        1,
        "once: making the same identity current again is no change"
    );
    let last = &changes[0];
    assert_eq!(
        last.summary,
        "Workstation identity changed from Dana Whitfield <dana@doit.state.gov> (OS account dwhitfield on ws-17) \
         to Elena Vargas <elena@dws.state.gov> (OS account dwhitfield on ws-17)"
    );
    let kinds: Vec<_> = list_events(&t.store, untouched.id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        !kinds.contains(&escalation_core::timeline::EventKind::IdentityChanged),
        "{kinds:?}"
    );
    assert!(
        escalation_core::store::timeline::verify_case_timeline(&t.store, touched.id)
            .unwrap()
            .is_intact()
    );

    // Back to Dana: Elena changed the second case, not the first (the change recorded in her name
    // there is not hers), so only the second one gets the new event.
    update_current_user_from(&mut t.store, &dana, "dwhitfield", "ws-17").unwrap();
    let count_changes = |store: &escalation_core::Store, id: i64| {
        list_events(store, id)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == escalation_core::timeline::EventKind::IdentityChanged)
            .count()
    };
    assert_eq!(count_changes(&t.store, touched.id), 1, "no echo of the first change");
    assert_eq!(count_changes(&t.store, untouched.id), 1);
}

#[test]
fn the_dashboard_reads_one_page_at_a_time_in_sql_with_the_total_of_what_matches() {
    let mut t = common::store();
    // Seven cases: escalated P1s and elevated P4s, alternately.
    let mut ids = Vec::new();
    for i in 1..=7 {
        let mut new = new_case(
            &format!("INC000000{i}"),
            if i % 2 == 1 { Level::Escalated } else { Level::Elevated },
        );
        if i % 2 == 0 {
            new.fields.impact = Rating::Low;
            new.fields.urgency = Rating::Low;
        }
        ids.push(insert_case(&mut t.store, &new).unwrap().id);
    }
    let page = |filter: CaseFilter, offset: u32, limit: u32| {
        let p = list_cases(&t.store, &filter, PageRequest { offset, limit }).unwrap();
        (p.rows.into_iter().map(|c| c.id).collect::<Vec<_>>(), p.total)
    };
    assert_eq!(
        page(CaseFilter::default(), 0, 3),
        (vec![ids[0], ids[2], ids[4]], 7),
        "a page holds its rows only; the total counts every match"
    );
    assert_eq!(
        page(CaseFilter::default(), 3, 3),
        (vec![ids[6], ids[1], ids[3]], 7),
        "the next page goes on where the first stopped (P1s, then P4s, oldest first)"
    );
    assert_eq!(
        page(CaseFilter::default(), 6, 3),
        (vec![ids[5]], 7),
        "the last page holds the rest"
    );
    assert_eq!(
        page(CaseFilter::default(), 9, 3),
        (vec![], 7),
        "past the end: no rows, the same total"
    );
    let escalated = CaseFilter {
        level: Some(Level::Escalated),
        ..Default::default()
    };
    assert_eq!(
        page(escalated.clone(), 0, 2),
        (vec![ids[0], ids[2]], 4),
        "one level, with its own total"
    );
    assert_eq!(
        page(
            CaseFilter {
                sort: CaseSort::NewestFirst,
                ..escalated.clone()
            },
            0,
            2
        ),
        (vec![ids[6], ids[4]], 4),
        "newest first"
    );
    assert_eq!(
        page(
            CaseFilter {
                sort: CaseSort::Ticket,
                text: Some("inc000000".into()),
                ..Default::default()
            },
            0,
            2
        ),
        (vec![ids[0], ids[1]], 7),
        "by ticket, filtered by text"
    );
    assert_eq!(
        page(
            CaseFilter {
                text: Some("INC0000005".into()),
                ..escalated
            },
            0,
            25
        ),
        (vec![ids[4]], 1),
        "the filter narrows the total too"
    );
    let huge = list_cases(
        &t.store,
        &CaseFilter::default(),
        PageRequest {
            offset: 0,
            limit: 1_000_000,
        },
    )
    .unwrap();
    assert_eq!(
        huge.limit,
        escalation_core::page::MAX_PAGE_ROWS,
        "no page grows with the desk"
    );
}

#[test]
fn the_problem_panel_lists_exactly_the_cases_related_to_its_problem() {
    let mut t = common::store();
    let mut problem_of = |ticket: &str, problem: &str| {
        let case = insert_case(&mut t.store, &new_case(ticket, Level::Escalated)).unwrap();
        insert_problem(
            &mut t.store,
            case.id,
            case.version,
            &NewProblem {
                ticket: problem.into(),
                title: "Gateway timeouts".into(),
            },
        )
        .unwrap()
    };
    let a = problem_of("INC0000001", "PRB0000001");
    let b = problem_of("INC0000002", "PRB0000002");
    let c = insert_case(&mut t.store, &new_case("INC0000003", Level::Elevated)).unwrap();
    let c = update_case_problem(&mut t.store, c.id, c.version, a.problem_id).unwrap();
    insert_case(&mut t.store, &new_case("INC0000004", Level::Elevated)).unwrap();

    let panel = get_problem_detail(&t.store, a.problem_id.unwrap()).unwrap();
    assert_eq!(
        panel.incidents.iter().map(|i| i.id).collect::<Vec<_>>(),
        [a.id, c.id],
        "its own incidents, in the dashboard's order, and no other case of the desk"
    );
    let other = get_problem_detail(&t.store, b.problem_id.unwrap()).unwrap();
    assert_eq!(other.incidents.iter().map(|i| i.id).collect::<Vec<_>>(), [b.id]);
    assert_eq!(
        get_case_detail(&t.store, c.id)
            .unwrap()
            .problem
            .unwrap()
            .incidents
            .len(),
        2,
        "the case page's problem panel is the same read"
    );
}

#[test]
fn the_first_screens_totals_kept_by_the_store_match_a_count_of_the_cases_after_every_kind_of_change() {
    let mut t = common::store();
    let a = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let b = insert_case(&mut t.store, &new_case("INC0000002", Level::Elevated)).unwrap();
    insert_case(&mut t.store, &new_case("INC0000003", Level::Escalated)).unwrap();
    let a = update_level(&mut t.store, a.id, a.version, Level::Elevated, "Contained").unwrap();
    update_stage(&mut t.store, b.id, b.version, StageAction::Advance, None).unwrap();
    let kept = |level: Option<Level>| {
        let filter = CaseFilter {
            level,
            ..Default::default()
        };
        list_cases(&t.store, &filter, PageRequest::FIRST).unwrap().total
    };
    let counted = |level: &str| {
        count(
            &t.store,
            &format!("SELECT COUNT(*) FROM cases WHERE stage <> 'closed' AND level = '{level}'"),
        )
    };
    assert_eq!(
        (kept(Some(Level::Escalated)), kept(Some(Level::Elevated)), kept(None)),
        (counted("escalated"), counted("elevated"), 3),
        "an insert, a change of level and a stage move keep the totals exact"
    );
    assert_eq!((kept(Some(Level::Escalated)), kept(Some(Level::Elevated))), (1, 2));
    // A filter counts what matches instead.
    let filtered = CaseFilter {
        text: Some("INC0000001".into()),
        ..Default::default()
    };
    assert_eq!(list_cases(&t.store, &filtered, PageRequest::FIRST).unwrap().total, 1);
    assert_eq!(a.level, Level::Elevated);
}
