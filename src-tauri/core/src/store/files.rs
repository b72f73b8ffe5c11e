//! Files the desk writes beside its database (the database itself, reports, exports): readable by
//! the user only, since they hold names, addresses and incident details of a state agency.
//!
//! Invariant: folders we create are 0700 and files 0600 on Unix; SQLite gives its WAL and shared
//! memory files the mode of the database file, so they follow.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::Result;

/// Creates `dir` and its missing parents, readable by the user only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)?;
    Ok(())
}

pub(crate) fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// Writes a new file (never replacing one), readable by the user only.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = private_options().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Creates an empty file readable by the user only, if there is none (before SQLite opens it).
pub fn touch_private(path: &Path) -> Result<()> {
    match private_options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Removes a file being replaced; one already gone (another writer replaced it first) is fine.
pub fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// `name` as a file name: ASCII letters, digits and '-', anything else '-' (a ticket, a stamp).
pub fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
        .collect()
}

/// `path` with `suffix` added to its file name (`desk.sqlite3` -> `desk.sqlite3-wal`): the files
/// that sit beside a desk (its WAL, lock, socket, pending restore).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}
