//! The evaluation of the executive alert rules: on every change of a case (inside its
//! transaction), and the periodic check of the time-based conditions.
//!
//! Invariants:
//! - `alert_rule_matches` holds, per case, the enabled rules that matched at the last evaluation;
//!   an alert is raised only for a rule that is not in it (fire once), in the same transaction as
//!   the change that made it match, together with its outbox message and timeline event.
//! - Closed cases are not evaluated.
//! - `alert_checks_due` holds, per open case, the earliest moment time alone could make a rule
//!   start to match it (`alert::next_match_at`), written by every evaluation of the case. The
//!   periodic check ([`evaluate_due_alerts`]) reads the cases that are due through its index and
//!   evaluates each in a short transaction of its own: it does not scan the open cases when only
//!   a few can match. A change of an agency's key contacts makes its open cases due at once.

use std::collections::BTreeSet;

use crate::store::db::{Db, Optional};
use rusqlite::params;
use serde_json::json;

use super::alerts::load_rules;
use super::cases::find_case;
use super::outbox::insert_message_in;
use super::timeline::insert_event;
use super::{format_time, now, time_column, Stamp, Store};
use crate::alert::{describe, matches, next_match_at, to_raise, AlertRule, CaseFacts, Rule};
use crate::case::{Case, Level};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::mail::templates;
use crate::stage::Stage;
use crate::timeline::{EventKind, NewEvent};

/// What the rules look at for one case, read from the case, its agency and its timeline.
pub(super) fn case_facts(conn: &Db, case: &Case) -> Result<CaseFacts> {
    let key_contact_categories: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT cc.name FROM agencies a
             JOIN agency_contacts ac ON ac.agency_id = a.id
             JOIN contact_categories cc ON cc.id = ac.category_id
             JOIN people p ON p.id = ac.person_id
             WHERE a.id = ?1 AND a.retired_at IS NULL AND p.retired_at IS NULL",
        )?
        .query_map([case.fields.agency_id], |r| r.get(0))?
        .collect::<Result<_>>()?;
    // Escalated since the last change of level to "escalated", or since it was opened escalated.
    let escalated_since = match case.level {
        Level::Elevated => None,
        Level::Escalated => {
            let changed: Option<String> = conn
                .prepare_cached(&format!(
                    "SELECT at FROM timeline_events WHERE case_id = ?1 AND kind = 'level_changed' AND {} = 'escalated'
                     ORDER BY seq DESC LIMIT 1",
                    conn.dialect().json_text("new_value", "level")
                ))?
                .query_row([case.id], |r| r.get(0))
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
fn recipient_addresses(conn: &Db, rule: &Rule) -> Result<Vec<String>> {
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
            .prepare_cached("SELECT email FROM people WHERE id = ?1 AND retired_at IS NULL")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        out.extend(email);
    }
    Ok(out.into_iter().collect())
}

/// Evaluates every enabled rule against one case inside the caller's transaction, raising an
/// alert for each rule that starts to match. Called by `Store::change` for every case it touched.
pub(crate) fn evaluate_case_in(tx: &Db, case_id: i64, who: &Identity, stamp: &Stamp) -> Result<usize> {
    let case = find_case(tx, case_id)?;
    if case.stage == Stage::Closed {
        set_check_due(tx, case_id, None)?;
        return Ok(0);
    }
    let rules: Vec<AlertRule> = load_rules(tx)?.into_iter().filter(|r| r.rule.enabled).collect();
    if rules.is_empty() {
        set_check_due(tx, case_id, None)?;
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
        .collect::<Result<_>>()?;
    let matched_before: BTreeSet<usize> = (0..rules.len())
        .filter(|i| matched_ids.contains(&rules[*i].id))
        .collect();
    // Rules that stopped matching may alert again when they start again.
    for i in matched_before.difference(&matching_now) {
        tx.prepare_cached("DELETE FROM alert_rule_matches WHERE case_id = ?1 AND rule_id = ?2")?
            .execute(params![case_id, rules[*i].id])?;
    }
    let due = (0..rules.len())
        .filter(|i| !matching_now.contains(i))
        .filter_map(|i| next_match_at(&rules[i].rule.condition, &facts, at))
        .min();
    set_check_due(tx, case_id, due)?;
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
    tx: &Db,
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
    tx: &Db,
    case: &Case,
    stored: &AlertRule,
    outbox_id: Option<i64>,
    to: Vec<String>,
    who: &Identity,
    stamp: &Stamp,
) -> Result<()> {
    let rule = &stored.rule;
    let criteria = describe(&rule.condition);
    tx.prepare_cached("INSERT INTO alert_rule_matches (rule_id, case_id) VALUES (?1, ?2)")?
        .execute(params![stored.id, case.id])?;
    let alert_id: i64 = tx.query_row(
        "INSERT INTO alerts (case_id, rule_id, rule_name, criteria, raised_at, recipients, outbox_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        params![
            case.id,
            stored.id,
            rule.name,
            criteria,
            stamp.text,
            serde_json::to_string(&to).expect("strings serialize"),
            outbox_id
        ],
        |r| r.get(0),
    )?;
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
            format!("Executive alert \"{}\": {sent_to}", crate::bidi::closed(&rule.name)),
        )
        .values(
            serde_json::Value::Null,
            json!({ "alert": alert_id, "rule": stored.id, "criteria": criteria, "recipients": to }),
        ),
    )
}

