//! The command line beside the window, run as a process: `verify`, `backup`, `--version`, `--help`,
//! and a wrong command line, each with its output and exit code, on real desk files.

use std::path::Path;
use std::process::{Command, Output};

use escalation_core::case::{CaseFields, CaseKind, Level, NewCase, Rating};
use escalation_core::identity::IdentityInput;
use escalation_core::store::{cases, users};
use escalation_core::Store;

fn app(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalation-desk"))
        .args(args)
        .env_remove("ESCALATION_DESK_DB")
        .output()
        .expect("the app binary runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// A desk with two cases on it.
fn desk(path: &Path) {
    let mut store = Store::open(path).unwrap();
    users::update_current_user(
        &mut store,
        &IdentityInput {
            name: "Dana Whitfield".into(),
            email: "dana@doit.state.gov".into(),
            role: "Escalation manager".into(),
        },
    )
    .unwrap();
    for ticket in ["INC0000001", "INC0000002"] {
        cases::insert_case(
            &mut store,
            &NewCase {
                fields: CaseFields {
                    kind: CaseKind::Incident,
                    ticket: ticket.into(),
                    title: "Claims portal unavailable".into(),
                    description: String::new(),
                    agency: "Department of Workforce Solutions".into(),
                    affected_service: "UI Claims Portal".into(),
                    agency_id: None,
                    service_id: None,
                    impact: Rating::High,
                    urgency: Rating::High,
                    reported_by: "Maria Lopez".into(),
                    escalation_manager: "Dana Whitfield".into(),
                },
                level: Level::Escalated,
                level_reason: "Statewide outage".into(),
            },
        )
        .unwrap();
    }
}

#[test]
fn verify_reports_every_chain_intact_then_names_the_case_whose_chain_was_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    desk(&db);
    let out = app(&["verify", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains(": 2 cases, ") && report.ends_with(" events: every chain intact.\n"),
        "{report}"
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER timeline_events_are_never_updated;
         UPDATE timeline_events SET summary = 'Nothing happened' WHERE case_id = 2;",
    )
    .unwrap();
    drop(conn);
    let out = app(&["verify", &format!("--db={}", db.display())]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains("1 with a broken chain:\n  ESC-00002 (INC0000002): event "),
        "{report}"
    );
    assert_eq!(report.lines().count(), 2, "only the rewritten case is named: {report}");
}

#[test]
fn backup_copies_the_desk_checks_the_copy_and_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    desk(&db);
    let copy = dir.path().join("backups/desk-copy.sqlite3");
    let out = app(&["backup", copy.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let restored = Store::open(&copy).unwrap();
    let tickets: i64 = restored
        .conn()
        .query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tickets, 2, "the copy holds the desk's cases");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let again = app(&["backup", copy.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already exists: a backup never overwrites a file"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(text(&again.stderr).lines().count(), 1, "one clear line");
}

#[test]
fn restore_lists_the_backups_puts_one_in_the_desks_place_and_refuses_while_a_window_has_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    desk(&db);
    let db_arg = db.to_str().unwrap();
    let none = app(&["restore", "--db", db_arg]);
    assert_eq!(none.status.code(), Some(0), "{}", text(&none.stderr));
    assert!(
        text(&none.stdout).starts_with("No backups of"),
        "{}",
        text(&none.stdout)
    );

    let day = {
        let store = Store::open(&db).unwrap();
        escalation_core::store::backup::daily_if_due(&store).unwrap().unwrap()
    };
    {
        // A third case after the backup: the restore takes the desk back to two.
        let mut store = Store::open(&db).unwrap();
        let mut case = cases::get_case_detail(&store, 1).unwrap().case;
        case.fields.ticket = "INC0000003".into();
        cases::insert_case(
            &mut store,
            &NewCase {
                fields: case.fields,
                level: Level::Escalated,
                level_reason: "Again".into(),
            },
        )
        .unwrap();
    }
    let listed = app(&["restore", "--db", db_arg]);
    assert!(text(&listed.stdout).contains(&day.name), "{}", text(&listed.stdout));
    assert!(text(&listed.stdout).contains("(daily, "), "{}", text(&listed.stdout));

    {
        let _window = match escalation_core::store::instance::InstanceLock::acquire(&db).unwrap() {
            escalation_core::store::instance::Claim::Ours(lock) => lock,
            _ => panic!("nobody has the desk"),
        };
        let refused = app(&["restore", &day.name, "--db", db_arg]);
        assert_eq!(refused.status.code(), Some(1));
        assert!(
            text(&refused.stderr).contains("close it first"),
            "{}",
            text(&refused.stderr)
        );
    }
    let wrong = app(&["restore", "desk-20200101T000000Z-daily.sqlite3", "--db", db_arg]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong.stderr).contains("no such file"), "{}", text(&wrong.stderr));
    assert_eq!(text(&wrong.stderr).lines().count(), 1, "one clear line");

    let out = app(&["restore", &day.name, "--db", db_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 cases, 4 events, every chain verified. The desk it replaced is kept as"),
        "{}",
        text(&out.stdout)
    );
    let store = Store::open(&db).unwrap();
    let count: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2, "the desk is the backup's");
    let verify = app(&["verify", "--db", db_arg]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));
}

#[test]
fn a_desk_from_an_older_version_is_neither_verified_nor_copied_nor_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite3");
    {
        let mut old = Store::open_unmigrated(&db).unwrap();
        escalation_core::store::migrations::migrate_to(old.conn_mut(), 3).unwrap();
    }
    let out = app(&[
        "backup",
        dir.path().join("copy.sqlite3").to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is at schema version 3"),
        "{}",
        text(&out.stderr)
    );
    let version: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3, "the desk was left as it was");
    assert!(!dir.path().join("copy.sqlite3").exists());
}

