//! The timeline is append-only and any tampering with a stored event is detected.

mod common;

use escalation_core::case::Level;
use escalation_core::stage::StageAction;
use escalation_core::store::cases::{insert_case, update_level, update_stage};
use escalation_core::store::timeline::{list_events, verify_case_timeline};

/// A case with four events: opened, moved to Team, de-escalated, escalated again.
/// Tampering goes behind the store's back with SQLite's own tools (its triggers dropped), so these
/// desks are files whatever engine the run is on; the verifier reads both engines alike (a
/// PostgreSQL desk is verified in store_desk_copy).
fn case_with_four_events() -> (common::TempStore, i64) {
    let mut t = common::sqlite_store();
    let case = insert_case(&mut t.store, &common::new_case("INC0000042", Level::Escalated)).unwrap();
    let case = update_stage(&mut t.store, case.id, case.version, StageAction::Advance, None).unwrap();
    let case = update_level(
        &mut t.store,
        case.id,
        case.version,
        Level::Elevated,
        "Workaround in place",
    )
    .unwrap();
    let case = update_level(
        &mut t.store,
        case.id,
        case.version,
        Level::Escalated,
        "Workaround failed",
    )
    .unwrap();
    assert_eq!(
        list_events(&t.store, case.id).unwrap().len(),
        5,
        "opened, its P1 alert, edited, two level changes"
    );
    assert!(
        verify_case_timeline(&t.store, case.id).unwrap().is_intact(),
        "an untouched timeline verifies"
    );
    (t, case.id)
}

/// What an attacker with the sqlite3 shell does first: drop the guards.
fn drop_triggers(t: &common::TempStore) {
    t.store
        .conn()
        .execute_batch(
            "DROP TRIGGER timeline_events_are_never_updated; DROP TRIGGER timeline_events_are_never_deleted;",
        )
        .unwrap();
}

#[test]
fn the_database_refuses_to_update_or_delete_a_timeline_event() {
    let (t, id) = case_with_four_events();
    let update = t.store.conn().execute(
        "UPDATE timeline_events SET summary = 'nothing happened' WHERE case_id = ?1",
        [id],
    );
    let delete = t
        .store
        .conn()
        .execute("DELETE FROM timeline_events WHERE case_id = ?1", [id]);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert!(verify_case_timeline(&t.store, id).unwrap().is_intact());
}

#[test]
fn editing_any_stored_event_is_detected_at_that_event() {
    for seq in 1..=4 {
        for column in ["summary", "actor", "at", "old_value", "new_value", "kind"] {
            let (t, id) = case_with_four_events();
            drop_triggers(&t);
            t.store
                .conn()
                .execute(
                    &format!("UPDATE timeline_events SET {column} = COALESCE({column}, '') || 'x' WHERE case_id = ?1 AND seq = ?2"),
                    rusqlite::params![id, seq],
                )
                .unwrap();
            let report = verify_case_timeline(&t.store, id).unwrap();
            let broken = report
                .first_broken
                .unwrap_or_else(|| panic!("editing {column} of event {seq} went unnoticed"));
            assert_eq!(broken.seq, seq, "the first broken link is the edited event ({column})");
        }
    }
}

#[test]
fn deleting_any_stored_event_is_detected() {
    for seq in 1..=4 {
        let (t, id) = case_with_four_events();
        drop_triggers(&t);
        t.store
            .conn()
            .execute(
                "DELETE FROM timeline_events WHERE case_id = ?1 AND seq = ?2",
                rusqlite::params![id, seq],
            )
            .unwrap();
        let broken = verify_case_timeline(&t.store, id).unwrap().first_broken;
        assert_eq!(
            broken.map(|b| b.seq),
            Some(seq),
            "deleting event {seq} breaks the chain at {seq}"
        );
    }
}

#[test]
fn reordering_stored_events_is_detected() {
    let (t, id) = case_with_four_events();
    drop_triggers(&t);
    // Swap the content of events 2 and 3, keeping their row ids: the order changes, nothing else.
    t.store
        .conn()
        .execute_batch(&format!(
            "CREATE TEMP TABLE swap AS SELECT * FROM timeline_events WHERE case_id = {id} AND seq IN (2, 3);
             DELETE FROM timeline_events WHERE case_id = {id} AND seq IN (2, 3);
             INSERT INTO timeline_events SELECT (SELECT id FROM swap WHERE seq = 3), case_id, seq, at, actor_id, actor, kind, summary, old_value, new_value, prev_hash, hash FROM swap WHERE seq = 2;
             INSERT INTO timeline_events SELECT (SELECT id FROM swap WHERE seq = 2), case_id, seq, at, actor_id, actor, kind, summary, old_value, new_value, prev_hash, hash FROM swap WHERE seq = 3;"
        ))
        .unwrap();
    let broken = verify_case_timeline(&t.store, id)
        .unwrap()
        .first_broken
        .expect("reordering is detected");
    assert_eq!(broken.seq, 2);

    // Renumbering so the sequence looks tidy again is caught by the hashes instead.
    let (t, id) = case_with_four_events();
    drop_triggers(&t);
    t.store
        .conn()
        .execute_batch(&format!(
            "UPDATE timeline_events SET seq = -1 WHERE case_id = {id} AND seq = 2;
             UPDATE timeline_events SET seq = 2 WHERE case_id = {id} AND seq = 3;
             UPDATE timeline_events SET seq = 3 WHERE case_id = {id} AND seq = -1;"
        ))
        .unwrap();
    let report = verify_case_timeline(&t.store, id).unwrap();
    assert!(report.first_broken.is_some(), "renumbered events are detected");
}

