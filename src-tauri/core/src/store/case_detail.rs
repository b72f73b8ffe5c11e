//! The case page's read model: the case with everything its page shows (the stage bar's options,
//! the timeline, the team, communications, plans, the ladder, alerts, the end of the process and
//! the problem case), assembled from each step's store module.
//!
//! Invariants:
//! - Read only: assembling the page changes nothing and appends nothing to the timeline.
//! - The stage bar's options come from `stage::options` over the same facts the stage guards read
//!   (`cases::stage_facts`), so the page offers exactly the moves the store would take.

use super::cases::{get_case, stage_facts};
use super::timeline::list_events;
use super::Store;
use crate::case::CaseDetail;
use crate::error::Result;
use crate::stage;

/// The case page: the case, what the stage bar offers, its problem, and its timeline newest first.
pub fn get_case_detail(store: &Store, id: i64) -> Result<CaseDetail> {
    let case = get_case(store, id)?;
    let facts = stage_facts(store.conn(), &case, None)?;
    let problem = match case.problem_id {
        Some(pid) => Some(super::problems::get_problem_detail(store, pid)?),
        None => None,
    };
    Ok(CaseDetail {
        stage_options: stage::options(case.stage, &facts),
        timeline: list_events(store, id)?,
        team: super::team::get_team(store.conn(), &case)?,
        communications: super::communications::get_communications(store, id)?,
        plans: super::plans::get_plans(store.conn(), id)?,
        ladder: super::ladder::get_ladder(store.conn())?,
        alerts: super::alerts::list_case_alerts(store, id)?,
        closure: super::closure::get_closure(store.conn(), &case)?,
        problem,
        case,
    })
}
