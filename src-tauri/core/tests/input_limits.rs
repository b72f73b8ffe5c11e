//! Every kind of free text a person can enter is refused past its limit (named once in
//! `limits.rs`), on a real SQLite file: the message names the field and the limit, the error sits
//! on the field the form shows it beside, and nothing is written.

mod common;

use common::{appoint_core_team, count, new_case};
use escalation_core::alert::{CaseField, Condition, Op, Recipients, Rule};
use escalation_core::case::Level;
use escalation_core::closure::RecurrenceInput;
use escalation_core::communication::{CustomerUpdateInput, ProgressInput, UpdateChannel};
use escalation_core::limits::{self, grouped};
use escalation_core::plan::PlanKind;
use escalation_core::store::aar::{get_aar, insert_aar, insert_aar_comment, update_aar_section};
use escalation_core::store::alerts::insert_alert_rule;
use escalation_core::store::cases::{get_case, insert_case, update_level};
use escalation_core::store::closure::insert_recurrence;
use escalation_core::store::communications::{insert_customer_update, insert_progress_update};
use escalation_core::store::plans::insert_revision;
use escalation_core::{Error, ErrorKind};

/// A value one character over `max`.
fn over(max: usize) -> String {
    "x".repeat(max + 1)
}

/// The refusal is a validation error on `field` whose message names `what` and the limit.
fn assert_refused(err: Error, field: &str, what: &str, max: usize) {
    let payload = err.payload();
    assert_eq!(
        payload.kind,
        ErrorKind::Validation,
        "a value over its limit is the user's to fix: {payload:?}"
    );
    let on_field = payload.fields.iter().find(|f| f.field == field);
    let message = on_field.map(|f| f.message.clone()).unwrap_or_default();
    assert!(
        message.contains(what) && message.contains(&format!("{} characters", grouped(max))),
        "the error beside {field} names the {what} and its limit of {max}: {payload:?}"
    );
}

fn timeline_rows(t: &common::TempStore) -> i64 {
    count(&t.store, "SELECT COUNT(*) FROM timeline_events")
}

#[test]
fn an_aar_section_over_its_limit_is_refused_and_the_section_is_unchanged() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let before = aar.sections[0].clone();
    let events = timeline_rows(&t);
    let long = "é".repeat(limits::AAR_SECTION_CHARS + 512);
    let err = update_aar_section(&mut t.store, before.id, before.version, &long).unwrap_err();
    assert_eq!(
        err.payload().fields[0].message,
        "Keep the section to 100,000 characters (this one has 100,512).",
        "characters are counted, not bytes, and both numbers are given"
    );
    let after = get_aar(t.store.conn(), case.id).unwrap().unwrap().sections[0].clone();
    assert_eq!(
        (after.body, after.version),
        (before.body, before.version),
        "the section is not written"
    );
    assert_eq!(timeline_rows(&t), events, "nothing is added to the timeline");
}

#[test]
fn an_aar_comment_over_its_limit_is_refused_and_not_stored() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let err = insert_aar_comment(&mut t.store, aar.sections[0].id, &over(limits::AAR_COMMENT_CHARS)).unwrap_err();
    assert_refused(err, "comment", "comment", limits::AAR_COMMENT_CHARS);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM aar_comments"),
        0,
        "no comment is stored"
    );
}

#[test]
fn a_case_description_over_its_limit_is_refused_and_no_case_is_opened() {
    let mut t = common::store();
    let mut case = new_case("INC0000001", Level::Escalated);
    case.fields.description = over(limits::DESCRIPTION_CHARS);
    let err = insert_case(&mut t.store, &case).unwrap_err();
    assert_refused(err, "description", "description", limits::DESCRIPTION_CHARS);
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM cases"), 0, "no case is opened");
}

#[test]
fn a_reason_for_a_level_change_over_its_limit_is_refused_and_the_level_stays() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = update_level(
        &mut t.store,
        case.id,
        case.version,
        Level::Elevated,
        &over(limits::REASON_CHARS),
    )
    .unwrap_err();
    assert_refused(err, "reason", "reason", limits::REASON_CHARS);
    let after = get_case(&t.store, case.id).unwrap();
    assert_eq!(
        (after.level, after.version),
        (Level::Escalated, case.version),
        "the case is not changed"
    );
}

