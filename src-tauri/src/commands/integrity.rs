//! The result of checking every case's timeline at start (see `crate::integrity`).

use escalation_core::timeline::IntegrityReport;
use tauri::State;

use crate::error::CommandResult;
use crate::integrity::Integrity;

/// `None` while the check is still running.
#[tauri::command]
pub async fn get_integrity(integrity: State<'_, Integrity>) -> CommandResult<Option<IntegrityReport>> {
    Ok(integrity.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
}
