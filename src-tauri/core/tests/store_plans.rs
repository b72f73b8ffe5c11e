//! Action plans on a real SQLite file: revisions, conflicts, diffs, reviews, overdue flags.

mod common;

use chrono::{Duration, Utc};
use common::{action, new_case};
use escalation_core::case::{CaseFilter, Level};
use escalation_core::page::PageRequest;
use escalation_core::plan::{ActionDiff, ActionStatus, PlanKind, PlanReviewInput, Resource, ResourceDecision};
use escalation_core::store::cases::{get_case_detail, insert_case, list_cases};
use escalation_core::store::plans::{get_revision_diff, insert_review, insert_revision};
use escalation_core::store::timeline::list_events;
use escalation_core::timeline::EventKind;
use escalation_core::ErrorKind;

#[test]
fn every_save_is_a_revision_and_any_two_revisions_can_be_compared() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let mut first = action("Request a DBA from the vendor");
    first.resources = vec![Resource {
        what: "Vendor DBA".into(),
        from_whom: "Apex".into(),
        decision: ResourceDecision::Requested,
    }];
    let plans = insert_revision(&mut t.store, case.id, PlanKind::Escalation, 0, &[first]).unwrap();
    let saved = plans.escalation.actions.clone();
    assert_eq!(
        (plans.escalation.revision, saved[0].id.as_str()),
        (1, "a1"),
        "new actions get ids"
    );

    let mut second = saved.clone();
    second[0].resources[0].decision = ResourceDecision::Approved;
    second[0].status = ActionStatus::Done;
    second.push(action("Brief the cabinet secretary"));
    let plans = insert_revision(&mut t.store, case.id, PlanKind::Escalation, 1, &second).unwrap();
    assert_eq!(plans.escalation.revision, 2);
    assert_eq!(plans.escalation.revisions.len(), 2);

    let d = get_revision_diff(&t.store, case.id, PlanKind::Escalation, 1, 2).unwrap();
    assert!(
        matches!(&d[0], ActionDiff::Changed { fields, .. } if fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>() == ["status", "resources"])
    );
    assert!(matches!(&d[1], ActionDiff::Added { action } if action.id == "a2"));
    let from_empty = get_revision_diff(&t.store, case.id, PlanKind::Escalation, 0, 2).unwrap();
    assert_eq!(from_empty.len(), 2);
    let event = &list_events(&t.store, case.id).unwrap()[0];
    assert_eq!(event.kind, EventKind::PlanRevised);
    assert_eq!(
        event.summary,
        "Escalation action plan revision 2: 1 added, 1 changed, 0 removed"
    );
}

#[test]
fn saving_over_someone_elses_revision_is_a_conflict_and_saves_nothing() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    insert_revision(&mut t.store, case.id, PlanKind::Technical, 0, &[action("Fail over")]).unwrap();
    let err = insert_revision(&mut t.store, case.id, PlanKind::Technical, 0, &[action("Restart")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(get_case_detail(&t.store, case.id).unwrap().plans.technical.revision, 1);
}

#[test]
fn bad_actions_are_refused_with_their_number() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let mut dropped = action("Call vendor");
    dropped.status = ActionStatus::Dropped(" ".into());
    let mut with_resource = action("Tech step");
    with_resource.resources = vec![Resource {
        what: "x".into(),
        from_whom: "y".into(),
        decision: ResourceDecision::Requested,
    }];
    let err = insert_revision(
        &mut t.store,
        case.id,
        PlanKind::Technical,
        0,
        &[action(" "), dropped, with_resource],
    )
    .unwrap_err();
    let messages: Vec<String> = err.payload().fields.into_iter().map(|f| f.message).collect();
    assert_eq!(
        messages,
        [
            "Action 1: describe the action.",
            "Action 2: say why it was dropped.",
            "Action 3: resources belong on the escalation plan."
        ]
    );
}

#[test]
fn reviews_are_recorded_and_overdue_actions_and_reviews_are_flagged_on_the_dashboard() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let err = insert_review(
        &mut t.store,
        case.id,
        PlanKind::Escalation,
        &PlanReviewInput {
            notes: "x".into(),
            next_review_due: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "nothing to review yet");
    let mut late = action("Restore service");
    late.due = Some(Utc::now() - Duration::hours(1));
    insert_revision(&mut t.store, case.id, PlanKind::Technical, 0, &[late]).unwrap();
    let plans = get_case_detail(&t.store, case.id).unwrap().plans;
    assert_eq!(plans.technical.overdue_actions, ["a1"]);
    assert!(
        list_cases(&t.store, &CaseFilter::default(), PageRequest::FIRST)
            .unwrap()
            .rows[0]
            .plans_overdue
    );

    let past = PlanReviewInput {
        notes: "ok".into(),
        next_review_due: Some(Utc::now() - Duration::hours(2)),
    };
    assert_eq!(
        insert_review(&mut t.store, case.id, PlanKind::Technical, &past)
            .unwrap_err()
            .kind(),
        ErrorKind::Validation
    );
    let next = PlanReviewInput {
        notes: "Failover slower than expected".into(),
        next_review_due: Some(Utc::now() + Duration::hours(2)),
    };
    let plans = insert_review(&mut t.store, case.id, PlanKind::Technical, &next).unwrap();
    assert_eq!(plans.technical.reviews[0].notes, "Failover slower than expected");
    assert!(!plans.technical.review_overdue);
    assert_eq!(list_events(&t.store, case.id).unwrap()[0].kind, EventKind::PlanReviewed);
}

#[test]
fn stored_revisions_cannot_be_changed() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    insert_revision(&mut t.store, case.id, PlanKind::Technical, 0, &[action("Fail over")]).unwrap();
    let err = t
        .store
        .conn()
        .execute("UPDATE plan_revisions SET actions = '[]'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

#[test]
fn each_plan_shows_only_its_own_revisions_and_reviews_newest_first_with_the_newest_actions() {
    let mut t = common::store();
    let case = insert_case(&mut t.store, &new_case("INC0000001", Level::Escalated)).unwrap();
    let mut escalation = vec![action("Brief the agency head")];
    for revision in 0..3 {
        escalation[0].description = format!("Brief the agency head, take {}", revision + 1);
        escalation = insert_revision(&mut t.store, case.id, PlanKind::Escalation, revision, &escalation)
            .unwrap()
            .escalation
            .actions;
    }
    insert_revision(&mut t.store, case.id, PlanKind::Technical, 0, &[action("Fail over")]).unwrap();
    for notes in ["First look", "Second look"] {
        let review = PlanReviewInput {
            notes: notes.into(),
            next_review_due: None,
        };
        insert_review(&mut t.store, case.id, PlanKind::Escalation, &review).unwrap();
    }
    let plans = get_case_detail(&t.store, case.id).unwrap().plans;
    let numbers =
        |v: &escalation_core::plan::PlanView| -> Vec<i64> { v.revisions.iter().map(|r| r.revision).collect() };
    assert_eq!(numbers(&plans.escalation), [3, 2, 1]);
    assert_eq!(numbers(&plans.technical), [1]);
    assert_eq!((plans.escalation.revision, plans.technical.revision), (3, 1));
    assert_eq!(plans.escalation.actions[0].description, "Brief the agency head, take 3");
    assert_eq!(plans.technical.actions[0].description, "Fail over");
    let notes: Vec<&str> = plans.escalation.reviews.iter().map(|r| r.notes.as_str()).collect();
    assert_eq!(notes, ["Second look", "First look"]);
    assert!(plans.technical.reviews.is_empty(), "a review belongs to its own plan");
}
