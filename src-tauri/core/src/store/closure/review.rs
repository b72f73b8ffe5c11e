//! The post-escalation review meeting: scheduled, moved or cancelled with calendar invitations,
//! then held, its findings and actions handed to problem management.
//!
//! Invariants:
//! - The meeting keeps one UID for its whole life; each update or cancellation raises its
//!   SEQUENCE, so calendar clients replace the invitation instead of adding another. The
//!   SEQUENCE doubles as the meeting's version: a move on a stale view is a conflict.
//! - One live meeting per case since its last reopening; a meeting is held once, and its outcome
//!   and the hand-over to the problem case are one transaction.

use crate::store::db::{Db, Optional, Row};
use chrono_tz::Tz;
use rusqlite::params;

use super::{get_process_settings, reopened_at};
use crate::case::Case;
use crate::closure::{Attendee, ReviewMeeting, ReviewMeetingInput, ReviewOutcomeInput};
use crate::error::{Error, Result};
use crate::ical::{self, Invitation, Method, Participant};
use crate::identity::Identity;
use crate::mail::templates;
use crate::stage::Stage;
use crate::store::cases::find_case;
use crate::store::outbox::insert_message_in;
use crate::store::timeline::insert_event;
use crate::store::{format_time, now, parse_time, time_column, Stamp, Store};
use crate::timeline::{EventKind, NewEvent};

fn meeting_from_row(conn: &Db, r: &Row<'_>) -> Result<ReviewMeeting> {
    let attendees: String = r.get(6)?;
    let problem_id: Option<i64> = r.get(12)?;
    let problem_ticket = match problem_id {
        Some(p) => conn
            .prepare_cached("SELECT ticket FROM problems WHERE id = ?1")?
            .query_row([p], |r| r.get(0))
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
        held_at: r.get::<_, Option<String>>(14)?.map(time_column).transpose()?,
    })
}

const MEETING_COLUMNS: &str = "id, uid, sequence, starts_at, duration_minutes, location, attendees, agenda, status,
    outcome, findings, actions, problem_id, handed_at, held_at";

fn find_meeting(conn: &Db, id: i64) -> Result<(i64, ReviewMeeting)> {
    let case_id: i64 = conn
        .prepare_cached("SELECT case_id FROM review_meetings WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Review meeting",
            id,
        })?;
    let m = conn
        .prepare_cached(&format!("SELECT {MEETING_COLUMNS} FROM review_meetings WHERE id = ?1"))?
        .query_row([id], |r| meeting_from_row(conn, r))?;
    Ok((case_id, m))
}

pub(super) fn latest_meeting(conn: &Db, case_id: i64) -> Result<Option<ReviewMeeting>> {
    conn.prepare_cached(&format!(
        "SELECT {MEETING_COLUMNS} FROM review_meetings WHERE case_id = ?1 ORDER BY id DESC LIMIT 1"
    ))?
    .query_row([case_id], |r| meeting_from_row(conn, r))
    .optional()
}

/// Queues the meeting's invitation (or its cancellation) to `to` (the attendees, or those removed).
#[allow(clippy::too_many_arguments)]
fn queue_invitation(
    tx: &Db,
    case: &Case,
    m: &ReviewMeeting,
    method: Method,
    tz: Tz,
    who: &Identity,
    stamp: &Stamp,
    to: &[Attendee],
) -> Result<()> {
    let sender_email: Option<String> = tx
        .prepare_cached("SELECT sender_address FROM smtp_settings WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    // The meeting is the escalation manager's: they organize it (replies go to them), the desk's
    // shared mailbox only sends it on their behalf (SENT-BY).
    let (organizer_name, organizer_email) =
        super::escalation_manager(tx, case)?.unwrap_or_else(|| (who.name.clone(), who.email.clone()));
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
            name: organizer_name,
            email: organizer_email,
        },
        sent_by: sender_email,
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
    let draft = templates::review_invitation(case, m, method, &when, ics, to);
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
            .prepare_cached(
                "SELECT status FROM review_meetings WHERE case_id = ?1 AND (created_at >= ?2 OR ?2 IS NULL)
                 AND status <> 'cancelled' ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![case_id, since], |r| r.get(0))
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
        let id: i64 = tx.query_row(
            "INSERT INTO review_meetings (case_id, uid, sequence, starts_at, duration_minutes, location, attendees,
                agenda, status, created_at) VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, 'scheduled', ?8) RETURNING id",
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
            |r| r.get(0),
        )?;
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
                format!(
                    "Post-escalation review scheduled for {when}; {} invited",
                    m.attendees.len()
                ),
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
        tx.prepare_cached(
            "UPDATE review_meetings SET sequence = sequence + 1, starts_at = ?2, duration_minutes = ?3, location = ?4,
                attendees = ?5, agenda = ?6 WHERE id = ?1",
        )?
        .execute(params![
            meeting_id,
            format_time(input.starts_at),
            input.duration_minutes,
            input.location,
            serde_json::to_string(&input.attendees).expect("attendees serialize"),
            input.agenda
        ])?;
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
        tx.prepare_cached("UPDATE review_meetings SET sequence = sequence + 1, status = 'cancelled' WHERE id = ?1")?
            .execute([meeting_id])?;
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
        let input = input.validate(case.problem_id.is_some() || !needs_problem, m.starts_at, now())?;
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
                    crate::store::problems::insert_problem_in(tx, who, stamp, case_id, case.version, &new)
                        .map_err(|e| rename_fields(e, "newProblemTicket"))?,
                )
            }
        };
        tx.prepare_cached("UPDATE review_meetings SET status = 'held', outcome = ?2, findings = ?3, actions = ?4,
                held_recorded_at = ?5, held_recorded_by = ?6, problem_id = ?7, handed_at = ?5, held_at = ?8 WHERE id = ?1")?.execute(params![
                meeting_id,
                input.outcome,
                input.findings,
                input.actions,
                stamp.text,
                who.actor(),
                problem_id,
                input.held_at.map(format_time)
            ],
        )?;
        let handed = match problem_id {
            Some(pid) => {
                tx.prepare_cached("INSERT INTO problem_inputs (problem_id, case_id, findings, actions, received_at) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![pid, case_id, input.findings, input.actions, stamp.text],
                )?;
                let ticket: String = tx.prepare_cached("SELECT ticket FROM problems WHERE id = ?1")?.query_row([pid], |r| r.get(0))?;
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
                format!("Post-escalation review held: {}; {handed}", crate::bidi::closed(&input.outcome)),
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
