//! One desk per database file, as a start sees it: the lock and the socket live in core
//! (`escalation_core::store::instance`); here a start decides what to do with its claim, and the
//! running desk brings its main window forward when a later start asks.
//!
//! Invariants:
//! - A start that does not hold the database's lock never opens the database.
//! - A refused start never panics: it either exits after the first window came forward (the user
//!   sees that window; the terminal gets the reason), or shows the reason in its own window.

use std::path::Path;

use escalation_core::store::instance::{ask_to_show, Claim, InstanceLock};
use tauri::{AppHandle, Manager, Runtime};

/// The label of the window brought forward (tauri.conf.json).
pub const MAIN_WINDOW: &str = "main";

/// What this start does, decided before any window exists.
#[derive(Debug)]
pub enum Start {
    /// We hold the database: open it and listen for later starts.
    Open(InstanceLock),
    /// Another desk has the database and brought its window forward: say so on stderr and exit.
    Forwarded(String),
    /// Another desk has the database but did not answer, or the lock could not be taken at all:
    /// show the reason in our window (the same "cannot start" screen as an unreadable database).
    Refused(String),
}

pub fn claim(database: &Path) -> Start {
    match InstanceLock::acquire(database) {
        Ok(Claim::Ours(lock)) => Start::Open(lock),
        Ok(Claim::AlreadyOpen { database }) => {
            if ask_to_show(&database) {
                Start::Forwarded(format!(
                    "Escalation Desk is already open on {}: its window was brought forward. \
                     To work on another database at the same time, start with --db <file>.",
                    database.display()
                ))
            } else {
                Start::Refused(already_open(&database))
            }
        }
        Err(e) => Start::Refused(format!(
            "Cannot make sure no other Escalation Desk uses the database {}: {e}",
            database.display()
        )),
    }
}

/// The refusal shown in the second window, naming the file and the way out.
pub fn already_open(database: &Path) -> String {
    format!(
        "Escalation Desk is already open on {} (another window). Close it first, or open another \
         database with --db.",
        database.display()
    )
}

/// Unminimizes, shows and focuses the main window; false when there is none (yet).
pub fn bring_forward<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        log::warn!("another start asked for the window, but there is no {MAIN_WINDOW:?} window");
        return false;
    };
    // Each step is worth trying on its own: a window that cannot take focus can still be shown.
    for (step, result) in [
        ("unminimize", window.unminimize()),
        ("show", window.show()),
        ("focus", window.set_focus()),
    ] {
        if let Err(e) = result {
            log::warn!("cannot {step} the window for another start: {e}");
        }
    }
    true
}