#[test]
fn progress_notes_and_customer_updates_over_their_limit_are_refused_and_not_recorded() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let events = timeline_rows(&t);
    let err = insert_progress_update(
        &mut t.store,
        case.id,
        &ProgressInput {
            headline: "Failover complete".into(),
            details: over(limits::NOTE_CHARS),
        },
    )
    .unwrap_err();
    assert_refused(err, "details", "details", limits::NOTE_CHARS);
    let err = insert_progress_update(
        &mut t.store,
        case.id,
        &ProgressInput {
            headline: over(limits::HEADLINE_CHARS),
            details: "Fine.".into(),
        },
    )
    .unwrap_err();
    assert_refused(err, "headline", "headline", limits::HEADLINE_CHARS);
    let err = insert_customer_update(
        &mut t.store,
        case.id,
        &CustomerUpdateInput {
            channel: UpdateChannel::Email,
            summary: over(limits::NOTE_CHARS),
            major: true,
        },
    )
    .unwrap_err();
    assert_refused(err, "summary", "summary", limits::NOTE_CHARS);
    assert_eq!(timeline_rows(&t), events, "nothing is recorded on the timeline");
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM outbox"), 0, "no mail is queued");
}

#[test]
fn a_plan_action_or_resource_over_its_limit_is_refused_and_no_revision_is_saved() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let mut action = common::action("Fail over");
    action.description = over(limits::ACTION_CHARS);
    let err = insert_revision(&mut t.store, case.id, PlanKind::Technical, 0, &[action]).unwrap_err();
    let message = err.payload().fields[0].message.clone();
    assert!(
        message.starts_with("Action 1: ") && message.contains("2,000 characters"),
        "the row and the limit are named: {message}"
    );
    let mut action = common::action("Borrow a DBA");
    action.resources = vec![escalation_core::plan::Resource {
        what: over(limits::LINE_CHARS),
        from_whom: "Infrastructure".into(),
        decision: escalation_core::plan::ResourceDecision::Requested,
    }];
    let err = insert_revision(&mut t.store, case.id, PlanKind::Escalation, 0, &[action]).unwrap_err();
    assert_refused(err, "actions", "resource", limits::LINE_CHARS);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM plan_revisions"),
        0,
        "no revision is saved"
    );
}

#[test]
fn an_alert_rule_with_a_name_or_value_over_its_limit_is_refused_and_not_saved() {
    let mut t = common::store();
    let rules = count(&t.store, "SELECT COUNT(*) FROM alert_rules");
    let rule = |name: String, value: String| Rule {
        name,
        condition: Condition::Field {
            field: CaseField::Text,
            op: Op::Contains,
            value,
        },
        recipients: Recipients {
            roles: vec![],
            people: vec![1],
        },
        enabled: true,
    };
    let err = insert_alert_rule(&mut t.store, &rule(over(limits::NAME_CHARS), "payroll".into())).unwrap_err();
    assert_refused(err, "name", "rule's name", limits::NAME_CHARS);
    let err = insert_alert_rule(&mut t.store, &rule("Payroll".into(), over(limits::RULE_VALUE_CHARS))).unwrap_err();
    assert_refused(err, "condition", "value", limits::RULE_VALUE_CHARS);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM alert_rules"),
        rules,
        "no rule is saved"
    );
}

#[test]
fn a_recurrence_description_over_its_limit_is_refused_and_the_warranty_goes_on() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    common::make_plans_ready(&mut t.store, case.id);
    let mut case = get_case(&t.store, case.id).unwrap();
    for _ in 0..3 {
        case = escalation_core::store::cases::update_stage(
            &mut t.store,
            case.id,
            case.version,
            escalation_core::stage::StageAction::Advance,
            None,
        )
        .unwrap();
    }
    common::appoint_car(&mut t.store, case.id);
    let case = common::start_warranty(&mut t.store, case.id);
    let err = insert_recurrence(
        &mut t.store,
        case.id,
        case.version,
        &RecurrenceInput {
            observed_at: chrono::Utc::now(),
            description: over(limits::NOTE_CHARS),
        },
    )
    .unwrap_err();
    assert_refused(err, "description", "description", limits::NOTE_CHARS);
    let after = get_case(&t.store, case.id).unwrap();
    assert_eq!(
        (after.stage, after.version),
        (case.stage, case.version),
        "the case stays in warranty"
    );
}

