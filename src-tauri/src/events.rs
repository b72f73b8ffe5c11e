//! The names of the events the backend sends the window when something changed, so screens
//! refresh from them instead of polling. Mirrored in ui/src/lib/events.ts.

use escalation_core::change::DeskChanged;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::Desk;

/// A change went through: its payload is a [`DeskChanged`] naming what it touched. Sent by every
/// command that changes the desk (through [`Desk::change`]) and by the periodic sweep.
pub const DESK_CHANGED: &str = "desk-changed";

/// A message in the outbox changed state (sent, retrying, failed, held, delivery unknown), or
/// sending was paused.
pub const OUTBOX_CHANGED: &str = "outbox-changed";

/// A team desk's server was lost (`false`: changes are refused until it is back) or answers
/// again (`true`). Sent by the listener of the other workstations' changes (`crate::start_live`).
pub const DESK_REACHABLE: &str = "desk-reachable";

/// On a team desk, another window's person opened, typed in or left a section of a report: its
/// payload is a `Presence`. Never stored; the window ages it out (see `store::live`).
pub const AAR_PRESENCE: &str = "aar-presence";

/// The check of every case's timeline at start has finished (see `crate::integrity`).
pub const INTEGRITY_CHECKED: &str = "integrity-checked";

/// Sends [`DESK_CHANGED`] to the window for every change the desk's commands make. Called once
/// the app is built (the app's setup, the commands' test harness).
pub fn connect<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    app.state::<Desk>().on_change(move |what| announce(&handle, what));
}

/// Tells the window `what` changed; a window that cannot be told only misses a refresh.
pub fn announce<R: Runtime>(app: &AppHandle<R>, what: DeskChanged) {
    if let Err(e) = app.emit(DESK_CHANGED, what) {
        log::warn!("cannot tell the window the desk changed: {e}");
    }
}
