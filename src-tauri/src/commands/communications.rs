//! Progress updates, case contacts, the customer-update cadence and customer updates.

use escalation_core::cadence::CadenceInput;
use escalation_core::case::CaseDetail;
use escalation_core::change::Entity;
use escalation_core::communication::{ContactKind, CustomerUpdateInput, ProgressInput};
use escalation_core::store::{cases, communications};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn post_progress(desk: State<'_, Desk>, case_id: i64, input: ProgressInput) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(case_id), move |s| {
        communications::insert_progress_update(s, case_id, &input)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn record_customer_update(
    desk: State<'_, Desk>,
    case_id: i64,
    input: CustomerUpdateInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(case_id), move |s| {
        communications::insert_customer_update(s, case_id, &input)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn set_case_contacts(
    desk: State<'_, Desk>,
    case_id: i64,
    kind: ContactKind,
    person_ids: Vec<i64>,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(case_id), move |s| {
        communications::update_case_contacts(s, case_id, kind, &person_ids)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn set_cadence(desk: State<'_, Desk>, case_id: i64, input: CadenceInput) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(case_id), move |s| {
        communications::update_cadence(s, case_id, &input)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}
