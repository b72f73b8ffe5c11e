//! Warranty, recurrence, verification, the review meeting, and the process settings.

use escalation_core::case::CaseDetail;
use escalation_core::change::Entity;
use escalation_core::closure::{
    ProcessSettings, RecurrenceInput, ReviewMeetingInput, ReviewOutcomeInput, VerificationInput, WarrantyInput,
};
use escalation_core::store::{cases, closure};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn start_warranty(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    input: WarrantyInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::insert_warranty(s, id, version, &input)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn record_recurrence(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    input: RecurrenceInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::insert_recurrence(s, id, version, &input)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn verify_satisfaction(
    desk: State<'_, Desk>,
    id: i64,
    version: i64,
    input: VerificationInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::insert_verification(s, id, version, &input)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn schedule_review(desk: State<'_, Desk>, id: i64, input: ReviewMeetingInput) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::insert_review_meeting(s, id, &input)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn reschedule_review(
    desk: State<'_, Desk>,
    id: i64,
    meeting_id: i64,
    sequence: i64,
    input: ReviewMeetingInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::update_review_meeting(s, meeting_id, sequence, &input)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn cancel_review(
    desk: State<'_, Desk>,
    id: i64,
    meeting_id: i64,
    sequence: i64,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::update_review_meeting_cancelled(s, meeting_id, sequence)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn record_review_outcome(
    desk: State<'_, Desk>,
    id: i64,
    meeting_id: i64,
    input: ReviewOutcomeInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(id), move |s| {
        closure::update_review_outcome(s, meeting_id, &input)?;
        cases::get_case_detail(s, id)
    })
    .await
}

#[tauri::command]
pub async fn get_process_settings(desk: State<'_, Desk>) -> CommandResult<ProcessSettings> {
    desk.with_store(|s| Ok(closure::get_process_settings(s.conn())?.0))
        .await
}

#[tauri::command]
pub async fn save_process_settings(desk: State<'_, Desk>, settings: ProcessSettings) -> CommandResult<ProcessSettings> {
    desk.change(Entity::Settings, None, move |s| {
        closure::update_process_settings(s, &settings)
    })
    .await
}
