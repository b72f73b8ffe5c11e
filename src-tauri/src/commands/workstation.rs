//! Who is at this workstation, which database is open, and the sample data for a new one.

use escalation_core::change::{DeskChanged, Entity};
use escalation_core::identity::{Identity, IdentityInput, Workstation};
use escalation_core::store::{sample, users};
use escalation_core::Error;
use tauri::{AppHandle, Runtime, State};

use crate::error::CommandResult;
use crate::state::Desk;

/// Who is here and which desk is open. A team desk whose server was down at start is tried
/// again first (the first screen's "Try again" comes here).
#[tauri::command]
pub async fn get_workstation<R: Runtime>(app: AppHandle<R>, desk: State<'_, Desk>) -> CommandResult<Workstation> {
    super::desk::retry_team_desk(&app, &desk).await;
    desk.with_store(|s| users::get_workstation(s)).await
}

#[tauri::command]
pub async fn set_identity(desk: State<'_, Desk>, input: IdentityInput) -> CommandResult<Identity> {
    desk.change(Entity::Identity, None, move |s| users::update_current_user(s, &input))
        .await
}

#[tauri::command]
pub async fn load_sample_data(desk: State<'_, Desk>) -> CommandResult<usize> {
    let loaded = desk
        .change(Entity::Case, None, |s| {
            let me = users::get_current_user(s)?.ok_or(Error::NoIdentity)?;
            sample::insert_sample_data(s, &me.name)
        })
        .await?;
    // The samples bring their own people, agencies and services too.
    desk.announce(DeskChanged::of_desk(Entity::Directory));
    Ok(loaded)
}
