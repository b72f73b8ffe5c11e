//! The end of the process on a real SQLite file: warranty, standby, recurrence, verification,
//! the review invitation (iCalendar in the outbox), its update and cancellation, the input to
//! problem management, and the short path of elevated cases.

mod common;

use common::{appoint_car, appoint_core_team, count, new_case, person};
use escalation_core::case::Level;
use escalation_core::closure::{Attendee, RecurrenceInput, ReviewMeetingInput, VerificationInput};
use escalation_core::page::PageRequest;
use escalation_core::stage::{Stage, StageAction};
use escalation_core::store::cases::{get_case, get_case_detail, insert_case, list_cases, update_stage};
use escalation_core::store::closure::*;
use escalation_core::store::now;
use escalation_core::store::outbox::list_outbox;
use escalation_core::{ErrorKind, Store};

/// An escalated case in Resolving with its core team and an account representative.
fn resolving(store: &mut Store) -> i64 {
    let case = insert_case(store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(store, case.id);
    common::make_plans_ready(store, case.id);
    let mut case = get_case(store, case.id).unwrap();
    for _ in 0..3 {
        case = update_stage(store, case.id, case.version, StageAction::Advance, None).unwrap();
    }
    assert_eq!(case.stage, Stage::Resolving);
    appoint_car(store, case.id);
    case.id
}

fn meeting_input(when_days: i64) -> ReviewMeetingInput {
    ReviewMeetingInput {
        starts_at: now() + chrono::Duration::days(when_days),
        duration_minutes: 60,
        location: "https://meet.state.gov/review".into(),
        attendees: vec![
            Attendee {
                name: "Robert Chavez".into(),
                email: "cio@doit.state.gov".into(),
            },
            Attendee {
                name: "José Núñez".into(),
                email: "jose.nunez@dws.state.gov".into(),
            },
        ],
        agenda: "1. What happened\n2. Open improvement: monthly failover test".into(),
    }
}

#[test]
fn starting_the_warranty_records_the_confirmation_puts_the_team_on_standby_and_tells_them() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    let case = common::start_warranty(&mut t.store, case_id);
    assert_eq!(case.stage, Stage::Warranty);
    let detail = get_case_detail(&t.store, case_id).unwrap();
    let w = &detail.closure.warranties[0];
    assert_eq!((w.number, w.period_days), (1, 30), "the settings' default period");
    assert_eq!(w.confirmed_by, "Linda Morales");
    assert_eq!(w.warranted_by, format!("CAR {case_id}"));
    assert_eq!(detail.closure.standby.len(), 3, "owner, ABRM and CAR stand by");
    assert!(detail
        .closure
        .standby
        .iter()
        .all(|m| m.email.ends_with("@doit.state.gov")));
    let notice = list_outbox(&t.store, None, 50)
        .unwrap()
        .into_iter()
        .find(|m| m.subject.contains("warranty of 30 days"))
        .expect("the team is told");
    assert_eq!(notice.recipients.len(), 3);
    let summary = list_cases(&t.store, &Default::default(), PageRequest::FIRST)
        .unwrap()
        .rows
        .remove(0);
    assert_eq!(summary.warranty_ends_at, Some(w.ends_at), "the dashboard shows the end");
    assert!(!summary.warranty_ends_this_week, "30 days away");
}

#[test]
fn a_recurrence_ends_the_warranty_puts_the_team_back_to_work_and_the_next_resolution_starts_warranty_two() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    let case = common::start_warranty(&mut t.store, case_id);
    let bad = insert_recurrence(
        &mut t.store,
        case_id,
        case.version,
        &RecurrenceInput {
            observed_at: now(),
            description: " ".into(),
        },
    )
    .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Validation);
    let observed = now() - chrono::Duration::hours(2);
    let case = insert_recurrence(
        &mut t.store,
        case_id,
        case.version,
        &RecurrenceInput {
            observed_at: observed,
            description: "Portal returns 503 again".into(),
        },
    )
    .unwrap();
    assert_eq!(case.stage, Stage::Resolving);
    let detail = get_case_detail(&t.store, case_id).unwrap();
    assert_eq!(detail.closure.warranties[0].outcome.as_deref(), Some("recurred"));
    assert_eq!(detail.closure.recurrences.len(), 1);
    assert_eq!(
        detail.closure.recurrences[0].observed_at, observed,
        "when it was seen, not when typed"
    );
    assert!(detail.closure.standby.is_empty(), "the team is back at work");
    let case = common::start_warranty(&mut t.store, case_id);
    let detail = get_case_detail(&t.store, case_id).unwrap();
    assert_eq!(detail.closure.warranties[0].number, 2);
    assert_eq!(case.stage, Stage::Warranty);
}

