//! Warranty, recurrence, verification, the review meeting and closure in the store.
//!
//! Invariants:
//! - Every stage move goes through `cases::move_stage_in` (the one transition function); this
//!   module adds what its forms supply to the guard's facts and, in [`after_move`], the side
//!   effects of leaving or entering a stage (the warranty's end, the team's standby).
//! - The review meeting keeps one UID for its whole life; each update or cancellation raises its
//!   SEQUENCE, so calendar clients replace the invitation instead of adding another.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;

use super::cases::{find_case, get_case, move_stage_in};
use super::outbox::insert_message_in;
use super::timeline::insert_event;
use super::{format_time, now, parse_time, time_column, Stamp, Store};
use crate::case::{Case, Level};
use crate::closure::{
    warranty_end, Attendee, Closure, ConfirmedHow, ProcessSettings, Recurrence, RecurrenceInput, ReviewMeeting,
    ReviewMeetingInput, ReviewOutcomeInput, StandbyMember, Verification, VerificationInput, Warranty, WarrantyInput,
};
use crate::error::{Error, Result};
use crate::ical::{self, Invitation, Method, Participant};
use crate::identity::Identity;
use crate::mail::message::{html_escape, Attachment, Draft};
use crate::stage::{Stage, StageAction, StageFacts};
use crate::team::TeamRole;
use crate::timeline::{EventKind, NewEvent};

pub fn get_process_settings(conn: &Connection) -> Result<(ProcessSettings, Tz)> {
    let (days, zone): (u32, String) = conn.query_row(
        "SELECT warranty_days, time_zone FROM process_settings WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
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
    store.conn().execute(
        "UPDATE process_settings SET warranty_days = ?1, time_zone = ?2 WHERE id = 1",
        params![s.warranty_days, s.time_zone],
    )?;
    Ok(get_process_settings(store.conn())?.0)
}

/// The running warranty (no outcome yet): (id, ends at).
fn running_warranty(conn: &Connection, case_id: i64) -> Result<Option<(i64, DateTime<Utc>)>> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, ends_at FROM warranties WHERE case_id = ?1 AND outcome IS NULL ORDER BY number DESC LIMIT 1",
            [case_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(id, at)| Ok((id, parse_time(&at)?))).transpose()
}

/// When the case was last reopened (records before it belong to the earlier closure).
fn reopened_at(conn: &Connection, case_id: i64) -> Result<String> {
    Ok(conn
        .query_row(
            "SELECT MAX(at) FROM timeline_events WHERE case_id = ?1 AND kind = 'stage_changed'
               AND json_extract(new_value, '$.action') = 'reopen'",
            [case_id],
            |r| r.get::<_, Option<String>>(0),
        )?
        .unwrap_or_default())
}

/// The closure-related facts of the stage guards, counting only what happened since the last
/// reopening.
pub(crate) fn closure_facts(conn: &Connection, case_id: i64) -> Result<StageFacts> {
    let since = reopened_at(conn, case_id)?;
    let last_warranty: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT started_at, outcome FROM warranties WHERE case_id = ?1 AND started_at >= ?2
             ORDER BY number DESC LIMIT 1",
            params![case_id, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let warranty_complete = matches!(&last_warranty, Some((_, Some(o))) if o == "completed");
    let satisfied_after: bool = match &last_warranty {
        Some((started, _)) => conn.query_row(
            "SELECT COALESCE((SELECT satisfied FROM verifications WHERE case_id = ?1 AND recorded_at >= ?2
               ORDER BY id DESC LIMIT 1), 0)",
            params![case_id, started],
            |r| r.get(0),
        )?,
        None => false,
    };
    let (held, handed): (bool, bool) = conn
        .query_row(
            "SELECT status = 'held', handed_at IS NOT NULL FROM review_meetings WHERE case_id = ?1 AND created_at >= ?2
             ORDER BY id DESC LIMIT 1",
            params![case_id, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((false, false));
    // A case that passed Warranty or Verification before these records existed (schema 9) has
    // nothing to wait for: the stages it already left count as done.
    let stage: String = conn.query_row("SELECT stage FROM cases WHERE id = ?1", [case_id], |r| r.get(0))?;
    let no_records: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM warranties WHERE case_id = ?1)",
        [case_id],
        |r| r.get(0),
    )?;
    let legacy = no_records && matches!(stage.as_str(), "warranty" | "verification" | "review");
    Ok(StageFacts {
        warranty_ended: running_warranty(conn, case_id)?.is_some_and(|(_, end)| end <= now())
            || legacy && stage == "warranty",
        warranty_complete: warranty_complete || legacy && stage != "warranty",
        satisfaction_verified: satisfied_after || legacy && stage == "review",
        review_held: held,
        problem_input_handed: handed,
        ..StageFacts::default()
    })
}

