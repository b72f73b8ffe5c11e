//! After Action Reports in the store, one file per step of the report's life:
//! - `sections`: the section texts: saves with conflict detection, refreshes from the case, the
//!   timeline events chosen, assignment, and the saved versions and revision differences;
//! - `comments`: comments on sections and their resolution;
//! - `improvements`: the improvement plan and its hand-over to the problem case;
//! - `signoff`: the status steps (review, sign-off, new revision), by the pure rules of
//!   `crate::aar::signoff`;
//! - `renders`: the PDF's document, the rendered PDFs and the folder they are kept in;
//! - `distribution`: who the report goes to, the messages queued and the distribution log.
//!
//! This file holds the settings, the creation of a report from the template, the loading of the
//! [`Aar`] read model (each step file reads its own table), and the helpers the steps share.
//!
//! Invariants (see also `crate::aar`):
//! - A section save runs `UPDATE ... WHERE version = expected`; nothing else ever changes a
//!   section's text, and every saved text is also appended to `aar_section_versions`.
//! - The report's own `version` guards status changes and the improvement plan the same way
//!   (`claim_aar`).
//! - Every change is one transaction with its timeline event on the case.
//! - Callers use the paths `store::aar::...`: the step files are private and re-exported here.

mod comments;
mod distribution;
mod improvements;
mod renders;
mod sections;
mod signoff;
mod signoff_code;

use crate::store::db::{Db, Optional};
use rusqlite::params;

use distribution::load_distributions;
use improvements::load_improvements;
use renders::load_renders;
use sections::{generated_body, load_sections};

use super::cases::find_case;
use super::timeline::insert_event;
use super::{time_column, Stamp, Store};
use crate::aar::{Aar, AarSettings, AarStatus, KeyFigures, SectionSource, SignOff, SignOffRole};
use crate::case::{Case, Level};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::timeline::{EventKind, NewEvent};

pub use crate::aar::AarStep;
pub use comments::{insert_aar_comment, update_aar_comment_resolved};
pub use distribution::{insert_distribution, list_distribution_suggestions};
pub use improvements::{insert_problem_actions, update_aar_improvements};
pub use renders::{count_pages, get_render_pdf, insert_aar_render, is_rendered_report, pdf_document};
pub use sections::{
    diff_aar_revisions, list_aar_event_choices, list_section_versions, update_aar_section, update_aar_section_assignee,
    update_aar_section_from_case, update_aar_timeline_events,
};
pub use signoff::update_aar_status;
pub use signoff_code::{confirm_signoff, request_signoff_code, SignOffCodeSent};

pub fn get_aar_settings(conn: &Db) -> Result<AarSettings> {
    conn.prepare_cached(
        "SELECT organization, marking, paper, one_message_per_recipient,
            CASE WHEN logo IS NOT NULL THEN 1 ELSE 0 END FROM aar_settings WHERE id = 1",
    )?
    .query_row([], |r| {
        Ok(AarSettings {
            organization: r.get(0)?,
            marking: r.get(1)?,
            paper: r.get(2)?,
            one_message_per_recipient: r.get(3)?,
            has_logo: r.get(4)?,
        })
    })
}

pub fn update_aar_settings(store: &mut Store, settings: &AarSettings) -> Result<AarSettings> {
    let s = settings.validate()?;
    store.conn().prepare_cached("UPDATE aar_settings SET organization = ?1, marking = ?2, paper = ?3, one_message_per_recipient = ?4 WHERE id = 1")?.execute(params![s.organization, s.marking, s.paper, s.one_message_per_recipient],
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
        .prepare_cached("UPDATE aar_settings SET logo = ?1 WHERE id = 1")?
        .execute([bytes])?;
    get_aar_settings(store.conn())
}

fn aar_id_of_case(conn: &Db, case_id: i64) -> Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM aars WHERE case_id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()
}

/// The case's report, if it has one.
pub fn get_aar(conn: &Db, case_id: i64) -> Result<Option<Aar>> {
    aar_id_of_case(conn, case_id)?.map(|id| load_aar(conn, id)).transpose()
}

