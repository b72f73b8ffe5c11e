//! Cases: intake, edits, level changes and stage changes, each with its timeline event in the
//! same transaction, each guarded by the version the caller read.

use crate::store::db::{Db, Optional, Row};
use rusqlite::params;
use serde_json::json;

use super::timeline::insert_event;
use super::{parse_stored, time_column, Store};
use crate::case::{validate_reason, Case, CaseFields, CaseKind, Level, NewCase, Priority, Rating};
use crate::error::{Error, Result};
use crate::stage::{self, Stage, StageAction, StageFacts};
use crate::team::TeamRole;
use crate::timeline::{EventKind, NewEvent, GENESIS};

// The case page's read model has its own module; its old path stays valid for the callers.
pub use super::case_detail::get_case_detail;
// So is the dashboard's.
pub use super::case_list::{list_cases, list_warranties_ending};

const CASE_COLUMNS: &str = "c.id, c.kind, c.ticket, c.title, c.description, c.agency, c.affected_service, c.impact,
    c.urgency, c.priority, c.reported_by, c.escalation_manager, c.level, c.level_reason, c.stage, c.problem_id,
    c.opened_at, u.name, c.updated_at, c.version, c.hierarchy_level, c.agency_id, c.service_id";

fn case_from_row(r: &Row<'_>) -> Result<Case> {
    Ok(Case {
        id: r.get(0)?,
        fields: CaseFields {
            kind: parse_stored(r.get(1)?, CaseKind::parse, "case kind")?,
            ticket: r.get(2)?,
            title: r.get(3)?,
            description: r.get(4)?,
            agency: r.get(5)?,
            affected_service: r.get(6)?,
            agency_id: r.get(21)?,
            service_id: r.get(22)?,
            impact: parse_stored(r.get(7)?, Rating::parse, "impact")?,
            urgency: parse_stored(r.get(8)?, Rating::parse, "urgency")?,
            reported_by: r.get(10)?,
            escalation_manager: r.get(11)?,
        },
        priority: parse_stored(r.get(9)?, Priority::parse, "priority")?,
        level: parse_stored(r.get(12)?, Level::parse, "level")?,
        level_reason: r.get(13)?,
        stage: parse_stored(r.get(14)?, Stage::parse, "stage")?,
        problem_id: r.get(15)?,
        hierarchy_level: r.get(20)?,
        opened_at: time_column(r.get(16)?)?,
        opened_by: r.get(17)?,
        updated_at: time_column(r.get(18)?)?,
        version: r.get(19)?,
    })
}

pub(crate) fn find_case(conn: &Db, id: i64) -> Result<Case> {
    conn.prepare_cached(&format!(
        "SELECT {CASE_COLUMNS} FROM cases c JOIN users u ON u.id = c.opened_by WHERE c.id = ?1"
    ))?
    .query_row([id], case_from_row)
    .optional()?
    .ok_or(Error::NotFound { entity: "Case", id })
}

pub fn get_case(store: &Store, id: i64) -> Result<Case> {
    find_case(store.conn(), id)
}

/// The case with this ticket number (case-insensitively), if the desk has one.
pub fn find_case_by_ticket(conn: &Db, ticket: &str) -> Result<Option<i64>> {
    conn.prepare_cached(&format!(
        "SELECT id FROM cases WHERE {}",
        conn.dialect().nocase_eq("ticket", "?1")
    ))?
    .query_row([ticket.trim()], |r| r.get(0))
    .optional()
}

/// Refuses a ticket number another case already uses (case-insensitively), naming that case.
fn ensure_ticket_free(tx: &Db, ticket: &str, except_case: Option<i64>) -> Result<()> {
    let existing: Option<i64> = tx
        .prepare_cached(&format!(
            "SELECT id FROM cases WHERE {} AND id IS DISTINCT FROM ?2",
            tx.dialect().nocase_eq("ticket", "?1")
        ))?
        .query_row(params![ticket, except_case], |r| r.get(0))
        .optional()?;
    match existing {
        Some(existing_id) => Err(Error::DuplicateTicket {
            ticket: ticket.to_owned(),
            existing_id,
        }),
        None => Ok(()),
    }
}

