//! Consistent copies of a SQLite desk, made with SQLite's online backup API: the desk may be in use
//! (the app open, the outbox sending) while it is copied, and the copy is one moment of it.
//!
//! Invariants: a backup never overwrites a file (an existing target is refused); the copy is
//! readable by the user only, like the desk; it is checked (`PRAGMA integrity_check`) before the
//! call returns, and a copy that fails the check is removed, never left looking like a backup.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use super::{files, Store};
use crate::error::{Error, Result};

/// Pages copied per step: small steps let the desk's own writers in between.
const PAGES_PER_STEP: std::os::raw::c_int = 256;

pub fn backup_to(store: &Store, target: &Path) -> Result<()> {
    if store.conn().is_postgres() {
        return Err(Error::Refused(
            "A team desk on PostgreSQL is backed up by its server (pg_dump), not by Escalation Desk.".into(),
        ));
    }
    let refuse = || {
        Error::Refused(format!(
            "{} already exists: a backup never overwrites a file; choose a new name.",
            target.display()
        ))
    };
    if target.symlink_metadata().is_ok() {
        return Err(refuse()); // a file, a folder, or a link (even one pointing nowhere)
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        files::create_private_dir(dir)?;
    }
    // Made here, exclusively: a file that appeared since the check above is refused, not overwritten.
    match files::private_options().write(true).create_new(true).open(target) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(refuse()),
        Err(e) => return Err(Error::Internal(format!("cannot create {}: {e}", target.display()))),
    }
    let copied = (|| -> Result<()> {
        let mut dst = Connection::open(target)?;
        rusqlite::backup::Backup::new(store.conn().sqlite_connection(), &mut dst)?.run_to_completion(
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
        Ok(())
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(target);
    }
    copied
}