fn set_standby(tx: &Transaction<'_>, case_id: i64, on: bool) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE team_members SET standby = ?2 WHERE case_id = ?1 AND released_at IS NULL AND standby <> ?2",
        params![case_id, on],
    )?)
}

/// The side effects of a stage move, in the same transaction.
pub(crate) fn after_move(
    tx: &Transaction<'_>,
    who: &Identity,
    stamp: &Stamp,
    old: &Case,
    to: Stage,
    action: StageAction,
    reason: Option<&str>,
) -> Result<()> {
    match (old.stage, to, action) {
        (Stage::Warranty, Stage::Resolving, StageAction::Recur) => {
            if let Some((id, _)) = running_warranty(tx, old.id)? {
                tx.execute(
                    "UPDATE warranties SET ended_at = ?2, outcome = 'recurred' WHERE id = ?1",
                    params![id, stamp.text],
                )?;
                // Recorded by `insert_recurrence` with its own time; the plain stage action records now.
                let recorded: bool = tx.query_row(
                    "SELECT COUNT(*) > 0 FROM recurrences WHERE warranty_id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                if !recorded {
                    tx.execute(
                        "INSERT INTO recurrences (case_id, warranty_id, observed_at, description, recorded_at, recorded_by)
                         VALUES (?1, ?2, ?3, ?4, ?3, ?5)",
                        params![old.id, id, stamp.text, reason.unwrap_or(""), who.actor()],
                    )?;
                }
            }
            back_to_work(tx, who, stamp, old.id)
        }
        (Stage::Verification, Stage::Resolving, StageAction::Recur) => back_to_work(tx, who, stamp, old.id),
        (Stage::Warranty, Stage::Verification, StageAction::Advance) => {
            if let Some((id, _)) = running_warranty(tx, old.id)? {
                tx.execute(
                    "UPDATE warranties SET ended_at = ?2, outcome = 'completed' WHERE id = ?1",
                    params![id, stamp.text],
                )?;
            }
            Ok(())
        }
        (_, Stage::Closed, StageAction::Close) => {
            if let Some((id, _)) = running_warranty(tx, old.id)? {
                tx.execute(
                    "UPDATE warranties SET ended_at = ?2, outcome = 'closed' WHERE id = ?1",
                    params![id, stamp.text],
                )?;
            }
            tx.execute(
                "UPDATE cases SET closing_summary = ?2 WHERE id = ?1",
                params![old.id, reason],
            )?;
            set_standby(tx, old.id, false)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn back_to_work(tx: &Transaction<'_>, who: &Identity, stamp: &Stamp, case_id: i64) -> Result<()> {
    if set_standby(tx, case_id, false)? > 0 {
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::TeamStandbyChanged,
                "The team is back at work on the case (off standby)".to_string(),
            ),
        )?;
    }
    Ok(())
}

fn team_and_customer_emails(conn: &Connection, case_id: i64) -> Result<Vec<String>> {
    let mut out: Vec<String> = conn
        .prepare(
            "SELECT p.email FROM team_members t JOIN people p ON p.id = t.person_id
             WHERE t.case_id = ?1 AND t.released_at IS NULL
             UNION SELECT p.email FROM case_contacts c JOIN people p ON p.id = c.person_id
             WHERE c.case_id = ?1 AND c.kind = 'customer' AND p.retired_at IS NULL",
        )?
        .query_map([case_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
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
        let days = input.period_days.unwrap_or(settings.warranty_days);
        let car: Option<(i64, String)> = tx
            .query_row(
                "SELECT p.id, p.name FROM team_members t JOIN people p ON p.id = t.person_id
                 WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL LIMIT 1",
                params![case_id, TeamRole::CustomerAccountRep.as_str()],
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
        let (car_id, car_name) = car.expect("the guard requires the account representative");
        let start = parse_time(&stamp.text)?;
        let end = warranty_end(start, days, tz);
        let number: i64 = tx.query_row(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM warranties WHERE case_id = ?1",
            [case_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO warranties (case_id, number, resolution_summary, confirmed_by, confirmed_at, confirmed_how,
                period_days, car_person_id, started_at, ends_at, started_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
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
            let draft = warranty_notice(&old, &car_name, days, &end_local, &input.resolution_summary, to);
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

fn warranty_notice(case: &Case, car: &str, days: u32, end: &str, resolution: &str, to: Vec<String>) -> Draft {
    let subject = format!("[{}] Resolved: warranty of {days} days until {end}", case.fields.ticket);
    let intro = format!(
        "{} ({}) is resolved. {car} warranties the solution for {days} days, until {end}. The escalation team stays on standby: if the problem comes back, tell us and the team resumes at once.",
        case.fields.ticket, case.fields.title
    );
    Draft {
        recipients: to,
        text: format!("{intro}\n\nResolution: {resolution}\n\n-- \nSent by Escalation Desk.\n"),
        html: format!(
            "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p><p><b>Resolution:</b> {}</p><p style=\"color:#485567;font-size:12px\">Sent by Escalation Desk.</p></body></html>",
            html_escape(&intro),
            html_escape(resolution)
        ),
        subject,
        attachments: vec![],
    }
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
            tx.execute(
                "INSERT INTO recurrences (case_id, warranty_id, observed_at, description, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    case_id,
                    id,
                    format_time(input.observed_at),
                    input.description,
                    stamp.text,
                    who.actor()
                ],
            )?;
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
        .prepare(
            "SELECT c.id, c.version FROM cases c JOIN warranties w ON w.case_id = c.id
             WHERE c.stage = 'warranty' AND w.outcome IS NULL AND w.ends_at <= ?1",
        )?
        .query_map([format_time(now())], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
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

/// Records the verification of continued satisfaction: satisfied moves on to the review, not
/// satisfied goes back to Resolving with the reason.
pub fn insert_verification(
    store: &mut Store,
    case_id: i64,
    expected_version: i64,
    input: &VerificationInput,
) -> Result<Case> {
    let input = input.validate(now())?;
    store.change(|tx, who, stamp| {
        let case = find_case(tx, case_id)?;
        if case.stage != Stage::Verification {
            return Err(Error::Refused(format!(
                "Satisfaction is verified in the Verification stage; the case is in {}.",
                case.stage.label()
            )));
        }
        tx.execute(
            "INSERT INTO verifications (case_id, contact, verified_at, satisfied, notes, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                case_id,
                input.contact,
                format_time(input.verified_at),
                input.satisfied,
                input.notes,
                stamp.text,
                who.actor()
            ],
        )?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::SatisfactionVerified,
                format!(
                    "Satisfaction verified with {}: {}{}",
                    input.contact,
                    if input.satisfied { "satisfied" } else { "not satisfied" },
                    if input.notes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", input.notes)
                    }
                ),
            ),
        )?;
        if input.satisfied {
            move_stage_in(
                tx,
                who,
                stamp,
                case_id,
                expected_version,
                StageAction::Advance,
                None,
                |_| {},
            )?;
        } else {
            move_stage_in(
                tx,
                who,
                stamp,
                case_id,
                expected_version,
                StageAction::Recur,
                Some(&input.notes),
                |_| {},
            )?;
        }
        Ok(())
    })?;
    get_case(store, case_id)
}

fn meeting_from_row(conn: &Connection, r: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewMeeting> {
    let attendees: String = r.get(6)?;
    let problem_id: Option<i64> = r.get(12)?;
    let problem_ticket = match problem_id {
        Some(p) => conn
            .query_row("SELECT ticket FROM problems WHERE id = ?1", [p], |r| r.get(0))
            .optional()?,
        None => None,
    };
    Ok(ReviewMeeting {
        id: r.get(0)?,
        uid: r.get(1)?,
        sequence: r.get(2)?,
        starts_at: time_column(r.get(3)?)?,
        duration_minutes: r.get(4)?,
        location: r.get(5)?,
        attendees: serde_json::from_str(&attendees).unwrap_or_default(),
        agenda: r.get(7)?,
        status: r.get(8)?,
        outcome: r.get(9)?,
        findings: r.get(10)?,
        actions: r.get(11)?,
        problem_ticket,
        handed_at: r.get::<_, Option<String>>(13)?.map(time_column).transpose()?,
    })
}

const MEETING_COLUMNS: &str = "id, uid, sequence, starts_at, duration_minutes, location, attendees, agenda, status,
    outcome, findings, actions, problem_id, handed_at";

fn find_meeting(conn: &Connection, id: i64) -> Result<(i64, ReviewMeeting)> {
    let case_id: i64 = conn
        .query_row("SELECT case_id FROM review_meetings WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Review meeting",
            id,
        })?;
    let m = conn.query_row(
        &format!("SELECT {MEETING_COLUMNS} FROM review_meetings WHERE id = ?1"),
        [id],
        |r| meeting_from_row(conn, r),
    )?;
    Ok((case_id, m))
}

fn latest_meeting(conn: &Connection, case_id: i64) -> Result<Option<ReviewMeeting>> {
    Ok(conn
        .query_row(
            &format!("SELECT {MEETING_COLUMNS} FROM review_meetings WHERE case_id = ?1 ORDER BY id DESC LIMIT 1"),
            [case_id],
            |r| meeting_from_row(conn, r),
        )
        .optional()?)
}

/// Queues the meeting's invitation (or its cancellation) to `to` (the attendees, or those removed).
#[allow(clippy::too_many_arguments)]
fn queue_invitation(
    tx: &Transaction<'_>,
    case: &Case,
    m: &ReviewMeeting,
    method: Method,
    tz: Tz,
    who: &Identity,
    stamp: &Stamp,
    to: &[Attendee],
) -> Result<()> {
    let (sender_name, sender_email): (String, String) = tx
        .query_row(
            "SELECT sender_name, sender_address FROM smtp_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_else(|| (who.name.clone(), who.email.clone()));
    let invitation = Invitation {
        uid: m.uid.clone(),
        sequence: m.sequence as u32,
        method,
        summary: format!("Post-escalation review: {} {}", case.fields.ticket, case.fields.title),
        description: format!("Agenda:\n{}", m.agenda),
        location: m.location.clone(),
        start: m.starts_at,
        duration_minutes: m.duration_minutes as u32,
        time_zone: tz,
        organizer: Participant {
            name: if sender_name.is_empty() {
                who.name.clone()
            } else {
                sender_name
            },
            email: sender_email,
        },
        attendees: m
            .attendees
            .iter()
            .map(|a| Participant {
                name: a.name.clone(),
                email: a.email.clone(),
            })
            .collect(),
        dtstamp: parse_time(&stamp.text)?,
    };
    let ics = ical::to_ics(&invitation);
    let when = m
        .starts_at
        .with_timezone(&tz)
        .format("%a %d %b %Y %H:%M %Z")
        .to_string();
    let (subject, intro) = match (method, m.sequence) {
        (Method::Cancel, _) => (
            format!("Cancelled: post-escalation review of {} ({when})", case.fields.ticket),
            format!(
                "The post-escalation review of {} on {when} is cancelled.",
                case.fields.ticket
            ),
        ),
        (Method::Request, 0) => (
            format!("Invitation: post-escalation review of {} ({when})", case.fields.ticket),
            format!(
                "You are invited to the post-escalation review of {} ({}) on {when}, {} minutes, at {}.",
                case.fields.ticket, case.fields.title, m.duration_minutes, m.location
            ),
        ),
        (Method::Request, _) => (
            format!("Updated: post-escalation review of {} ({when})", case.fields.ticket),
            format!(
                "The post-escalation review of {} has moved: now on {when}, {} minutes, at {}.",
                case.fields.ticket, m.duration_minutes, m.location
            ),
        ),
    };
    let draft = Draft {
        recipients: to.iter().map(|a| a.email.clone()).collect(),
        text: format!("{intro}\n\nAgenda:\n{}\n\n-- \nSent by Escalation Desk.\n", m.agenda),
        html: format!(
            "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p><h3>Agenda</h3><pre>{}</pre></body></html>",
            html_escape(&intro),
            html_escape(&m.agenda)
        ),
        subject,
        attachments: vec![Attachment {
            filename: "invite.ics".into(),
            content_type: ical::content_type(method).into(),
            bytes: ics.into_bytes(),
        }],
    };
    insert_message_in(tx, Some(case.id), "review", &draft)?;
    Ok(())
}

/// Schedules the review meeting and sends the invitation.
pub fn insert_review_meeting(store: &mut Store, case_id: i64, input: &ReviewMeetingInput) -> Result<ReviewMeeting> {
    let input = input.validate(now())?;
    let (_, tz) = get_process_settings(store.conn())?;
    let id = store.change(|tx, who, stamp| {
        let case = find_case(tx, case_id)?;
        if case.stage != Stage::Review {
            return Err(Error::Refused(
                "The review meeting is scheduled once continued satisfaction is verified (the Review stage).".into(),
            ));
        }
        let since = reopened_at(tx, case_id)?;
        let live: Option<String> = tx
            .query_row(
                "SELECT status FROM review_meetings WHERE case_id = ?1 AND created_at >= ?2 AND status <> 'cancelled'
                 ORDER BY id DESC LIMIT 1",
                params![case_id, since],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(status) = live {
            return Err(Error::Refused(format!(
                "A review meeting is already {status} for this case: reschedule or cancel it."
            )));
        }
        let uid = format!(
            "review-{}-{}@escalation-desk",
            case.fields.ticket.to_lowercase(),
            stamp.text.replace([':', '.', '-'], "")
        );
        tx.execute(
            "INSERT INTO review_meetings (case_id, uid, sequence, starts_at, duration_minutes, location, attendees, agenda,
                status, created_at) VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, 'scheduled', ?8)",
            params![
                case_id,
                uid,
                format_time(input.starts_at),
                input.duration_minutes,
                input.location,
                serde_json::to_string(&input.attendees).expect("attendees serialize"),
                input.agenda,
                stamp.text
            ],
        )?;
        let id = tx.last_insert_rowid();
        let (_, m) = find_meeting(tx, id)?;
        queue_invitation(tx, &case, &m, Method::Request, tz, who, stamp, &m.attendees)?;
        let when = m.starts_at.with_timezone(&tz).format("%d %b %Y %H:%M %Z");
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::ReviewScheduled,
                format!("Post-escalation review scheduled for {when}; {} invited", m.attendees.len()),
            ),
        )?;
        Ok(id)
    })?;
    Ok(find_meeting(store.conn(), id)?.1)
}

/// Moves the meeting (same UID, next SEQUENCE) and sends the update; people no longer invited
/// get a cancellation. `expected_sequence` is the sequence the caller saw: a meeting moved by
/// someone else meanwhile is a conflict, not a second update.
pub fn update_review_meeting(
    store: &mut Store,
    meeting_id: i64,
    expected_sequence: i64,
    input: &ReviewMeetingInput,
) -> Result<ReviewMeeting> {
    let input = input.validate(now())?;
    let (_, tz) = get_process_settings(store.conn())?;
    store.change(|tx, who, stamp| {
        let (case_id, before) = find_meeting(tx, meeting_id)?;
        if before.status != "scheduled" {
            return Err(Error::Refused(format!(
                "The meeting is {}: it cannot be rescheduled.",
                before.status
            )));
        }
        claim_meeting(&before, expected_sequence)?;
        tx.execute(
            "UPDATE review_meetings SET sequence = sequence + 1, starts_at = ?2, duration_minutes = ?3, location = ?4,
                attendees = ?5, agenda = ?6 WHERE id = ?1",
            params![
                meeting_id,
                format_time(input.starts_at),
                input.duration_minutes,
                input.location,
                serde_json::to_string(&input.attendees).expect("attendees serialize"),
                input.agenda
            ],
        )?;
        let (_, m) = find_meeting(tx, meeting_id)?;
        let case = find_case(tx, case_id)?;
        queue_invitation(tx, &case, &m, Method::Request, tz, who, stamp, &m.attendees)?;
        let removed: Vec<Attendee> = before
            .attendees
            .iter()
            .filter(|a| !m.attendees.iter().any(|b| b.email.eq_ignore_ascii_case(&a.email)))
            .cloned()
            .collect();
        if !removed.is_empty() {
            queue_invitation(tx, &case, &m, Method::Cancel, tz, who, stamp, &removed)?;
        }
        let when = m.starts_at.with_timezone(&tz).format("%d %b %Y %H:%M %Z");
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::ReviewScheduled,
                format!("Post-escalation review moved to {when}"),
            ),
        )
    })?;
    Ok(find_meeting(store.conn(), meeting_id)?.1)
}

/// The meeting's SEQUENCE doubles as its version.
fn claim_meeting(m: &ReviewMeeting, expected_sequence: i64) -> Result<()> {
    if m.sequence != expected_sequence {
        return Err(Error::Conflict {
            entity: "review meeting",
            expected: expected_sequence,
            current: m.sequence,
        });
    }
    Ok(())
}

/// Cancels the meeting (same UID, next SEQUENCE, METHOD:CANCEL).
pub fn update_review_meeting_cancelled(
    store: &mut Store,
    meeting_id: i64,
    expected_sequence: i64,
) -> Result<ReviewMeeting> {
    let (_, tz) = get_process_settings(store.conn())?;
    store.change(|tx, who, stamp| {
        let (case_id, m) = find_meeting(tx, meeting_id)?;
        if m.status != "scheduled" {
            return Err(Error::Refused(format!("The meeting is already {}.", m.status)));
        }
        claim_meeting(&m, expected_sequence)?;
        tx.execute(
            "UPDATE review_meetings SET sequence = sequence + 1, status = 'cancelled' WHERE id = ?1",
            [meeting_id],
        )?;
        let (_, m) = find_meeting(tx, meeting_id)?;
        let case = find_case(tx, case_id)?;
        queue_invitation(tx, &case, &m, Method::Cancel, tz, who, stamp, &m.attendees)?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::ReviewScheduled,
                "Post-escalation review cancelled".to_string(),
            ),
        )
    })?;
    Ok(find_meeting(store.conn(), meeting_id)?.1)
}

