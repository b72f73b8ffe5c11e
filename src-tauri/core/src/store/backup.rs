//! Consistent copies of a SQLite desk, made with SQLite's online backup API: the desk may be in use
//! (the app open, the outbox sending) while it is copied, and the copy is one moment of it. The
//! automatic ones (daily, and before every migration) live in `backups/` beside the desk, named
//! as `crate::backup` says; restoring one puts it in the desk's place.
//!
//! Invariants:
//! - A backup never overwrites a file (an existing target is refused); the copy is readable by the
//!   user only, like the desk; it is checked (`PRAGMA integrity_check`) before the call returns,
//!   and a copy that fails the check is removed, never left looking like a backup. An automatic
//!   one is written under a hidden `.partial` name and renamed once checked.
//! - A restore never destroys anything: the backup is checked whole first (SQLite's integrity
//!   check, a schema this build reads, every chain verifying), the desk it replaces is moved into
//!   the backup folder as it was (with its WAL, so what it held stays readable), and the backup is
//!   copied to a temporary file that is renamed into place only once complete. It runs only while
//!   its caller holds the desk's instance lock: no window has the file open.
//! - A migration that cannot be backed up first does not run: the desk stays as it was.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::instance::InstanceLock;
use super::{files, migrations, Store};
use crate::backup::{self as rules, Backup, BackupReason};
use crate::error::{Error, Result};

/// Pages copied per step: small steps let the desk's own writers in between.
const PAGES_PER_STEP: std::os::raw::c_int = 256;

/// The backup folder of the desk at `desk`.
pub fn backups_dir(desk: &Path) -> PathBuf {
    desk.parent().unwrap_or(Path::new(".")).join("backups")
}

fn stem(desk: &Path) -> String {
    desk.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "desk".into())
}

/// The file a restore at the next start will restore (written by the restore screen, which cannot
/// replace the file the window has open).
fn pending_marker(desk: &Path) -> PathBuf {
    files::with_suffix(desk, ".restore")
}

/// A manual backup to a file the user names (`escalation-desk backup FILE`).
pub fn backup_to(store: &Store, target: &Path) -> Result<()> {
    if store.conn().is_postgres() {
        return Err(Error::Refused(
            "A team desk on PostgreSQL is backed up by its server (pg_dump), not by Escalation Desk.".into(),
        ));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        files::create_private_dir(dir)?;
    }
    copy_database(store.conn().sqlite_connection(), target)
}

/// Copies the database open on `source` to a new file `target`, checked.
fn copy_database(source: &Connection, target: &Path) -> Result<()> {
    let refuse = || {
        Error::Refused(format!(
            "{} already exists: a backup never overwrites a file; choose a new name.",
            target.display()
        ))
    };
    if target.symlink_metadata().is_ok() {
        return Err(refuse()); // a file, a folder, or a link (even one pointing nowhere)
    }
    // Made here, exclusively: a file that appeared since the check above is refused, not overwritten.
    match files::private_options().write(true).create_new(true).open(target) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(refuse()),
        Err(e) => return Err(Error::Internal(format!("cannot create {}: {e}", target.display()))),
    }
    let copied = (|| -> Result<()> {
        let mut dst = Connection::open(target)?;
        rusqlite::backup::Backup::new(source, &mut dst)?.run_to_completion(
            PAGES_PER_STEP,
            Duration::from_millis(5),
            None,
        )?;
        let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(Error::Internal(format!(
                "the copy does not pass SQLite's integrity check: {check}"
            )));
        }
        // The copy is in rollback-journal mode with nothing pending: one file, complete on disk.
        std::fs::File::open(target)?.sync_all()?;
        Ok(())
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(target);
    }
    copied
}

/// The desk's backups, newest first.
pub fn list(desk: &Path) -> Result<Vec<Backup>> {
    let dir = backups_dir(desk);
    let stem = stem(desk);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::Internal(format!("cannot read {}: {e}", dir.display()))),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((taken_at, reason)) = rules::parse_name(&stem, &name) else {
            continue;
        };
        let meta = entry.metadata()?;
        if meta.is_file() {
            out.push(Backup {
                name,
                taken_at,
                reason,
                bytes: meta.len(),
            });
        }
    }
    out.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then_with(|| b.name.cmp(&a.name)));
    Ok(out)
}

