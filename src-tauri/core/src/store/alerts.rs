//! Executive alerts: the rules (as data), the alerts they raise and their acknowledgement. The
//! evaluation of the rules (on every change of a case, and the periodic check) is in
//! `alert_evaluation`.
//!
//! Invariants:
//! - Every rule is validated before it is stored; a stored rule always parses.
//! - Built-in rules can be edited or disabled, never deleted.
//! - The open-alert list is read a page at a time through the index of open alerts.

use crate::store::db::{Db, Optional, Row};
use rusqlite::params;
use serde_json::json;

use super::alert_evaluation::case_facts;
use super::cases::find_case;
// The evaluation has its own module; its old paths stay valid for the callers.
pub(crate) use super::alert_evaluation::evaluate_case_in;
pub use super::alert_evaluation::{evaluate_alerts, evaluate_due_alerts};
use super::timeline::insert_event;
use super::{format_time, now, time_column, Store};
use crate::alert::{describe, matches, Alert, AlertPage, AlertRule, Rule};
use crate::case::Level;
use crate::error::{Error, Result};
use crate::page::PageRequest;
use crate::stage::Stage;
use crate::team::CaseRef;
use crate::timeline::{EventKind, NewEvent};

fn rule_from_row(r: &Row<'_>) -> Result<AlertRule> {
    let definition: String = r.get(1)?;
    let rule: Rule = serde_json::from_str(&definition)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(AlertRule {
        id: r.get(0)?,
        criteria: describe(&rule.condition),
        rule,
        builtin: r.get(2)?,
        version: r.get(3)?,
        updated_at: time_column(r.get(4)?)?,
    })
}

pub(super) fn load_rules(conn: &Db) -> Result<Vec<AlertRule>> {
    conn.prepare_cached("SELECT id, definition, builtin, version, updated_at FROM alert_rules ORDER BY id")?
        .query_map([], rule_from_row)?
        .collect::<Result<_>>()
}

fn find_rule(conn: &Db, id: i64) -> Result<AlertRule> {
    conn.prepare_cached("SELECT id, definition, builtin, version, updated_at FROM alert_rules WHERE id = ?1")?
        .query_row([id], rule_from_row)
        .optional()?
        .ok_or(Error::NotFound {
            entity: "Alert rule",
            id,
        })
}

pub fn list_alert_rules(store: &Store) -> Result<Vec<AlertRule>> {
    load_rules(store.conn())
}

/// The open cases a rule would match now, without saving it ("would match these cases").
pub fn test_alert_rule(store: &Store, rule: &Rule) -> Result<Vec<CaseRef>> {
    rule.validate()?;
    let conn = store.conn();
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM cases WHERE stage <> 'closed' ORDER BY opened_at DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_>>()?;
    let at = now();
    let mut out = Vec::new();
    for id in ids {
        let case = find_case(conn, id)?;
        if matches(&rule.condition, &case_facts(conn, &case)?, at) {
            out.push(CaseRef {
                id,
                ticket: case.fields.ticket,
                title: case.fields.title,
                level: case.level,
                priority: case.priority,
                stage: case.stage,
            });
        }
    }
    Ok(out)
}

fn check_people(conn: &Db, rule: &Rule) -> Result<()> {
    for id in &rule.recipients.people {
        let found: Option<i64> = conn
            .prepare_cached("SELECT id FROM people WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        found.ok_or(Error::NotFound {
            entity: "Person",
            id: *id,
        })?;
    }
    Ok(())
}

/// Adds a rule; the open cases it matches are alerted at once (the user saw which beforehand).
pub fn insert_alert_rule(store: &mut Store, rule: &Rule) -> Result<AlertRule> {
    rule.validate()?;
    let id = store.change(|tx, _, stamp| {
        check_people(tx, rule)?;
        tx.query_row(
            "INSERT INTO alert_rules (definition, builtin, updated_at) VALUES (?1, 0, ?2) RETURNING id",
            params![serde_json::to_string(rule).expect("rules serialize"), stamp.text],
            |r| r.get(0),
        )
    })?;
    evaluate_alerts(store)?;
    find_rule(store.conn(), id)
}

/// Replaces a rule's definition, guarded by the version the caller read.
pub fn update_alert_rule(store: &mut Store, id: i64, expected_version: i64, rule: &Rule) -> Result<AlertRule> {
    rule.validate()?;
    store.change(|tx, _, stamp| {
        check_people(tx, rule)?;
        let current = find_rule(tx, id)?;
        if current.version != expected_version {
            return Err(Error::Conflict {
                entity: "alert rule",
                expected: expected_version,
                current: current.version,
            });
        }
        tx.prepare_cached(
            "UPDATE alert_rules SET definition = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![
            id,
            serde_json::to_string(rule).expect("rules serialize"),
            stamp.text
        ])?;
        // A rule whose condition changed, or that is switched on or off, starts afresh: the cases it
        // matches now are alerted under its new definition, once. A new name or new recipients alone
        // alert nobody again.
        if current.rule.condition != rule.condition || current.rule.enabled != rule.enabled {
            tx.prepare_cached("DELETE FROM alert_rule_matches WHERE rule_id = ?1")?
                .execute([id])?;
        }
        Ok(())
    })?;
    evaluate_alerts(store)?;
    find_rule(store.conn(), id)
}