/// Records the meeting's outcome and hands its findings and actions to the case's problem case,
/// creating the problem case when there is none (a service request has none: its input is
/// recorded as handed over without one). All in one transaction; a meeting is held once.
pub fn update_review_outcome(store: &mut Store, meeting_id: i64, input: &ReviewOutcomeInput) -> Result<ReviewMeeting> {
    store.change(|tx, who, stamp| {
        let (case_id, m) = find_meeting(tx, meeting_id)?;
        if m.status != "scheduled" {
            return Err(Error::Refused(format!(
                "The meeting is {}: {}",
                m.status,
                if m.status == "held" { "its outcome is already recorded." } else { "schedule a new one." }
            )));
        }
        let case = find_case(tx, case_id)?;
        let needs_problem = case.fields.kind == crate::case::CaseKind::Incident;
        let input = input.validate(case.problem_id.is_some() || !needs_problem)?;
        let problem_id = match (case.problem_id, needs_problem) {
            (Some(p), _) => Some(p),
            (None, false) => None,
            (None, true) => {
                let new = crate::problem::NewProblem {
                    ticket: input.new_problem_ticket.clone().unwrap_or_default(),
                    title: format!("Findings of the review of {}: {}", case.fields.ticket, case.fields.title),
                }
                .validate()
                .map_err(|e| rename_fields(e, "newProblemTicket"))?;
                Some(
                    super::problems::insert_problem_in(tx, who, stamp, case_id, case.version, &new)
                        .map_err(|e| rename_fields(e, "newProblemTicket"))?,
                )
            }
        };
        tx.execute(
            "UPDATE review_meetings SET status = 'held', outcome = ?2, findings = ?3, actions = ?4,
                held_recorded_at = ?5, held_recorded_by = ?6, problem_id = ?7, handed_at = ?5 WHERE id = ?1",
            params![meeting_id, input.outcome, input.findings, input.actions, stamp.text, who.actor(), problem_id],
        )?;
        let handed = match problem_id {
            Some(pid) => {
                tx.execute(
                    "INSERT INTO problem_inputs (problem_id, case_id, findings, actions, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![pid, case_id, input.findings, input.actions, stamp.text],
                )?;
                let ticket: String = tx.query_row("SELECT ticket FROM problems WHERE id = ?1", [pid], |r| r.get(0))?;
                format!("findings and actions handed to problem {ticket}")
            }
            None => "findings and actions recorded for problem management (a service request has no problem case)".into(),
        };
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::ReviewHeld,
                format!("Post-escalation review held: {}; {handed}", input.outcome),
            ),
        )
    })?;
    Ok(find_meeting(store.conn(), meeting_id)?.1)
}

