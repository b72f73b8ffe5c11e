//! The report's sections: saving a text (guarded by the version the author edited), refreshing a
//! generated section from the case, choosing the timeline events, assigning a section, and the
//! saved versions of each text with the differences between revisions.
//!
//! Invariants:
//! - `write_section` is the only writer of a section's text: `UPDATE ... WHERE version = expected`
//!   (a stale save is a conflict), every saved text appended to `aar_section_versions`, never
//!   changed afterwards.
//! - A locked (approved or distributed) report refuses every save; a save during review voids the
//!   sign-offs given so far (both rules in `crate::aar::signoff`).
//! - Every save also moves the report's version, so a status step taken on a stale view conflicts.

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::comments::load_comments;
use super::signoff::clear_signoffs;
use super::{claim_aar, event, get_aar, key_figures, load_aar};
use crate::aar::signoff::{change_voids_signoffs, may_change};
use crate::aar::{
    diff_lines, figures_markdown, plans_markdown, team_markdown, timeline_markdown, Aar, AarSection, AarStatus,
    SectionDiff, SectionSource,
};
use crate::case::Case;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::plan::ActionStatus;
use crate::store::cases::find_case;
use crate::store::people::person_ref;
use crate::store::timeline::list_events;
use crate::store::{parse_stored, time_column, Stamp, Store};
use crate::timeline::EventKind;

pub(super) fn load_sections(conn: &Db, aar_id: i64) -> Result<Vec<AarSection>> {
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
        .collect::<Result<_>>()?;
    let mut comments = load_comments(conn, aar_id)?;
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
                    comments: comments.remove(&id).unwrap_or_default(),
                })
            },
        )
        .collect()
}

/// The Markdown a generated section starts with (or is refreshed to).
pub(super) fn generated_body(conn: &Db, case: &Case, source: SectionSource, event_ids: &[i64]) -> Result<String> {
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
            let team = crate::store::team::get_team(conn, case)?;
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
            let plans = crate::store::plans::get_plans(conn, case.id)?;
            let team = crate::store::team::get_team(conn, case)?;
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
            "The corrective actions agreed after this escalation, from the improvement plan:".into()
        }
    })
}

/// (id, when, who, what) of a timeline event.
type EventLine = (i64, chrono::DateTime<chrono::Utc>, String, String);

