//! Executive alerts: the rules (as data), their evaluation on every change of a case, the alerts
//! they raise (queued in the outbox to the rule's recipients) and their acknowledgement.
//!
//! Invariants:
//! - Every rule is validated before it is stored; a stored rule always parses.
//! - `alert_rule_matches` holds, per case, the enabled rules that matched at the last evaluation;
//!   an alert is raised only for a rule that is not in it (fire once), in the same transaction as
//!   the change that made it match, together with its outbox message and timeline event.
//! - Closed cases are not evaluated. Built-in rules can be edited or disabled, never deleted.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde_json::json;

use super::cases::find_case;
use super::outbox::insert_message_in;
use super::timeline::insert_event;
use super::{format_time, now, time_column, Stamp, Store};
use crate::alert::{describe, matches, to_raise, Alert, AlertRule, CaseFacts, Rule};
use crate::case::{Case, Level};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::mail::templates;
use crate::stage::Stage;
use crate::team::CaseRef;
use crate::timeline::{EventKind, NewEvent};

fn rule_from_row(r: &Row<'_>) -> rusqlite::Result<AlertRule> {
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

fn load_rules(conn: &Connection) -> Result<Vec<AlertRule>> {
    Ok(conn
        .prepare_cached("SELECT id, definition, builtin, version, updated_at FROM alert_rules ORDER BY id")?
        .query_map([], rule_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

fn find_rule(conn: &Connection, id: i64) -> Result<AlertRule> {
    conn.query_row(
        "SELECT id, definition, builtin, version, updated_at FROM alert_rules WHERE id = ?1",
        [id],
        rule_from_row,
    )
    .optional()?
    .ok_or(Error::NotFound {
        entity: "Alert rule",
        id,
    })
}

pub fn list_alert_rules(store: &Store) -> Result<Vec<AlertRule>> {
    load_rules(store.conn())
}

/// What the rules look at for one case, read from the case, its agency and its timeline.
fn case_facts(conn: &Connection, case: &Case) -> Result<CaseFacts> {
    let key_contact_categories: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT cc.name FROM agencies a
             JOIN agency_contacts ac ON ac.agency_id = a.id
             JOIN contact_categories cc ON cc.id = ac.category_id
             JOIN people p ON p.id = ac.person_id
             WHERE a.id = ?1 AND a.retired_at IS NULL AND p.retired_at IS NULL",
        )?
        .query_map([case.fields.agency_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // Escalated since the last change of level to "escalated", or since it was opened escalated.
    let escalated_since = match case.level {
        Level::Elevated => None,
        Level::Escalated => {
            let changed: Option<String> = conn
                .query_row(
                    "SELECT at FROM timeline_events WHERE case_id = ?1 AND kind = 'level_changed'
                       AND json_extract(new_value, '$.level') = 'escalated' ORDER BY seq DESC LIMIT 1",
                    [case.id],
                    |r| r.get(0),
                )
                .optional()?;
            Some(match changed {
                Some(at) => time_column(at)?,
                None => case.opened_at,
            })
        }
    };
    Ok(CaseFacts {
        agency: case.fields.agency.clone(),
        service: case.fields.affected_service.clone(),
        priority: case.priority,
        level: case.level,
        stage: case.stage,
        opened_at: case.opened_at,
        escalated_since,
        text: format!("{}\n{}", case.fields.title, case.fields.description),
        key_contact_categories,
    })
}

/// The addresses a rule alerts: people holding its roles plus its named people, none retired.
fn recipient_addresses(conn: &Connection, rule: &Rule) -> Result<Vec<String>> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for role in &rule.recipients.roles {
        let mut stmt = conn.prepare_cached(
            "SELECT p.email FROM people p JOIN person_roles r ON r.person_id = p.id
             WHERE r.role = ?1 AND p.retired_at IS NULL",
        )?;
        for email in stmt.query_map([role.as_str()], |r| r.get::<_, String>(0))? {
            out.insert(email?);
        }
    }
    for id in &rule.recipients.people {
        let email: Option<String> = conn
            .query_row(
                "SELECT email FROM people WHERE id = ?1 AND retired_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        out.extend(email);
    }
    Ok(out.into_iter().collect())
}

/// Evaluates every enabled rule against one case inside the caller's transaction, raising an
/// alert for each rule that starts to match. Called by `Store::change` for every case it touched.
pub(crate) fn evaluate_case_in(tx: &Transaction<'_>, case_id: i64, who: &Identity, stamp: &Stamp) -> Result<usize> {
    let case = find_case(tx, case_id)?;
    if case.stage == Stage::Closed {
        return Ok(0);
    }
    let rules: Vec<AlertRule> = load_rules(tx)?.into_iter().filter(|r| r.rule.enabled).collect();
    if rules.is_empty() {
        return Ok(0);
    }
    let facts = case_facts(tx, &case)?;
    let at = super::parse_time(&stamp.text)?;
    let matching_now: BTreeSet<usize> = (0..rules.len())
        .filter(|i| matches(&rules[*i].rule.condition, &facts, at))
        .collect();
    let matched_ids: BTreeSet<i64> = tx
        .prepare_cached("SELECT rule_id FROM alert_rule_matches WHERE case_id = ?1")?
        .query_map([case_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let matched_before: BTreeSet<usize> = (0..rules.len())
        .filter(|i| matched_ids.contains(&rules[*i].id))
        .collect();
    // Rules that stopped matching may alert again when they start again.
    for i in matched_before.difference(&matching_now) {
        tx.execute(
            "DELETE FROM alert_rule_matches WHERE case_id = ?1 AND rule_id = ?2",
            params![case_id, rules[*i].id],
        )?;
    }
    let raise = to_raise(&matching_now, &matched_before);
    let raising: Vec<&AlertRule> = raise.iter().map(|i| &rules[*i]).collect();
    let recipients: Vec<Vec<String>> = raising
        .iter()
        .map(|r| recipient_addresses(tx, &r.rule))
        .collect::<Result<_>>()?;
    let outbox_ids = queue_alert_mail(tx, &case, &raising, &recipients)?;
    for ((stored, outbox_id), to) in raising.iter().zip(outbox_ids).zip(recipients) {
        raise_alert(tx, &case, stored, outbox_id, to, who, stamp)?;
    }
    Ok(raise.len())
}

/// Queues the mail for the rules raised by one change: each recipient gets one message naming
/// every reason that concerns them, not one message per rule. Returns, per rule, the message
/// that carries it (the first, where a rule's recipients got different messages).
fn queue_alert_mail(
    tx: &Transaction<'_>,
    case: &Case,
    raising: &[&AlertRule],
    recipients: &[Vec<String>],
) -> Result<Vec<Option<i64>>> {
    use std::collections::BTreeMap;
    // recipient -> the rules (by position) that alert them
    let mut by_recipient: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, to) in recipients.iter().enumerate() {
        for address in to {
            by_recipient.entry(address.clone()).or_default().push(i);
        }
    }
    // recipients alerted by the same rules share one message
    let mut groups: BTreeMap<Vec<usize>, Vec<String>> = BTreeMap::new();
    for (to, rules) in by_recipient {
        groups.entry(rules).or_default().push(to);
    }
    let mut carried_by: Vec<Option<i64>> = vec![None; raising.len()];
    for (rules, to) in groups {
        let reasons: Vec<(String, String)> = rules
            .iter()
            .map(|i| (raising[*i].rule.name.clone(), describe(&raising[*i].rule.condition)))
            .collect();
        let draft = templates::executive_alert(case, &reasons, to);
        let id = insert_message_in(tx, Some(case.id), "alert", &draft)?;
        for i in rules {
            carried_by[i].get_or_insert(id);
        }
    }
    Ok(carried_by)
}

fn raise_alert(
    tx: &Transaction<'_>,
    case: &Case,
    stored: &AlertRule,
    outbox_id: Option<i64>,
    to: Vec<String>,
    who: &Identity,
    stamp: &Stamp,
) -> Result<()> {
    let rule = &stored.rule;
    let criteria = describe(&rule.condition);
    tx.execute(
        "INSERT INTO alert_rule_matches (rule_id, case_id) VALUES (?1, ?2)",
        params![stored.id, case.id],
    )?;
    tx.execute(
        "INSERT INTO alerts (case_id, rule_id, rule_name, criteria, raised_at, recipients, outbox_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            case.id,
            stored.id,
            rule.name,
            criteria,
            stamp.text,
            serde_json::to_string(&to).expect("strings serialize"),
            outbox_id
        ],
    )?;
    let alert_id = tx.last_insert_rowid();
    let sent_to = if to.is_empty() {
        "nobody holds its recipient roles: acknowledge it and tell them directly".to_string()
    } else {
        // Queued, not sent: the outbox sends it when the mail server takes it (see the alert's mail status).
        format!("mail queued for {}", to.join(", "))
    };
    insert_event(
        tx,
        case.id,
        who,
        stamp,
        NewEvent::new(
            EventKind::AlertRaised,
            format!("Executive alert \"{}\": {sent_to}", rule.name),
        )
        .values(
            serde_json::Value::Null,
            json!({ "alert": alert_id, "rule": stored.id, "criteria": criteria, "recipients": to }),
        ),
    )
}

/// Re-evaluates every open case: the time-based conditions (age, escalated longer than) start to
/// match without any change, so the app runs this periodically. Returns the alerts raised.
/// Each case is evaluated in a transaction of its own: the store is held for one case at a time,
/// and a case that cannot be evaluated (damaged data) is logged and skipped, never stopping the
/// others.
pub fn evaluate_alerts(store: &mut Store) -> Result<usize> {
    let ids: Vec<i64> = store
        .conn()
        .prepare("SELECT id FROM cases WHERE stage <> 'closed' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut raised = 0;
    for id in ids {
        match store.change(|tx, who, stamp| evaluate_case_in(tx, id, who, stamp)) {
            Ok(n) => raised += n,
            Err(Error::NoIdentity) => return Err(Error::NoIdentity),
            Err(e) => log::error!("alert check of case {id} failed, the others go on: {e}"),
        }
    }
    Ok(raised)
}

/// The open cases a rule would match now, without saving it ("would match these cases").
pub fn test_alert_rule(store: &Store, rule: &Rule) -> Result<Vec<CaseRef>> {
    rule.validate()?;
    let conn = store.conn();
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM cases WHERE stage <> 'closed' ORDER BY opened_at DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
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

fn check_people(conn: &Connection, rule: &Rule) -> Result<()> {
    for id in &rule.recipients.people {
        let found: Option<i64> = conn
            .query_row("SELECT id FROM people WHERE id = ?1", [id], |r| r.get(0))
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
        tx.execute(
            "INSERT INTO alert_rules (definition, builtin, updated_at) VALUES (?1, 0, ?2)",
            params![serde_json::to_string(rule).expect("rules serialize"), stamp.text],
        )?;
        Ok(tx.last_insert_rowid())
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
        tx.execute(
            "UPDATE alert_rules SET definition = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
            params![id, serde_json::to_string(rule).expect("rules serialize"), stamp.text],
        )?;
        // A rule whose condition changed, or that is switched on or off, starts afresh: the cases it
        // matches now are alerted under its new definition, once. A new name or new recipients alone
        // alert nobody again.
        if current.rule.condition != rule.condition || current.rule.enabled != rule.enabled {
            tx.execute("DELETE FROM alert_rule_matches WHERE rule_id = ?1", [id])?;
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
        tx.execute("DELETE FROM alert_rules WHERE id = ?1", [id])?;
        Ok(())
    })
}

const ALERT_COLUMNS: &str = "a.id, a.case_id, c.ticket, c.title, c.level, c.priority, c.stage, a.rule_id, a.rule_name,
    a.criteria, a.raised_at, a.recipients, a.outbox_id, a.acknowledged_at, a.acknowledged_by, a.acknowledgement,
    o.status";

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<Alert> {
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

/// Alerts not yet acknowledged, oldest first (the dashboard's list).
pub fn list_open_alerts(store: &Store) -> Result<Vec<Alert>> {
    Ok(store
        .conn()
        .prepare(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN cases c ON c.id = a.case_id LEFT JOIN outbox o ON o.id = a.outbox_id
             WHERE a.acknowledged_at IS NULL ORDER BY a.raised_at, a.id"
        ))?
        .query_map([], alert_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every alert of one case, newest first.
pub fn list_case_alerts(store: &Store, case_id: i64) -> Result<Vec<Alert>> {
    Ok(store
        .conn()
        .prepare(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a JOIN cases c ON c.id = a.case_id LEFT JOIN outbox o ON o.id = a.outbox_id
             WHERE a.case_id = ?1 ORDER BY a.raised_at DESC, a.id DESC"
        ))?
        .query_map([case_id], alert_from_row)?
        .collect::<rusqlite::Result<_>>()?)
}

fn find_alert(conn: &Connection, id: i64) -> Result<Alert> {
    conn.query_row(
        &format!("SELECT {ALERT_COLUMNS} FROM alerts a JOIN cases c ON c.id = a.case_id LEFT JOIN outbox o ON o.id = a.outbox_id WHERE a.id = ?1"),
        [id],
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
        tx.execute(
            "UPDATE alerts SET acknowledged_at = ?2, acknowledged_by = ?3, acknowledgement = ?4 WHERE id = ?1",
            params![id, stamp.text, who.actor(), (!note.is_empty()).then_some(&note)],
        )?;
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
