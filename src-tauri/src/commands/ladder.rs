//! The hierarchical escalation ladder and raising a case up it.

use escalation_core::case::CaseDetail;
use escalation_core::change::Entity;
use escalation_core::ladder::{LadderLevel, LadderLevelInput};
use escalation_core::store::{cases, ladder};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn get_ladder(desk: State<'_, Desk>) -> CommandResult<Vec<LadderLevel>> {
    desk.with_store(|s| ladder::get_ladder(s.conn())).await
}

#[tauri::command]
pub async fn save_ladder(desk: State<'_, Desk>, levels: Vec<LadderLevelInput>) -> CommandResult<Vec<LadderLevel>> {
    desk.change(Entity::Directory, None, move |s| ladder::update_ladder(s, &levels))
        .await
}

#[tauri::command]
pub async fn raise_hierarchy(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    reason: String,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        ladder::update_hierarchy_level(s, id, version, &reason)?;
        cases::get_case_detail(s, id)
    })
    .await
}
