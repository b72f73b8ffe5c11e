//! Problem cases: created from an escalated incident, related to other incidents.

use escalation_core::case::CaseDetail;
use escalation_core::change::Entity;
use escalation_core::problem::{NewProblem, Problem};
use escalation_core::store::{cases, problems};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn create_problem(
    desk: State<'_, Desk>,
    case_id: i64,
    version: i64,
    input: NewProblem,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(case_id), move |s| {
        problems::insert_problem(s, case_id, version, &input)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

/// Relates the incident to a problem, or (`problem_id: null`) removes the relation.
#[tauri::command]
pub async fn relate_problem(
    desk: State<'_, Desk>,
    case_id: i64,
    version: i64,
    problem_id: Option<i64>,
) -> CommandResult<CaseDetail> {
    desk.change(Entity::Case, Some(case_id), move |s| {
        problems::update_case_problem(s, case_id, version, problem_id)?;
        cases::get_case_detail(s, case_id)
    })
    .await
}

#[tauri::command]
pub async fn list_problems(desk: State<'_, Desk>) -> CommandResult<Vec<Problem>> {
    desk.with_store(|s| problems::list_problems(s)).await
}