#[test]
fn the_warranty_moves_to_verification_only_when_it_ends_and_not_satisfied_goes_back_with_the_reason() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    let case = common::start_warranty(&mut t.store, case_id);
    assert_eq!(update_ended_warranties(&mut t.store).unwrap(), 0, "not over yet");
    let err = update_stage(&mut t.store, case_id, case.version, StageAction::Advance, None).unwrap_err();
    assert_eq!(err.payload().missing, ["the end of the warranty period"]);
    let case = common::finish_warranty(&mut t.store, case_id);
    assert_eq!(case.stage, Stage::Verification);
    assert_eq!(
        get_case_detail(&t.store, case_id).unwrap().closure.warranties[0]
            .outcome
            .as_deref(),
        Some("completed")
    );
    let err = insert_verification(
        &mut t.store,
        case_id,
        case.version,
        &VerificationInput {
            contact: "Linda Morales".into(),
            verified_at: now(),
            satisfied: false,
            notes: "".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.payload().fields[0].field, "notes");
    let case = insert_verification(
        &mut t.store,
        case_id,
        case.version,
        &VerificationInput {
            contact: "Linda Morales".into(),
            verified_at: now(),
            satisfied: false,
            notes: "Slow again every Monday morning".into(),
        },
    )
    .unwrap();
    assert_eq!(case.stage, Stage::Resolving);
    let events = escalation_core::store::timeline::list_events(&t.store, case_id).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.summary.contains("not satisfied at verification")),
        "the reason is on the timeline"
    );
}