#[test]
fn a_person_with_a_name_over_its_limit_is_refused_and_not_added() {
    let mut t = common::store();
    let people = count(&t.store, "SELECT COUNT(*) FROM people");
    let err = escalation_core::store::people::insert_person(
        &mut t.store,
        &escalation_core::directory::PersonFields {
            name: over(limits::NAME_CHARS),
            email: "jane.roe@doit.state.gov".into(),
            phone: String::new(),
            title: String::new(),
            department: String::new(),
            organization_kind: escalation_core::directory::OrgKind::Division,
            organization: "DoIT".into(),
            roles: vec![],
        },
    )
    .unwrap_err();
    assert_refused(err, "name", "name", limits::NAME_CHARS);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM people"),
        people,
        "no one is added"
    );
}

#[test]
fn a_resolution_summary_or_verification_notes_over_their_limit_are_refused_and_the_case_is_unchanged() {
    use escalation_core::closure::{ConfirmedHow, VerificationInput, WarrantyInput};
    use escalation_core::store::closure::{insert_verification, insert_warranty};
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = insert_warranty(
        &mut t.store,
        case.id,
        case.version,
        &WarrantyInput {
            resolution_summary: over(limits::NOTE_CHARS),
            confirmed_by: "Linda Morales".into(),
            confirmed_at: escalation_core::store::now(),
            confirmed_how: ConfirmedHow::Phone,
            period_days: None,
        },
    )
    .unwrap_err();
    assert_refused(err, "resolutionSummary", "resolution summary", limits::NOTE_CHARS);
    let err = insert_verification(
        &mut t.store,
        case.id,
        case.version,
        &VerificationInput {
            contact: "Linda Morales".into(),
            verified_at: escalation_core::store::now(),
            satisfied: false,
            notes: over(limits::NOTE_CHARS),
        },
    )
    .unwrap_err();
    assert_refused(err, "notes", "notes", limits::NOTE_CHARS);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM warranties"),
        0,
        "no warranty is started"
    );
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM verifications"),
        0,
        "no verification is kept"
    );
    assert_eq!(
        get_case(&t.store, case.id).unwrap().version,
        case.version,
        "the case is not changed"
    );
}

#[test]
fn a_plan_review_note_over_its_limit_is_refused_and_no_review_is_kept() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = escalation_core::store::plans::insert_review(
        &mut t.store,
        case.id,
        PlanKind::Technical,
        &escalation_core::plan::PlanReviewInput {
            notes: over(limits::NOTE_CHARS),
            next_review_due: None,
        },
    )
    .unwrap_err();
    assert_refused(err, "notes", "review notes", limits::NOTE_CHARS);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM plan_reviews"),
        0,
        "no review is kept"
    );
}

#[test]
fn an_alert_acknowledgement_note_over_its_limit_is_refused_before_anything_is_recorded() {
    let mut t = common::store();
    let err = escalation_core::store::alerts::update_alert_acknowledged(&mut t.store, 1, &over(limits::NOTE_CHARS))
        .unwrap_err();
    assert_refused(err, "note", "note", limits::NOTE_CHARS);
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM alerts WHERE acknowledged_at IS NOT NULL"
        ),
        0,
        "nothing is acknowledged"
    );
}

#[test]
fn an_improvement_over_its_limit_is_refused_naming_its_row_and_the_plan_is_unchanged() {
    use escalation_core::aar::{Improvement, ImprovementStatus};
    use escalation_core::store::aar::update_aar_improvements;
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    appoint_core_team(&mut t.store, case.id);
    let aar = insert_aar(&mut t.store, case.id).unwrap();
    let item = Improvement {
        action: over(limits::ACTION_CHARS),
        owner: "Network team".into(),
        due_date: None,
        status: ImprovementStatus::Open,
        sent_to_problem_at: None,
    };
    let err = update_aar_improvements(&mut t.store, aar.id, aar.version, &[item]).unwrap_err();
    let message = err.payload().fields[0].message.clone();
    assert!(
        message.starts_with("Row 1: ") && message.contains("corrective action") && message.contains("2,000 characters"),
        "the row, the field and the limit are named: {message}"
    );
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM aar_improvements"),
        0,
        "no improvement is stored"
    );
}

#[test]
fn a_report_marking_over_its_limit_is_refused_and_the_settings_stay() {
    use escalation_core::store::aar::{get_aar_settings, update_aar_settings};
    let mut t = common::store();
    let before = get_aar_settings(t.store.conn()).unwrap();
    let mut settings = before.clone();
    settings.marking = over(limits::MARKING_CHARS);
    let err = update_aar_settings(&mut t.store, &settings).unwrap_err();
    assert_refused(err, "marking", "marking", limits::MARKING_CHARS);
    assert_eq!(
        get_aar_settings(t.store.conn()).unwrap(),
        before,
        "the settings are not changed"
    );
}
