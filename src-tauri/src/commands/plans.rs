//! The escalation and technical action plans: save a revision, record a review, compare revisions.

use escalation_core::case::CaseDetail;
use escalation_core::change::Entity;
use escalation_core::plan::{Action, ActionDiff, PlanKind, PlanReviewInput};
use escalation_core::store::{cases, plans};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn save_plan(
    desk: State<'_, Desk>,
    case_id: i64,
    kind: PlanKind,
    revision: i64,
    actions: Vec<Action>,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Plan, Some(case_id), move |s| {
        plans::insert_revision(s, case_id, kind, revision, &actions)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn review_plan(
    desk: State<'_, Desk>,
    case_id: i64,
    kind: PlanKind,
    input: PlanReviewInput,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Plan, Some(case_id), move |s| {
        plans::insert_review(s, case_id, kind, &input)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn plan_diff(
    desk: State<'_, Desk>,
    case_id: i64,
    kind: PlanKind,
    from: i64,
    to: i64,
) -> CommandResult<Vec<ActionDiff>> {
    desk.with_store(move |s| plans::get_revision_diff(s, case_id, kind, from, to))
        .await
}
