//! One desk per database file: the lock on real files in a temp folder, from this process and from
//! child processes (this test binary run again with `INSTANCE_CHILD` set), and the socket through
//! which a second start brings the first window forward.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use escalation_core::store::instance::{ask_to_show, lock_path, socket_path, Claim, InstanceLock};

fn claim(db: &Path) -> Claim {
    InstanceLock::acquire(db).expect("the lock file can be created in a temp folder")
}

fn held(db: &Path) -> InstanceLock {
    match claim(db) {
        Claim::Ours(lock) => lock,
        Claim::AlreadyOpen { database } => panic!("{} should be free", database.display()),
    }
}

fn is_refused(db: &Path) -> bool {
    matches!(claim(db), Claim::AlreadyOpen { .. })
}

#[test]
fn a_second_claim_on_the_same_database_in_the_same_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let _first = held(&db);
    assert!(
        is_refused(&db),
        "the lock belongs to the open file, not the process, so a second open here conflicts too"
    );
}

#[test]
fn another_database_can_be_opened_while_one_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let _first = held(&dir.path().join("desk.sqlite3"));
    let _other = held(&dir.path().join("training.sqlite3"));
}

#[test]
fn the_lock_is_released_when_the_desk_lets_go_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    drop(held(&db));
    let _again = held(&db);
    assert!(
        lock_path(&db).exists(),
        "the lock file stays: deleting it would let two desks lock two files"
    );
}

#[test]
fn the_same_database_reached_by_another_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("data");
    std::fs::create_dir(&sub).unwrap();
    let _first = held(&sub.join("desk.sqlite3"));
    assert!(
        is_refused(&dir.path().join("data/../data/desk.sqlite3")),
        "a path with .. names the same file"
    );
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&sub, &link).unwrap();
        assert!(
            is_refused(&link.join("desk.sqlite3")),
            "a symlinked folder names the same file"
        );
    }
}

#[test]
fn a_claim_creates_the_missing_folder_of_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new/folder/desk.sqlite3");
    let lock = held(&db);
    assert!(lock.database().ends_with("new/folder/desk.sqlite3"));
}

#[cfg(unix)]
#[test]
fn the_lock_file_and_the_socket_are_for_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let mut lock = held(&db);
    lock.listen(|| {}).unwrap();
    for file in [lock_path(&db), socket_path(&db)] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} must not be open to other users", file.display());
    }
}

#[cfg(unix)]
#[test]
fn a_running_desk_is_asked_to_show_its_window_and_says_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let mut lock = held(&db);
    let (tx, rx) = mpsc::channel();
    lock.listen(move || tx.send(()).unwrap()).unwrap();
    assert!(ask_to_show(&db), "the running desk answers");
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the window was asked to come forward");
    assert!(ask_to_show(&db), "and answers every later start too");
}

#[cfg(unix)]
#[test]
fn nobody_answers_when_no_desk_listens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    assert!(!ask_to_show(&db), "no socket at all");
    // A socket file nobody listens on, as a crashed desk leaves it.
    drop(std::os::unix::net::UnixListener::bind(socket_path(&db)).unwrap());
    assert!(socket_path(&db).exists());
    assert!(!ask_to_show(&db), "a leftover socket file is not a running desk");
}

#[cfg(unix)]
#[test]
fn a_crashed_desks_socket_is_replaced_by_the_next_holder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    drop(std::os::unix::net::UnixListener::bind(socket_path(&db)).unwrap());
    let mut lock = held(&db);
    let (tx, rx) = mpsc::channel();
    lock.listen(move || tx.send(()).unwrap()).unwrap();
    assert!(ask_to_show(&db));
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_desk_that_lets_go_stops_listening_and_removes_its_socket() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let mut lock = held(&db);
    lock.listen(|| {}).unwrap();
    drop(lock);
    assert!(!socket_path(&db).exists(), "the socket file goes with the desk");
    assert!(!ask_to_show(&db));
}

#[cfg(unix)]
#[test]
fn a_database_path_too_long_for_a_socket_keeps_its_lock_and_only_loses_the_forwarding() {
    let dir = tempfile::tempdir().unwrap();
    // Unix socket paths stop at about 108 bytes; database paths do not.
    let db = dir
        .path()
        .join("a".repeat(60))
        .join("b".repeat(60))
        .join("desk.sqlite3");
    let mut lock = held(&db);
    assert!(lock.listen(|| {}).is_err(), "the socket cannot be bound at that length");
    assert!(is_refused(&db), "the database is still held");
    assert!(
        !ask_to_show(&db),
        "a later start shows its refusal instead of being forwarded"
    );
}

// ---- Two processes: this binary run again as the child, told what to do by environment variables.

const CHILD: &str = "INSTANCE_CHILD";
const CHILD_DB: &str = "INSTANCE_CHILD_DB";

/// Runs the child side named by `role` on `db`, with its stdout piped back to the test.
fn spawn_child(role: &str, db: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_process_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD, role)
        .env(CHILD_DB, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The first line the child reports (`child: ...`), skipping the test harness's own lines.
fn child_says(child: &mut std::process::Child) -> String {
    let out = child.stdout.as_mut().unwrap();
    let mut lines = BufReader::new(out).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        // The harness may print `test child_process_entry ... ` on the same line first.
        if let Some((_, said)) = line.split_once("child: ") {
            return said.to_owned();
        }
    }
    panic!("the child ended without reporting");
}

/// Not a test of its own: the other side of the two-process tests (does nothing when run directly).
#[test]
fn child_process_entry() {
    let (Ok(role), Some(db)) = (std::env::var(CHILD), std::env::var_os(CHILD_DB)) else {
        return;
    };
    let db = PathBuf::from(db);
    match role.as_str() {
        "claim" => match claim(&db) {
            Claim::Ours(_) => println!("child: ours"),
            Claim::AlreadyOpen { .. } => println!("child: refused, shown={}", ask_to_show(&db)),
        },
        "hold" => {
            let _lock = held(&db);
            println!("child: holding");
            // Until killed: the parent checks that a killed holder leaves no lock behind.
            std::thread::sleep(Duration::from_secs(60));
        }
        other => panic!("unknown child role {other}"),
    }
}

#[cfg(unix)]
#[test]
fn a_second_process_on_the_same_database_is_refused_and_brings_the_first_forward() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let mut first = held(&db);
    let (tx, rx) = mpsc::channel();
    first.listen(move || tx.send(()).unwrap()).unwrap();

    let mut second = spawn_child("claim", &db);
    assert_eq!(child_says(&mut second), "refused, shown=true");
    assert!(second.wait().unwrap().success());
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the first desk was asked to come forward");

    assert!(
        is_refused(&db),
        "the first desk still holds its database after the second gave up"
    );
    assert!(ask_to_show(&db), "and still listens");
}

#[test]
fn a_second_process_on_another_database_is_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = held(&dir.path().join("desk.sqlite3"));
    let mut second = spawn_child("claim", &dir.path().join("training.sqlite3"));
    assert_eq!(child_says(&mut second), "ours");
    assert!(second.wait().unwrap().success());
}

#[test]
fn a_killed_desks_lock_goes_with_its_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let mut holder = Killed(spawn_child("hold", &db));
    assert_eq!(child_says(&mut holder.0), "holding");
    assert!(is_refused(&db), "the child holds the lock while it runs");
    holder.0.kill().unwrap();
    holder.0.wait().unwrap();
    let _ours = held(&db);
}

/// A child killed when the test ends, even by a failed assertion, so no holder outlives its test.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
