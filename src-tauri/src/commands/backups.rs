//! The restore screen's commands. They work from the desk's file path, not its open store, so a
//! desk that could not be opened (damaged) can still list its backups and restore one.

use escalation_core::backup::{BackupsView, DEFAULT_KEPT};
use escalation_core::store::backup::{self, BackupCheck};
use escalation_core::Error;
use tauri::{AppHandle, Runtime, State};

use crate::error::CommandResult;
use crate::state::{Desk, DeskAddress};

#[tauri::command]
pub async fn get_backups(desk: State<'_, Desk>) -> CommandResult<BackupsView> {
    let path = match desk.address() {
        DeskAddress::Team(_) => {
            return Ok(BackupsView {
                available: false,
                folder: String::new(),
                kept: DEFAULT_KEPT,
                backups: Vec::new(),
            })
        }
        DeskAddress::File(path) => path,
    };
    let kept = match desk.with_store(|s| Ok(backup::kept(s))).await {
        Ok(kept) => kept,
        Err(_) => DEFAULT_KEPT, // a desk that did not open: its setting cannot be read
    };
    let listing = path.clone();
    let backups = tauri::async_runtime::spawn_blocking(move || backup::list(&listing))
        .await
        .map_err(|e| Error::Internal(format!("the backup listing failed: {e}")))??;
    Ok(BackupsView {
        available: true,
        folder: backup::backups_dir(&path).display().to_string(),
        kept,
        backups,
    })
}

#[tauri::command]
pub async fn set_backups_kept(desk: State<'_, Desk>, kept: i64) -> CommandResult<i64> {
    desk.with_store(move |s| backup::set_kept(s, kept)).await
}

/// Checks the backup `name` whole and restarts the app, which restores it before opening the
/// desk (the window has the file open now). A backup that fails the check is refused here and
/// nothing changes.
#[tauri::command]
pub async fn restore_backup<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Desk>,
    name: String,
) -> CommandResult<BackupCheck> {
    let DeskAddress::File(path) = desk.address() else {
        return Err(
            Error::Refused("A team desk is restored by its server's administrator (pg_restore).".into()).into(),
        );
    };
    let checked = tauri::async_runtime::spawn_blocking(move || backup::restore_at_next_start(&path, &name))
        .await
        .map_err(|e| Error::Internal(format!("the backup check failed: {e}")))??;
    log::info!("restoring {} at a restart ({} cases)", checked.name, checked.cases);
    // The answer reaches the window before the restart: it shows that the backup passed its check.
    // The new process needs the desk's lock to restore and open the file: this one lets go of it
    // first (or the new start would find the desk "already open" and leave).
    let restart = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        tauri::Manager::state::<Desk>(&restart).release_instance_lock();
        restart.restart();
    });
    Ok(checked)
}
