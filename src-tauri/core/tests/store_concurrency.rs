//! Two workstations (here eight) changing the same case at once: every change they were told
//! succeeded is on the case's timeline, and the chain verifies. SQLite serialises writers with its
//! IMMEDIATE transactions; PostgreSQL locks the case row (READ COMMITTED + FOR UPDATE).
mod common;

use escalation_core::case::Level;
use escalation_core::communication::{CustomerUpdateInput, UpdateChannel};
use escalation_core::store::{cases, communications, timeline};

const WORKSTATIONS: usize = 8;
const CHANGES_EACH: usize = 10;

#[test]
fn eight_workstations_appending_to_one_case_at_once_keep_every_change_and_an_intact_chain() {
    let t = common::store();
    let case = cases::insert_case(
        &mut { t.open_again() },
        &common::new_case("INC0700001", Level::Escalated),
    )
    .unwrap();
    let start = std::sync::Arc::new(std::sync::Barrier::new(WORKSTATIONS));
    let threads: Vec<_> = (0..WORKSTATIONS)
        .map(|w| {
            let mut store = t.open_again();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                (0..CHANGES_EACH)
                    .map(|n| {
                        let summary = format!("Workstation {w}, call {n}");
                        let input = CustomerUpdateInput {
                            channel: UpdateChannel::Phone,
                            summary: summary.clone(),
                            major: false,
                        };
                        communications::insert_customer_update(&mut store, case.id, &input).map(|()| summary)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for thread in threads {
        for result in thread.join().expect("no workstation panics") {
            acknowledged.push(result.expect("a change on a busy case waits its turn instead of failing"));
        }
    }
    assert_eq!(acknowledged.len(), WORKSTATIONS * CHANGES_EACH);

    let events = timeline::list_events(&t.store, case.id).unwrap();
    for summary in &acknowledged {
        assert!(
            events.iter().any(|e| e.summary.ends_with(summary.as_str())),
            "lost: {summary}"
        );
    }
    let mut seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "one event per number, no gap"
    );
    // A change that waited for the case is not stamped before the one it waited for: read in
    // chain order, the times never go back.
    let mut in_order = events.clone();
    in_order.sort_by_key(|e| e.seq);
    for pair in in_order.windows(2) {
        assert!(
            pair[0].at <= pair[1].at,
            "event {} at {} comes after event {} at {}",
            pair[1].seq,
            pair[1].at,
            pair[0].seq,
            pair[0].at
        );
    }
    let report = timeline::verify_case_timeline(&t.store, case.id).unwrap();
    assert_eq!(report.first_broken, None, "the chain verifies after the race");
    assert_eq!(report.events_checked, events.len() as i64);
}

#[test]
fn eight_workstations_saving_the_same_plan_at_once_get_one_save_and_seven_conflicts_never_a_database_error() {
    use escalation_core::plan::PlanKind;
    use escalation_core::store::plans;
    let t = common::store();
    let case = cases::insert_case(
        &mut { t.open_again() },
        &common::new_case("INC0700002", Level::Escalated),
    )
    .unwrap();
    let mut stores: Vec<_> = (0..WORKSTATIONS).map(|_| t.open_again()).collect();
    for round in 0..10 {
        let expected = plans::get_plans(stores[0].conn(), case.id).unwrap().escalation.revision;
        let start = std::sync::Arc::new(std::sync::Barrier::new(WORKSTATIONS));
        let threads: Vec<_> = stores
            .drain(..)
            .enumerate()
            .map(|(w, mut store)| {
                let start = start.clone();
                std::thread::spawn(move || {
                    let actions = [common::action(&format!("Round {round}, workstation {w}"))];
                    start.wait();
                    let result = plans::insert_revision(&mut store, case.id, PlanKind::Escalation, expected, &actions);
                    (store, result.map(|_| ()))
                })
            })
            .collect();
        let mut saved = 0;
        for handle in threads {
            let (store, result) = handle.join().unwrap();
            match result {
                Ok(()) => saved += 1,
                Err(escalation_core::Error::Conflict { .. }) => {}
                Err(other) => panic!("round {round}: a database error reached the user: {other}"),
            }
            stores.push(store);
        }
        assert_eq!(saved, 1, "round {round}: exactly one of the eight saves the revision");
    }
    assert_eq!(
        plans::get_plans(stores[0].conn(), case.id).unwrap().escalation.revision,
        10
    );
}
