//! Live changes between workstations (`store::live`) and a team desk's lost connection. What is
//! about the server (NOTIFY, a dropped connection) runs on PostgreSQL; on a SQLite file (one
//! workstation) each test checks that nothing is sent and says so.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use escalation_core::change::{DeskChanged, Entity, Presence};
use escalation_core::store::live;
use escalation_core::Store;

/// The URL of the test's team desk, or `None` on a SQLite run.
fn team_desk(t: &common::TempStore) -> Option<String> {
    t.pg.as_ref().map(|db| db.url.clone())
}

/// A listener on the desk skipping `own`'s notices, with what it hears and says of the server.
fn listen(url: &str, own: u64) -> (live::Listener, mpsc::Receiver<DeskChanged>, mpsc::Receiver<bool>) {
    let (listener, heard, reach, _) = listen_with_presence(url, own);
    (listener, heard, reach)
}

/// [`listen`], with the other windows' presence in reports too.
fn listen_with_presence(
    url: &str,
    own: u64,
) -> (
    live::Listener,
    mpsc::Receiver<DeskChanged>,
    mpsc::Receiver<bool>,
    mpsc::Receiver<Presence>,
) {
    let (heard_tx, heard) = mpsc::channel();
    let (reach_tx, reach) = mpsc::channel();
    let (presence_tx, presence) = mpsc::channel();
    let listener = live::listen(
        url,
        None,
        None,
        own,
        move |c| {
            let _ = heard_tx.send(c);
        },
        move |r| {
            let _ = reach_tx.send(r);
        },
        move |p| {
            let _ = presence_tx.send(p);
        },
    );
    (listener, heard, reach, presence)
}

fn kill_connections(url: &str, like: &str) -> i64 {
    let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let row = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1",
            &[&like],
        )
        .unwrap();
    row.get(0)
}

#[test]
fn a_change_on_one_workstation_is_heard_on_the_others_within_a_second_and_never_by_itself() {
    let t = common::store();
    let Some(url) = team_desk(&t) else {
        // SQLite: one workstation, nobody to tell; announcing succeeds and sends nothing.
        live::announce(&t.store, DeskChanged::of_case(Entity::Case, 1)).unwrap();
        return;
    };
    let manager = t.open_again();
    let abrm = t.open_again();
    let (_listener, heard, reach) = listen(&url, abrm.origin());
    // Let the listener connect (it has said nothing: it was never cut off).
    std::thread::sleep(Duration::from_millis(500));
    assert!(reach.try_recv().is_err());

    let started = Instant::now();
    live::announce(&manager, DeskChanged::of_case(Entity::Aar, 42)).unwrap();
    let got = heard
        .recv_timeout(Duration::from_secs(1))
        .expect("heard within a second");
    assert_eq!(got, DeskChanged::of_case(Entity::Aar, 42));
    assert!(started.elapsed() < Duration::from_secs(1));

    // The ABRM's own change is not heard by the ABRM's listener (its window knew already).
    live::announce(&abrm, DeskChanged::of_case(Entity::Aar, 42)).unwrap();
    assert!(heard.recv_timeout(Duration::from_millis(700)).is_err());

    // A notice inside a change goes out when it commits, and not at all when it rolls back.
    {
        let tx = manager.conn().transaction().unwrap();
        live::announce(&manager, DeskChanged::of_case(Entity::Plan, 7)).unwrap();
        assert!(
            heard.recv_timeout(Duration::from_millis(300)).is_err(),
            "not before the commit"
        );
        tx.commit().unwrap();
    }
    assert_eq!(
        heard.recv_timeout(Duration::from_secs(1)).unwrap(),
        DeskChanged::of_case(Entity::Plan, 7)
    );
    {
        let _tx = manager.conn().transaction().unwrap();
        live::announce(&manager, DeskChanged::of_case(Entity::Plan, 8)).unwrap();
    } // rolled back
    assert!(heard.recv_timeout(Duration::from_millis(700)).is_err());
}

