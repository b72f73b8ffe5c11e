//! The agreed order of work of people on several active escalated cases (with the department
//! manager, executive management or the incident manager), and the staff load that shows who
//! needs one. Every agreed order is on the timeline of each case it orders.
//!
//! Invariant: the staff load reads the active memberships of the people on more than one active
//! escalated case only, in one query (`team::assignments`), never the whole desk's memberships.

use std::collections::BTreeSet;

use crate::store::db::{Db, Optional};
use rusqlite::params;
use serde_json::json;

use super::people::{find_person, person_ref};
use super::team::{assignments, case_ref, Scope};
use super::timeline::insert_event;
use super::{format_time, now, time_column, Store};
use crate::error::{Error, Result};
use crate::team::{overloaded, LoadCase, OrderPosition, StaffLoad, WorkOrder, WorkOrderInput, AGREEING_ROLES};
use crate::timeline::{EventKind, NewEvent};

pub(super) fn latest_order(conn: &Db, person_id: i64) -> Result<Option<WorkOrder>> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM work_orders WHERE person_id = ?1 ORDER BY id DESC LIMIT 1")?
        .query_row([person_id], |r| r.get(0))
        .optional()?;
    id.map(|id| load_order(conn, id)).transpose()
}

fn load_order(conn: &Db, id: i64) -> Result<WorkOrder> {
    let (person_id, case_ids, agreed_by, agreed_at, reason, recorded_at, recorded_by) = conn
        .prepare_cached(
            "SELECT w.person_id, w.case_ids, w.agreed_by, w.agreed_at, w.reason, w.recorded_at, u.name
         FROM work_orders w JOIN users u ON u.id = w.recorded_by WHERE w.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
    let ids: Vec<i64> =
        serde_json::from_str(&case_ids).map_err(|e| Error::Internal(format!("work order {id}: {e}")))?;
    Ok(WorkOrder {
        id,
        person_id,
        cases: ids.into_iter().map(|c| case_ref(conn, c)).collect::<Result<_>>()?,
        agreed_by: person_ref(conn, agreed_by)?,
        agreed_at: time_column(agreed_at)?,
        reason,
        recorded_at: time_column(recorded_at)?,
        recorded_by,
    })
}

pub(super) fn position_in(order: &WorkOrder, case_id: i64) -> Option<OrderPosition> {
    let i = order.cases.iter().position(|c| c.id == case_id)?;
    Some(OrderPosition {
        position: i as i64 + 1,
        of: order.cases.len() as i64,
        agreed_by: order.agreed_by.name.clone(),
        agreed_at: order.agreed_at,
    })
}

/// Everyone on more than one active escalated case, with their cases and agreed order.
pub fn list_staff_load(store: &Store) -> Result<Vec<StaffLoad>> {
    let conn = store.conn();
    overloaded(&assignments(conn, Scope::Overloaded)?)
        .into_iter()
        .map(|(person, cases)| {
            let order = latest_order(conn, person.id)?;
            let out_of_date = order.as_ref().is_some_and(|o| !same_cases(o, &cases));
            Ok(StaffLoad {
                person,
                cases,
                order,
                order_out_of_date: out_of_date,
            })
        })
        .collect()
}

fn same_cases(order: &WorkOrder, cases: &[LoadCase]) -> bool {
    let a: BTreeSet<i64> = order.cases.iter().map(|c| c.id).collect();
    let b: BTreeSet<i64> = cases.iter().map(|c| c.case.id).collect();
    a == b
}

/// The agreed orders of work of a person, newest first.
pub fn list_work_orders(store: &Store, person_id: i64) -> Result<Vec<WorkOrder>> {
    let ids: Vec<i64> = store
        .conn()
        .prepare_cached("SELECT id FROM work_orders WHERE person_id = ?1 ORDER BY id DESC")?
        .query_map([person_id], |r| r.get(0))?
        .collect::<Result<_>>()?;
    ids.into_iter().map(|id| load_order(store.conn(), id)).collect()
}

/// Records the agreed order of a person's active cases; it appears on each case's team list.
pub fn insert_work_order(store: &mut Store, input: &WorkOrderInput) -> Result<WorkOrder> {
    let reason = crate::case::validate_reason("reason", &input.reason, "reason for this order")?;
    let mut errors = Vec::new();
    crate::limits::check_time(&mut errors, "agreedAt", "time the order was agreed", input.agreed_at);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    if input.agreed_at > now() + chrono::Duration::minutes(5) {
        return Err(Error::invalid(
            "agreedAt",
            "The order cannot have been agreed in the future.",
        ));
    }
    let id = store.change(|tx, who, stamp| {
        let load = overloaded(&assignments(tx, Scope::Person(input.person_id))?);
        let Some((person, cases)) = load.into_iter().find(|(p, _)| p.id == input.person_id) else {
            let name = person_ref(tx, input.person_id)?.name;
            return Err(Error::Refused(format!(
                "{name} is not on more than one active escalated case, so there is no order of work to agree."
            )));
        };
        let mut given = input.case_ids.clone();
        let mut wanted: Vec<i64> = cases.iter().map(|c| c.case.id).collect();
        given.sort();
        wanted.sort();
        if given != wanted {
            return Err(Error::invalid(
                "caseIds",
                format!(
                    "The order must list each of {}'s active cases exactly once.",
                    person.name
                ),
            ));
        }
        let agreeing = find_person(tx, input.agreed_by_id)?;
        if agreeing.retired_at.is_some() || !agreeing.fields.roles.iter().any(|r| AGREEING_ROLES.contains(r)) {
            return Err(Error::invalid(
                "agreedById",
                format!(
                    "{} is not a department manager, executive or incident manager.",
                    agreeing.fields.name
                ),
            ));
        }
        let id: i64 = tx.query_row(
            "INSERT INTO work_orders (person_id, case_ids, agreed_by, agreed_at, reason, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            params![
                input.person_id,
                serde_json::to_string(&input.case_ids).expect("ids serialize"),
                input.agreed_by_id,
                format_time(input.agreed_at),
                reason,
                stamp.text,
                who.id
            ],
            |r| r.get(0),
        )?;
        let n = input.case_ids.len();
        for (i, case_id) in input.case_ids.iter().enumerate() {
            insert_event(
                tx,
                *case_id,
                who,
                stamp,
                NewEvent::new(
                    EventKind::WorkOrderAgreed,
                    format!(
                        "Order of work for {} agreed with {}: this case is {} of {n}. {reason}",
                        person.name,
                        agreeing.fields.name,
                        i + 1
                    ),
                )
                .values(
                    serde_json::Value::Null,
                    json!({ "person": person.email, "order": input.case_ids, "position": i + 1 }),
                ),
            )?;
        }
        Ok(id)
    })?;
    load_order(store.conn(), id)
}
