//! Numbered SQL migrations embedded at compile time, applied in order and recorded in
//! `PRAGMA user_version`.
//!
//! Invariants: the list is append-only (a shipped migration is never edited or reordered);
//! migration N runs in one transaction together with setting `user_version = N`, so a crash
//! leaves the database at N-1 or N, never in between; a database newer than this build is refused.

use rusqlite::{Connection, OptionalExtension};

use crate::store::db::Optional;

use crate::error::{Error, Result};

/// `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_workstation_users.sql"),
    include_str!("../../migrations/0002_cases_and_timeline.sql"),
    include_str!("../../migrations/0003_directory_and_team.sql"),
    include_str!("../../migrations/0004_mail_and_communications.sql"),
    include_str!("../../migrations/0005_action_plans.sql"),
    include_str!("../../migrations/0006_escalation_ladder.sql"),
    include_str!("../../migrations/0007_executive_alerts.sql"),
    include_str!("../../migrations/0008_after_action_reports.sql"),
    include_str!("../../migrations/0009_warranty_review_closure.sql"),
    include_str!("../../migrations/0010_report_logo.sql"),
    include_str!("../../migrations/0011_import_mappings.sql"),
    include_str!("../../migrations/0012_append_only_refuses_replace.sql"),
    include_str!("../../migrations/0013_outbox_held_and_delivery_unknown.sql"),
    include_str!("../../migrations/0014_review_held_at.sql"),
    include_str!("../../migrations/0015_cases_reference_directory.sql"),
    include_str!("../../migrations/0016_signoff_codes_and_identity_trail.sql"),
    include_str!("../../migrations/0017_pages_read_their_own_rows.sql"),
    include_str!("../../migrations/0018_user_logins.sql"),
    include_str!("../../migrations/0019_team_desk_rules.sql"),
    include_str!("../../migrations/0020_search_index.sql"),
    include_str!("../../migrations/0021_imported_case_chain.sql"),
    include_str!("../../migrations/0022_backups_kept.sql"),
];

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("PRAGMA user_version")?
        .query_row([], |r| r.get(0))?)
}

/// Applies every migration the database does not have yet; returns how many ran.
pub fn migrate(conn: &mut Connection) -> Result<usize> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Migrates up to `target` (tests use it to build a database at an older schema).
pub fn migrate_to(conn: &mut Connection, target: usize) -> Result<usize> {
    let known = MIGRATIONS.len() as i64;
    let found = schema_version(conn)?;
    if found > known {
        return Err(Error::SchemaTooNew { found, known });
    }
    if found < 0 {
        // Cast to usize, a negative version would skip every migration and open a damaged schema.
        return Err(Error::Refused(format!(
            "The database file's schema version is {found}, which no version of Escalation Desk writes: the file is damaged or not ours. Restore it from a backup."
        )));
    }
    // A migration that rebuilds a table (SQLite's way to change a constraint) must drop the old
    // one while others still point at it: foreign keys are off for the run (the pragma is a no-op
    // inside a transaction) and checked before each commit instead.
    let enforced: bool = conn
        .prepare_cached("PRAGMA foreign_keys")?
        .query_row([], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = run_migrations(conn, found as usize, target);
    conn.pragma_update(None, "foreign_keys", if enforced { "ON" } else { "OFF" })?;
    result
}

fn run_migrations(conn: &mut Connection, found: usize, target: usize) -> Result<usize> {
    let mut ran = 0;
    for (i, sql) in MIGRATIONS.iter().enumerate().take(target).skip(found) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        let broken: Option<String> = tx
            .prepare_cached("PRAGMA foreign_key_check")?
            .query_row([], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(Error::Internal(format!(
                "migration {} left a broken reference in {table}; nothing was changed",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        log::info!("database migrated to schema {}", i + 1);
        ran += 1;
    }
    Ok(ran)
}

/// PostgreSQL desks: `(version, sql)`, each bringing the schema to `version`. A team desk starts at
/// the schema SQLite desks reached in migration 17 (no PostgreSQL desk is older); every later
/// migration has one file per engine with the same number.
pub const PG_MIGRATIONS: &[(i64, &str)] = &[
    (17, include_str!("../../migrations/pg/0017_desk.sql")),
    (18, include_str!("../../migrations/pg/0018_user_logins.sql")),
    (19, include_str!("../../migrations/pg/0019_team_desk_rules.sql")),
    (20, include_str!("../../migrations/pg/0020_search_index.sql")),
    (21, include_str!("../../migrations/pg/0021_imported_case_chain.sql")),
    (22, include_str!("../../migrations/pg/0022_backups_kept.sql")),
];

/// An arbitrary key for the advisory lock that keeps two workstations from migrating one team
/// desk at the same time.
const PG_MIGRATION_LOCK: i64 = 0x4553_4344_4553_4b00;

/// The schema version of a PostgreSQL desk (0 for an empty database).
pub fn pg_schema_version(db: &crate::store::db::Db) -> Result<i64> {
    // Made only where missing: even IF NOT EXISTS needs the right to create in the schema, which a
    // member's login does not have (store::team_desk).
    let made: i64 = db.query_row(
        "SELECT CASE WHEN to_regclass('desk_schema') IS NULL THEN 0 ELSE 1 END",
        [],
        |r| r.get(0),
    )?;
    if made == 0 {
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS desk_schema (id bigint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
        )?;
    }
    Ok(db
        .query_row("SELECT version FROM desk_schema WHERE id = 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Applies every PostgreSQL migration the desk does not have yet, each in one transaction with
/// its version; returns how many ran.
pub fn migrate_pg(db: &crate::store::db::Db) -> Result<usize> {
    let known = PG_MIGRATIONS.last().map_or(0, |(v, _)| *v);
    let mut ran = 0;
    let tx = db.transaction()?;
    tx.query_row("SELECT pg_advisory_xact_lock(?1)", [PG_MIGRATION_LOCK], |_| Ok(()))?;
    let found = pg_schema_version(&tx)?;
    if found > known {
        return Err(Error::SchemaTooNew { found, known });
    }
    for (version, sql) in PG_MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO desk_schema (id, version) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            [version],
        )?;
        log::info!("team desk migrated to schema {version}");
        ran += 1;
    }
    tx.commit()?;
    Ok(ran)
}