#[test]
fn the_review_invitation_update_and_cancellation_share_one_uid_with_rising_sequence() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    common::start_warranty(&mut t.store, case_id);
    common::finish_warranty(&mut t.store, case_id);
    let case = common::verify_satisfied(&mut t.store, case_id);
    assert_eq!(case.stage, Stage::Review);
    escalation_core::store::mail_settings::update_smtp_settings(
        &mut t.store,
        &escalation_core::mail::settings::SmtpSettings {
            host: "127.0.0.1".into(),
            port: 2525,
            security: escalation_core::mail::settings::Security::Plain,
            username: String::new(),
            sender_name: "Escalation Desk".into(),
            sender_address: "escalations@doit.state.gov".into(),
            extra_ca_pem: String::new(),
        },
    )
    .unwrap();
    let past = ReviewMeetingInput {
        starts_at: now() - chrono::Duration::hours(1),
        ..meeting_input(1)
    };
    assert_eq!(
        insert_review_meeting(&mut t.store, case_id, &past)
            .unwrap_err()
            .payload()
            .fields[0]
            .field,
        "startsAt"
    );
    let m = insert_review_meeting(&mut t.store, case_id, &meeting_input(3)).unwrap();
    let again = insert_review_meeting(&mut t.store, case_id, &meeting_input(4)).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Refused, "one live meeting at a time");
    let fewer = ReviewMeetingInput {
        attendees: meeting_input(5).attendees[..1].to_vec(),
        ..meeting_input(5)
    };
    let moved = update_review_meeting(&mut t.store, m.id, 0, &fewer).unwrap();
    assert_eq!((moved.uid.clone(), moved.sequence), (m.uid.clone(), 1));
    let stale = update_review_meeting(&mut t.store, m.id, 0, &meeting_input(6)).unwrap_err();
    assert_eq!(
        stale.kind(),
        ErrorKind::Conflict,
        "a meeting moved meanwhile is not moved again"
    );
    let cancelled = update_review_meeting_cancelled(&mut t.store, m.id, 1).unwrap();
    assert_eq!((cancelled.status.as_str(), cancelled.sequence), ("cancelled", 2));

    let mimes: Vec<String> = t
        .store
        .conn()
        .prepare_cached("SELECT mime FROM outbox WHERE purpose = 'review' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        mimes.len(),
        4,
        "invitation, update, cancellation to the one removed, cancellation"
    );
    assert!(
        mimes[2].contains("jose.nunez@dws.state.gov") && !mimes[2].contains("To: cio@"),
        "the attendee taken off the list is told the meeting is off for them"
    );
    for (mime, (method, seq)) in mimes
        .iter()
        .zip([("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 1), ("CANCEL", 2)])
    {
        // Undo quoted-printable (the part holds non-ASCII names), then the iCalendar folding.
        // Where the encoder breaks lines moves with the text's length: a space or quote next to a
        // break is encoded, so those are decoded too.
        let unfolded = mime
            .replace("=\r\n", "")
            .replace("=3D", "=")
            .replace("=20", " ")
            .replace("=22", "\"")
            .replace("\r\n ", "")
            .replace("\r\n\t", "");
        assert!(
            unfolded.contains(&format!("text/calendar; method={method}")),
            "an inline calendar part with its method"
        );
        assert!(unfolded.contains(&format!("METHOD:{method}")), "{method}");
        assert!(unfolded.contains(&format!("SEQUENCE:{seq}")), "sequence {seq}");
        assert!(unfolded.contains(&format!("UID:{}", m.uid)), "same UID every time");
        assert!(unfolded.contains("RSVP=TRUE"));
        assert!(unfolded.contains("BEGIN:VTIMEZONE"));
        assert!(
            unfolded.contains("ORGANIZER;CN=\"Dana Whitfield\";SENT-BY=\"mailto:escalations@doit.state.gov\":mailto:dana.whitfield@doit.state.gov"),
            "the escalation manager organizes; the desk's mailbox sends for them:\n{unfolded}"
        );
    }
    let suggested = get_case_detail(&t.store, case_id).unwrap().closure.suggested_attendees;
    assert_eq!(
        suggested.first().map(|a| a.email.as_str()),
        Some("dana.whitfield@doit.state.gov"),
        "the escalation manager is suggested first: {suggested:?}"
    );
}

#[test]
fn the_review_outcome_creates_the_problem_case_when_missing_and_hands_it_the_input() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    common::start_warranty(&mut t.store, case_id);
    common::finish_warranty(&mut t.store, case_id);
    common::verify_satisfied(&mut t.store, case_id);
    let m = insert_review_meeting(&mut t.store, case_id, &meeting_input(2)).unwrap();
    let err = update_review_outcome(
        &mut t.store,
        m.id,
        &escalation_core::closure::ReviewOutcomeInput {
            outcome: "Agreed".into(),
            findings: "Failover untested".into(),
            actions: "Test monthly".into(),
            new_problem_ticket: None,
            held_at: Some(escalation_core::store::now()),
        },
    )
    .unwrap_err();
    assert_eq!(err.payload().fields[0].field, "newProblemTicket");
    let held = update_review_outcome(
        &mut t.store,
        m.id,
        &escalation_core::closure::ReviewOutcomeInput {
            outcome: "Agreed on monthly failover tests".into(),
            findings: "Failover untested".into(),
            actions: "Test monthly".into(),
            new_problem_ticket: Some("prb0000001".into()),
            held_at: Some(escalation_core::store::now()),
        },
    )
    .unwrap();
    assert_eq!(held.status, "held");
    assert_eq!(held.problem_ticket.as_deref(), Some("PRB0000001"));
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM problem_inputs"), 1);
    assert!(
        get_case(&t.store, case_id).unwrap().problem_id.is_some(),
        "linked to the new problem"
    );
}

#[test]
fn an_elevated_case_takes_the_short_path_and_says_so() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000002", Level::Elevated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    common::make_plans_ready(&mut t.store, case.id);
    let mut case = get_case(&t.store, case.id).unwrap();
    for _ in 0..3 {
        case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    }
    assert!(get_case_detail(&t.store, case.id).unwrap().closure.short_path);
    let closed = update_stage(
        &mut t.store,
        case.id,
        case.version,
        StageAction::Close,
        Some("Mailboxes restored"),
    )
    .unwrap();
    assert_eq!(closed.stage, Stage::Closed);
    assert_eq!(
        get_case_detail(&t.store, case.id)
            .unwrap()
            .closure
            .closing_summary
            .as_deref(),
        Some("Mailboxes restored")
    );
}