/// Deletes a rule of the agency's own; alerts it raised keep its name.
pub fn delete_alert_rule(store: &mut Store, id: i64) -> Result<()> {
    store.change(|tx, _, _| {
        if find_rule(tx, id)?.builtin {
            return Err(Error::Refused(
                "A built-in rule cannot be deleted; disable it instead.".into(),
            ));
        }
        tx.prepare_cached("DELETE FROM alert_rules WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    })
}

const ALERT_COLUMNS: &str = "a.id, a.case_id, c.ticket, c.title, c.level, c.priority, c.stage, a.rule_id, a.rule_name,
    a.criteria, a.raised_at, a.recipients, a.outbox_id, a.acknowledged_at, a.acknowledged_by, a.acknowledgement,
    o.status";

fn alert_from_row(r: &Row<'_>) -> Result<Alert> {
    use super::parse_stored;
    let recipients: String = r.get(11)?;
    Ok(Alert {
        id: r.get(0)?,
        case: CaseRef {
            id: r.get(1)?,
            ticket: r.get(2)?,
            title: r.get(3)?,
            level: parse_stored(r.get(4)?, Level::parse, "level")?,
            priority: parse_stored(r.get(5)?, crate::case::Priority::parse, "priority")?,
            stage: parse_stored(r.get(6)?, Stage::parse, "stage")?,
        },
        rule_id: r.get(7)?,
        rule_name: r.get(8)?,
        criteria: r.get(9)?,
        raised_at: time_column(r.get(10)?)?,
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        outbox_id: r.get(12)?,
        acknowledged_at: r.get::<_, Option<String>>(13)?.map(time_column).transpose()?,
        acknowledged_by: r.get(14)?,
        acknowledgement: r.get(15)?,
        mail_status: r
            .get::<_, Option<String>>(16)?
            .map(|s| parse_stored(s, super::outbox::OutboxStatus::parse, "outbox status"))
            .transpose()?,
    })
}

/// One page of the alerts not yet acknowledged, oldest first (the dashboard's list), with how many
/// are open in all; read through the partial index of open alerts (`alerts_open_queue`).
pub fn list_open_alerts(store: &Store, page: PageRequest) -> Result<AlertPage> {
    let conn = store.conn();
    let total: i64 = conn
        // Kept by triggers (migration 0017): the first screen does not count the open alerts.
        .prepare_cached("SELECT n FROM open_alert_count WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    let limit = page.rows();
    let rows = conn
        .prepare_cached(&format!(
            "WITH page AS MATERIALIZED (
                 SELECT a.id FROM alerts a WHERE a.acknowledged_at IS NULL ORDER BY a.raised_at, a.id LIMIT ?1 OFFSET ?2)
             SELECT {ALERT_COLUMNS} FROM page JOIN alerts a ON a.id = page.id JOIN cases c ON c.id = a.case_id
             LEFT JOIN outbox o ON o.id = a.outbox_id ORDER BY a.raised_at, a.id"
        ))?
        .query_map(params![limit, page.offset], alert_from_row)?
        .collect::<Result<_>>()?;
    Ok(AlertPage {
        rows,
        total,
        offset: page.offset,
        limit,
    })
}

/// Every alert of one case, newest first.
pub fn list_case_alerts(store: &Store, case_id: i64) -> Result<Vec<Alert>> {
    store
        .conn()
        .prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN cases c ON c.id = a.case_id LEFT JOIN outbox o ON o.id = a.outbox_id
             WHERE a.case_id = ?1 ORDER BY a.raised_at DESC, a.id DESC"
        ))?
        .query_map([case_id], alert_from_row)?
        .collect::<Result<_>>()
}

fn find_alert(conn: &Db, id: i64) -> Result<Alert> {
    conn.prepare_cached(&format!("SELECT {ALERT_COLUMNS} FROM alerts a JOIN cases c ON c.id = a.case_id LEFT JOIN outbox o ON o.id = a.outbox_id WHERE a.id = ?1"))?.query_row([id],
        alert_from_row,
    )
    .optional()?
    .ok_or(Error::NotFound { entity: "Alert", id })
}

/// Records that the current user has seen the alert and acted on it.
pub fn update_alert_acknowledged(store: &mut Store, id: i64, note: &str) -> Result<Alert> {
    let note = note.trim().to_string();
    crate::limits::check_chars("note", "note", &note, crate::limits::NOTE_CHARS)?;
    store.change(|tx, who, stamp| {
        let alert = find_alert(tx, id)?;
        if let (Some(at), Some(by)) = (alert.acknowledged_at, &alert.acknowledged_by) {
            return Err(Error::Refused(format!(
                "{by} already acknowledged this alert at {}.",
                format_time(at)
            )));
        }
        tx.prepare_cached(
            "UPDATE alerts SET acknowledged_at = ?2, acknowledged_by = ?3, acknowledgement = ?4 WHERE id = ?1",
        )?
        .execute(params![
            id,
            stamp.text,
            who.actor(),
            (!note.is_empty()).then_some(&note)
        ])?;
        let summary = if note.is_empty() {
            format!("Acknowledged executive alert \"{}\"", alert.rule_name)
        } else {
            format!("Acknowledged executive alert \"{}\": {note}", alert.rule_name)
        };
        insert_event(
            tx,
            alert.case.id,
            who,
            stamp,
            NewEvent::new(EventKind::AlertAcknowledged, summary)
                .values(serde_json::Value::Null, json!({ "alert": id, "note": note })),
        )
    })?;
    find_alert(store.conn(), id)
}
