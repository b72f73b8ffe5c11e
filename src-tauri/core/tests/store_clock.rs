//! A workstation whose clock is a day behind (`ESCALATION_CLOCK_SKEW_SECONDS`, set before this
//! test binary touches the clock; the only test in it). On a team desk its events carry the
//! server's time, so they stay in order with everyone else's; on a SQLite file the one
//! workstation's clock is the desk's.

mod common;

use chrono::{Duration, Utc};
use escalation_core::case::Level;
use escalation_core::store::{cases, timeline};

#[test]
fn a_workstation_with_a_wrong_clock_writes_the_servers_time_on_a_team_desk() {
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
}