#[test]
fn a_missing_desk_is_an_error_not_a_new_empty_desk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nothing-here.sqlite3");
    let out = app(&["verify", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!("escalation-desk: no desk at {}\n", db.display())
    );
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn version_help_and_a_wrong_command_line_answer_without_a_window() {
    let out = app(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("escalation-desk {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = app(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("escalation-desk backup TARGET [--db FILE]"));
    let out = app(&["repair", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "escalation-desk: unknown command \"repair\" (see --help)\n"
    );
}

/// Where a `desk copy` goes in this run: a new database on the test server when the run is on
/// PostgreSQL (`ESCALATION_TEST_ENGINE=postgres`, as `.ci/test`'s second pass), else a new file.
fn team_or_file_desk(dir: &Path) -> String {
    if std::env::var("ESCALATION_TEST_ENGINE").as_deref() != Ok("postgres") {
        return dir.join("team.sqlite3").to_string_lossy().into_owned();
    }
    let admin = std::env::var("ESCALATION_TEST_PG_URL").expect("a PostgreSQL run needs ESCALATION_TEST_PG_URL");
    let name = format!("cli_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the test server answers");
    // One statement each: a multi-statement batch runs as one transaction, which DROP DATABASE refuses.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

#[test]
fn desk_copy_moves_a_desk_there_and_back_with_every_chain_verified_and_never_into_a_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home.sqlite3");
    desk(&home);
    let there = team_or_file_desk(dir.path());
    if there.starts_with("postgres://") {
        let out = app(&["desk", "init", &there]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("desk_manager"), "{}", text(&out.stdout));
    }
    let out = app(&["desk", "copy", "--from", home.to_str().unwrap(), "--to", &there]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 cases") && text(&out.stdout).contains("every chain verified"),
        "{}",
        text(&out.stdout)
    );

    // Logins are mapped once the desk holds what the copy brought (a copy goes into an empty desk
    // only, and the people a login is mapped to are rows of it).
    if there.starts_with("postgres://") {
        // A login the server does not have: refused in one line; one it has: given the role.
        let out = app(&["desk", "grant", &there, "nobody_here", "viewer"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("There is no login \"nobody_here\""),
            "{}",
            text(&out.stderr)
        );
        let login = format!("cli_viewer_{}", std::process::id());
        let mut admin = postgres::Client::connect(&there, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP ROLE IF EXISTS {login}; CREATE ROLE {login} LOGIN"))
            .unwrap();
        // The first grant says who the login is; without that, or with a bad address, nothing is
        // granted (the login still has no desk role, so it cannot even read the desk).
        let can_read = |login: &str| -> bool {
            let mut c = postgres::Client::connect(&there, postgres::NoTls).unwrap();
            c.query_one("SELECT pg_has_role($1, 'desk_viewer', 'MEMBER')", &[&login])
                .unwrap()
                .get(0)
        };
        let out = app(&["desk", "grant", &there, &login, "viewer"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("is not a person on this desk yet"),
            "{}",
            text(&out.stderr)
        );
        let out = app(&[
            "desk", "grant", &there, &login, "viewer", "--name", "Vic Lee", "--email", "vic@",
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("the person is not right"),
            "{}",
            text(&out.stderr)
        );
        assert!(!can_read(&login), "nothing granted");
        let out = app(&[
            "desk",
            "grant",
            &there,
            &login,
            "viewer",
            "--name",
            "Vic Lee",
            "--email",
            "vic.lee@doit.state.gov",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!(
                "{login} is now desk_viewer, working as Vic Lee <vic.lee@doit.state.gov>"
            )),
            "{}",
            text(&out.stdout)
        );
        assert!(can_read(&login));
        // Once known, a new role needs no name again.
        let out = app(&["desk", "grant", &there, &login, "member"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("is now desk_member, working as Vic Lee"));
        let out = app(&["desk", "grant", &there, &login, "owner"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("use viewer, member, abrm or manager"));
    }

    // Into a desk that already holds cases: refused, one line, exit 1.
    let out = app(&["desk", "copy", "--from", home.to_str().unwrap(), "--to", &there]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("not empty") || err.contains("already exists"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let back = dir.path().join("back.sqlite3");
    let out = app(&["desk", "copy", "--from", &there, "--to", back.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = app(&["verify", "--db", back.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("2 cases"), "{}", text(&out.stdout));
}

#[test]
fn desk_init_wants_a_postgres_url_and_desk_copy_wants_both_ends() {
    let out = app(&["desk", "init", "/tmp/desk.sqlite3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a postgres:// URL"),
        "{}",
        text(&out.stderr)
    );
    let out = app(&["desk", "copy", "--from", "/tmp/a.sqlite3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--to"), "{}", text(&out.stderr));
    let out = app(&[
        "desk",
        "copy",
        "--from",
        "/nonexistent/a.sqlite3",
        "--to",
        "/tmp/never-made.sqlite3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no desk at"), "{}", text(&out.stderr));
    assert!(!Path::new("/tmp/never-made.sqlite3").exists());
}

#[test]
fn a_case_file_is_exported_by_ticket_verified_and_its_tampering_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    desk(&db);
    let file = dir.path().join("INC0000002.zip");
    let out = app(&[
        "case-file",
        "export",
        "inc0000002",
        file.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ESC-00002 (INC0000002)"),
        "{}",
        text(&out.stdout)
    );

    let out = app(&["case-file", "verify", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM timeline_events WHERE case_id = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "verifies: ESC-00002 (INC0000002) \"Claims portal unavailable\": 9 files, {events} events"
        )),
        "{said}"
    );

    // Never over an existing file; an unknown ticket named.
    let out = app(&[
        "case-file",
        "export",
        "INC0000002",
        file.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is never written over a file"),
        "{}",
        text(&out.stderr)
    );
    let other = dir.path().join("x.zip");
    let out = app(&[
        "case-file",
        "export",
        "INC9999999",
        other.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no case with ticket INC9999999"),
        "{}",
        text(&out.stderr)
    );

    // A file cut short: one line saying so, exit 1.
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let out = app(&["case-file", "verify", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a whole zip file"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stderr).lines().count(), 1);
    let out = app(&["case-file", "verify"]);
    assert_eq!(out.status.code(), Some(2));

    // Imported into another desk; the same file again is refused.
    std::fs::write(&file, &bytes).unwrap();
    let other = dir.path().join("other.sqlite3");
    desk(&other);
    let out = app(&[
        "case-file",
        "import",
        "--db",
        other.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "the other desk has INC0000002 already");
    assert!(
        text(&out.stderr).contains("INC0000002 is already on this desk as ESC-00002"),
        "{}",
        text(&out.stderr)
    );
    let third = dir.path().join("third");
    std::fs::create_dir(&third).unwrap();
    let third = third.join("desk.sqlite3");
    let mut store = Store::open(&third).unwrap();
    users::update_current_user(
        &mut store,
        &IdentityInput {
            name: "Sam Ortiz".into(),
            email: "sam@doit.state.gov".into(),
            role: "Escalation manager".into(),
        },
    )
    .unwrap();
    drop(store);
    let out = app(&[
        "case-file",
        "import",
        file.to_str().unwrap(),
        "--db",
        third.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("as ESC-00001 on"), "{}", text(&out.stdout));
    let out = app(&["verify", "--db", third.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the imported chain verifies: {}",
        text(&out.stdout)
    );
}