/// Takes a case in at the Intake stage.
pub fn insert_case(store: &mut Store, new: &NewCase) -> Result<Case> {
    new.validate()?;
    let reason = new.level_reason.trim().to_owned();
    let id = store.change(|tx, who, stamp| {
        let (fields, added) = super::case_refs::resolve(tx, &new.fields.normalized(), None)?;
        ensure_ticket_free(tx, &fields.ticket, None)?;
        let id: i64 = tx.query_row(
            "INSERT INTO cases (kind, ticket, title, description, agency, affected_service, impact, urgency, priority,
                reported_by, escalation_manager, level, level_reason, stage, opened_at, opened_by, updated_at, timeline_head,
                agency_id, service_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'intake', ?14, ?15, ?14, ?16, ?17, ?18)
             RETURNING id",
            params![
                fields.kind.as_str(),
                fields.ticket,
                fields.title,
                fields.description,
                fields.agency,
                fields.affected_service,
                fields.impact.as_str(),
                fields.urgency.as_str(),
                fields.priority().as_str(),
                fields.reported_by,
                fields.escalation_manager,
                new.level.as_str(),
                reason,
                stamp.text,
                who.id,
                GENESIS,
                fields.agency_id,
                fields.service_id,
            ],
            |r| r.get(0),
        )?;
        let level = new.level.as_str();
        let added = super::case_refs::added_note(&added);
        insert_event(
            tx,
            id,
            who,
            stamp,
            NewEvent::new(
                EventKind::CaseOpened,
                format!("Case opened as {level} ({}): {}{added}", fields.priority().as_str(), crate::bidi::closed(&reason)),
            )
                .values(serde_json::Value::Null, json!({ "fields": fields, "level": level, "levelReason": reason })),
        )?;
        Ok(id)
    })?;
    get_case(store, id)
}

/// Bumps the version if it is still `expected`; otherwise a conflict (or not found) and nothing changes.
fn claim_version(tx: &Db, id: i64, expected: i64, at: &str) -> Result<()> {
    let n = tx
        .prepare_cached("UPDATE cases SET version = version + 1, updated_at = ?3 WHERE id = ?1 AND version = ?2")?
        .execute(params![id, expected, at])?;
    if n == 1 {
        return Ok(());
    }
    let current: Option<i64> = tx
        .prepare_cached("SELECT version FROM cases WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match current {
        Some(current) => Err(Error::Conflict {
            entity: "case",
            expected,
            current,
        }),
        None => Err(Error::NotFound { entity: "Case", id }),
    }
}

/// Saves edited fields. Only changed fields are written and recorded; saving with no change is a no-op.
pub fn update_case(store: &mut Store, id: i64, expected_version: i64, fields: &CaseFields) -> Result<Case> {
    let errors = fields.validate();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    store.change(|tx, who, stamp| {
        let old = find_case(tx, id)?;
        let (new, added) = super::case_refs::resolve(tx, &fields.normalized(), Some(&old.fields))?;
        let diff = old.fields.diff(&new);
        claim_version(tx, id, expected_version, &stamp.text)?;
        if diff.is_empty() {
            return Err(Error::Refused("Nothing to save: no field was changed.".into()));
        }
        ensure_ticket_free(tx, &new.ticket, Some(id))?;
        tx.execute(
            "UPDATE cases SET kind = ?2, ticket = ?3, title = ?4, description = ?5, agency = ?6, affected_service = ?7,
                impact = ?8, urgency = ?9, priority = ?10, reported_by = ?11, escalation_manager = ?12,
                agency_id = ?13, service_id = ?14
             WHERE id = ?1",
            params![
                id,
                new.kind.as_str(),
                new.ticket,
                new.title,
                new.description,
                new.agency,
                new.affected_service,
                new.impact.as_str(),
                new.urgency.as_str(),
                new.priority().as_str(),
                new.reported_by,
                new.escalation_manager,
                new.agency_id,
                new.service_id,
            ],
        )?;
        let names: Vec<&str> = diff.iter().map(|(n, _, _)| *n).collect();
        let mut old_values = serde_json::Map::new();
        let mut new_values = serde_json::Map::new();
        for (name, o, n) in diff {
            old_values.insert(name.to_owned(), o);
            new_values.insert(name.to_owned(), n);
        }
        if old.priority != new.priority() {
            old_values.insert("priority".into(), json!(old.priority.as_str()));
            new_values.insert("priority".into(), json!(new.priority().as_str()));
        }
        insert_event(
            tx,
            id,
            who,
            stamp,
            NewEvent::new(
                EventKind::FieldsChanged,
                format!("Changed {}{}", names.join(", "), super::case_refs::added_note(&added)),
            )
            .values(old_values.into(), new_values.into()),
        )?;
        Ok(())
    })?;
    get_case(store, id)
}

