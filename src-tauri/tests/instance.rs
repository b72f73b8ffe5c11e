//! A second start on a database another desk holds, as the app sees it: the claim a start makes,
//! the refusal the window shows through the same "cannot start" path as an unreadable database,
//! and the running desk bringing its window forward. Through Tauri's mock runtime, on real temp
//! files; a real window coming forward on screen is left to the end-to-end suite.

use std::sync::mpsc;
use std::time::Duration;

use escalation_core::store::instance::{Claim, InstanceLock};
use escalation_desk_lib::instance::{bring_forward, claim, Start, MAIN_WINDOW};
use escalation_desk_lib::state::Desk;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

fn app_with(desk: Desk) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = mock_builder()
        .manage(desk)
        .invoke_handler(escalation_desk_lib::invoke_handler())
        .build(tauri::generate_context!())
        .expect("app builds with the real config and capabilities");
    let window = tauri::WebviewWindowBuilder::new(&app, MAIN_WINDOW, Default::default())
        .build()
        .unwrap();
    (app, window)
}

fn get_workstation(window: &WebviewWindow<MockRuntime>) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: "get_workstation".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({})),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

fn held(db: &std::path::Path) -> InstanceLock {
    match InstanceLock::acquire(db).unwrap() {
        Claim::Ours(lock) => lock,
        Claim::AlreadyOpen { .. } => panic!("the database should be free"),
    }
}

#[test]
fn the_first_start_on_a_database_holds_it_and_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let Start::Open(lock) = claim(&db) else {
        panic!("nobody else has this database")
    };
    let (_app, window) = app_with(Desk::open(db.clone(), lock));
    get_workstation(&window).expect("the database is open");
    assert!(
        matches!(claim(&db), Start::Refused(_)),
        "the desk keeps its lock while it lives (and has no window socket under the mock runtime)"
    );
}

#[test]
fn a_second_start_while_the_first_does_not_answer_shows_why_it_cannot_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let _first = held(&db);
    let Start::Refused(message) = claim(&db) else {
        panic!("the database is held and nobody answers")
    };
    assert!(
        message.contains("already open on"),
        "the message says what is wrong: {message}"
    );
    assert!(message.contains("desk.sqlite3"), "and names the file: {message}");
    assert!(message.contains("--db"), "and the way out: {message}");

    let (_app, window) = app_with(Desk::refused(db.clone(), message.clone()));
    let err = get_workstation(&window).expect_err("the refused desk opens nothing");
    assert_eq!(
        err["kind"], "refused",
        "the UI shows it as a refusal, not an internal error"
    );
    assert_eq!(
        err["message"],
        message.as_str(),
        "the window shows the message as written"
    );
    assert!(
        !db.exists() || std::fs::metadata(&db).unwrap().len() == 0,
        "the refused start never opened the database"
    );
}

#[cfg(unix)]
#[test]
fn a_second_start_while_the_first_listens_brings_the_first_forward_and_goes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let Start::Open(lock) = claim(&db) else {
        panic!("free database")
    };
    let first = Desk::open(db.clone(), lock);
    let (tx, rx) = mpsc::channel();
    first.listen_for_later_starts(move || tx.send(()).unwrap());

    let Start::Forwarded(message) = claim(&db) else {
        panic!("the first desk answers")
    };
    assert!(message.contains("brought forward"), "{message}");
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the first desk was asked for its window");

    let (_app, window) = app_with(first);
    get_workstation(&window).expect("the first desk carries on with its database");
}

#[test]
fn the_running_desk_brings_its_main_window_forward_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let store = escalation_core::Store::open(dir.path().join("desk.sqlite3")).unwrap();
    let (app, _window) = app_with(Desk::from_store(store));
    // The mock runtime records nothing about focus; this shows the window is found and that
    // unminimize, show and focus are called without a panic.
    assert!(bring_forward(app.handle()));
}

#[test]
fn asking_for_the_window_before_there_is_one_is_harmless() {
    let app = mock_builder().build(tauri::generate_context!()).expect("app builds");
    assert!(!bring_forward(app.handle()));
}

#[test]
fn a_refused_window_opens_the_database_on_try_again_once_the_first_desk_has_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let first = held(&db);
    let Start::Refused(message) = claim(&db) else {
        panic!("held, and nobody answers")
    };
    let second = Desk::refused(db.clone(), message);
    let (tx, rx) = mpsc::channel();
    second.when_open(move |desk| tx.send(desk.shared_store().is_some()).unwrap());
    assert!(rx.try_recv().is_err(), "nothing starts while the database is refused");

    let (_app, window) = app_with(second);
    let err = get_workstation(&window).expect_err("still held by the first desk");
    assert_eq!(err["kind"], "refused");

    drop(first);
    get_workstation(&window).expect("the next try finds the database free and opens it");
    assert_eq!(
        rx.try_recv(),
        Ok(true),
        "the workers and the socket start with the open store"
    );
    assert!(
        matches!(claim(&db), Start::Refused(_)),
        "the second desk now holds the lock in its turn"
    );
}

#[test]
fn a_desk_that_holds_its_database_starts_its_workers_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite3");
    let Start::Open(lock) = claim(&db) else {
        panic!("free database")
    };
    let desk = Desk::open(db, lock);
    let (tx, rx) = mpsc::channel();
    desk.when_open(move |_| tx.send(()).unwrap());
    rx.try_recv().expect("started during setup, not later");
}
