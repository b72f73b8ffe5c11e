//! The check of every case's timeline chain at start, in the background, on a connection of its
//! own (WAL lets it read while the window works on the desk's connection); its result is kept for
//! the dashboard, which is told when it is ready.
//!
//! Invariant: the check only reads; a broken chain or a damaged file is reported, never repaired.

use std::sync::Mutex;

use escalation_core::store::timeline::verify_all_timelines;
use escalation_core::timeline::IntegrityReport;
use tauri::Emitter;

use crate::events;
use crate::state::DeskAddress;

/// The last check's result, `None` until it has run.
#[derive(Default)]
pub struct Integrity(pub Mutex<Option<IntegrityReport>>);

/// Runs the check once, off the UI thread, then stores the result and tells the window.
pub fn start_check<R: tauri::Runtime>(app: tauri::AppHandle<R>, desk: DeskAddress) {
    tauri::async_runtime::spawn(async move {
        let checked = tauri::async_runtime::spawn_blocking(move || {
            // Its own connection, which only reads: the check can take a while on a big desk and
            // must never write to it.
            let store = desk.open_for_reading()?;
            let mut report = verify_all_timelines(&store)?;
            // The file itself too: a damaged page the chains never read is still damage.
            report.file_check = escalation_core::store::backup::file_check(&store)?;
            Ok::<_, escalation_core::Error>(report)
        })
        .await;
        // Its connection is closed: what it read (every timeline, the whole file) was freed, and
        // is given back rather than kept by the allocator for the rest of the session.
        crate::memory::give_back_freed();
        let report = match checked {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return log::error!("the timeline check could not run: {e}"),
            Err(e) => return log::error!("the timeline check failed: {e}"),
        };
        if let Some(found) = report.file_check.as_deref().filter(|f| *f != "ok") {
            log::error!("the desk's file is damaged (SQLite's integrity check: {found}); restore a backup");
        }
        if report.broken.is_empty() {
            log::info!(
                "timelines verified: {} cases, {} events",
                report.cases_checked,
                report.events_checked
            );
        } else {
            log::error!("{}", report.describe_broken(10));
        }
        if let Some(state) = tauri::Manager::try_state::<Integrity>(&app) {
            *state.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(report);
        }
        let _ = app.emit(events::INTEGRITY_CHECKED, ());
    });
}
