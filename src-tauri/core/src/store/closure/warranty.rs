//! The warranty: started when the case is resolved to the customer's satisfaction, ended by a
//! recurrence (back to Resolving) or by its period running out (on to Verification).
//!
//! Invariants:
//! - A warranty starts only through the stage move Resolving -> Warranty, with the customer
//!   account representative on the team; its end is computed in the desk's time zone.
//! - While a warranty runs the team is on standby; the team and the customer are told when it
//!   starts.
//! - The periodic check moves each ended case on its own: one refusal does not stop the others.

use crate::store::db::{Db, Optional};
use rusqlite::params;
use serde_json::json;

use super::{get_process_settings, running_warranty, set_standby};
use crate::case::Case;
use crate::closure::{warranty_end, RecurrenceInput, WarrantyInput};
use crate::error::{Error, Result};
use crate::mail::templates;
use crate::stage::{Stage, StageAction};
use crate::store::cases::{get_case, move_stage_in};
use crate::store::outbox::insert_message_in;
use crate::store::timeline::insert_event;
use crate::store::{format_time, now, parse_time, Store};
use crate::team::TeamRole;
use crate::timeline::{EventKind, NewEvent};

fn team_and_customer_emails(conn: &Db, case_id: i64) -> Result<Vec<String>> {
    let mut out: Vec<String> = conn
        .prepare_cached(
            "SELECT p.email FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.released_at IS NULL
             UNION SELECT p.email FROM case_contacts c JOIN people p ON p.id = c.person_id
             WHERE c.case_id = ?1 AND c.kind = 'customer' AND p.retired_at IS NULL",
        )?
        .query_map([case_id], |r| r.get(0))?
        .collect::<Result<_>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Resolving -> Warranty: the resolution, the customer's confirmation, and the period, started by
/// the customer account representative on the team. The team goes on standby; the team and the
/// customer are told.
pub fn insert_warranty(store: &mut Store, case_id: i64, expected_version: i64, input: &WarrantyInput) -> Result<Case> {
    let input = input.validate(now())?;
    let (settings, tz) = get_process_settings(store.conn())?;
    store.change(|tx, who, stamp| {
        // The stage first: a crafted call on a case elsewhere in the process is refused here, not
        // moved one step on by the generic transition below.
        let case = crate::store::cases::find_case(tx, case_id)?;
        if case.stage != Stage::Resolving {
            return Err(Error::Refused(format!(
                "A warranty starts when a case in Resolving is resolved; this case is in {}.",
                case.stage.label()
            )));
        }
        let days = input.period_days.unwrap_or(settings.warranty_days);
        let car: Option<(i64, String)> = tx
            .prepare_cached("SELECT p.id, p.name FROM team_members t JOIN people p ON p.id = t.person_id
                 WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL LIMIT 1")?.query_row(params![case_id, TeamRole::CustomerAccountRep.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let reason = format!("Resolved: {}", input.resolution_summary);
        let (old, _) = move_stage_in(
            tx,
            who,
            stamp,
            case_id,
            expected_version,
            StageAction::Advance,
            Some(&reason),
            |f| f.resolution_recorded = true,
        )?;
        let (car_id, car_name) = car.ok_or_else(|| {
            Error::Refused("Appoint the customer account representative to the team first: they warranty the solution.".into())
        })?;
        let start = parse_time(&stamp.text)?;
        let end = warranty_end(start, days, tz);
        let number: i64 = tx.prepare_cached("SELECT COALESCE(MAX(number), 0) + 1 FROM warranties WHERE case_id = ?1")?.query_row([case_id],
            |r| r.get(0),
        )?;
        tx.prepare_cached("INSERT INTO warranties (case_id, number, resolution_summary, confirmed_by, confirmed_at, confirmed_how,
                period_days, car_person_id, started_at, ends_at, started_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?.execute(params![
                case_id,
                number,
                input.resolution_summary,
                input.confirmed_by,
                format_time(input.confirmed_at),
                input.confirmed_how.as_str(),
                days,
                car_id,
                stamp.text,
                format_time(end),
                who.actor()
            ],
        )?;
        set_standby(tx, case_id, true)?;
        let end_local = end.with_timezone(&tz).format("%a %d %b %Y %H:%M %Z").to_string();
        let to = team_and_customer_emails(tx, case_id)?;
        if !to.is_empty() {
            let draft = templates::warranty_notice(&old, &car_name, days, &end_local, &input.resolution_summary, to);
            insert_message_in(tx, Some(case_id), "warranty", &draft)?;
        }
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::WarrantyStarted,
                format!(
                    "Warranty {number} started by {car_name}: {days} days, until {end_local}; satisfaction confirmed by {} ({}); the team is on standby",
                    input.confirmed_by,
                    input.confirmed_how.as_str()
                ),
            )
            .values(
                serde_json::Value::Null,
                json!({ "number": number, "days": days, "ends_at": format_time(end) }),
            ),
        )
    })?;
    get_case(store, case_id)
}

/// The incident came back during the warranty: back to Resolving, the team back at work.
pub fn insert_recurrence(
    store: &mut Store,
    case_id: i64,
    expected_version: i64,
    input: &RecurrenceInput,
) -> Result<Case> {
    let input = input.validate(now())?;
    store.change(|tx, who, stamp| {
        let warranty = running_warranty(tx, case_id)?;
        if let Some((id, _)) = warranty {
            tx.prepare_cached(
                "INSERT INTO recurrences (case_id, warranty_id, observed_at, description, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                case_id,
                id,
                format_time(input.observed_at),
                input.description,
                stamp.text,
                who.actor()
            ])?;
        }
        move_stage_in(
            tx,
            who,
            stamp,
            case_id,
            expected_version,
            StageAction::Recur,
            Some(&input.description),
            |_| {},
        )
        .map(|_| ())
    })?;
    get_case(store, case_id)
}

/// Moves every case whose warranty has run out to Verification (the periodic check).
pub fn update_ended_warranties(store: &mut Store) -> Result<usize> {
    let due: Vec<(i64, i64)> = store
        .conn()
        .prepare_cached(
            "SELECT c.id, c.version FROM cases c JOIN warranties w ON w.case_id = c.id
             WHERE c.stage = 'warranty' AND w.outcome IS NULL AND w.ends_at <= ?1",
        )?
        .query_map([format_time(crate::store::desk_now(store.conn())?)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_>>()?;
    let mut n = 0;
    for (id, version) in due {
        // One case the guard refuses must not stop the check for the others.
        let moved = store.change(|tx, who, stamp| {
            move_stage_in(
                tx,
                who,
                stamp,
                id,
                version,
                StageAction::Advance,
                Some("the warranty period ended: verify continued satisfaction"),
                |_| {},
            )
            .map(|_| ())
        });
        match moved {
            Ok(()) => n += 1,
            Err(Error::NoIdentity) => return Err(Error::NoIdentity),
            Err(e) => log::warn!("case {id}: the ended warranty could not move it to Verification: {e}"),
        }
    }
    Ok(n)
}