/// Escalates an elevated case or de-escalates an escalated one, with the reason recorded.
pub fn update_level(store: &mut Store, id: i64, expected_version: i64, level: Level, reason: &str) -> Result<Case> {
    let reason = validate_reason("reason", reason, "reason for the change of level")?;
    store.change(|tx, who, stamp| {
        let old = find_case(tx, id)?;
        claim_version(tx, id, expected_version, &stamp.text)?;
        if old.level == level {
            return Err(Error::Refused(format!("The case is already {}.", level.as_str())));
        }
        if old.stage == Stage::Closed {
            return Err(Error::Refused("A closed case keeps its level; reopen it first.".into()));
        }
        tx.prepare_cached("UPDATE cases SET level = ?2, level_reason = ?3 WHERE id = ?1")?
            .execute(params![id, level.as_str(), reason])?;
        let verb = match level {
            Level::Escalated => "Escalated",
            Level::Elevated => "De-escalated to elevated",
        };
        insert_event(
            tx,
            id,
            who,
            stamp,
            NewEvent::new(EventKind::LevelChanged, format!("{verb}: {reason}")).values(
                json!({ "level": old.level.as_str(), "reason": old.level_reason }),
                json!({ "level": level.as_str(), "reason": reason }),
            ),
        )?;
        Ok(())
    })?;
    get_case(store, id)
}

/// Takes a stage action inside the caller's transaction: the guard (with `adjust` adding what the
/// caller's own form supplies, such as the resolution), the move, its notice, its event, and the
/// side effects of the stage left or entered (`closure::after_move`). Returns the case as it was.
#[allow(clippy::too_many_arguments)]
pub(crate) fn move_stage_in(
    tx: &Db,
    who: &crate::identity::Identity,
    stamp: &super::Stamp,
    id: i64,
    expected_version: i64,
    action: StageAction,
    reason: Option<&str>,
    adjust: impl FnOnce(&mut StageFacts),
) -> Result<(Case, Stage)> {
    let old = find_case(tx, id)?;
    if old.version != expected_version {
        return Err(Error::Conflict {
            entity: "case",
            expected: expected_version,
            current: old.version,
        });
    }
    let mut facts = stage_facts(tx, &old, reason)?;
    adjust(&mut facts);
    let to = stage::transition(old.stage, action, &facts)?;
    claim_version(tx, id, expected_version, &stamp.text)?;
    tx.prepare_cached("UPDATE cases SET stage = ?2 WHERE id = ?1")?
        .execute(params![id, to.as_str()])?;
    let moved = Case {
        stage: to,
        ..old.clone()
    };
    super::communications::queue_stage_notice_in(tx, &moved, old.stage.label(), who, stamp)?;
    let summary = match (action, reason) {
        (StageAction::Recur, Some(r)) if old.stage == Stage::Verification => {
            format!("Customer not satisfied at verification, back to {to}: {r}")
        }
        (StageAction::Recur, Some(r)) => format!("Recurred during warranty, back to {to}: {r}"),
        (StageAction::Reopen, Some(r)) => format!("Reopened, back to {to}: {r}"),
        (StageAction::Close, Some(r)) => format!("Closed: {r}"),
        (_, Some(r)) => format!("Moved from {} to {to}: {r}", old.stage),
        (_, None) => format!("Moved from {} to {to}", old.stage),
    };
    insert_event(
        tx,
        id,
        who,
        stamp,
        NewEvent::new(EventKind::StageChanged, summary).values(
            json!({ "stage": old.stage.as_str() }),
            json!({ "stage": to.as_str(), "action": action.as_str(), "reason": reason }),
        ),
    )?;
    super::closure::after_move(tx, who, stamp, &old, to, action, reason)?;
    Ok((old, to))
}