#[test]
fn bad_process_settings_change_nothing() {
    let mut t = common::store();
    person(&mut t.store, "Anyone", "a@doit.state.gov", &[]);
    let err = update_process_settings(
        &mut t.store,
        &escalation_core::closure::ProcessSettings {
            warranty_days: 400,
            time_zone: "America/Denver".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(get_process_settings(t.store.conn()).unwrap().0.warranty_days, 30);
}

#[test]
fn a_review_outcome_is_recorded_once_and_a_service_request_needs_no_problem_case() {
    use escalation_core::case::{CaseKind, NewCase};
    let mut t = common::store();
    let case = insert_case(
        &mut t.store,
        &NewCase {
            fields: escalation_core::case::CaseFields {
                kind: CaseKind::ServiceRequest,
                ticket: "RITM0000001".into(),
                ..common::fields("RITM0000001")
            },
            level: Level::Escalated,
            level_reason: "Governor's deadline".into(),
        },
    )
    .unwrap();
    appoint_core_team(&mut t.store, case.id);
    common::make_plans_ready(&mut t.store, case.id);
    let mut c = get_case(&t.store, case.id).unwrap();
    for _ in 0..3 {
        c = update_stage(&mut t.store, c.id, c.version, StageAction::Advance, None).unwrap();
    }
    appoint_car(&mut t.store, c.id);
    common::start_warranty(&mut t.store, c.id);
    common::finish_warranty(&mut t.store, c.id);
    common::verify_satisfied(&mut t.store, c.id);
    let m = insert_review_meeting(&mut t.store, c.id, &meeting_input(1)).unwrap();
    let outcome = escalation_core::closure::ReviewOutcomeInput {
        outcome: "Agreed".into(),
        findings: "Mailbox provisioning is manual".into(),
        actions: "Automate provisioning".into(),
        new_problem_ticket: None,
        held_at: Some(escalation_core::store::now()),
    };
    let held = update_review_outcome(&mut t.store, m.id, &outcome).unwrap();
    assert_eq!(
        (held.status.as_str(), held.problem_ticket),
        ("held", None),
        "no problem case for a request"
    );
    assert!(held.handed_at.is_some(), "the input is recorded as handed over");
    let again = update_review_outcome(&mut t.store, m.id, &outcome).unwrap_err();
    assert!(again.to_string().contains("already recorded"), "{again}");
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM problems"), 0);
}

#[test]
fn after_a_reopening_the_steps_to_close_must_be_done_again() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    common::start_warranty(&mut t.store, case_id);
    common::finish_warranty(&mut t.store, case_id);
    common::verify_satisfied(&mut t.store, case_id);
    common::distribute_aar(&mut t.store, case_id);
    common::hold_review(&mut t.store, case_id);
    let case = get_case(&t.store, case_id).unwrap();
    let case = update_stage(&mut t.store, case_id, case.version, StageAction::Close, Some("Done")).unwrap();
    let case = update_stage(
        &mut t.store,
        case_id,
        case.version,
        StageAction::Reopen,
        Some("Data loss found"),
    )
    .unwrap();
    let err = update_stage(&mut t.store, case_id, case.version, StageAction::Close, Some("Again")).unwrap_err();
    let missing = err.payload().missing;
    assert!(missing.iter().any(|m| m.contains("warranty completed")), "{missing:?}");
    assert!(missing.iter().any(|m| m.contains("review held")), "{missing:?}");
}

#[test]
fn closing_a_de_escalated_case_during_its_warranty_ends_the_warranty() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    let case = common::start_warranty(&mut t.store, case_id);
    let case =
        escalation_core::store::cases::update_level(&mut t.store, case_id, case.version, Level::Elevated, "Stable")
            .unwrap();
    update_stage(
        &mut t.store,
        case_id,
        case.version,
        StageAction::Close,
        Some("Stable for a week"),
    )
    .unwrap();
    let detail = get_case_detail(&t.store, case_id).unwrap();
    assert_eq!(detail.closure.warranties[0].outcome.as_deref(), Some("closed"));
    assert!(list_cases(&t.store, &Default::default(), PageRequest::FIRST)
        .unwrap()
        .rows
        .is_empty());
}

