//! Migrations on real files: empty, twice, and from the previous schema with data in it.

mod common;

use escalation_core::case::Level;
use escalation_core::store::migrations::{migrate, migrate_to, schema_version, MIGRATIONS};
use escalation_core::store::users::get_current_user;
use escalation_core::{ErrorKind, Store};

#[test]
fn an_empty_database_is_migrated_to_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("new/folder/desk.sqlite3")).expect("opens and creates its folder");
    assert_eq!(
        schema_version(store.conn().sqlite_connection()).unwrap(),
        MIGRATIONS.len() as i64
    );
    let tables = common::count(&store, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('users','cases','problems','timeline_events')");
    assert_eq!(tables, 4, "every table exists after migrating an empty file");
}

#[test]
fn migrating_twice_changes_nothing_the_second_time() {
    // SQLite's migrations (a team desk's are checked by store_desk_copy and the schema compare).
    let t = common::sqlite_store();
    let path = t.path();
    drop(t.store);
    let mut store = Store::open_unmigrated(&path).unwrap();
    assert_eq!(migrate(store.conn_mut()).unwrap(), 0, "no migration runs twice");
    let reopened = Store::open(&path).unwrap();
    assert!(
        get_current_user(&reopened).unwrap().is_some(),
        "data survives reopening"
    );
}

#[test]
fn every_connection_gets_wal_foreign_keys_and_a_busy_timeout() {
    // SQLite's own per-connection settings: on a file, whatever engine the run is on.
    let t = common::sqlite_store();
    let conn = t.store.conn();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    let timeout: i64 = conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), fk), ("wal", 1));
    assert!(timeout >= 1000, "busy_timeout is {timeout} ms");
}

#[test]
fn a_database_from_the_previous_schema_keeps_its_data_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    let case_id: i64 = {
        let mut old = Store::open_unmigrated(&path).unwrap();
        // Schema 14, the last before cases named their agency by id: the SQL below is how that
        // version wrote its rows, and every migration since must carry them.
        migrate_to(old.conn_mut(), 14).unwrap();
        // Data as that version wrote it, in SQL (today's code may read columns it lacks):
        // a user and an escalated case with an empty timeline.
        old.conn()
            .execute_batch(
                "INSERT INTO users (name, email, role, created_at) VALUES ('Dana Whitfield', 'dana@doit.state.gov', 'Escalation manager', '2026-10-01T09:00:00.000Z');
                 INSERT INTO workstation (id, current_user_id) VALUES (1, 1);",
            )
            .unwrap();
        old.conn()
            .query_row(
                "INSERT INTO cases (kind, ticket, title, description, agency, affected_service, impact, urgency, priority,
                    reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at, timeline_head)
                 VALUES ('incident', 'INC0000001', 'Old case', '', 'DWS', 'Portal', 'high', 'high', 'P1', 'Maria', 'Dana',
                    'escalated', 'Outage', 'team', '2026-10-01T09:05:00.000Z', 1, '2026-10-01T09:05:00.000Z', ?1)
                 RETURNING id",
                [escalation_core::timeline::GENESIS],
                |r| r.get(0),
            )
            .unwrap()
    };
    let mut store = Store::open(&path).expect("the old database opens and migrates");
    assert_eq!(
        schema_version(store.conn().sqlite_connection()).unwrap(),
        MIGRATIONS.len() as i64
    );
    let who = get_current_user(&store)
        .unwrap()
        .expect("the user of the old database is still there");
    assert_eq!(who.email, "dana@doit.state.gov");
    let detail = escalation_core::store::cases::get_case_detail(&store, case_id).expect("the old case reads back");
    assert_eq!(detail.case.fields.ticket, "INC0000001");
    assert!(escalation_core::store::timeline::verify_case_timeline(&store, case_id)
        .unwrap()
        .is_intact());
    let case =
        escalation_core::store::cases::insert_case(&mut store, &common::new_case("INC0000002", Level::Escalated))
            .expect("the migrated database takes new cases");
    assert_eq!(case.opened_by, "Dana Whitfield");
}

