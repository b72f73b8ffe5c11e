//! Moving a whole desk from one store to another: a workstation's SQLite file into an empty team
//! desk on PostgreSQL, and back (`escalation-desk desk copy`).
//!
//! Invariants:
//! - The target must be empty (no row in any table but the ones a new desk is seeded with); a
//!   copy never merges two desks.
//! - Every row keeps its id, so every reference and every hash chain arrives intact; PostgreSQL's
//!   identity sequences are moved past the copied ids afterwards.
//! - The copy is one transaction on the target, and every case's chain is verified (and its head
//!   compared with the source's) before it commits: a copy that would arrive damaged leaves the
//!   target as it was.

use rusqlite::types::Value;

use super::db::{params_from_iter, Db};
use super::timeline::verify_all_timelines;
use super::Store;
use crate::error::{Error, Result};

/// Every table of the desk, each after the tables it refers to. A test holds this list to the
/// schema, so a migration that adds a table must add it here.
pub const TABLES: &[&str] = &[
    "people",
    "agencies",
    "users",
    "services",
    "cases",
    "problems",
    "aars",
    "aar_sections",
    "aar_comments",
    "aar_renders",
    "outbox",
    "aar_distributions",
    "aar_improvements",
    "aar_section_versions",
    "aar_settings",
    "aar_template_sections",
    "active_case_counts",
    "contact_categories",
    "agency_contacts",
    "alert_checks_due",
    "alert_rules",
    "alert_rule_matches",
    "alerts",
    "case_contacts",
    "customer_cadences",
    "customer_updates",
    "import_mappings",
    "ladder_levels",
    "ladder_people",
    "open_alert_count",
    "outbox_attachments",
    "person_email_changes",
    "person_roles",
    "plan_reviews",
    "plan_revisions",
    "problem_actions",
    "problem_inputs",
    "process_settings",
    "warranties",
    "recurrences",
    "review_meetings",
    "signoff_codes",
    "smtp_settings",
    "team_members",
    "timeline_events",
    "verifications",
    "work_orders",
    "workstation",
    "search_docs",
    "search_rebuild",
];

/// References that point forward in [`TABLES`] (a case names its problem; the problem names the
/// case it came from): copied empty, then filled in once the rows they name have arrived.
const FORWARD_REFERENCES: &[(&str, &str)] = &[("cases", "problem_id")];

/// Totals the schema's triggers keep as rows arrive: not copied (they count the copied rows).
/// The search index is built anew from the copied rows (`search::rebuild`).
const DERIVED: &[&str] = &[
    "active_case_counts",
    "open_alert_count",
    "search_docs",
    "search_rebuild",
];

/// Tables a new desk starts with rows in (settings, the built-in alert rules, the report
/// template): the source's rows replace them.
const SEEDED: &[&str] = &[
    "aar_settings",
    "aar_template_sections",
    "alert_rules",
    "contact_categories",
    "process_settings",
];

/// What a copy moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub rows: i64,
    pub cases: i64,
    pub events: i64,
}

fn count(db: &Db, table: &str) -> Result<i64> {
    db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
}

/// Copies every row of `from` into `to`, which must be an empty desk at the same schema.
pub fn copy_desk(from: &Store, to: &Store) -> Result<CopyReport> {
    let (src, dst) = (from.conn(), to.conn());
    for table in TABLES.iter().filter(|t| !DERIVED.contains(t) && !SEEDED.contains(t)) {
        if count(dst, table)? > 0 {
            // Logins mapped with `desk grant` are rows of `users`: the usual slip is mapping first.
            let order = if *table == "users" {
                " (copy first, then map the logins with desk grant)"
            } else {
                ""
            };
            return Err(Error::Refused(format!(
                "The target desk is not empty ({table} has rows): a copy goes into a new, empty desk only{order}; nothing was copied."
            )));
        }
    }
    let tx = dst.transaction()?;
    for table in SEEDED.iter().rev() {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let mut rows = 0;
    for table in TABLES.iter().filter(|t| !DERIVED.contains(t)) {
        rows += copy_table(src, &tx, table)?;
    }
    for (table, column) in FORWARD_REFERENCES {
        let links: Vec<(i64, i64)> = src
            .prepare_cached(&format!("SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_>>()?;
        let mut update = tx.prepare_cached(&format!("UPDATE {table} SET {column} = ?2 WHERE id = ?1"))?;
        for (id, target) in links {
            update.execute([id, target])?;
        }
    }
    if dst.is_postgres() {
        move_sequences_past_copied_ids(&tx)?;
    }
    super::search::rebuild(&tx)?;
    // Verified inside the transaction (the same connection sees its own rows): a damaged copy
    // is never committed.
    let report = verify_all_timelines(to)?;
    if !report.broken.is_empty() {
        return Err(Error::Refused(format!(
            "The copy did not verify, so nothing was committed: {}",
            report.describe_broken(5)
        )));
    }
    let heads = |db: &Db| -> Result<Vec<(i64, String)>> {
        db.prepare_cached("SELECT id, timeline_head FROM cases ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    };
    if heads(src)? != heads(&tx)? {
        return Err(Error::Refused(
            "The copied cases' chain heads differ from the source's, so nothing was committed.".into(),
        ));
    }
    tx.commit()?;
    Ok(CopyReport {
        rows,
        cases: report.cases_checked,
        events: report.events_checked,
    })
}

fn copy_table(src: &Db, dst: &Db, table: &str) -> Result<i64> {
    let select = format!("SELECT * FROM {table}");
    let columns = src.prepare_cached(&select)?.column_names()?;
    let width = columns.len();
    let later: Vec<usize> = FORWARD_REFERENCES
        .iter()
        .filter(|(t, _)| *t == table)
        .filter_map(|(_, c)| columns.iter().position(|name| name == c))
        .collect();
    let values: Vec<Vec<Value>> = src
        .prepare_cached(&select)?
        .query_map([], |r| {
            (0..width)
                .map(|i| {
                    if later.contains(&i) {
                        Ok(Value::Null)
                    } else {
                        r.get::<_, Value>(i)
                    }
                })
                .collect()
        })?
        .collect::<Result<_>>()?;
    let placeholders: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    );
    let mut stmt = dst.prepare_cached(&insert)?;
    for row in &values {
        stmt.execute(params_from_iter(row))
            .map_err(|e| Error::Refused(format!("Copying {table} failed at a row ({e}); nothing was committed.")))?;
    }
    Ok(values.len() as i64)
}

/// After rows arrive with their ids, each identity column's next value is past the largest.
fn move_sequences_past_copied_ids(db: &Db) -> Result<()> {
    let identities: Vec<(String, String)> = db
        .prepare_cached(
            "SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_>>()?;
    for (table, column) in identities {
        db.query_row(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            ),
            [],
            |_| Ok(()),
        )?;
    }
    Ok(())
}