#[test]
fn a_listener_that_loses_the_server_says_so_at_once_and_connects_again_by_itself() {
    let t = common::store();
    let Some(url) = team_desk(&t) else { return }; // SQLite: no server to lose
    let (_listener, heard, reach) = listen(&url, 0);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(kill_connections(&url, "LISTEN%"), 1, "the listener's connection");
    assert_eq!(reach.recv_timeout(Duration::from_secs(2)), Ok(false), "said at once");
    assert_eq!(reach.recv_timeout(Duration::from_secs(10)), Ok(true), "back by itself");
    // Cut off for a while, the window is told that anything may have changed.
    // (Told right after "back", on the listener's thread: wait for them.)
    let everything: Vec<DeskChanged> = (0..Entity::ALL.len())
        .map_while(|_| heard.recv_timeout(Duration::from_secs(1)).ok())
        .collect();
    assert_eq!(everything.len(), Entity::ALL.len());
    assert!(everything.iter().all(|c| c.case_id.is_none()));
    // And it hears changes again.
    live::announce(&t.store, DeskChanged::of_desk(Entity::Directory)).unwrap();
    assert_eq!(
        heard.recv_timeout(Duration::from_secs(1)).unwrap(),
        DeskChanged::of_desk(Entity::Directory)
    );
}

#[test]
fn a_store_whose_connection_the_server_dropped_says_so_then_connects_again_at_the_next_call() {
    let t = common::store();
    let Some(url) = team_desk(&t) else { return }; // SQLite: a file has no connection to lose
    let store = Store::open_postgres(&url, None, None).unwrap();
    let count = |s: &Store| {
        s.conn()
            .query_row("SELECT COUNT(*) FROM cases", [], |r| r.get::<_, i64>(0))
    };
    assert_eq!(count(&store).unwrap(), 0);
    assert!(kill_connections(&url, "SELECT COUNT(*) FROM cases") >= 1);
    std::thread::sleep(Duration::from_millis(200));
    let lost = count(&store).unwrap_err().to_string();
    assert!(lost.contains("connection to the team desk was lost"), "{lost}");
    assert_eq!(count(&store).unwrap(), 0, "connected again by itself");
}

#[test]
fn who_has_a_report_section_open_and_who_is_typing_reaches_the_other_windows_at_once_and_is_never_stored() {
    let t = common::store();
    let Some(url) = team_desk(&t) else {
        // SQLite: one workstation, nobody to tell.
        live::announce_presence(&t.store, 1, Some(2), true).unwrap();
        return;
    };
    let manager = t.open_again();
    let abrm = t.open_again();
    let (_listener, heard, _reach, presence) = listen_with_presence(&url, abrm.origin());
    std::thread::sleep(Duration::from_millis(500));
    let tables_before = common::count(&t.store, "SELECT COUNT(*) FROM timeline_events")
        + common::count(&t.store, "SELECT COUNT(*) FROM aar_sections");

    let started = Instant::now();
    live::announce_presence(&manager, 7, Some(3), false).unwrap();
    live::announce_presence(&manager, 7, Some(3), true).unwrap();
    let open = presence
        .recv_timeout(Duration::from_secs(1))
        .expect("heard within a second");
    let typing = presence.recv_timeout(Duration::from_secs(1)).unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        open,
        Presence {
            aar_id: 7,
            section_id: Some(3),
            typing: false,
            // The person the desk knows the manager's login as, not a name the window gave.
            person: "Dana Whitfield".into(),
            window: manager.origin().to_string(),
        }
    );
    assert!(typing.typing);
    assert!(heard.try_recv().is_err(), "presence is not a change of the desk");

    // Leaving the report says so; a window does not hear its own presence.
    live::announce_presence(&manager, 7, None, false).unwrap();
    assert_eq!(presence.recv_timeout(Duration::from_secs(1)).unwrap().section_id, None);
    live::announce_presence(&abrm, 7, Some(3), true).unwrap();
    assert!(presence.recv_timeout(Duration::from_millis(700)).is_err());
    assert_eq!(
        common::count(&t.store, "SELECT COUNT(*) FROM timeline_events")
            + common::count(&t.store, "SELECT COUNT(*) FROM aar_sections"),
        tables_before,
        "nothing stored"
    );
}