#[test]
fn a_database_from_a_newer_version_is_refused_rather_than_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.sqlite3");
    {
        let store = Store::open(&path).unwrap();
        store
            .conn()
            .sqlite_connection()
            .pragma_update(None, "user_version", 999)
            .unwrap();
    }
    let err = Store::open(&path).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains("newer version"), "{err}");
}

#[test]
fn a_negative_schema_version_is_refused_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.sqlite3");
    {
        let store = Store::open_unmigrated(&path).unwrap();
        store
            .conn()
            .sqlite_connection()
            .pragma_update(None, "user_version", -3)
            .unwrap();
    }
    let err = Store::open(&path).err().expect("refused");
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(err.to_string().contains("schema version is -3"), "{err}");
    let store = Store::open_unmigrated(&path).unwrap();
    let tables = common::count(&store, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'");
    assert_eq!(tables, 0, "nothing was created in a file that is not ours");
}

#[cfg(unix)]
#[test]
fn the_database_its_wal_and_its_folder_are_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("escalation-desk");
    let path = folder.join("desk.sqlite3");
    let mut store = Store::open(&path).unwrap();
    escalation_core::store::users::update_current_user(
        &mut store,
        &escalation_core::identity::IdentityInput {
            name: "Dana".into(),
            email: "dana@doit.state.gov".into(),
            role: "Escalation manager".into(),
        },
    )
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700, "the folder");
    assert_eq!(mode(&path), 0o600, "the database");
    let wal = folder.join("desk.sqlite3-wal");
    assert!(wal.exists(), "WAL mode keeps a -wal file while open");
    assert_eq!(mode(&wal), 0o600, "the WAL follows the database's mode");
}

#[test]
fn cases_from_before_directory_ids_are_linked_by_name_and_unknown_names_join_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v14.sqlite3");
    {
        let mut old = Store::open_unmigrated(&path).unwrap();
        migrate_to(old.conn_mut(), 14).unwrap();
        let case = |ticket: &str, agency: &str, service: &str| {
            format!(
                "INSERT INTO cases (kind, ticket, title, description, agency, affected_service, impact, urgency, priority,
                    reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at, timeline_head)
                 VALUES ('incident', '{ticket}', 'Old case', '', '{agency}', '{service}', 'high', 'high', 'P1', 'Maria', 'Dana',
                    'escalated', 'Outage', 'team', '2026-10-01T09:05:00.000Z', 1, '2026-10-01T09:05:00.000Z', '{}');",
                escalation_core::timeline::GENESIS
            )
        };
        old.conn()
            .execute_batch(&format!(
                "INSERT INTO users (name, email, role, created_at) VALUES ('Dana', 'dana@doit.state.gov', 'Escalation manager', '2026-10-01T09:00:00.000Z');
                 INSERT INTO workstation (id, current_user_id) VALUES (1, 1);
                 INSERT INTO agencies (name, created_at, updated_at) VALUES ('Department of Health', '2026-09-01T00:00:00Z', '2026-09-01T00:00:00Z');
                 {}{}{}",
                case("INC0000001", "department of health ", "Portal"),
                case("INC0000002", "Corrections", "portal"),
                case("INC0000003", "CORRECTIONS", "VPN"),
            ))
            .unwrap();
    }
    let store = Store::open(&path).expect("migrates");
    let rows: Vec<(String, String, String, String)> = store
        .conn()
        .prepare_cached(
            "SELECT c.agency, a.name, c.affected_service, s.name FROM cases c
             JOIN agencies a ON a.id = c.agency_id JOIN services s ON s.id = c.service_id ORDER BY c.ticket",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 3, "every case got both ids");
    assert_eq!(
        rows[0].0, "Department of Health",
        "matched the existing entry ignoring case and spaces"
    );
    assert_eq!(rows[1].1, rows[2].1, "one new agency for both spellings");
    assert!(
        rows.iter().all(|r| r.0 == r.1 && r.2 == r.3),
        "shown names equal the directory's: {rows:?}"
    );
    assert_eq!(common::count(&store, "SELECT COUNT(*) FROM agencies"), 2);
    assert_eq!(common::count(&store, "SELECT COUNT(*) FROM services"), 2);
    let err = store
        .conn()
        .execute("UPDATE cases SET agency_id = NULL WHERE ticket = 'INC0000001'", [])
        .unwrap_err();
    assert!(err.to_string().contains("by directory id"), "{err}");
}