#[test]
fn cutting_events_off_the_end_is_detected_through_the_recorded_head() {
    let (t, id) = case_with_four_events();
    drop_triggers(&t);
    t.store
        .conn()
        .execute("DELETE FROM timeline_events WHERE case_id = ?1 AND seq = 4", [id])
        .unwrap();
    let broken = verify_case_timeline(&t.store, id)
        .unwrap()
        .first_broken
        .expect("a truncated chain is detected");
    assert_eq!(broken.seq, 4);
}

#[test]
fn each_event_links_to_the_previous_one() {
    let (t, id) = case_with_four_events();
    let events = list_events(&t.store, id).unwrap(); // newest first
    for pair in events.windows(2) {
        assert_eq!(
            pair[0].prev_hash, pair[1].hash,
            "event {} links to event {}",
            pair[0].seq, pair[1].seq
        );
        assert_eq!(pair[0].seq, pair[1].seq + 1);
    }
}

#[test]
fn replace_and_upsert_cannot_swap_a_timeline_event_or_a_plan_revision() {
    let (mut t, case_id) = case_with_four_events();
    common::make_plans_ready(&mut t.store, case_id);
    let before = common::count(&t.store, "SELECT COUNT(*) FROM timeline_events");
    let forged = "id, case_id, seq, at, actor_id, actor, kind, summary, prev_hash, hash";
    let values = format!("(SELECT id FROM timeline_events WHERE case_id = {case_id} AND seq = 1), {case_id}, 1, '2026-01-01T00:00:00.000Z', 1, 'Mallory', 'opened', 'forged', 'x', 'y'");
    for sql in [
        format!("INSERT OR REPLACE INTO timeline_events ({forged}) VALUES ({values})"),
        format!("REPLACE INTO timeline_events ({forged}) VALUES ({values})"),
        format!("INSERT INTO timeline_events ({forged}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET summary = 'forged'"),
        format!("INSERT INTO timeline_events ({forged}) VALUES ({values}) ON CONFLICT (case_id, seq) DO UPDATE SET summary = 'forged'"),
        "INSERT OR REPLACE INTO plan_revisions (id, case_id, plan, revision, actions, saved_at, saved_by)
         SELECT id, case_id, plan, revision, '[]', saved_at, saved_by FROM plan_revisions LIMIT 1"
            .to_owned(),
        "DELETE FROM plan_revisions".to_owned(),
    ] {
        let err = t.store.conn().execute(&sql, []).expect_err(&sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(common::count(&t.store, "SELECT COUNT(*) FROM timeline_events"), before);
    assert_eq!(
        common::count(
            &t.store,
            "SELECT COUNT(*) FROM timeline_events WHERE summary = 'forged'"
        ),
        0,
        "nothing was swapped"
    );
    assert!(verify_case_timeline(&t.store, case_id).unwrap().is_intact());
}

#[test]
fn verifying_the_desk_checks_every_case_and_names_each_rewritten_one() {
    let (mut t, tampered) = case_with_four_events();
    let other = insert_case(&mut t.store, &common::new_case("INC0000043", Level::Escalated)).unwrap();
    let clean = escalation_core::store::timeline::verify_all_timelines(&t.store).unwrap();
    assert_eq!((clean.cases_checked, clean.broken.len()), (2, 0), "{clean:?}");

    drop_triggers(&t);
    t.store
        .conn()
        .execute(
            "UPDATE timeline_events SET summary = 'nothing happened' WHERE case_id = ?1 AND seq = 2",
            [tampered],
        )
        .unwrap();
    let report = escalation_core::store::timeline::verify_all_timelines(&t.store).unwrap();
    assert_eq!(report.cases_checked, 2);
    let broken: Vec<(i64, &str, i64)> = report
        .broken
        .iter()
        .map(|b| (b.case_id, b.ticket.as_str(), b.link.seq))
        .collect();
    assert_eq!(
        broken,
        [(tampered, "INC0000042", 2)],
        "only the rewritten case, at the rewritten event"
    );
    assert!(report.broken.iter().all(|b| b.case_id != other.id));
}

#[test]
fn the_start_up_check_runs_on_a_read_only_desk_that_refuses_any_write() {
    let t = common::sqlite_store(); // SQLite's read-only open: a file
    escalation_core::store::cases::insert_case(
        &mut { t.store },
        &common::new_case("INC0000001", escalation_core::case::Level::Escalated),
    )
    .unwrap();
    let reader = escalation_core::Store::open_read_only(t.dir.path().join("desk.sqlite3")).unwrap();
    let report = escalation_core::store::timeline::verify_all_timelines(&reader).unwrap();
    assert_eq!((report.cases_checked, report.broken.len()), (1, 0));
    let err = reader.conn().execute("DELETE FROM outbox", []).unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
    let missing = escalation_core::Store::open_read_only(t.dir.path().join("none.sqlite3"));
    assert!(missing.is_err(), "never creates a file");
    assert!(!t.dir.path().join("none.sqlite3").exists());
}
