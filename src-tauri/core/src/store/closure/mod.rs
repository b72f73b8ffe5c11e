//! The end of the process in the store, one file per step:
//! - `warranty`: the warranty (Resolving -> Warranty), a recurrence during it, and the periodic
//!   move of ended warranties to Verification;
//! - `verification`: the verification of continued satisfaction;
//! - `review`: the post-escalation review meeting, its invitations and its outcome;
//! - `closing`: the stage guards' facts about these steps and the side effects of a stage move.
//!
//! This file holds the process settings (warranty period, time zone), the case page's view of the
//! end of the process ([`get_closure`]), and the helpers the steps share.
//!
//! Invariants:
//! - Every stage move goes through `cases::move_stage_in` (the one transition function); these
//!   modules add what their forms supply to the guard's facts and, in `closing::after_move`, the
//!   side effects of leaving or entering a stage (the warranty's end, the team's standby).
//! - Only what happened since the case was last reopened counts towards closing it.
//! - Callers use the paths `store::closure::...`: the step files are private and re-exported here.

mod closing;
mod review;
mod verification;
mod warranty;

use crate::store::db::{Db, Optional};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::params;

use review::latest_meeting;

use super::{parse_time, time_column, Store};
use crate::case::{Case, Level};
use crate::closure::{
    Attendee, Closure, ConfirmedHow, ProcessSettings, Recurrence, StandbyMember, Verification, Warranty,
};
use crate::error::Result;
use crate::team::TeamRole;

pub(crate) use closing::{after_move, closure_facts};
pub use review::{
    insert_review_meeting, update_review_meeting, update_review_meeting_cancelled, update_review_outcome,
};
pub use verification::insert_verification;
pub use warranty::{insert_recurrence, insert_warranty, update_ended_warranties};