#[test]
fn the_upgrade_releases_the_teams_of_cases_closed_before_it_and_keeps_open_teams() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite3");
    let mut store = Store::open_unmigrated(&path).unwrap();
    let before = MIGRATIONS
        .iter()
        .position(|m| m.contains("alert_checks_due"))
        .expect("the migration that releases closed cases' teams");
    migrate_to(store.conn_mut(), before).unwrap();
    store
        .conn()
        .execute_batch(
            "INSERT INTO users (id, name, email, role, created_at) VALUES (1, 'Dana', 'dana@x.gov', 'Manager', '2026-01-01T00:00:00.000Z');
             INSERT INTO people (id, name, email, organization_kind, organization, created_at, updated_at)
                 VALUES (1, 'Ann', 'ann@x.gov', 'division', 'DoIT', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
             INSERT INTO agencies (id, name, created_at, updated_at) VALUES (1, 'A', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
             INSERT INTO services (id, name, created_at, updated_at) VALUES (1, 'S', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
             INSERT INTO cases (id, kind, ticket, title, description, agency, affected_service, impact, urgency, priority,
                 reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at, timeline_head,
                 agency_id, service_id)
             VALUES (1, 'incident', 'INC1', 'Closed', '', 'A', 'S', 'high', 'high', 'P1', 'x', 'Dana', 'escalated', 'r',
                     'closed', '2026-01-01T00:00:00.000Z', 1, '2026-02-01T00:00:00.000Z', '', 1, 1),
                    (2, 'incident', 'INC2', 'Open', '', 'A', 'S', 'high', 'high', 'P1', 'x', 'Dana', 'escalated', 'r',
                     'resolving', '2026-01-01T00:00:00.000Z', 1, '2026-02-01T00:00:00.000Z', '', 1, 1);
             INSERT INTO team_members (case_id, person_id, role, appointed_at, appointed_by) VALUES
                 (1, 1, 'incident_owner', '2026-01-01T00:00:00.000Z', 1),
                 (2, 1, 'incident_owner', '2026-01-01T00:00:00.000Z', 1);",
        )
        .unwrap();
    migrate(store.conn_mut()).unwrap();
    let released: Vec<(i64, Option<String>)> = store
        .conn()
        .prepare_cached("SELECT case_id, released_at FROM team_members ORDER BY case_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        released,
        [(1, Some("2026-02-01T00:00:00.000Z".to_string())), (2, None)],
        "the closed case's member is released when it closed; the open case keeps its team"
    );
}

#[test]
fn the_postgresql_migrations_are_numbered_in_lockstep_with_sqlite_s() {
    use escalation_core::store::migrations::PG_MIGRATIONS;
    let last = PG_MIGRATIONS.last().expect("a team desk has a schema").0;
    assert_eq!(
        last,
        MIGRATIONS.len() as i64,
        "a SQLite migration without its PostgreSQL twin (or the other way)"
    );
    let versions: Vec<i64> = PG_MIGRATIONS.iter().map(|(v, _)| *v).collect();
    assert!(
        versions.windows(2).all(|w| w[1] == w[0] + 1),
        "no gap and no repeat: {versions:?}"
    );
}