#[test]
fn a_warranty_asked_for_a_case_not_in_resolving_is_refused_and_changes_nothing() {
    use escalation_core::closure::{ConfirmedHow, WarrantyInput};
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000009", Level::Escalated)).unwrap();
    let events = count(&t.store, "SELECT COUNT(*) FROM timeline_events");
    let err = insert_warranty(
        &mut t.store,
        case.id,
        case.version,
        &WarrantyInput {
            resolution_summary: "Crafted call".into(),
            confirmed_by: "Nobody".into(),
            confirmed_at: now(),
            confirmed_how: escalation_core::closure::ConfirmedHow::Phone,
            period_days: None,
        },
    )
    .expect_err("an Intake case cannot start a warranty");
    let _ = ConfirmedHow::Phone;
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("this case is in Intake"), "{err}");
    assert_eq!(
        get_case(&t.store, case.id).unwrap().stage,
        Stage::Intake,
        "not moved on"
    );
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM timeline_events"),
        events,
        "nothing written"
    );
}

#[test]
fn a_review_outcome_cannot_be_recorded_before_the_meeting_and_held_at_stays_truthful() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    common::start_warranty(&mut t.store, case_id);
    common::finish_warranty(&mut t.store, case_id);
    common::verify_satisfied(&mut t.store, case_id);
    let m = insert_review_meeting(&mut t.store, case_id, &meeting_input(2)).unwrap();
    let outcome = |held_at| escalation_core::closure::ReviewOutcomeInput {
        outcome: "Agreed".into(),
        findings: "Failover untested".into(),
        actions: "Test monthly".into(),
        new_problem_ticket: Some("PRB0000007".into()),
        held_at,
    };
    for when in [None, Some(now() + chrono::Duration::hours(1))] {
        let err = update_review_outcome(&mut t.store, m.id, &outcome(when)).unwrap_err();
        assert_eq!(err.payload().fields[0].field, "heldAt", "{when:?}: {err}");
    }
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM problem_inputs"),
        0,
        "nothing recorded"
    );

    // It was in fact held this morning, earlier than planned: that is what is kept.
    let really = now() - chrono::Duration::hours(3);
    let held = update_review_outcome(&mut t.store, m.id, &outcome(Some(really))).unwrap();
    assert_eq!((held.status.as_str(), held.held_at), ("held", Some(really)));
}

#[test]
fn a_meeting_time_past_the_year_9999_is_refused_beside_its_field() {
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    common::start_warranty(&mut t.store, case_id);
    common::finish_warranty(&mut t.store, case_id);
    common::verify_satisfied(&mut t.store, case_id);
    let far = ReviewMeetingInput {
        starts_at: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 12026, 12, 7, 15, 0, 0).unwrap(),
        ..meeting_input(1)
    };
    let err = insert_review_meeting(&mut t.store, case_id, &far).unwrap_err();
    let field = &err.payload().fields[0];
    assert_eq!(field.field, "startsAt");
    assert!(
        field.message.contains("between the years 1 and 9999"),
        "{}",
        field.message
    );
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM review_meetings"),
        0,
        "nothing written"
    );
}

#[test]
fn the_reports_key_figures_count_the_customer_updates_and_recurrences_and_time_the_resolution() {
    use escalation_core::communication::{CustomerUpdateInput, UpdateChannel};
    use escalation_core::store::aar::{get_aar, insert_aar};
    use escalation_core::store::communications::insert_customer_update;
    let mut t = common::store();
    let case_id = resolving(&mut t.store);
    for summary in ["Portal failing over", "Portal back"] {
        let update = CustomerUpdateInput {
            channel: UpdateChannel::Phone,
            summary: summary.into(),
            major: false,
        };
        insert_customer_update(&mut t.store, case_id, &update).unwrap();
    }
    let report = insert_aar(&mut t.store, case_id).unwrap();
    assert_eq!(report.figures.customer_updates, 2);
    assert_eq!(report.figures.recurrences, 0);
    assert_eq!(report.figures.minutes_to_escalate, Some(0), "opened escalated");
    assert_eq!(report.figures.minutes_to_resolve, None, "not resolved yet");
    let case = common::start_warranty(&mut t.store, case_id);
    let recurrence = RecurrenceInput {
        observed_at: now(),
        description: "Portal returns 503 again".into(),
    };
    insert_recurrence(&mut t.store, case_id, case.version, &recurrence).unwrap();
    let figures = get_aar(t.store.conn(), case_id).unwrap().unwrap().figures;
    assert_eq!(figures.recurrences, 1);
    assert_eq!(
        figures.minutes_to_resolve,
        Some(0),
        "resolved (warranty started) just now"
    );
    assert_eq!(figures.customer_updates, 2);
}
