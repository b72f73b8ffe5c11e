//! Automatic backups of a workstation's desk and restoring one: a real SQLite file, real copies
//! made with the online backup API, read back. A team desk is backed up by its server: the app
//! refuses to, on either engine's run.
mod common;

use std::path::Path;

use escalation_core::backup::{file_name, BackupReason};
use escalation_core::case::Level;
use escalation_core::store::backup::{self, backups_dir};
use escalation_core::store::instance::{Claim, InstanceLock};
use escalation_core::store::migrations::{migrate_to, schema_version, MIGRATIONS};
use escalation_core::store::{cases, timeline};
use escalation_core::Store;

fn lock(desk: &Path) -> InstanceLock {
    match InstanceLock::acquire(desk).unwrap() {
        Claim::Ours(lock) => lock,
        Claim::AlreadyOpen { .. } => panic!("nobody else has the test's desk"),
    }
}

fn tickets(store: &Store) -> Vec<String> {
    store
        .conn()
        .prepare_cached("SELECT ticket FROM cases ORDER BY ticket")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_days_backup_is_taken_once_and_reads_back_as_the_desk() {
    let mut t = common::sqlite_store();
    cases::insert_case(&mut t.store, &common::new_case("INC0900001", Level::Escalated)).unwrap();
    let first = backup::daily_if_due(&t.store)
        .unwrap()
        .expect("no backup yet: the day's is due");
    assert_eq!(first.reason, BackupReason::Daily);
    assert!(backup::daily_if_due(&t.store).unwrap().is_none(), "one a day");
    let listed = backup::list(&t.path()).unwrap();
    assert_eq!(listed, vec![first.clone()]);
    let copy = Store::open_read_only(backups_dir(&t.path()).join(&first.name)).unwrap();
    assert_eq!(tickets(&copy), vec!["INC0900001"]);
    assert!(timeline::verify_all_timelines(&copy).unwrap().broken.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(backups_dir(&t.path()).join(&first.name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "a backup is the user's only, like the desk");
    }
}

#[test]
fn only_the_newest_automatic_backups_are_kept_and_a_replaced_desk_is_never_removed() {
    let t = common::sqlite_store();
    assert_eq!(backup::kept(&t.store), 7, "a week of daily backups unless chosen");
    assert_eq!(backup::set_kept(&t.store, 2).unwrap(), 2);
    // Older backups as earlier days left them (the files are only ever read by their names).
    let dir = backups_dir(&t.path());
    std::fs::create_dir_all(&dir).unwrap();
    let day = |d: i64| chrono::Utc::now() - chrono::TimeDelta::days(d);
    let old = [
        file_name("desk", day(4), BackupReason::Daily),
        file_name("desk", day(3), BackupReason::BeforeMigration { from: 21 }),
        file_name("desk", day(2), BackupReason::Daily),
        file_name("desk", day(5), BackupReason::Replaced),
    ];
    for name in &old {
        std::fs::write(dir.join(name), b"an older backup").unwrap();
    }
    std::fs::write(dir.join("notes.txt"), b"the user's own file").unwrap();
    // A copy a killed app left half-written is not a backup (and does not count as the day's).
    std::fs::write(
        dir.join(format!(".{}.partial", file_name("desk", day(0), BackupReason::Daily))),
        b"half",
    )
    .unwrap();
    let today = backup::daily_if_due(&t.store)
        .unwrap()
        .expect("the newest is two days old");
    let names: Vec<String> = backup::list(&t.path()).unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names, vec![today.name.clone(), old[2].clone(), old[3].clone()]);
    assert!(
        dir.join("notes.txt").exists(),
        "a file that is not a backup is left alone"
    );
}

#[test]
fn how_many_backups_to_keep_is_checked_and_a_wrong_number_changes_nothing() {
    let t = common::sqlite_store();
    for wrong in [0, -5, 366, i64::MAX] {
        let e = backup::set_kept(&t.store, wrong).unwrap_err();
        assert_eq!(e.kind(), escalation_core::error::ErrorKind::Validation, "{wrong}: {e}");
    }
    assert_eq!(backup::kept(&t.store), 7);
}

#[test]
fn a_desk_is_backed_up_before_it_is_migrated_and_the_backup_is_the_desk_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite3");
    let from = MIGRATIONS.len() - 1;
    {
        let mut old = Store::open_unmigrated(&path).unwrap();
        migrate_to(old.conn_mut(), from).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        schema_version(store.conn().sqlite_connection()).unwrap(),
        MIGRATIONS.len() as i64
    );
    let backups = backup::list(&path).unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(backups[0].reason, BackupReason::BeforeMigration { from: from as i64 });
    let before = rusqlite::Connection::open(backups_dir(&path).join(&backups[0].name)).unwrap();
    assert_eq!(
        schema_version(&before).unwrap(),
        from as i64,
        "the copy is the desk as it was"
    );
    drop(store);
    Store::open(&path).unwrap();
    assert_eq!(
        backup::list(&path).unwrap().len(),
        1,
        "no migration, no backup; a new desk needs none"
    );
}