/// Shows a problem-creation refusal beside the form's problem number field.
fn rename_fields(e: Error, field: &str) -> Error {
    match e {
        Error::Invalid(fields) => Error::Invalid(
            fields
                .into_iter()
                .map(|f| crate::error::FieldError::new(field, f.message))
                .collect(),
        ),
        other => other,
    }
}

/// The case page's view of the end of the process.
pub fn get_closure(conn: &Connection, case: &Case) -> Result<Closure> {
    let (settings, _) = get_process_settings(conn)?;
    let warranties: Vec<Warranty> = conn
        .prepare(
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
                confirmed_how: super::parse_stored(r.get(4)?, ConfirmedHow::parse, "confirmation")?,
                period_days: r.get(5)?,
                warranted_by: r.get(6)?,
                started_at: time_column(r.get(7)?)?,
                ends_at: time_column(r.get(8)?)?,
                ended_at: r.get::<_, Option<String>>(9)?.map(time_column).transpose()?,
                outcome: r.get(10)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let recurrences: Vec<Recurrence> = conn
        .prepare("SELECT observed_at, description, recorded_by FROM recurrences WHERE case_id = ?1 ORDER BY id DESC")?
        .query_map([case.id], |r| {
            Ok(Recurrence {
                observed_at: time_column(r.get(0)?)?,
                description: r.get(1)?,
                recorded_by: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let verifications: Vec<Verification> = conn
        .prepare(
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
        .collect::<rusqlite::Result<_>>()?;
    let standby: Vec<StandbyMember> = conn
        .prepare(
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
        .collect::<rusqlite::Result<_>>()?;
    let closing_summary: Option<String> =
        conn.query_row("SELECT closing_summary FROM cases WHERE id = ?1", [case.id], |r| {
            r.get(0)
        })?;
    let open_items: Vec<(String, String, Option<String>)> = conn
        .prepare(
            "SELECT i.action, i.owner, i.due_date FROM aar_improvements i JOIN aars a ON a.id = i.aar_id
             WHERE a.case_id = ?1 AND i.status <> 'done' ORDER BY i.position",
        )?
        .query_map([case.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut agenda = String::from("1. What happened and how it was resolved\n2. What worked and what did not\n");
    for (i, (action, owner, due)) in open_items.iter().enumerate() {
        agenda.push_str(&format!(
            "{}. Open improvement: {action} ({owner}{})\n",
            i + 3,
            due.as_ref().map(|d| format!(", due {d}")).unwrap_or_default()
        ));
    }
    agenda.push_str(&format!("{}. Input for problem management\n", open_items.len() + 3));
    let suggested_attendees: Vec<Attendee> = conn
        .prepare(
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
        .collect::<rusqlite::Result<_>>()?;
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

/// When the running warranty of a case ends (for the dashboard).
pub(crate) fn warranty_ends_at(conn: &Connection, case_id: i64) -> Result<Option<DateTime<Utc>>> {
    Ok(running_warranty(conn, case_id)?.map(|(_, end)| end))
}