fn load_aar(conn: &Db, id: i64) -> Result<Aar> {
    type Head = (i64, String, i64, i64, String, [Option<String>; 6]);
    let (case_id, status, revision, version, events, signs): Head = conn
        .query_row(
            "SELECT case_id, status, revision, version, timeline_event_ids,
                manager_signed_by, manager_signed_at, abrm_signed_by, abrm_signed_at,
                manager_confirmation, abrm_confirmation FROM aars WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
                ))
            },
        )
        .optional()?
        .ok_or(Error::NotFound { entity: "AAR", id })?;
    let sign = |role, by: &Option<String>, at: &Option<String>, how: &Option<String>| -> Result<Option<SignOff>> {
        match (by, at) {
            (Some(by), Some(at)) => Ok(Some(SignOff {
                by: by.clone(),
                at: time_column(at.clone())?,
                confirmation: how.clone(),
                address_changes: signoff_code::address_changes_before(conn, id, role, at)?,
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
        manager_signoff: sign(SignOffRole::EscalationManager, &signs[0], &signs[1], &signs[4])?,
        abrm_signoff: sign(SignOffRole::Abrm, &signs[2], &signs[3], &signs[5])?,
        pending_codes: signoff_code::pending_codes(conn, id)?,
        timeline_event_ids: serde_json::from_str(&events).unwrap_or_default(),
        figures: key_figures(conn, &case)?,
        renders: load_renders(conn, id)?,
        distributions: load_distributions(conn, id)?,
    })
}

/// Time to escalate and to resolve, customer updates and recurrences, from the timeline.
fn key_figures(conn: &Db, case: &Case) -> Result<KeyFigures> {
    let json = |key| conn.dialect().json_text("new_value", key);
    // One read for the five figures: the report is read on every open of a case and after every
    // save of a section, and five round trips to a team desk's server were a fifth of its reads.
    let sql = format!(
        "SELECT
           (SELECT MIN(at) FROM timeline_events WHERE case_id = ?1 AND kind = 'level_changed' AND {level} = 'escalated'),
           CASE WHEN EXISTS (SELECT 1 FROM timeline_events WHERE case_id = ?1 AND kind = 'case_opened' AND {level} = 'escalated')
                THEN 1 ELSE 0 END,
           (SELECT MAX(at) FROM timeline_events WHERE case_id = ?1 AND kind = 'stage_changed' AND {stage} = 'warranty'),
           (SELECT COUNT(*) FROM customer_updates WHERE case_id = ?1),
           (SELECT COUNT(*) FROM timeline_events WHERE case_id = ?1 AND kind = 'stage_changed' AND {action} = 'recur')",
        level = json("level"),
        stage = json("stage"),
        action = json("action"),
    );
    type Row = (Option<String>, i64, Option<String>, i64, i64);
    let (escalated_at, opened_escalated, resolved_at, customer_updates, recurrences): Row =
        conn.prepare_cached(&sql)?.query_row([case.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let escalated_at = escalated_at.map(time_column).transpose()?;
    let resolved_at = resolved_at.map(time_column).transpose()?;
    let minutes = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| (t - case.opened_at).num_minutes().max(0));
    Ok(KeyFigures {
        minutes_to_escalate: if opened_escalated == 1 || case.level == Level::Escalated && escalated_at.is_none() {
            Some(0)
        } else {
            minutes(escalated_at)
        },
        minutes_to_resolve: minutes(resolved_at),
        customer_updates,
        recurrences,
    })
}

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

/// Creates the case's report from the template, with the generated sections already filled.
pub fn insert_aar(store: &mut Store, case_id: i64) -> Result<Aar> {
    let id = store.change(|tx, who, stamp| {
        let case = find_case(tx, case_id)?;
        if aar_id_of_case(tx, case_id)?.is_some() {
            return Err(Error::Refused("This case already has its After Action Report.".into()));
        }
        let kinds: Vec<String> = DEFAULT_EVENT_KINDS.iter().map(|k| k.to_string()).collect();
        let event_ids: Vec<i64> = tx
            .prepare_cached("SELECT id, kind FROM timeline_events WHERE case_id = ?1 ORDER BY seq")?
            .query_map([case_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(id, _)| id)
            .collect();
        let aar_id: i64 = tx.query_row(
            "INSERT INTO aars (case_id, status, timeline_event_ids, created_at, updated_at)
             VALUES (?1, 'draft', ?2, ?3, ?3) RETURNING id",
            params![
                case_id,
                serde_json::to_string(&event_ids).expect("ids serialize"),
                stamp.text
            ],
            |r| r.get(0),
        )?;
        let template: Vec<(i64, String, String, String)> = tx
            .prepare_cached("SELECT position, key, title, source FROM aar_template_sections ORDER BY position")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_>>()?;
        for (position, key, title, source) in template {
            let src = SectionSource::parse(&source).unwrap_or(SectionSource::Text);
            let body = generated_body(tx, &case, src, &event_ids)?;
            let section_id: i64 = tx.query_row(
                "INSERT INTO aar_sections (aar_id, position, key, title, source, body, edited_by, edited_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![aar_id, position, key, title, source, body, who.actor(), stamp.text],
                |r| r.get(0),
            )?;
            tx.prepare_cached(
                "INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
                 VALUES (?1, 1, 1, ?2, ?3, ?4)",
            )?
            .execute(params![section_id, body, who.actor(), stamp.text])?;
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

fn event(tx: &Db, case_id: i64, who: &Identity, stamp: &Stamp, kind: EventKind, summary: String) -> Result<()> {
    insert_event(tx, case_id, who, stamp, NewEvent::new(kind, summary))
}

/// The report's status and case, checking the caller read its current version (a stale one is a
/// conflict); returns (status, case id). Changes nothing.
fn check_aar_version(tx: &Db, aar_id: i64, expected: i64) -> Result<(AarStatus, i64)> {
    let (status, case_id, current): (String, i64, i64) = tx
        .prepare_cached("SELECT status, case_id, version FROM aars WHERE id = ?1")?
        .query_row([aar_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
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
    Ok((
        AarStatus::parse(&status).ok_or_else(|| Error::Internal(format!("unknown AAR status {status:?}")))?,
        case_id,
    ))
}

/// Claims the report's version (a stale one is a conflict); returns (status, case id).
fn claim_aar(tx: &Db, aar_id: i64, expected: i64, stamp: &Stamp) -> Result<(AarStatus, i64)> {
    let head = check_aar_version(tx, aar_id, expected)?;
    tx.execute(
        "UPDATE aars SET version = version + 1, updated_at = ?2 WHERE id = ?1",
        params![aar_id, stamp.text],
    )?;
    Ok(head)
}

fn set_status(tx: &Db, aar_id: i64, status: AarStatus) -> Result<()> {
    tx.prepare_cached("UPDATE aars SET status = ?2 WHERE id = ?1")?
        .execute(params![aar_id, status.as_str()])?;
    Ok(())
}