/// What the stage guards look at, read inside the same transaction as the change (and by the case
/// page, so its stage bar offers what the guards allow). The team, plan and report facts are one
/// statement: the case page reads them on every open, and eight reads were eight round trips to a
/// team desk's server.
pub(super) fn stage_facts(conn: &Db, case: &Case, reason: Option<&str>) -> Result<StageFacts> {
    type Row = (bool, bool, bool, Option<String>, bool, Option<String>, bool, bool);
    let (has_incident_owner, has_abrm, has_car, escalation, escalation_reviewed, technical, technical_reviewed, aar_distributed): Row =
        conn.prepare_cached(
            "SELECT
               CASE WHEN EXISTS (SELECT 1 FROM team_members WHERE case_id = ?1 AND role = ?2 AND released_at IS NULL) THEN 1 ELSE 0 END,
               CASE WHEN EXISTS (SELECT 1 FROM team_members WHERE case_id = ?1 AND role = ?3 AND released_at IS NULL) THEN 1 ELSE 0 END,
               CASE WHEN EXISTS (SELECT 1 FROM team_members WHERE case_id = ?1 AND role = ?4 AND released_at IS NULL) THEN 1 ELSE 0 END,
               (SELECT actions FROM plan_revisions WHERE case_id = ?1 AND plan = 'escalation' ORDER BY revision DESC LIMIT 1),
               CASE WHEN EXISTS (SELECT 1 FROM plan_reviews WHERE case_id = ?1 AND plan = 'escalation') THEN 1 ELSE 0 END,
               (SELECT actions FROM plan_revisions WHERE case_id = ?1 AND plan = 'technical' ORDER BY revision DESC LIMIT 1),
               CASE WHEN EXISTS (SELECT 1 FROM plan_reviews WHERE case_id = ?1 AND plan = 'technical') THEN 1 ELSE 0 END,
               CASE WHEN EXISTS (SELECT 1 FROM aars WHERE case_id = ?1 AND status = 'distributed') THEN 1 ELSE 0 END",
        )?
        .query_row(
            params![
                case.id,
                TeamRole::IncidentOwner.as_str(),
                TeamRole::Abrm.as_str(),
                TeamRole::CustomerAccountRep.as_str()
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )?;
    // A plan "has an action" when its newest revision lists one (a plan can be saved empty again).
    let has_action = |actions: Option<String>| -> Result<bool> {
        Ok(match actions {
            None => false,
            Some(json) => !super::plans::parse_actions(&json)?.is_empty(),
        })
    };
    Ok(StageFacts {
        reason: reason.map(str::to_owned),
        has_incident_owner,
        has_abrm,
        escalation_plan: (has_action(escalation)?, escalation_reviewed),
        technical_plan: (has_action(technical)?, technical_reviewed),
        aar_distributed,
        escalated: case.level == Level::Escalated,
        has_car,
        resolution_recorded: false,
        ..super::closure::closure_facts(conn, case.id)?
    })
}

/// Takes a stage action through the one transition function; a refusal changes nothing.
pub fn update_stage(
    store: &mut Store,
    id: i64,
    expected_version: i64,
    action: StageAction,
    reason: Option<&str>,
) -> Result<Case> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason {
        crate::limits::check_chars("reason", "reason", r, crate::limits::REASON_CHARS)?;
    }
    store.change(|tx, who, stamp| {
        move_stage_in(tx, who, stamp, id, expected_version, action, reason, |_| {}).map(|_| ())
    })?;
    get_case(store, id)
}

pub(crate) fn claim(tx: &Db, id: i64, expected: i64, at: &str) -> Result<()> {
    claim_version(tx, id, expected, at)
}

pub(crate) fn bump_version(tx: &Db, id: i64, expected: i64, at: &str) -> Result<()> {
    claim_version(tx, id, expected, at)
}

pub(crate) fn find_case_in(tx: &Db, id: i64) -> Result<Case> {
    find_case(tx, id)
}