pub fn get_process_settings(conn: &Db) -> Result<(ProcessSettings, Tz)> {
    let (days, zone): (u32, String) = conn
        .prepare_cached("SELECT warranty_days, time_zone FROM process_settings WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let tz = zone.parse::<Tz>().unwrap_or(chrono_tz::America::Denver);
    Ok((
        ProcessSettings {
            warranty_days: days,
            time_zone: zone,
        },
        tz,
    ))
}

pub fn update_process_settings(store: &mut Store, settings: &ProcessSettings) -> Result<ProcessSettings> {
    let (s, _) = settings.validate()?;
    store
        .conn()
        .prepare_cached("UPDATE process_settings SET warranty_days = ?1, time_zone = ?2 WHERE id = 1")?
        .execute(params![s.warranty_days, s.time_zone])?;
    Ok(get_process_settings(store.conn())?.0)
}

/// The case page's view of the end of the process.
pub fn get_closure(conn: &Db, case: &Case) -> Result<Closure> {
    let (settings, _) = get_process_settings(conn)?;
    let warranties: Vec<Warranty> = conn
        .prepare_cached(
            "SELECT w.number, w.resolution_summary, w.confirmed_by, w.confirmed_at, w.confirmed_how, w.period_days,
                p.name, w.started_at, w.ends_at, w.ended_at, w.outcome
             FROM warranties w JOIN people p ON p.id = w.car_person_id WHERE w.case_id = ?1 ORDER BY w.number DESC",
        )?
        .query_map([case.id], |r| {
            Ok(Warranty {
                number: r.get(0)?,
                resolution_summary: r.get(1)?,
                confirmed_by: r.get(2)?,
                confirmed_at: time_column(r.get(3)?)?,
                confirmed_how: crate::store::parse_stored(r.get(4)?, ConfirmedHow::parse, "confirmation")?,
                period_days: r.get(5)?,
                warranted_by: r.get(6)?,
                started_at: time_column(r.get(7)?)?,
                ends_at: time_column(r.get(8)?)?,
                ended_at: r.get::<_, Option<String>>(9)?.map(time_column).transpose()?,
                outcome: r.get(10)?,
            })
        })?
        .collect::<Result<_>>()?;
    let recurrences: Vec<Recurrence> = conn
        .prepare_cached(
            "SELECT observed_at, description, recorded_by FROM recurrences WHERE case_id = ?1 ORDER BY id DESC",
        )?
        .query_map([case.id], |r| {
            Ok(Recurrence {
                observed_at: time_column(r.get(0)?)?,
                description: r.get(1)?,
                recorded_by: r.get(2)?,
            })
        })?
        .collect::<Result<_>>()?;
    let verifications: Vec<Verification> = conn
        .prepare_cached(
            "SELECT contact, verified_at, satisfied, notes, recorded_by FROM verifications WHERE case_id = ?1 ORDER BY id DESC",
        )?
        .query_map([case.id], |r| {
            Ok(Verification {
                contact: r.get(0)?,
                verified_at: time_column(r.get(1)?)?,
                satisfied: r.get(2)?,
                notes: r.get(3)?,
                recorded_by: r.get(4)?,
            })
        })?
        .collect::<Result<_>>()?;
    let standby: Vec<StandbyMember> = conn
        .prepare_cached(
            "SELECT p.name, t.role, p.email, p.phone FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.released_at IS NULL AND t.standby = 1 ORDER BY p.name",
        )?
        .query_map([case.id], |r| {
            let role: String = r.get(1)?;
            Ok(StandbyMember {
                name: r.get(0)?,
                role: TeamRole::parse(&role).map(|x| x.label().to_string()).unwrap_or(role),
                email: r.get(2)?,
                phone: r.get(3)?,
            })
        })?
        .collect::<Result<_>>()?;
    let closing_summary: Option<String> = conn
        .prepare_cached("SELECT closing_summary FROM cases WHERE id = ?1")?
        .query_row([case.id], |r| r.get(0))?;
    let open_items: Vec<(String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT i.action, i.owner, i.due_date FROM aar_improvements i JOIN aars a ON a.id = i.aar_id
             WHERE a.case_id = ?1 AND i.status <> 'done' ORDER BY i.position",
        )?
        .query_map([case.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_>>()?;
    let mut agenda = String::from("1. What happened and how it was resolved\n2. What worked and what did not\n");
    for (i, (action, owner, due)) in open_items.iter().enumerate() {
        agenda.push_str(&format!(
            "{}. Open improvement: {action} ({owner}{})\n",
            i + 3,
            due.as_ref().map(|d| format!(", due {d}")).unwrap_or_default()
        ));
    }
    agenda.push_str(&format!("{}. Input for problem management\n", open_items.len() + 3));
    let mut suggested_attendees: Vec<Attendee> = conn
        .prepare_cached(
            "SELECT p.name, p.email FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.released_at IS NULL AND p.retired_at IS NULL
             UNION SELECT p.name, p.email FROM case_contacts c JOIN people p ON p.id = c.person_id
             WHERE c.case_id = ?1 AND c.kind = 'management' AND p.retired_at IS NULL ORDER BY 1",
        )?
        .query_map([case.id], |r| {
            Ok(Attendee {
                name: r.get(0)?,
                email: r.get(1)?,
            })
        })?
        .collect::<Result<_>>()?;
    // The escalation manager chairs the review: suggested first, whether or not on the team list.
    if let Some((name, email)) = escalation_manager(conn, case)? {
        if !suggested_attendees.iter().any(|a| a.email.eq_ignore_ascii_case(&email)) {
            suggested_attendees.insert(0, Attendee { name, email });
        }
    }
    Ok(Closure {
        warranties,
        recurrences,
        verifications,
        meeting: latest_meeting(conn, case.id)?,
        standby,
        closing_summary,
        short_path: case.level == Level::Elevated,
        default_warranty_days: settings.warranty_days,
        time_zone: settings.time_zone,
        suggested_agenda: agenda,
        suggested_attendees,
    })
}

/// The case's escalation manager as (name, email): the directory's person of that name, else the
/// workstation user of that name. The case names its manager as text (the intake's field).
pub(super) fn escalation_manager(conn: &Db, case: &Case) -> Result<Option<(String, String)>> {
    let d = conn.dialect();
    conn.prepare_cached(&format!(
        "SELECT name, email FROM (
                 SELECT name, email, 0 AS pref FROM people WHERE {} AND retired_at IS NULL
                 UNION ALL SELECT name, email, 1 FROM users WHERE {}) AS manager
             ORDER BY pref LIMIT 1",
        d.nocase_eq("name", "?1"),
        d.nocase_eq("name", "?1")
    ))?
    .query_row([case.fields.escalation_manager.trim()], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// The running warranty (no outcome yet): (id, ends at).
fn running_warranty(conn: &Db, case_id: i64) -> Result<Option<(i64, DateTime<Utc>)>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, ends_at FROM warranties WHERE case_id = ?1 AND outcome IS NULL ORDER BY number DESC LIMIT 1",
        )?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, at)| Ok((id, parse_time(&at)?))).transpose()
}

/// When the case was last reopened (records before it belong to the earlier closure); `None`
/// when it never was. Statements take it as `(at >= ?N OR ?N IS NULL)`.
fn reopened_at(conn: &Db, case_id: i64) -> Result<Option<String>> {
    conn.query_row(
        &format!(
            "SELECT MAX(at) FROM timeline_events WHERE case_id = ?1 AND kind = 'stage_changed' AND {} = 'reopen'",
            conn.dialect().json_text("new_value", "action")
        ),
        [case_id],
        |r| r.get(0),
    )
}

fn set_standby(tx: &Db, case_id: i64, on: bool) -> Result<usize> {
    tx.prepare_cached(
        "UPDATE team_members SET standby = ?2 WHERE case_id = ?1 AND released_at IS NULL AND standby <> ?2",
    )?
    .execute(params![case_id, on])
}