#[test]
fn a_restored_backup_replaces_the_desk_and_the_replaced_desk_is_kept_whole_with_its_last_changes() {
    let mut t = common::sqlite_store();
    cases::insert_case(&mut t.store, &common::new_case("INC0900010", Level::Escalated)).unwrap();
    let day = backup::daily_if_due(&t.store).unwrap().unwrap();
    cases::insert_case(&mut t.store, &common::new_case("INC0900011", Level::Escalated)).unwrap();
    let path = t.path();
    drop(t.store); // the window closed: the restore needs the desk's lock

    let held = lock(&path);
    let restored = backup::restore(&path, &backups_dir(&path).join(&day.name), &held).unwrap();
    assert_eq!(
        (restored.restored.cases, restored.restored.name.as_str()),
        (1, day.name.as_str())
    );
    drop(held);
    let store = Store::open(&path).unwrap();
    assert_eq!(tickets(&store), vec!["INC0900010"], "the desk is the backup's moment");
    assert!(timeline::verify_all_timelines(&store).unwrap().broken.is_empty());

    let replaced = restored.replaced.expect("the desk it replaced is kept");
    let kept = Store::open_read_only(backups_dir(&path).join(&replaced)).unwrap();
    assert_eq!(
        tickets(&kept),
        vec!["INC0900010", "INC0900011"],
        "nothing the replaced desk held is lost"
    );
    let listed = backup::list(&path).unwrap();
    assert!(listed
        .iter()
        .any(|b| b.name == replaced && b.reason == BackupReason::Replaced));
}

#[test]
fn a_damaged_backup_is_refused_and_the_desk_is_left_as_it_was() {
    let mut t = common::sqlite_store();
    cases::insert_case(&mut t.store, &common::new_case("INC0900020", Level::Escalated)).unwrap();
    let day = backup::daily_if_due(&t.store).unwrap().unwrap();
    let path = t.path();
    let file = backups_dir(&path).join(&day.name);
    // Scribble over the middle of the copy, as a bad sector or a half-copied file would.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 4096].fill(0x5a);
    std::fs::write(&file, &bytes).unwrap();
    drop(t.store); // closed (its WAL checkpointed into the file), as the window is for a restore
    let desk_before = std::fs::read(&path).unwrap();

    let held = lock(&path);
    let e = backup::restore(&path, &file, &held).unwrap_err();
    assert!(e.to_string().contains("cannot be restored"), "{e}");
    assert!(std::fs::read(&path).unwrap() == desk_before, "the desk is untouched");
    let e = backup::restore(&path, &path.with_file_name("nowhere.sqlite3"), &held).unwrap_err();
    assert!(e.to_string().contains("no such file"), "{e}");
    assert!(!path.with_file_name(".desk.restoring").exists());
}

#[test]
fn the_restore_screen_names_a_backup_restored_at_the_next_start_and_only_a_backup_of_this_desk() {
    let mut t = common::sqlite_store();
    cases::insert_case(&mut t.store, &common::new_case("INC0900030", Level::Escalated)).unwrap();
    let day = backup::daily_if_due(&t.store).unwrap().unwrap();
    cases::insert_case(&mut t.store, &common::new_case("INC0900031", Level::Escalated)).unwrap();
    let path = t.path();
    for wrong in [
        "../desk.sqlite3",
        "desk.sqlite3",
        "/etc/passwd",
        "other-20261206T073005Z-daily.sqlite3",
    ] {
        assert!(backup::restore_at_next_start(&path, wrong).is_err(), "{wrong}");
    }
    let checked = backup::restore_at_next_start(&path, &day.name).unwrap();
    assert_eq!(checked.cases, 1);
    drop(t.store);
    let held = lock(&path);
    let restored = backup::finish_pending_restore(&path, &held)
        .unwrap()
        .expect("asked for");
    assert!(backup::finish_pending_restore(&path, &held).unwrap().is_none(), "once");
    drop(held);
    assert_eq!(tickets(&Store::open(&path).unwrap()), vec!["INC0900030"]);
    assert!(restored.replaced.is_some());
}

#[test]
fn a_damaged_desk_is_reported_and_never_recreated_or_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite3");
    std::fs::write(&path, vec![0x42; 64 * 1024]).unwrap();
    let e = Store::open(&path).err().expect("not a desk");
    assert!(e.to_string().contains("not a database"), "{e}");
    assert!(
        std::fs::read(&path).unwrap() == vec![0x42; 64 * 1024],
        "the file is as it was"
    );
}

#[test]
fn a_team_desk_is_not_backed_up_by_the_app() {
    let t = common::store();
    if !t.on_postgres() {
        return assert!(backup::daily_if_due(&t.store).unwrap().is_some());
    }
    assert!(backup::daily_if_due(&t.store).unwrap().is_none());
    let e = backup::set_kept(&t.store, 3).unwrap_err();
    assert!(e.to_string().contains("pg_dump"), "{e}");
}