fn list_events_in(conn: &Db, case_id: i64) -> Result<Vec<EventLine>> {
    conn.prepare_cached("SELECT id, at, actor, summary FROM timeline_events WHERE case_id = ?1 ORDER BY seq")?
        .query_map([case_id], |r| {
            Ok((r.get(0)?, time_column(r.get(1)?)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_>>()
}

pub(super) struct SectionHead {
    pub(super) aar_id: i64,
    pub(super) case_id: i64,
    pub(super) title: String,
    pub(super) source: SectionSource,
    pub(super) version: i64,
    pub(super) status: AarStatus,
    pub(super) revision: i64,
}

pub(super) fn section_head(conn: &Db, section_id: i64) -> Result<SectionHead> {
    conn.prepare_cached(
        "SELECT s.aar_id, a.case_id, s.title, s.source, s.version, a.status, a.revision
         FROM aar_sections s JOIN aars a ON a.id = s.aar_id WHERE s.id = ?1",
    )?
    .query_row([section_id], |r| {
        Ok(SectionHead {
            aar_id: r.get(0)?,
            case_id: r.get(1)?,
            title: r.get(2)?,
            source: parse_stored(r.get(3)?, SectionSource::parse, "section source")?,
            version: r.get(4)?,
            status: parse_stored(r.get(5)?, AarStatus::parse, "AAR status")?,
            revision: r.get(6)?,
        })
    })
    .optional()?
    .ok_or(Error::NotFound {
        entity: "AAR section",
        id: section_id,
    })
}

/// Writes a section's text, guarded by the version the author edited.
fn write_section(
    tx: &Db,
    who: &Identity,
    stamp: &Stamp,
    section_id: i64,
    expected_version: i64,
    body: &str,
    how: &str,
) -> Result<i64> {
    let head = section_head(tx, section_id)?;
    may_change(head.status)?;
    let n = tx
        .prepare_cached(
            "UPDATE aar_sections SET body = ?3, version = version + 1, edited_by = ?4, edited_at = ?5
         WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![section_id, expected_version, body, who.actor(), stamp.text])?;
    if n == 0 {
        return Err(Error::Conflict {
            entity: "section",
            expected: expected_version,
            current: head.version,
        });
    }
    tx.prepare_cached(
        "INSERT INTO aar_section_versions (section_id, version, revision, body, edited_by, edited_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        section_id,
        expected_version + 1,
        head.revision,
        body,
        who.actor(),
        stamp.text
    ])?;
    if change_voids_signoffs(head.status) {
        // A sign-off approves what the signer read: an edit after it needs a new one.
        clear_signoffs(tx, head.aar_id)?;
    }
    // The report's version moves with every text saved, so a sign-off or status step taken on a
    // stale view of the report is a conflict, never a signature on text the signer did not see.
    tx.prepare_cached("UPDATE aars SET version = version + 1, updated_at = ?2 WHERE id = ?1")?
        .execute(params![head.aar_id, stamp.text])?;
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
    crate::limits::check_chars("body", "section", &body, crate::limits::AAR_SECTION_CHARS)?;
    crate::limits::check_markdown_depth("body", "section", &body)?;
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
        let ids: String = tx
            .prepare_cached("SELECT timeline_event_ids FROM aars WHERE id = ?1")?
            .query_row([head.aar_id], |r| r.get(0))?;
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
        may_change(aar.0)?;
        let known: Vec<i64> = list_events_in(tx, aar.1)?.into_iter().map(|e| e.0).collect();
        if let Some(bad) = ids.iter().find(|i| !known.contains(i)) {
            return Err(Error::NotFound {
                entity: "Timeline event of this case",
                id: *bad,
            });
        }
        tx.prepare_cached("UPDATE aars SET timeline_event_ids = ?2 WHERE id = ?1")?
            .execute(params![aar_id, serde_json::to_string(ids).expect("ids serialize")])?;
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

/// The events a report's timeline section can list, oldest first (the picker).
pub fn list_aar_event_choices(store: &Store, case_id: i64) -> Result<Vec<crate::timeline::TimelineEvent>> {
    let mut events = list_events(store, case_id)?;
    events.reverse();
    Ok(events)
}

/// Assigns a section to a member of the case's team (or to nobody).
pub fn update_aar_section_assignee(store: &mut Store, section_id: i64, person_id: Option<i64>) -> Result<Aar> {
    let case_id = store.change(|tx, who, stamp| {
        let head = section_head(tx, section_id)?;
        let name = match person_id {
            Some(p) => {
                let on_team = tx
                    .prepare_cached(
                        "SELECT 1 FROM team_members WHERE case_id = ?1 AND person_id = ?2 AND released_at IS NULL",
                    )?
                    .exists(params![head.case_id, p])?;
                if !on_team {
                    return Err(Error::invalid(
                        "assignee",
                        "Assign the section to someone on the case's team.",
                    ));
                }
                person_ref(tx, p)?.name
            }
            None => "nobody".into(),
        };
        tx.prepare_cached("UPDATE aar_sections SET assignee_id = ?2 WHERE id = ?1")?
            .execute(params![section_id, person_id])?;
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

/// Each section's text at the end of a revision (the last version saved in it or before).
fn sections_at(conn: &Db, aar_id: i64, revision: i64) -> Result<Vec<(String, String, String)>> {
    conn.prepare_cached(
        "SELECT s.key, s.title, COALESCE((SELECT v.body FROM aar_section_versions v
                 WHERE v.section_id = s.id AND v.revision <= ?2 ORDER BY v.version DESC LIMIT 1), '')
             FROM aar_sections s WHERE s.aar_id = ?1 ORDER BY s.position",
    )?
    .query_map(params![aar_id, revision], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect::<Result<_>>()
}

/// The differences between two revisions of the report, section by section.
pub fn diff_aar_revisions(store: &Store, aar_id: i64, from: i64, to: i64) -> Result<Vec<SectionDiff>> {
    let current: i64 = store
        .conn()
        .prepare_cached("SELECT revision FROM aars WHERE id = ?1")?
        .query_row([aar_id], |r| r.get(0))
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
    store
        .conn()
        .prepare_cached(
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
        .collect::<Result<_>>()
}
