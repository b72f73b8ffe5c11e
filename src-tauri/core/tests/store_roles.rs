//! A team desk's roles are PostgreSQL's to enforce (`store::team_desk`), not only the window's:
//! each role's login tries, through the store, what it must not do, and is refused with a clear
//! message with nothing written. On a SQLite file (one workstation, no logins) the roles do not
//! exist, and asking for them says so.

mod common;

use escalation_core::case::Level;
use escalation_core::identity::IdentityInput;
use escalation_core::store::{cases, team_desk, users};
use escalation_core::{Error, Store};

/// A new login on the test server with the desk role `role`, and a store opened as it.
fn login_as(t: &common::TempStore, role: &str) -> Store {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let url = &t.pg.as_ref().unwrap().url;
    let login = format!("{role}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("CREATE ROLE {login} LOGIN")).unwrap();
    team_desk::grant(&t.store, &login, role).unwrap();
    // The test server trusts its loopback logins (tests/pg/cluster): the URL names the login.
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, server) = rest.split_once('@').unwrap();
    Store::open_postgres(&format!("{scheme}://{login}@{server}"), None, None).unwrap()
}

fn count(store: &Store, table: &str) -> i64 {
    common::count(store, &format!("SELECT COUNT(*) FROM {table}"))
}

fn refused(result: escalation_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn each_role_is_refused_by_the_server_what_it_may_not_do_and_nothing_is_written() {
    let t = common::store();
    if !t.on_postgres() {
        let e = team_desk::create_group_roles(&t.store).unwrap_err();
        assert!(e.to_string().contains("team desk on PostgreSQL"));
        return;
    }
    team_desk::create_group_roles(&t.store).unwrap();
    team_desk::create_group_roles(&t.store).expect("running it again changes nothing");
    let me = IdentityInput {
        name: "Avery Chen".into(),
        email: "avery.chen@doit.state.gov".into(),
        role: "ABRM".into(),
    };

    // A viewer reads the desk and changes nothing, not even who it is.
    let mut viewer = login_as(&t, "viewer");
    assert_eq!(
        users::get_workstation(&viewer).unwrap().identity.unwrap().name,
        "Dana Whitfield"
    );
    let users_before = count(&t.store, "users");
    let why = refused(users::update_current_user(&mut viewer, &me));
    assert!(
        why.starts_with("Your login may not do this on the team desk (permission denied for table"),
        "{why}"
    );
    assert_eq!(count(&t.store, "users"), users_before, "nothing written");

    // A member works on cases but opens none: the whole change is refused, not half of it.
    let mut member = login_as(&t, "member");
    users::update_current_user(&mut member, &me).expect("a member may say who it is");
    let why = refused(cases::insert_case(
        &mut member,
        &common::new_case("INC0300001", Level::Escalated),
    ));
    assert!(why.contains("permission denied for table cases"), "{why}");
    assert_eq!(count(&t.store, "cases"), 0);
    assert_eq!(count(&t.store, "timeline_events"), 0);

    // A manager opens it.
    let mut manager = login_as(&t, "manager");
    cases::insert_case(&mut manager, &common::new_case("INC0300001", Level::Escalated)).unwrap();
    assert_eq!(count(&t.store, "cases"), 1);

    // A new role replaces the old: the manager made a viewer opens no more cases.
    let login: String = manager
        .conn()
        .query_row("SELECT CAST(session_user AS text)", [], |r| r.get(0))
        .unwrap();
    team_desk::grant(&t.store, &login, "viewer").unwrap();
    let why = refused(cases::insert_case(
        &mut manager,
        &common::new_case("INC0300003", Level::Escalated),
    ));
    assert!(why.contains("permission denied"), "{why}");
    assert_eq!(count(&t.store, "cases"), 1);

    // The ABRM role is a member's: it opens no case either.
    let mut abrm = login_as(&t, "abrm");
    let why = refused(cases::insert_case(
        &mut abrm,
        &common::new_case("INC0300002", Level::Elevated),
    ));
    assert!(why.contains("permission denied for table cases"), "{why}");
    assert_eq!(count(&t.store, "cases"), 1);

    // No role is made up or given to a login the server does not have.
    assert!(refused(team_desk::grant(&t.store, "nobody_at_all", "viewer")).contains("There is no login"));
    let login = format!("owner_{}", std::process::id());
    let mut admin = postgres::Client::connect(&t.pg.as_ref().unwrap().url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("CREATE ROLE {login} LOGIN")).unwrap();
    assert!(refused(team_desk::grant(&t.store, &login, "owner")).contains("use viewer, member, abrm or manager"));
}
