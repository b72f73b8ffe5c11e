//! After Action Reports in the store: creation from the template, section saves with conflict
//! detection, comments, assignment, the improvement plan, status and sign-off, revisions and
//! their differences, rendered PDFs and the distribution log.
//!
//! Invariants (see also `crate::aar`):
//! - A section save runs `UPDATE ... WHERE version = expected`; nothing else ever changes a
//!   section's text, and every saved text is also appended to `aar_section_versions`.
//! - The report's own `version` guards status changes and the improvement plan the same way.
//! - Every change is one transaction with its timeline event on the case.

use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::cases::{find_case, get_case};
use super::outbox::insert_message_in;
use super::people::person_ref;
use super::timeline::{insert_event, list_events};
use super::{format_time, parse_stored, time_column, Stamp, Store};
use crate::aar::{
    diff_lines, figures_markdown, improvements_markdown, local_time, may_sign, plans_markdown, team_markdown,
    timeline_markdown, validate_improvements, Aar, AarComment, AarRender, AarSection, AarSettings, AarStatus,
    Distribution, DistributionSuggestion, Improvement, ImprovementStatus, KeyFigures, SectionDiff, SectionSource,
    SignOff, SignOffRole,
};
use crate::aar_pdf::{Paper, PdfDocument, PdfSection};
use crate::case::{Case, Level};
use crate::directory::OrgRole;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::mail::message::{html_escape, Attachment, Draft};
use crate::plan::ActionStatus;
use crate::store::outbox::OutboxStatus;
use crate::team::TeamRole;
use crate::timeline::{EventKind, NewEvent};

/// The kinds of events a new report's timeline section starts with; the authors add or remove.
const DEFAULT_EVENT_KINDS: [&str; 8] = [
    "case_opened",
    "level_changed",
    "stage_changed",
    "hierarchy_raised",
    "alert_raised",
    "customer_updated",
    "progress_posted",
    "plan_reviewed",
];

pub fn get_aar_settings(conn: &Connection) -> Result<AarSettings> {
    Ok(conn.query_row(
        "SELECT organization, marking, paper, one_message_per_recipient, logo IS NOT NULL FROM aar_settings WHERE id = 1",
        [],
        |r| {
            Ok(AarSettings {
                organization: r.get(0)?,
                marking: r.get(1)?,
                paper: r.get(2)?,
                one_message_per_recipient: r.get(3)?,
                has_logo: r.get(4)?,
            })
        },
    )?)
}

pub fn update_aar_settings(store: &mut Store, settings: &AarSettings) -> Result<AarSettings> {
    let s = settings.validate()?;
    store.conn().execute(
        "UPDATE aar_settings SET organization = ?1, marking = ?2, paper = ?3, one_message_per_recipient = ?4 WHERE id = 1",
        params![s.organization, s.marking, s.paper, s.one_message_per_recipient],
    )?;
    get_aar_settings(store.conn())
}

/// The largest logo accepted: a cover logo needs far less, and the PDF embeds it whole.
const LOGO_MAX_BYTES: usize = 512 * 1024;

/// Sets (a PNG, as base64) or removes (None) the cover logo.
pub fn update_aar_logo(store: &mut Store, png_base64: Option<&str>) -> Result<AarSettings> {
    use base64::Engine;
    let bytes = match png_base64 {
        None => None,
        Some(text) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| Error::invalid("logo", "The logo could not be read; choose a PNG file."))?;
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(Error::invalid("logo", "The logo must be a PNG image."));
            }
            if bytes.len() > LOGO_MAX_BYTES {
                return Err(Error::invalid("logo", "The logo must be at most 512 KB."));
            }
            Some(bytes)
        }
    };
    store
        .conn()
        .execute("UPDATE aar_settings SET logo = ?1 WHERE id = 1", [bytes])?;
    get_aar_settings(store.conn())
}

fn aar_id_of_case(conn: &Connection, case_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM aars WHERE case_id = ?1", [case_id], |r| r.get(0))
        .optional()?)
}

/// The case's report, if it has one.
pub fn get_aar(conn: &Connection, case_id: i64) -> Result<Option<Aar>> {
    aar_id_of_case(conn, case_id)?.map(|id| load_aar(conn, id)).transpose()
}

fn load_aar(conn: &Connection, id: i64) -> Result<Aar> {
    type Head = (i64, String, i64, i64, String, [Option<String>; 4]);
    let (case_id, status, revision, version, events, signs): Head = conn
        .query_row(
            "SELECT case_id, status, revision, version, timeline_event_ids,
                manager_signed_by, manager_signed_at, abrm_signed_by, abrm_signed_at FROM aars WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                ))
            },
        )
        .optional()?
        .ok_or(Error::NotFound { entity: "AAR", id })?;
    let sign = |by: &Option<String>, at: &Option<String>| -> Result<Option<SignOff>> {
        match (by, at) {
            (Some(by), Some(at)) => Ok(Some(SignOff {
                by: by.clone(),
                at: time_column(at.clone())?,
            })),
            _ => Ok(None),
        }
    };
    let case = find_case(conn, case_id)?;
    Ok(Aar {
        id,
        case_id,
        status: AarStatus::parse(&status).ok_or_else(|| Error::Internal(format!("unknown AAR status {status:?}")))?,
        revision,
        version,
        sections: load_sections(conn, id)?,
        improvements: load_improvements(conn, id)?,
        manager_signoff: sign(&signs[0], &signs[1])?,
        abrm_signoff: sign(&signs[2], &signs[3])?,
        timeline_event_ids: serde_json::from_str(&events).unwrap_or_default(),
        figures: key_figures(conn, &case)?,
        renders: load_renders(conn, id)?,
        distributions: load_distributions(conn, id)?,
    })
}

