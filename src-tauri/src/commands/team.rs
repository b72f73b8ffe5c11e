//! The case team, and the staff-load view with agreed orders of work.

use escalation_core::case::CaseDetail;
use escalation_core::change::Entity;
use escalation_core::directory::PersonRef;
use escalation_core::store::{cases, people, team};
use escalation_core::team::{Appointment, StaffLoad, TeamRole, WorkOrder, WorkOrderInput, AGREEING_ROLES};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn appoint_member(
    desk: State<'_, Desk>,
    case_id: i64,
    appointment: Appointment,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Team, Some(case_id), move |s| {
        team::insert_member(s, case_id, &appointment)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn change_member_role(
    desk: State<'_, Desk>,
    case_id: i64,
    member_id: i64,
    role: TeamRole,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Team, Some(case_id), move |s| {
        team::update_member_role(s, case_id, member_id, role)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn set_member_standby(
    desk: State<'_, Desk>,
    case_id: i64,
    member_id: i64,
    standby: bool,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Team, Some(case_id), move |s| {
        team::update_member_standby(s, case_id, member_id, standby)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn release_member(desk: State<'_, Desk>, case_id: i64, member_id: i64) -> CommandResult<CaseDetail> {
    desk.change(Entity::Team, Some(case_id), move |s| {
        team::update_member_released(s, case_id, member_id)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn get_staff_load(desk: State<'_, Desk>) -> CommandResult<Vec<StaffLoad>> {
    desk.with_store(|s| team::list_staff_load(s)).await
}

#[tauri::command]
pub async fn record_work_order(desk: State<'_, Desk>, input: WorkOrderInput) -> CommandResult<Vec<StaffLoad>> {
    desk.change(Entity::Team, None, move |s| {
        team::insert_work_order(s, &input)?;
        team::list_staff_load(s)
    })
    .await
}

#[tauri::command]
pub async fn list_work_orders(desk: State<'_, Desk>, person_id: i64) -> CommandResult<Vec<WorkOrder>> {
    desk.with_store(move |s| team::list_work_orders(s, person_id)).await
}

/// The people who may agree an order of work (department managers, executives, incident managers).
#[tauri::command]
pub async fn list_agreeing_people(desk: State<'_, Desk>) -> CommandResult<Vec<PersonRef>> {
    desk.with_store(|s| people::list_people_with_role(s, &AGREEING_ROLES))
        .await
}
