//! Which desk the window works on: connecting to a team desk from the first-start screen, and
//! going back to this workstation's file.

use std::path::PathBuf;

use escalation_core::desk::{TeamDeskAddress, TeamDeskInput};
use escalation_core::mail::settings::PasswordStorage;
use escalation_core::store::instance::{Claim, InstanceLock};
use escalation_core::{Error, Store};
use tauri::{AppHandle, Runtime, State};

use crate::config;
use crate::error::CommandResult;
use crate::secrets;
use crate::state::{Desk, DeskAddress, TeamDesk};

/// The team desk saved from an earlier connect, to fill the form in again (never its password).
#[tauri::command]
pub async fn get_team_desk() -> CommandResult<Option<TeamDeskAddress>> {
    Ok(config::load_team_desk(&config::team_desk_file(dirs::data_dir())))
}

/// Connects to the team desk at `input.address`, and on success makes it the desk of this window
/// and of every later start: the address saved, the password in the keyring (or, without one, in
/// memory for this run). A desk that cannot be reached or refuses the login changes nothing.
#[tauri::command]
pub async fn connect_team_desk<R: Runtime>(
    app: AppHandle<R>,
    desk: State<'_, Desk>,
    input: TeamDeskInput,
) -> CommandResult<PasswordStorage> {
    let address = input.address.validated()?;
    let password = Some(input.password).filter(|p| !p.is_empty());
    let team = TeamDesk::new(
        address.url(),
        password.clone(),
        address.ca_file.clone().map(PathBuf::from),
    );
    let opening = team.clone();
    let store = blocking(move || opening.open()).await?.map_err(|e| {
        Error::Refused(format!(
            "Could not connect to the team desk {}:{}/{}: {e}",
            address.host, address.port, address.database
        ))
    })?;
    let account = address.keyring_account();
    let kept = match password {
        Some(password) => blocking(move || secrets::keep_team_desk_password(&account, &password)).await?,
        None => PasswordStorage::None,
    };
    config::save_team_desk(&config::team_desk_file(dirs::data_dir()), &address).map_err(Error::from)?;
    log::info!("connected to the team desk {}", team.shown());
    switch(&app, &desk, store, DeskAddress::Team(team), None).await;
    Ok(kept)
}

/// Forgets the saved team desk and opens this workstation's own file again (refused while another
/// Escalation Desk window has that file open).
#[tauri::command]
pub async fn use_workstation_desk<R: Runtime>(app: AppHandle<R>, desk: State<'_, Desk>) -> CommandResult<()> {
    let path = desk.database_path.clone();
    let opening = path.clone();
    let (store, lock) = blocking(move || -> escalation_core::Result<(Store, InstanceLock)> {
        match InstanceLock::acquire(&opening)? {
            Claim::Ours(lock) => Ok((Store::open(&opening)?, lock)),
            Claim::AlreadyOpen { .. } => Err(Error::Refused(crate::instance::already_open(&opening))),
        }
    })
    .await??;
    config::forget_team_desk(&config::team_desk_file(dirs::data_dir())).map_err(Error::from)?;
    log::info!("back to this workstation's desk {}", path.display());
    switch(&app, &desk, store, DeskAddress::File(path), Some(lock)).await;
    Ok(())
}

/// Makes `store` the desk; what a new desk needs at start (the chain check, the SMTP password of
/// its mail settings) runs for it, and the window reloads everything.
async fn switch<R: Runtime>(
    app: &AppHandle<R>,
    desk: &Desk,
    store: Store,
    address: DeskAddress,
    lock: Option<InstanceLock>,
) {
    if !desk.switch(store, address, lock) {
        crate::integrity::start_check(app.clone(), desk.address());
        crate::start_live(app, desk);
        if let Some(store) = desk.shared_store() {
            crate::load_smtp_password(store, desk.passwords.clone()).await;
        }
    }
    desk.wake.notify_one();
}

/// A team desk that did not open at start (its server was down) tries again: the first screen's
/// "Try again". One that waits for its password does not.
pub async fn retry_team_desk<R: Runtime>(app: &AppHandle<R>, desk: &Desk) {
    let Some(team) = desk.team_to_retry() else { return };
    let opening = team.clone();
    match blocking(move || opening.open()).await {
        Ok(Ok(store)) => {
            log::info!("the team desk {} answers now", team.shown());
            switch(app, desk, store, DeskAddress::Team(team), None).await;
        }
        Ok(Err(e)) => log::warn!("the team desk {} still cannot be opened: {e}", team.shown()),
        Err(e) => log::error!("{}", e.0),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("the desk task failed: {e}")).into())
}