/// Takes an automatic backup of the database open on `source` (the desk at `desk`), then removes
/// the automatic backups beyond the newest `kept`.
fn take(source: &Connection, desk: &Path, reason: BackupReason, kept: i64) -> Result<Backup> {
    let dir = backups_dir(desk);
    files::create_private_dir(&dir)?;
    let (taken_at, name) = fresh_name(&dir, desk, reason);
    // Copied under a name the listing does not read, then renamed: a copy cut short (the app
    // closed or killed meanwhile) never looks like a backup, nor keeps the day's from being taken.
    let partial = dir.join(format!(".{name}.partial"));
    files::remove_if_there(&partial)?;
    copy_database(source, &partial)?;
    std::fs::rename(&partial, dir.join(&name))?;
    let backups = list(desk)?;
    for old in rules::beyond_kept(&backups, kept) {
        if old.name != name {
            files::remove_if_there(&dir.join(&old.name))?;
        }
    }
    let bytes = std::fs::metadata(dir.join(&name))?.len();
    log::info!("backup taken ({}): {}", reason.describe(), dir.join(&name).display());
    Ok(Backup {
        name,
        taken_at,
        reason,
        bytes,
    })
}

/// How many automatic backups the desk keeps (its setting, or the default on a desk too old to
/// have one: the backup before its first migration to 0022).
fn kept_on(conn: &Connection) -> i64 {
    conn.query_row("SELECT backups_kept FROM workstation WHERE id = 1", [], |r| r.get(0))
        .unwrap_or(rules::DEFAULT_KEPT)
}

pub fn kept(store: &Store) -> i64 {
    match store.conn().is_postgres() {
        true => rules::DEFAULT_KEPT,
        false => kept_on(store.conn().sqlite_connection()),
    }
}

/// Sets how many automatic backups the desk keeps; the ones beyond are removed at the next backup.
pub fn set_kept(store: &Store, kept: i64) -> Result<i64> {
    refuse_team_desk(store)?;
    let kept = rules::validate_kept(kept)?;
    let changed = store
        .conn()
        .execute("UPDATE workstation SET backups_kept = ?1 WHERE id = 1", [kept])?;
    if changed == 0 {
        return Err(Error::NoIdentity);
    }
    Ok(kept)
}

fn refuse_team_desk(store: &Store) -> Result<()> {
    match store.conn().is_postgres() {
        true => Err(Error::Refused(
            "A team desk on PostgreSQL is backed up by its server (pg_dump), not by Escalation Desk.".into(),
        )),
        false => Ok(()),
    }
}

/// The day's backup, if none was taken in the last day. Nothing on a team desk.
pub fn daily_if_due(store: &Store) -> Result<Option<Backup>> {
    if store.conn().is_postgres() {
        return Ok(None);
    }
    if !rules::daily_due(&list(store.path())?, super::now()) {
        return Ok(None);
    }
    let conn = store.conn().sqlite_connection();
    take(conn, store.path(), BackupReason::Daily, kept_on(conn)).map(Some)
}

/// Before migrating the desk at `desk` (open on `conn`) from schema `from`: a backup, unless the
/// file is new (schema 0, nothing to lose).
pub(super) fn before_migration(conn: &Connection, desk: &Path, from: i64) -> Result<()> {
    if from <= 0 || from >= migrations::MIGRATIONS.len() as i64 {
        return Ok(());
    }
    take(conn, desk, BackupReason::BeforeMigration { from }, kept_on(conn))
        .map(|_| ())
        .map_err(|e| {
            Error::Refused(format!(
                "The desk was not upgraded: the backup taken before every upgrade failed ({e}). It is as it was; free some disk space or check {}, then start again.",
                backups_dir(desk).display()
            ))
        })
}

/// SQLite's integrity check of the desk's file (run at every start, in the background): "ok" or
/// the first problems it found; None on a team desk (its server keeps its own files whole).
pub fn file_check(store: &Store) -> Result<Option<String>> {
    if store.conn().is_postgres() {
        return Ok(None);
    }
    let checked = (|| -> rusqlite::Result<Vec<String>> {
        store
            .conn()
            .sqlite_connection()
            .prepare("PRAGMA integrity_check(20)")?
            .query_map([], |r| r.get(0))?
            .collect()
    })();
    // A file damaged badly enough fails the check itself ("database disk image is malformed"):
    // that is its finding too.
    Ok(Some(match checked {
        Ok(found) => found.join("; "),
        Err(e) => e.to_string(),
    }))
}

/// What a backup holds, checked whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupCheck {
    pub name: String,
    pub cases: i64,
    pub events: i64,
}