fn load_sections(conn: &Connection, aar_id: i64) -> Result<Vec<AarSection>> {
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        Option<i64>,
        i64,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT id, key, title, source, body, assignee_id, version, edited_by, edited_at
             FROM aar_sections WHERE aar_id = ?1 ORDER BY position",
        )?
        .query_map([aar_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(
            |(id, key, title, source, body, assignee, version, edited_by, edited_at)| {
                Ok(AarSection {
                    id,
                    key,
                    title,
                    source: SectionSource::parse(&source).unwrap_or(SectionSource::Text),
                    body,
                    version,
                    assignee: assignee.map(|p| person_ref(conn, p)).transpose()?,
                    edited_by,
                    edited_at: edited_at.map(time_column).transpose()?,
                    comments: load_comments(conn, id)?,
                })
            },
        )
        .collect()
}

fn load_comments(conn: &Connection, section_id: i64) -> Result<Vec<AarComment>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, author, body, created_at, resolved_at, resolved_by FROM aar_comments
             WHERE section_id = ?1 ORDER BY id",
        )?
        .query_map([section_id], |r| {
            Ok(AarComment {
                id: r.get(0)?,
                author: r.get(1)?,
                body: r.get(2)?,
                created_at: time_column(r.get(3)?)?,
                resolved_at: r.get::<_, Option<String>>(4)?.map(time_column).transpose()?,
                resolved_by: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn load_improvements(conn: &Connection, aar_id: i64) -> Result<Vec<Improvement>> {
    Ok(conn
        .prepare_cached(
            "SELECT action, owner, due_date, status, sent_to_problem_at FROM aar_improvements
             WHERE aar_id = ?1 ORDER BY position",
        )?
        .query_map([aar_id], |r| {
            let due: Option<String> = r.get(2)?;
            Ok(Improvement {
                action: r.get(0)?,
                owner: r.get(1)?,
                due_date: due.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                status: parse_stored(r.get(3)?, ImprovementStatus::parse, "improvement status")?,
                sent_to_problem_at: r.get::<_, Option<String>>(4)?.map(time_column).transpose()?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn load_renders(conn: &Connection, aar_id: i64) -> Result<Vec<AarRender>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, revision, status, pages, length(pdf), sha256, path, rendered_at, rendered_by, render_ms
             FROM aar_renders WHERE aar_id = ?1 ORDER BY id DESC",
        )?
        .query_map([aar_id], |r| {
            Ok(AarRender {
                id: r.get(0)?,
                revision: r.get(1)?,
                status: parse_stored(r.get(2)?, AarStatus::parse, "AAR status")?,
                pages: r.get(3)?,
                bytes: r.get(4)?,
                sha256: r.get(5)?,
                path: r.get(6)?,
                rendered_at: time_column(r.get(7)?)?,
                rendered_by: r.get(8)?,
                render_ms: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn load_distributions(conn: &Connection, aar_id: i64) -> Result<Vec<Distribution>> {
    Ok(conn
        .prepare_cached(
            "SELECT d.id, d.revision, d.recipient, d.outbox_id, o.status, d.queued_at, d.queued_by, o.sent_at
             FROM aar_distributions d JOIN outbox o ON o.id = d.outbox_id WHERE d.aar_id = ?1 ORDER BY d.id DESC",
        )?
        .query_map([aar_id], |r| {
            Ok(Distribution {
                id: r.get(0)?,
                revision: r.get(1)?,
                recipient: r.get(2)?,
                outbox_id: r.get(3)?,
                delivery: parse_stored(r.get(4)?, OutboxStatus::parse, "outbox status")?,
                queued_at: time_column(r.get(5)?)?,
                queued_by: r.get(6)?,
                sent_at: r.get::<_, Option<String>>(7)?.map(time_column).transpose()?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Time to escalate and to resolve, customer updates and recurrences, from the timeline.
fn key_figures(conn: &Connection, case: &Case) -> Result<KeyFigures> {
    let first_at = |sql: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let at: Option<String> = conn.query_row(sql, [case.id], |r| r.get(0)).optional()?.flatten();
        Ok(at.map(time_column).transpose()?)
    };
    let minutes = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| (t - case.opened_at).num_minutes().max(0));
    let escalated_at = first_at(
        "SELECT MIN(at) FROM timeline_events WHERE case_id = ?1 AND kind = 'level_changed'
           AND json_extract(new_value, '$.level') = 'escalated'",
    )?;
    let opened_escalated: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM timeline_events WHERE case_id = ?1 AND kind = 'case_opened'
           AND json_extract(new_value, '$.level') = 'escalated'",
        [case.id],
        |r| r.get(0),
    )?;
    let resolved_at = first_at(
        "SELECT MAX(at) FROM timeline_events WHERE case_id = ?1 AND kind = 'stage_changed'
           AND json_extract(new_value, '$.stage') = 'warranty'",
    )?;
    Ok(KeyFigures {
        minutes_to_escalate: if opened_escalated || case.level == Level::Escalated && escalated_at.is_none() {
            Some(0)
        } else {
            minutes(escalated_at)
        },
        minutes_to_resolve: minutes(resolved_at),
        customer_updates: conn.query_row(
            "SELECT COUNT(*) FROM customer_updates WHERE case_id = ?1",
            [case.id],
            |r| r.get(0),
        )?,
        recurrences: conn.query_row(
            "SELECT COUNT(*) FROM timeline_events WHERE case_id = ?1 AND kind = 'stage_changed'
               AND json_extract(new_value, '$.action') = 'recur'",
            [case.id],
            |r| r.get(0),
        )?,
    })
}

/// The Markdown a generated section starts with (or is refreshed to).
fn generated_body(conn: &Connection, case: &Case, source: SectionSource, event_ids: &[i64]) -> Result<String> {
    Ok(match source {
        SectionSource::Text => String::new(),
        SectionSource::Figures => figures_markdown(&key_figures(conn, case)?),
        SectionSource::Timeline => {
            let mut events: Vec<_> = list_events_in(conn, case.id)?
                .into_iter()
                .filter(|e| event_ids.contains(&e.0))
                .map(|(_, at, who, what)| (at, who, what))
                .collect();
            events.sort_by_key(|e| e.0);
            timeline_markdown(&events)
        }
        SectionSource::Team => {
            let team = super::team::get_team(conn, case)?;
            let rows: Vec<(String, String, String, bool)> = team
                .members
                .iter()
                .map(|m| {
                    (
                        m.person.name.clone(),
                        m.role.label().to_string(),
                        m.person.organization.clone(),
                        m.released_at.is_some(),
                    )
                })
                .collect();
            format!(
                "Escalation manager: {}\n\n{}",
                case.fields.escalation_manager,
                team_markdown(&rows)
            )
        }
        SectionSource::Plans => {
            let plans = super::plans::get_plans(conn, case.id)?;
            let team = super::team::get_team(conn, case)?;
            let owner = |id: Option<i64>| {
                id.and_then(|id| team.members.iter().find(|m| m.person.id == id))
                    .map(|m| m.person.name.clone())
                    .unwrap_or_default()
            };
            let outcome = |s: &ActionStatus| match s {
                ActionStatus::Open => "Open".to_string(),
                ActionStatus::InProgress => "In progress".to_string(),
                ActionStatus::Done => "Done".to_string(),
                ActionStatus::Dropped(why) => format!("Dropped: {why}"),
            };
            let rows = |p: &crate::plan::PlanView| {
                p.actions
                    .iter()
                    .map(|a| (a.description.clone(), owner(a.owner_id), outcome(&a.status)))
                    .collect::<Vec<_>>()
            };
            format!(
                "Outcomes of the action plans:\n\n{}",
                plans_markdown(&[
                    ("Escalation action plan", rows(&plans.escalation)),
                    ("Technical action plan", rows(&plans.technical)),
                ])
            )
        }
        SectionSource::ImprovementPlan => {
            "The corrective actions are listed in the table below (kept in the improvement plan).".into()
        }
    })
}

/// (id, when, who, what) of a timeline event.
type EventLine = (i64, chrono::DateTime<chrono::Utc>, String, String);

fn list_events_in(conn: &Connection, case_id: i64) -> Result<Vec<EventLine>> {
    Ok(conn
        .prepare_cached("SELECT id, at, actor, summary FROM timeline_events WHERE case_id = ?1 ORDER BY seq")?
        .query_map([case_id], |r| {
            Ok((r.get(0)?, time_column(r.get(1)?)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn event(
    tx: &Transaction<'_>,
    case_id: i64,
    who: &Identity,
    stamp: &Stamp,
    kind: EventKind,
    summary: String,
) -> Result<()> {
    insert_event(tx, case_id, who, stamp, NewEvent::new(kind, summary))
}

/// Creates the case's report from the template, with the generated sections already filled.
pub fn insert_aar(store: &mut Store, case_id: i64) -> Result<Aar> {
    let id = store.change(|tx, who, stamp| {
        let case = find_case(tx, case_id)?;
        if aar_id_of_case(tx, case_id)?.is_some() {
            return Err(Error::Refused("This case already has its After Action Report.".into()));
        }
        let kinds: Vec<String> = DEFAULT_EVENT_KINDS.iter().map(|k| k.to_string()).collect();
        let event_ids: Vec<i64> = tx
            .prepare("SELECT id, kind FROM timeline_events WHERE case_id = ?1 ORDER BY seq")?
            .query_map([case_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(id, _)| id)
            .collect();
        tx.execute(
            "INSERT INTO aars (case_id, status, timeline_event_ids, created_at, updated_at) VALUES (?1, 'draft', ?2, ?3, ?3)",
            params![case_id, serde_json::to_string(&event_ids).expect("ids serialize"), stamp.text],
        )?;
        let aar_id = tx.last_insert_rowid();
        let template: Vec<(i64, String, String, String)> = tx
            .prepare("SELECT position, key, title, source FROM aar_template_sections ORDER BY position")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (position, key, title, source) in template {
            let src = SectionSource::parse(&source).unwrap_or(SectionSource::Text);
            let body = generated_body(tx, &case, src, &event_ids)?;
            tx.execute(
                "INSERT INTO aar_sections (aar_id, position, key, title, source, body, edited_by, edited_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![aar_id, position, key, title, source, body, who.actor(), stamp.text],
            )?;
            tx.execute(
                "INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
                 VALUES (?1, 1, 1, ?2, ?3, ?4)",
                params![tx.last_insert_rowid(), body, who.actor(), stamp.text],
            )?;
        }
        event(
            tx,
            case_id,
            who,
            stamp,
            EventKind::AarCreated,
            "After Action Report started from the template".into(),
        )?;
        Ok(aar_id)
    })?;
    load_aar(store.conn(), id)
}

struct SectionHead {
    aar_id: i64,
    case_id: i64,
    title: String,
    source: SectionSource,
    version: i64,
    status: AarStatus,
    revision: i64,
}

fn section_head(conn: &Connection, section_id: i64) -> Result<SectionHead> {
    conn.query_row(
        "SELECT s.aar_id, a.case_id, s.title, s.source, s.version, a.status, a.revision
         FROM aar_sections s JOIN aars a ON a.id = s.aar_id WHERE s.id = ?1",
        [section_id],
        |r| {
            Ok(SectionHead {
                aar_id: r.get(0)?,
                case_id: r.get(1)?,
                title: r.get(2)?,
                source: parse_stored(r.get(3)?, SectionSource::parse, "section source")?,
                version: r.get(4)?,
                status: parse_stored(r.get(5)?, AarStatus::parse, "AAR status")?,
                revision: r.get(6)?,
            })
        },
    )
    .optional()?
    .ok_or(Error::NotFound {
        entity: "AAR section",
        id: section_id,
    })
}

fn refuse_if_locked(status: AarStatus) -> Result<()> {
    if status.locked() {
        return Err(Error::Refused(format!(
            "The report is {}: it is locked. Start a new revision to change it.",
            status.label().to_lowercase()
        )));
    }
    Ok(())
}

/// Writes a section's text, guarded by the version the author edited.
fn write_section(
    tx: &Transaction<'_>,
    who: &Identity,
    stamp: &Stamp,
    section_id: i64,
    expected_version: i64,
    body: &str,
    how: &str,
) -> Result<i64> {
    let head = section_head(tx, section_id)?;
    refuse_if_locked(head.status)?;
    let n = tx.execute(
        "UPDATE aar_sections SET body = ?3, version = version + 1, edited_by = ?4, edited_at = ?5
         WHERE id = ?1 AND version = ?2",
        params![section_id, expected_version, body, who.actor(), stamp.text],
    )?;
    if n == 0 {
        return Err(Error::Conflict {
            entity: "section",
            expected: expected_version,
            current: head.version,
        });
    }
    tx.execute(
        "INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            section_id,
            expected_version + 1,
            head.revision,
            body,
            who.actor(),
            stamp.text
        ],
    )?;
    if head.status == AarStatus::InReview {
        // A sign-off approves what the signer read: an edit after it needs a new one.
        tx.execute(
            "UPDATE aars SET manager_signed_by = NULL, manager_signed_at = NULL, abrm_signed_by = NULL,
               abrm_signed_at = NULL WHERE id = ?1",
            [head.aar_id],
        )?;
    }
    // The report's version moves with every text saved, so a sign-off or status step taken on a
    // stale view of the report is a conflict, never a signature on text the signer did not see.
    tx.execute(
        "UPDATE aars SET version = version + 1, updated_at = ?2 WHERE id = ?1",
        params![head.aar_id, stamp.text],
    )?;
    event(
        tx,
        head.case_id,
        who,
        stamp,
        EventKind::AarEdited,
        format!(
            "AAR section \"{}\" {how} (version {})",
            head.title,
            expected_version + 1
        ),
    )?;
    Ok(head.case_id)
}

pub fn update_aar_section(store: &mut Store, section_id: i64, expected_version: i64, body: &str) -> Result<Aar> {
    let body = body.trim_end().to_string();
    let case_id =
        store.change(|tx, who, stamp| write_section(tx, who, stamp, section_id, expected_version, &body, "edited"))?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}

/// Refreshes a generated section from the case (a save like any other, so it can conflict).
pub fn update_aar_section_from_case(store: &mut Store, section_id: i64, expected_version: i64) -> Result<Aar> {
    let case_id = store.change(|tx, who, stamp| {
        let head = section_head(tx, section_id)?;
        if head.source == SectionSource::Text {
            return Err(Error::Refused(format!("\"{}\" is written by hand only.", head.title)));
        }
        let case = find_case(tx, head.case_id)?;
        let ids: String = tx.query_row(
            "SELECT timeline_event_ids FROM aars WHERE id = ?1",
            [head.aar_id],
            |r| r.get(0),
        )?;
        let ids: Vec<i64> = serde_json::from_str(&ids).unwrap_or_default();
        let body = generated_body(tx, &case, head.source, &ids)?;
        write_section(
            tx,
            who,
            stamp,
            section_id,
            expected_version,
            &body,
            "filled from the case",
        )
    })?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}

/// Chooses which timeline events the timeline section lists (then refresh it).
pub fn update_aar_timeline_events(store: &mut Store, aar_id: i64, expected_version: i64, ids: &[i64]) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let aar = claim_aar(tx, aar_id, expected_version, stamp)?;
        refuse_if_locked(aar.0)?;
        let known: Vec<i64> = list_events_in(tx, aar.1)?.into_iter().map(|e| e.0).collect();
        if let Some(bad) = ids.iter().find(|i| !known.contains(i)) {
            return Err(Error::NotFound {
                entity: "Timeline event of this case",
                id: *bad,
            });
        }
        tx.execute(
            "UPDATE aars SET timeline_event_ids = ?2 WHERE id = ?1",
            params![aar_id, serde_json::to_string(ids).expect("ids serialize")],
        )?;
        event(
            tx,
            aar.1,
            who,
            stamp,
            EventKind::AarEdited,
            format!("AAR timeline: {} events chosen", ids.len()),
        )
    })?;
    load_aar(store.conn(), aar_id)
}

/// Claims the report's version (a stale one is a conflict); returns (status, case id).
fn claim_aar(tx: &Transaction<'_>, aar_id: i64, expected: i64, stamp: &Stamp) -> Result<(AarStatus, i64)> {
    let (status, case_id, current): (String, i64, i64) = tx
        .query_row(
            "SELECT status, case_id, version FROM aars WHERE id = ?1",
            [aar_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(Error::NotFound {
            entity: "AAR",
            id: aar_id,
        })?;
    if current != expected {
        return Err(Error::Conflict {
            entity: "report",
            expected,
            current,
        });
    }
    tx.execute(
        "UPDATE aars SET version = version + 1, updated_at = ?2 WHERE id = ?1",
        params![aar_id, stamp.text],
    )?;
    Ok((
        AarStatus::parse(&status).ok_or_else(|| Error::Internal(format!("unknown AAR status {status:?}")))?,
        case_id,
    ))
}

/// Assigns a section to a member of the case's team (or to nobody).
pub fn update_aar_section_assignee(store: &mut Store, section_id: i64, person_id: Option<i64>) -> Result<Aar> {
    let case_id = store.change(|tx, who, stamp| {
        let head = section_head(tx, section_id)?;
        let name = match person_id {
            Some(p) => {
                let on_team: bool = tx.query_row(
                    "SELECT COUNT(*) > 0 FROM team_members WHERE case_id = ?1 AND person_id = ?2 AND released_at IS NULL",
                    params![head.case_id, p],
                    |r| r.get(0),
                )?;
                if !on_team {
                    return Err(Error::invalid("assignee", "Assign the section to someone on the case's team."));
                }
                person_ref(tx, p)?.name
            }
            None => "nobody".into(),
        };
        tx.execute(
            "UPDATE aar_sections SET assignee_id = ?2 WHERE id = ?1",
            params![section_id, person_id],
        )?;
        event(
            tx,
            head.case_id,
            who,
            stamp,
            EventKind::AarEdited,
            format!("AAR section \"{}\" assigned to {name}", head.title),
        )?;
        Ok(head.case_id)
    })?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}

pub fn insert_aar_comment(store: &mut Store, section_id: i64, body: &str) -> Result<Aar> {
    let body = body.trim().to_string();
    if body.is_empty() {
        return Err(Error::invalid("comment", "Write the comment first."));
    }
    let case_id = store.change(|tx, who, stamp| {
        let head = section_head(tx, section_id)?;
        tx.execute(
            "INSERT INTO aar_comments (section_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![section_id, who.actor(), body, stamp.text],
        )?;
        event(
            tx,
            head.case_id,
            who,
            stamp,
            EventKind::AarCommented,
            format!("Comment on AAR section \"{}\": {body}", head.title),
        )?;
        Ok(head.case_id)
    })?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}

pub fn update_aar_comment_resolved(store: &mut Store, comment_id: i64) -> Result<Aar> {
    let case_id = store.change(|tx, who, stamp| {
        let section_id: i64 = tx
            .query_row("SELECT section_id FROM aar_comments WHERE id = ?1", [comment_id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(Error::NotFound {
                entity: "Comment",
                id: comment_id,
            })?;
        let head = section_head(tx, section_id)?;
        let n = tx.execute(
            "UPDATE aar_comments SET resolved_at = ?2, resolved_by = ?3 WHERE id = ?1 AND resolved_at IS NULL",
            params![comment_id, stamp.text, who.actor()],
        )?;
        if n == 0 {
            return Err(Error::Refused("This comment is already resolved.".into()));
        }
        event(
            tx,
            head.case_id,
            who,
            stamp,
            EventKind::AarCommented,
            format!("Comment on AAR section \"{}\" resolved", head.title),
        )?;
        Ok(head.case_id)
    })?;
    Ok(get_aar(store.conn(), case_id)?.expect("the section's report exists"))
}

/// Replaces the improvement plan (rows already handed to the problem case keep that mark).
pub fn update_aar_improvements(
    store: &mut Store,
    aar_id: i64,
    expected_version: i64,
    items: &[Improvement],
) -> Result<Aar> {
    let items = validate_improvements(items)?;
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        refuse_if_locked(status)?;
        if status == AarStatus::InReview {
            // The plan is printed in the report: a change voids the sign-offs given so far.
            clear_signoffs(tx, aar_id)?;
        }
        tx.execute("DELETE FROM aar_improvements WHERE aar_id = ?1", [aar_id])?;
        for (i, it) in items.iter().enumerate() {
            tx.execute(
                "INSERT INTO aar_improvements (aar_id, position, action, owner, due_date, status, sent_to_problem_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    aar_id,
                    i as i64,
                    it.action,
                    it.owner,
                    it.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
                    it.status.as_str(),
                    it.sent_to_problem_at.map(format_time)
                ],
            )?;
        }
        event(
            tx,
            case_id,
            who,
            stamp,
            EventKind::AarEdited,
            format!("AAR improvement plan saved ({} corrective actions)", items.len()),
        )
    })?;
    load_aar(store.conn(), aar_id)
}

/// Hands the corrective actions not yet sent to the case's problem case.
pub fn insert_problem_actions(store: &mut Store, aar_id: i64, expected_version: i64) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let (_, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        let case = find_case(tx, case_id)?;
        let Some(problem_id) = case.problem_id else {
            return Err(Error::Refused(
                "The case has no problem case yet: create or relate one first.".into(),
            ));
        };
        let problem: String = tx.query_row("SELECT ticket FROM problems WHERE id = ?1", [problem_id], |r| r.get(0))?;
        let items = load_improvements(tx, aar_id)?;
        let unsent: Vec<(usize, &Improvement)> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.sent_to_problem_at.is_none())
            .collect();
        if unsent.is_empty() {
            return Err(Error::Refused(
                "Every corrective action has already been sent to the problem case.".into(),
            ));
        }
        for (pos, it) in &unsent {
            tx.execute(
                "INSERT INTO problem_actions (problem_id, case_id, action, owner, due_date, status, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    problem_id,
                    case_id,
                    it.action,
                    it.owner,
                    it.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
                    it.status.as_str(),
                    stamp.text
                ],
            )?;
            tx.execute(
                "UPDATE aar_improvements SET sent_to_problem_at = ?3 WHERE aar_id = ?1 AND position = ?2",
                params![aar_id, *pos as i64, stamp.text],
            )?;
        }
        event(
            tx,
            case_id,
            who,
            stamp,
            EventKind::AarEdited,
            format!("{} corrective actions sent to problem {problem}", unsent.len()),
        )
    })?;
    load_aar(store.conn(), aar_id)
}

/// What a status change asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "type", content = "role")]
pub enum AarStep {
    /// Draft -> in review: every section has text.
    SubmitForReview,
    /// In review -> draft.
    ReturnToDraft,
    /// Signs off as one of the two approvers; both -> approved.
    SignOff(SignOffRole),
    /// Approved or distributed -> a new draft revision.
    StartNewRevision,
}

pub fn update_aar_status(store: &mut Store, aar_id: i64, expected_version: i64, step: AarStep) -> Result<Aar> {
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        let summary = match (step, status) {
            (AarStep::SubmitForReview, AarStatus::Draft) => {
                let empty: Vec<String> = load_sections(tx, aar_id)?
                    .into_iter()
                    .filter(|s| s.body.trim().is_empty() && s.source != SectionSource::ImprovementPlan)
                    .map(|s| s.title)
                    .collect();
                if !empty.is_empty() {
                    return Err(Error::Refused(format!(
                        "Write every section before review; still empty: {}.",
                        empty.join(", ")
                    )));
                }
                set_status(tx, aar_id, AarStatus::InReview)?;
                "AAR submitted for review".to_string()
            }
            (AarStep::ReturnToDraft, AarStatus::InReview) => {
                set_status(tx, aar_id, AarStatus::Draft)?;
                clear_signoffs(tx, aar_id)?;
                "AAR returned to draft".to_string()
            }
            (AarStep::SignOff(role), AarStatus::InReview) => {
                let case = find_case(tx, case_id)?;
                let abrms: Vec<String> = tx
                    .prepare(
                        "SELECT p.email FROM team_members t JOIN people p ON p.id = t.person_id
                         WHERE t.case_id = ?1 AND t.role = ?2 AND t.released_at IS NULL",
                    )?
                    .query_map(params![case_id, TeamRole::Abrm.as_str()], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                may_sign(role, &who.name, &who.email, &case.fields.escalation_manager, &abrms)?;
                let (by, at, other) = match role {
                    SignOffRole::EscalationManager => ("manager_signed_by", "manager_signed_at", "abrm_signed_by"),
                    SignOffRole::Abrm => ("abrm_signed_by", "abrm_signed_at", "manager_signed_by"),
                };
                let other_signer: Option<String> =
                    tx.query_row(&format!("SELECT {other} FROM aars WHERE id = ?1"), [aar_id], |r| r.get(0))?;
                if other_signer.as_deref() == Some(who.actor().as_str()) {
                    // Two sign-offs mean two people read it, even when one person holds both roles.
                    return Err(Error::Refused(
                        "You have already signed this report in the other role; the second sign-off must come from someone else."
                            .into(),
                    ));
                }
                tx.execute(
                    &format!("UPDATE aars SET {by} = ?2, {at} = ?3 WHERE id = ?1"),
                    params![aar_id, who.actor(), stamp.text],
                )?;
                let both: bool = tx.query_row(
                    "SELECT manager_signed_at IS NOT NULL AND abrm_signed_at IS NOT NULL FROM aars WHERE id = ?1",
                    [aar_id],
                    |r| r.get(0),
                )?;
                let role_name = match role {
                    SignOffRole::EscalationManager => "escalation manager",
                    SignOffRole::Abrm => "ABRM",
                };
                if both {
                    set_status(tx, aar_id, AarStatus::Approved)?;
                    format!("AAR signed off by the {role_name}: approved and locked")
                } else {
                    format!("AAR signed off by the {role_name}")
                }
            }
            (AarStep::StartNewRevision, AarStatus::Approved | AarStatus::Distributed) => {
                tx.execute(
                    "UPDATE aars SET status = 'draft', revision = revision + 1 WHERE id = ?1",
                    [aar_id],
                )?;
                clear_signoffs(tx, aar_id)?;
                "AAR reopened as a new revision".to_string()
            }
            (step, status) => {
                return Err(Error::Refused(format!(
                    "That is not possible while the report is {} ({step:?}).",
                    status.label().to_lowercase()
                )))
            }
        };
        event(tx, case_id, who, stamp, EventKind::AarStatusChanged, summary)
    })?;
    load_aar(store.conn(), aar_id)
}

fn set_status(tx: &Transaction<'_>, aar_id: i64, status: AarStatus) -> Result<()> {
    tx.execute(
        "UPDATE aars SET status = ?2 WHERE id = ?1",
        params![aar_id, status.as_str()],
    )?;
    Ok(())
}

fn clear_signoffs(tx: &Transaction<'_>, aar_id: i64) -> Result<()> {
    tx.execute(
        "UPDATE aars SET manager_signed_by = NULL, manager_signed_at = NULL, abrm_signed_by = NULL,
           abrm_signed_at = NULL WHERE id = ?1",
        [aar_id],
    )?;
    Ok(())
}

/// Each section's text at the end of a revision (the last version saved in it or before).
fn sections_at(conn: &Connection, aar_id: i64, revision: i64) -> Result<Vec<(String, String, String)>> {
    Ok(conn
        .prepare(
            "SELECT s.key, s.title, COALESCE((SELECT v.body FROM aar_section_versions v
                 WHERE v.section_id = s.id AND v.revision <= ?2 ORDER BY v.version DESC LIMIT 1), '')
             FROM aar_sections s WHERE s.aar_id = ?1 ORDER BY s.position",
        )?
        .query_map(params![aar_id, revision], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The differences between two revisions of the report, section by section.
pub fn diff_aar_revisions(store: &Store, aar_id: i64, from: i64, to: i64) -> Result<Vec<SectionDiff>> {
    let current: i64 = store
        .conn()
        .query_row("SELECT revision FROM aars WHERE id = ?1", [aar_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "AAR",
            id: aar_id,
        })?;
    for r in [from, to] {
        if r < 1 || r > current {
            return Err(Error::invalid(
                "revision",
                format!("Choose revisions between 1 and {current}."),
            ));
        }
    }
    let a = sections_at(store.conn(), aar_id, from)?;
    let b = sections_at(store.conn(), aar_id, to)?;
    Ok(a.into_iter()
        .zip(b)
        .map(|((key, title, old), (_, _, new))| SectionDiff {
            changed: old != new,
            lines: diff_lines(&old, &new),
            key,
            title,
        })
        .collect())
}

/// The saved texts of one section, newest first: (version, revision, editor, when, text).
pub fn list_section_versions(store: &Store, section_id: i64) -> Result<Vec<crate::aar::SectionVersion>> {
    Ok(store
        .conn()
        .prepare(
            "SELECT version, revision, edited_by, edited_at, body FROM aar_section_versions
             WHERE section_id = ?1 ORDER BY version DESC",
        )?
        .query_map([section_id], |r| {
            Ok(crate::aar::SectionVersion {
                version: r.get(0)?,
                revision: r.get(1)?,
                edited_by: r.get(2)?,
                edited_at: time_column(r.get(3)?)?,
                body: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Everything the PDF needs, read in one go so the rendering itself can run without the store.
pub fn pdf_document(store: &Store, case_id: i64) -> Result<(i64, i64, AarStatus, PdfDocument)> {
    let conn = store.conn();
    let aar = get_aar(conn, case_id)?.ok_or(Error::Refused("This case has no After Action Report yet.".into()))?;
    let case = get_case(store, case_id)?;
    let settings = get_aar_settings(conn)?;
    // Everyone who saved any text of the report, not only each section's last editor.
    let mut authors: Vec<String> = vec![case.fields.escalation_manager.clone()];
    let editors: Vec<String> = conn
        .prepare(
            "SELECT v.edited_by FROM aar_section_versions v JOIN aar_sections s ON s.id = v.section_id
             WHERE s.aar_id = ?1 GROUP BY v.edited_by ORDER BY MIN(v.edited_at)",
        )?
        .query_map([aar.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for e in editors {
        let name = e.split(" <").next().unwrap_or(&e).to_string();
        if !authors.contains(&name) {
            authors.push(name);
        }
    }
    let mut dates = vec![("Opened".to_string(), local_time(case.opened_at))];
    if let Some(m) = aar.figures.minutes_to_resolve {
        dates.push((
            "Resolved".into(),
            local_time(case.opened_at + chrono::Duration::minutes(m)),
        ));
    }
    if let (true, Some(m), Some(a)) = (aar.status.locked(), &aar.manager_signoff, &aar.abrm_signoff) {
        // Approved when the second of the two signed.
        dates.push(("Approved".into(), local_time(m.at.max(a.at))));
    }
    let sections = aar
        .sections
        .iter()
        .map(|s| PdfSection {
            heading: s.title.clone(),
            markdown: if s.source == SectionSource::ImprovementPlan {
                format!("{}\n\n{}", s.body, improvements_markdown(&aar.improvements))
            } else {
                s.body.clone()
            },
        })
        .collect();
    let doc = PdfDocument {
        organization: settings.organization,
        logo_png: conn.query_row("SELECT logo FROM aar_settings WHERE id = 1", [], |r| r.get(0))?,
        title: "After Action Report".into(),
        subtitle: case.fields.title.clone(),
        // Our own escalation number, distinct from the ITSM ticket printed beside it.
        case_number: format!("ESC-{:05}", case.id),
        ticket: case.fields.ticket.clone(),
        agency: case.fields.agency.clone(),
        dates,
        authors,
        status: aar.status.label().into(),
        revision: aar.revision as u32,
        marking: settings.marking,
        watermark: (!aar.status.locked()).then(|| "DRAFT".to_string()),
        paper: if settings.paper == "a4" {
            Paper::A4
        } else {
            Paper::Letter
        },
        sections,
    };
    Ok((aar.id, aar.revision, aar.status, doc))
}

/// Pages in a PDF: its page objects ("/Type /Page", not "/Pages").
pub fn count_pages(pdf: &[u8]) -> i64 {
    let mut n = 0;
    for pat in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        let mut i = 0;
        while let Some(p) = pdf[i..].windows(pat.len()).position(|w| w == pat) {
            let end = i + p + pat.len();
            if pdf.get(end) != Some(&b's') {
                n += 1;
            }
            i = end;
        }
    }
    n
}

/// Where rendered reports are written: next to the database, in `reports/`.
fn reports_dir(store: &Store) -> PathBuf {
    store
        .path()
        .parent()
        .map(|p| p.join("reports"))
        .unwrap_or_else(|| PathBuf::from("reports"))
}

/// Keeps a rendering (the bytes in the database, a copy on disk for the system viewer).
pub fn insert_aar_render(
    store: &mut Store,
    aar_id: i64,
    revision: i64,
    status: AarStatus,
    pdf: &[u8],
    render_ms: i64,
) -> Result<AarRender> {
    let ticket: String = store.conn().query_row(
        "SELECT c.ticket FROM aars a JOIN cases c ON c.id = a.case_id WHERE a.id = ?1",
        [aar_id],
        |r| r.get(0),
    )?;
    let sha: String = Sha256::digest(pdf).iter().map(|b| format!("{b:02x}")).collect();
    let dir = reports_dir(store);
    std::fs::create_dir_all(&dir)?;
    let safe: String = ticket
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let path = dir.join(format!("AAR-{safe}-rev{revision}-{}.pdf", status.as_str()));
    std::fs::write(&path, pdf)?;
    let path = path.to_string_lossy().to_string();
    let pages = count_pages(pdf);
    store.change(|tx, who, stamp| {
        tx.execute(
            "INSERT INTO aar_renders (aar_id, revision, status, pages, sha256, pdf, path, rendered_at, rendered_by, render_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![aar_id, revision, status.as_str(), pages, sha, pdf, path, stamp.text, who.actor(), render_ms],
        )?;
        Ok(())
    })?;
    Ok(load_renders(store.conn(), aar_id)?.remove(0))
}

/// The rendered PDF's bytes.
pub fn get_render_pdf(store: &Store, render_id: i64) -> Result<Vec<u8>> {
    store
        .conn()
        .query_row("SELECT pdf FROM aar_renders WHERE id = ?1", [render_id], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Rendered report",
            id: render_id,
        })
}

/// Who the report goes to, from the directory: executive management, the agency's business
/// segment director, the ABRM, the service manager and owner, and the service desk supervisors.
pub fn list_distribution_suggestions(store: &Store, case_id: i64) -> Result<Vec<DistributionSuggestion>> {
    let conn = store.conn();
    let case = find_case(conn, case_id)?;
    let mut out: Vec<DistributionSuggestion> = Vec::new();
    let mut add = |name: String, email: String, reason: String| {
        if let Some(s) = out.iter_mut().find(|s| s.email.eq_ignore_ascii_case(&email)) {
            if !s.reason.contains(&reason) {
                s.reason = format!("{}; {reason}", s.reason);
            }
        } else {
            out.push(DistributionSuggestion { name, email, reason });
        }
    };
    let with_role = |role: OrgRole| -> Result<Vec<(String, String, String)>> {
        Ok(conn
            .prepare_cached(
                "SELECT p.name, p.email, p.department FROM people p JOIN person_roles r ON r.person_id = p.id
                 WHERE r.role = ?1 AND p.retired_at IS NULL ORDER BY p.name",
            )?
            .query_map([role.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?)
    };
    for (n, e, _) in with_role(OrgRole::ExecutiveManagement)? {
        add(n, e, "Executive management".into());
    }
    let agency = super::agencies::find_agency_by_name(conn, &case.fields.agency)?;
    let segment = agency
        .as_ref()
        .map(|a| a.fields.business_segment.clone())
        .unwrap_or_default();
    let directors = with_role(OrgRole::BusinessSegmentDirector)?;
    let of_segment: Vec<_> = directors
        .iter()
        .filter(|(_, _, dept)| !segment.is_empty() && dept.eq_ignore_ascii_case(&segment))
        .cloned()
        .collect();
    for (n, e, _) in if of_segment.is_empty() { directors } else { of_segment } {
        add(n, e, format!("Business segment director {segment}").trim().to_string());
    }
    let team = super::team::get_team(conn, &case)?;
    for m in team
        .members
        .iter()
        .filter(|m| m.role == TeamRole::Abrm && m.released_at.is_none())
    {
        add(m.person.name.clone(), m.person.email.clone(), "ABRM".into());
    }
    if let Some(abrm) = agency.as_ref().and_then(|a| a.abrm.clone()) {
        add(abrm.name, abrm.email, "ABRM".into());
    }
    let service: Option<(Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT owner_id, manager_id FROM services WHERE name = ?1 COLLATE NOCASE AND retired_at IS NULL",
            [case.fields.affected_service.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((owner, manager)) = service {
        if let Some(p) = manager.map(|p| person_ref(conn, p)).transpose()? {
            add(p.name, p.email, "Service manager".into());
        }
        if let Some(p) = owner.map(|p| person_ref(conn, p)).transpose()? {
            add(p.name, p.email, "Owner of the affected service".into());
        }
    }
    for (n, e, _) in with_role(OrgRole::ServiceDeskSupervisor)? {
        add(n, e, "Service desk supervisor".into());
    }
    Ok(out)
}

/// Queues the approved report's PDF to each recipient (or one message to all, by setting) and logs it.
pub fn insert_distribution(
    store: &mut Store,
    aar_id: i64,
    expected_version: i64,
    recipients: &[String],
) -> Result<Aar> {
    let mut to: Vec<String> = Vec::new();
    for r in recipients.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if let Some(p) = crate::identity::email_problem(r) {
            return Err(Error::invalid(
                "recipients",
                format!("{r}: {}", p.replace("your email", "an email")),
            ));
        }
        if !to.iter().any(|x| x.eq_ignore_ascii_case(r)) {
            to.push(r.to_string());
        }
    }
    if to.is_empty() {
        return Err(Error::invalid("recipients", "Choose at least one recipient."));
    }
    let settings = get_aar_settings(store.conn())?;
    store.change(|tx, who, stamp| {
        let (status, case_id) = claim_aar(tx, aar_id, expected_version, stamp)?;
        if !status.locked() {
            return Err(Error::Refused(
                "Only an approved report is distributed: both the escalation manager and the ABRM sign it off first."
                    .into(),
            ));
        }
        let revision: i64 = tx.query_row("SELECT revision FROM aars WHERE id = ?1", [aar_id], |r| r.get(0))?;
        let render: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT id, pdf FROM aar_renders WHERE aar_id = ?1 AND revision = ?2 AND status IN ('approved', 'distributed')
                 ORDER BY id DESC LIMIT 1",
                params![aar_id, revision],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((render_id, pdf)) = render else {
            return Err(Error::Refused("Render the approved report before distributing it.".into()));
        };
        let case = find_case(tx, case_id)?;
        let batches: Vec<Vec<String>> = if settings.one_message_per_recipient {
            to.iter().map(|r| vec![r.clone()]).collect()
        } else {
            vec![to.clone()]
        };
        let filename = format!("AAR-{}-rev{revision}.pdf", case.fields.ticket);
        for batch in batches {
            let draft = aar_message(&case, revision, &who.name, batch.clone(), &filename, &pdf);
            let outbox_id = insert_message_in(tx, Some(case_id), "aar", &draft)?;
            for r in &batch {
                tx.execute(
                    "INSERT INTO aar_distributions (aar_id, revision, render_id, recipient, outbox_id, queued_at, queued_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![aar_id, revision, render_id, r, outbox_id, stamp.text, who.actor()],
                )?;
            }
        }
        set_status(tx, aar_id, AarStatus::Distributed)?;
        insert_event(
            tx,
            case_id,
            who,
            stamp,
            NewEvent::new(
                EventKind::AarDistributed,
                format!("AAR revision {revision} distributed to {}", to.join(", ")),
            )
            .values(serde_json::Value::Null, json!({ "revision": revision, "recipients": to })),
        )
    })?;
    load_aar(store.conn(), aar_id)
}

fn aar_message(case: &Case, revision: i64, author: &str, to: Vec<String>, filename: &str, pdf: &[u8]) -> Draft {
    let subject = format!(
        "[{}] After Action Report (revision {revision}): {}",
        case.fields.ticket, case.fields.title
    );
    let intro = format!(
        "The After Action Report for {} ({}), revision {revision}, is attached as {filename}. Sent by {author}.",
        case.fields.ticket, case.fields.agency
    );
    Draft {
        recipients: to,
        text: format!("{intro}\n\n-- \nSent by Escalation Desk.\n"),
        html: format!(
            "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p><p style=\"color:#485567;font-size:12px\">Sent by Escalation Desk.</p></body></html>",
            html_escape(&intro)
        ),
        subject,
        attachments: vec![Attachment {
            filename: filename.into(),
            content_type: "application/pdf".into(),
            bytes: pdf.to_vec(),
        }],
    }
}

/// Whether the case's report has been distributed (the closing guard).
pub(crate) fn is_distributed(conn: &Connection, case_id: i64) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT status = 'distributed' FROM aars WHERE case_id = ?1",
            [case_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}

/// The events a report's timeline section can list, oldest first (the picker).
pub fn list_aar_event_choices(store: &Store, case_id: i64) -> Result<Vec<crate::timeline::TimelineEvent>> {
    let mut events = list_events(store, case_id)?;
    events.reverse();
    Ok(events)
}

/// Whether a file path is one of the reports this app rendered (the only files it will open).
pub fn is_rendered_report(store: &Store, path: &str) -> Result<bool> {
    Ok(store
        .conn()
        .query_row("SELECT COUNT(*) > 0 FROM aar_renders WHERE path = ?1", [path], |r| {
            r.get(0)
        })?)
}