/// When the periodic check next looks at the case (`None`: time alone cannot raise an alert on it).
fn set_check_due(tx: &Db, case_id: i64, due: Option<chrono::DateTime<chrono::Utc>>) -> Result<()> {
    match due {
        // Unchanged rows are not written, so evaluating an unchanged case writes nothing.
        Some(at) => tx
            .prepare_cached(
                "INSERT INTO alert_checks_due (case_id, due_at) VALUES (?1, ?2)
                 ON CONFLICT (case_id) DO UPDATE SET due_at = excluded.due_at
                 WHERE alert_checks_due.due_at <> excluded.due_at",
            )?
            .execute(params![case_id, format_time(at)])?,
        None => tx
            .prepare_cached("DELETE FROM alert_checks_due WHERE case_id = ?1")?
            .execute([case_id])?,
    };
    Ok(())
}

/// A change of an agency's key contacts can make a rule match its open cases: the next periodic
/// check looks at them (called where the contacts are written).
pub(crate) fn mark_agency_cases_due(conn: &Db, agency_id: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO alert_checks_due (case_id, due_at)
         SELECT c.id, ?2 FROM cases c
         WHERE c.agency_id = ?1 AND c.stage <> 'closed'
         ON CONFLICT (case_id) DO UPDATE SET due_at = excluded.due_at",
    )?
    .execute(params![agency_id, format_time(now())])?;
    Ok(())
}

/// Evaluates each case in a transaction of its own: the store is held for one case at a time,
/// and a case that cannot be evaluated (damaged data) is logged and skipped, never stopping the
/// others. Returns the alerts raised.
fn evaluate_each(store: &mut Store, ids: Vec<i64>) -> Result<usize> {
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

/// Re-evaluates every open case (after the rules changed). Returns the alerts raised.
pub fn evaluate_alerts(store: &mut Store) -> Result<usize> {
    let ids: Vec<i64> = store
        .conn()
        .prepare_cached("SELECT id FROM cases WHERE stage <> 'closed' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_>>()?;
    evaluate_each(store, ids)
}

/// The periodic check: the time-based conditions (age, escalated longer than) start to match
/// without any change, so the app runs this every few minutes. It evaluates only the cases whose
/// check is due (`alert_checks_due`, through its index), each in its own short transaction.
/// Returns the alerts raised.
pub fn evaluate_due_alerts(store: &mut Store) -> Result<usize> {
    let ids: Vec<i64> = store
        .conn()
        .prepare_cached("SELECT case_id FROM alert_checks_due WHERE due_at <= ?1 ORDER BY due_at, case_id")?
        .query_map([format_time(super::desk_now(store.conn())?)], |r| r.get(0))?
        .collect::<Result<_>>()?;
    evaluate_each(store, ids)
}
