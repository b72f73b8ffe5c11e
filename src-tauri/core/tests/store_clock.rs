//! A workstation whose clock is a day behind (`ESCALATION_CLOCK_SKEW_SECONDS`, set before this
//! test binary touches the clock; the only test in it). On a team desk its events carry the
//! server's time, so they stay in order with everyone else's, and what is due (a sweep's checks,
//! a queued message) is due by the server's clock too; on a SQLite file the one workstation's
//! clock is the desk's.

mod common;

use chrono::{Duration, Utc};
use escalation_core::case::Level;
use escalation_core::store::{cases, timeline};

#[test]
fn a_workstation_with_a_wrong_clock_writes_and_finds_due_work_by_the_servers_time_on_a_team_desk() {
    std::env::set_var("ESCALATION_CLOCK_SKEW_SECONDS", "-86400");
    let mut t = common::store();
    let case = cases::insert_case(&mut t.store, &common::new_case("INC0800001", Level::Escalated)).unwrap();
    let events = timeline::list_events(&t.store, case.id).unwrap();
    let at = events[0].at;
    let behind = Utc::now() - at;
    if t.on_postgres() {
        assert!(
            behind < Duration::minutes(1),
            "the server's time, not the workstation's: {at}"
        );
    } else {
        assert!(behind > Duration::hours(23), "the workstation's own clock: {at}");
    }
    assert!(timeline::verify_case_timeline(&t.store, case.id).unwrap().is_intact());

    // An alert check due a minute ago by the real clock: the workstation a day behind runs it on a
    // team desk (the server says it is due), not on its own file (by its clock it is a day away).
    let due = escalation_core::store::format_time(Utc::now() - Duration::minutes(1));
    t.store
        .conn()
        .execute(
            "UPDATE alert_checks_due SET due_at = ?2 WHERE case_id = ?1",
            rusqlite::params![case.id, due.as_str()],
        )
        .unwrap();
    let still_due = |t: &common::TempStore| {
        common::count(
            &t.store,
            &format!(
                "SELECT COUNT(*) FROM alert_checks_due WHERE case_id = {} AND due_at = '{due}'",
                case.id
            ),
        )
    };
    assert_eq!(still_due(&t), 1);
    escalation_core::store::alert_evaluation::evaluate_due_alerts(&mut t.store).unwrap();
    assert_eq!(still_due(&t), if t.on_postgres() { 0 } else { 1 });

    // A message queued now is due now by the desk's clock: any workstation of a team desk sends
    // it at once, not a day late (or early) by the one that queued it.
    let draft = escalation_core::mail::message::Draft {
        attachments: Vec::new(),
        recipients: vec!["cio@doit.state.gov".into()],
        subject: "[INC0800001] Progress".into(),
        text: "Back.".into(),
        html: "<p>Back.</p>".into(),
    };
    escalation_core::store::outbox::insert_message_in(t.store.conn(), Some(case.id), "progress", &draft).unwrap();
    let next = escalation_core::store::outbox::next_due(&t.store).unwrap().unwrap();
    let off = (Utc::now() - next).num_minutes().abs();
    if t.on_postgres() {
        assert!(off < 1, "due by the server's clock: {next}");
    } else {
        assert!(off > 23 * 60, "due by the workstation's own clock: {next}");
    }
}