/// Checks the backup file at `path` as a restore would: SQLite's integrity check, a schema this
/// build reads, and every case's chain.
pub fn check(path: &Path) -> Result<BackupCheck> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = |why: String| Error::Refused(format!("{} cannot be restored: {why}", path.display()));
    if !path.is_file() {
        return Err(bad("there is no such file".into()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| bad(e.to_string()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| bad(format!("it is not a readable desk ({e})")))?;
    if integrity != "ok" {
        return Err(bad(format!("it is damaged (SQLite's integrity check: {integrity})")));
    }
    let version = migrations::schema_version(&conn).map_err(|e| bad(e.to_string()))?;
    let known = migrations::MIGRATIONS.len() as i64;
    if !(1..=known).contains(&version) {
        return Err(bad(format!(
            "its schema version is {version}, this build reads 1 to {known}"
        )));
    }
    drop(conn);
    let store = Store::open_read_only(path).map_err(|e| bad(e.to_string()))?;
    let report = super::timeline::verify_all_timelines(&store).map_err(|e| bad(e.to_string()))?;
    if !report.broken.is_empty() {
        return Err(bad(report.describe_broken(3)));
    }
    Ok(BackupCheck {
        name,
        cases: report.cases_checked,
        events: report.events_checked,
    })
}

/// A backup of this desk by its name in the backup folder (the restore screen's way to name one):
/// only a name the folder's pattern reads, never a path.
pub fn named(desk: &Path, name: &str) -> Result<PathBuf> {
    if rules::parse_name(&stem(desk), name).is_none() || name.contains(['/', '\\']) {
        return Err(Error::Refused(format!("{name:?} is not a backup of this desk.")));
    }
    Ok(backups_dir(desk).join(name))
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub restored: BackupCheck,
    /// The name the replaced desk was kept under in the backup folder (none when there was no desk).
    pub replaced: Option<String>,
}

/// Puts the backup at `backup` in the place of the desk at `desk` (see the invariants). `_lock` is
/// the desk's instance lock: proof that no window has the file open.
pub fn restore(desk: &Path, backup: &Path, _lock: &InstanceLock) -> Result<Restored> {
    let checked = check(backup)?;
    let dir = desk.parent().unwrap_or(Path::new("."));
    files::create_private_dir(dir)?;
    let incoming = dir.join(format!(".{}.restoring", stem(desk)));
    files::remove_if_there(&incoming)?; // a restore a crash cut short
    {
        let source = Connection::open_with_flags(
            backup,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        copy_database(&source, &incoming)?;
    }
    let replaced = if desk.exists() {
        let folder = backups_dir(desk);
        files::create_private_dir(&folder)?;
        let (_, name) = fresh_name(&folder, desk, BackupReason::Replaced);
        // The WAL first: a desk without its WAL would lose what was not checkpointed yet, a WAL
        // without its desk is harmless.
        for suffix in ["-wal", ""] {
            let from = files::with_suffix(desk, suffix);
            if from.exists() {
                std::fs::rename(&from, files::with_suffix(&folder.join(&name), suffix))?;
            }
        }
        files::remove_if_there(&files::with_suffix(desk, "-shm"))?;
        Some(name)
    } else {
        None
    };
    std::fs::rename(&incoming, desk)?;
    std::fs::File::open(dir)?.sync_all()?;
    log::info!(
        "restored {} into {} ({} cases, {} events)",
        backup.display(),
        desk.display(),
        checked.cases,
        checked.events
    );
    Ok(Restored {
        restored: checked,
        replaced,
    })
}

/// A backup name for now that no file in `dir` has yet. Whole seconds: the name holds no more,
/// and the listing reads the time from the name; two in one second (a migration right after the
/// day's backup) take the next second's name.
fn fresh_name(dir: &Path, desk: &Path, reason: BackupReason) -> (chrono::DateTime<chrono::Utc>, String) {
    let now = super::now();
    let mut taken_at = chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now);
    let mut name = rules::file_name(&stem(desk), taken_at, reason);
    while dir.join(&name).symlink_metadata().is_ok() {
        taken_at += chrono::TimeDelta::seconds(1);
        name = rules::file_name(&stem(desk), taken_at, reason);
    }
    (taken_at, name)
}

/// Asks for the backup `name` to be restored at the next start (the restore screen: the window has
/// the desk open, so the restore happens before it opens it again). Checked now, so a bad backup is
/// refused on the screen, not at the next start.
pub fn restore_at_next_start(desk: &Path, name: &str) -> Result<BackupCheck> {
    let checked = check(&named(desk, name)?)?;
    let marker = pending_marker(desk);
    files::remove_if_there(&marker)?;
    files::write_private(&marker, name.as_bytes())?;
    Ok(checked)
}

/// At start, before the desk is opened: the restore the restore screen asked for, if any. The
/// marker is removed whatever happens, so a backup that fails is not tried at every start.
pub fn finish_pending_restore(desk: &Path, lock: &InstanceLock) -> Result<Option<Restored>> {
    let marker = pending_marker(desk);
    let name = match std::fs::read_to_string(&marker) {
        Ok(name) => name,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    files::remove_if_there(&marker)?;
    restore(desk, &named(desk, name.trim())?, lock).map(Some)
}
