//! Problem cases and the incidents related to them. Creating, linking and unlinking are changes
//! to the incident, so each bumps its version and lands on its timeline.

use crate::store::db::{Db, Optional};
use rusqlite::params;
use serde_json::json;

use super::cases::{bump_version, find_case_in, get_case};
use super::timeline::insert_event;
use super::{time_column, Store};
use crate::case::{Case, CaseKind, Level};
use crate::error::{Error, Result};
use crate::problem::{NewProblem, Problem, ProblemDetail};
use crate::timeline::{EventKind, NewEvent};

pub fn get_problem(store: &Store, id: i64) -> Result<Problem> {
    store
        .conn()
        .prepare_cached(
            "SELECT p.id, p.ticket, p.title, p.origin_case_id, p.created_at, u.name
             FROM problems p JOIN users u ON u.id = p.created_by WHERE p.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Problem {
                id: r.get(0)?,
                ticket: r.get(1)?,
                title: r.get(2)?,
                origin_case_id: r.get(3)?,
                created_at: time_column(r.get(4)?)?,
                created_by: r.get(5)?,
            })
        })
        .optional()?
        .ok_or(Error::NotFound { entity: "Problem", id })
}

pub fn list_problems(store: &Store) -> Result<Vec<Problem>> {
    let ids: Vec<i64> = store
        .conn()
        .prepare_cached("SELECT id FROM problems ORDER BY created_at DESC, id DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_>>()?;
    ids.into_iter().map(|id| get_problem(store, id)).collect()
}

/// The problem and every incident related to it, closed ones included.
pub fn get_problem_detail(store: &Store, id: i64) -> Result<ProblemDetail> {
    let problem = get_problem(store, id)?;
    let incidents = super::case_list::list_problem_cases(store, id)?;
    let received = store
        .conn()
        .prepare_cached(
            "SELECT c.ticket, a.received_at, 'corrective action',
                    a.action || ' (owner: ' || a.owner || COALESCE(', due ' || a.due_date, '') || ')'
             FROM problem_actions a JOIN cases c ON c.id = a.case_id WHERE a.problem_id = ?1
             UNION ALL
             SELECT c.ticket, i.received_at, 'review', 'Findings: ' || i.findings || ' Actions: ' || i.actions
             FROM problem_inputs i JOIN cases c ON c.id = i.case_id WHERE i.problem_id = ?1
             ORDER BY 2 DESC",
        )?
        .query_map([id], |r| {
            Ok(crate::problem::ProblemInput {
                from_ticket: r.get(0)?,
                received_at: super::time_column(r.get(1)?)?,
                kind: r.get(2)?,
                text: r.get(3)?,
            })
        })?
        .collect::<Result<_>>()?;
    Ok(ProblemDetail {
        problem,
        incidents,
        received,
    })
}

fn ensure_relatable(case: &Case) -> Result<()> {
    if case.fields.kind != CaseKind::Incident {
        return Err(Error::Refused(
            "Only incidents relate to problem cases; this is a service request.".into(),
        ));
    }
    Ok(())
}

/// Creates a problem case from an escalated incident and relates the incident to it.
pub fn insert_problem(store: &mut Store, case_id: i64, expected_version: i64, new: &NewProblem) -> Result<Case> {
    let new = new.validate()?;
    store.change(|tx, who, stamp| insert_problem_in(tx, who, stamp, case_id, expected_version, &new).map(|_| ()))?;
    get_case(store, case_id)
}

/// Creates the problem case inside the caller's transaction (`new` already validated); returns its id.
pub(crate) fn insert_problem_in(
    tx: &Db,
    who: &crate::identity::Identity,
    stamp: &super::Stamp,
    case_id: i64,
    expected_version: i64,
    new: &NewProblem,
) -> Result<i64> {
    let case = find_case_in(tx, case_id)?;
    ensure_relatable(&case)?;
    if case.level != Level::Escalated {
        return Err(Error::Refused(
            "A problem case is created from an escalated incident; relate this elevated incident to an existing problem instead, or escalate it first.".into(),
        ));
    }
    if case.problem_id.is_some() {
        return Err(Error::Refused(
            "This incident is already related to a problem case; unlink it first.".into(),
        ));
    }
    let taken: Option<i64> = tx
        .prepare_cached("SELECT id FROM problems WHERE lower(ticket) = lower(?1)")?
        .query_row([&new.ticket], |r| r.get(0))
        .optional()?;
    if taken.is_some() {
        return Err(Error::invalid(
            "ticket",
            format!(
                "Problem {} already exists; relate the incident to it instead.",
                new.ticket
            ),
        ));
    }
    bump_version(tx, case_id, expected_version, &stamp.text)?;
    let pid: i64 = tx.query_row(
        "INSERT INTO problems (ticket, title, origin_case_id, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)
         RETURNING id",
        params![new.ticket, new.title, case_id, stamp.text, who.id],
        |r| r.get(0),
    )?;
    tx.prepare_cached("UPDATE cases SET problem_id = ?2 WHERE id = ?1")?
        .execute(params![case_id, pid])?;
    insert_event(
        tx,
        case_id,
        who,
        stamp,
        NewEvent::new(
            EventKind::ProblemCreated,
            format!(
                "Problem case {} created: {}",
                crate::bidi::closed(&new.ticket),
                new.title
            ),
        )
        .values(
            serde_json::Value::Null,
            json!({ "problemId": pid, "ticket": new.ticket, "title": new.title }),
        ),
    )?;
    Ok(pid)
}

/// Relates an incident to an existing problem case.
pub fn update_case_problem(
    store: &mut Store,
    case_id: i64,
    expected_version: i64,
    problem_id: Option<i64>,
) -> Result<Case> {
    let target = problem_id.map(|pid| get_problem(store, pid)).transpose()?;
    store.change(|tx, who, stamp| {
        let case = find_case_in(tx, case_id)?;
        ensure_relatable(&case)?;
        if case.problem_id == problem_id {
            return Err(Error::Refused(
                "The incident is already related that way; nothing to change.".into(),
            ));
        }
        let old = match case.problem_id {
            Some(pid) => tx
                .prepare_cached("SELECT ticket FROM problems WHERE id = ?1")?
                .query_row([pid], |r| r.get::<_, String>(0))
                .optional()?,
            None => None,
        };
        bump_version(tx, case_id, expected_version, &stamp.text)?;
        tx.prepare_cached("UPDATE cases SET problem_id = ?2 WHERE id = ?1")?
            .execute(params![case_id, problem_id])?;
        let event = match &target {
            Some(p) => NewEvent::new(
                EventKind::ProblemLinked,
                format!(
                    "Related to problem case {}: {}",
                    crate::bidi::closed(&p.ticket),
                    p.title
                ),
            ),
            None => NewEvent::new(
                EventKind::ProblemUnlinked,
                format!("No longer related to problem case {}", old.clone().unwrap_or_default()),
            ),
        };
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            event.values(
                json!({ "problemId": case.problem_id, "ticket": old }),
                json!({ "problemId": problem_id, "ticket": target.as_ref().map(|p| p.ticket.clone()) }),
            ),
        )?;
        Ok(())
    })?;
    get_case(store, case_id)
}
