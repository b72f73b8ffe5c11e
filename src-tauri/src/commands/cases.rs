//! Case intake, the dashboard list, the case page and its changes.

use escalation_core::case::{Case, CaseDetail, CaseFields, CaseFilter, CasePage, Level, NewCase};
use escalation_core::change::Entity;
use escalation_core::page::PageRequest;
use escalation_core::stage::StageAction;
use escalation_core::store::{cases, timeline};
use escalation_core::timeline::ChainReport;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn list_cases(desk: State<'_, Desk>, filter: CaseFilter, page: PageRequest) -> CommandResult<CasePage> {
    desk.with_store(move |s| cases::list_cases(s, &filter, page)).await
}

#[tauri::command]
pub async fn list_warranties_ending(desk: State<'_, Desk>, page: PageRequest) -> CommandResult<CasePage> {
    desk.with_store(move |s| cases::list_warranties_ending(s, page)).await
}

#[tauri::command]
pub async fn get_case(desk: State<'_, Desk>, id: i64) -> CommandResult<CaseDetail> {
    desk.with_store(move |s| cases::get_case_detail(s, id)).await
}

#[tauri::command]
pub async fn open_case(desk: State<'_, Desk>, input: NewCase) -> CommandResult<Case> {
    desk.change_of(
        Entity::Case,
        |c: &Case| Some(c.id),
        move |s| cases::insert_case(s, &input),
    )
    .await
}

#[tauri::command]
pub async fn update_case(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    fields: CaseFields,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        cases::update_case(s, id, version, &fields)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn change_level(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    level: Level,
    reason: String,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        cases::update_level(s, id, version, level, &reason)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn take_stage_action(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    action: StageAction,
    reason: Option<String>,
) -> CommandResult<CaseDetail> {
    // A stage change notifies the team: wake the outbox.
    desk.change(Entity::Case, Some(id), move |s| {
        cases::update_stage(s, id, version, action, reason.as_deref())?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn verify_timeline(desk: State<'_, Desk>, id: i64) -> CommandResult<ChainReport> {
    desk.with_store(move |s| timeline::verify_case_timeline(s, id)).await
}

/// Writes the case as a case file (docs/case-file.md), verified, into the desk's files folder.
#[tauri::command]
pub async fn export_case_file(
    desk: State<'_, Desk>,
    case_id: i64,
) -> CommandResult<escalation_core::case_file::CaseFileWritten> {
    desk.with_store(move |s| escalation_core::store::case_file::write_case_file(s, case_id))
        .await
}

/// Imports a case file (sent as base64) as a new case of this desk.
#[tauri::command]
pub async fn import_case_file(
    desk: State<'_, Desk>,
    file_base64: String,
) -> CommandResult<escalation_core::store::case_file::CaseImported> {
    desk.change(Entity::Case, None, move |s| {
        escalation_core::store::case_file::import_case_file_base64(s, &file_base64)
    })
    .await
}
