//! Where the database lives: `--db <file>` on the command line, else `ESCALATION_DESK_DB`, else
//! `escalation-desk/escalation-desk.sqlite3` in the user's data folder (XDG: ~/.local/share).
//! A team desk: `--desk URL`, else `ESCALATION_DESK_URL`, else the one connected to from the
//! first-start screen (its address saved beside the file; its password never in a file), unless a
//! file was asked for by name.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use escalation_core::desk::TeamDeskAddress;

pub const DB_ENV: &str = "ESCALATION_DESK_DB";
/// A team desk on PostgreSQL: `--desk postgres://...` or this variable (over any SQLite file).
pub const DESK_URL_ENV: &str = "ESCALATION_DESK_URL";

/// The team desk to open, if one is asked for: `--desk URL` (or `--desk=URL`), else
/// `ESCALATION_DESK_URL`. Without one the window opens the SQLite file of [`database_path`].
pub fn team_desk_url(args: impl IntoIterator<Item = OsString>, env: Option<OsString>) -> Option<String> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--desk" {
            return args.next().map(|u| u.to_string_lossy().into_owned());
        } else if let Some(url) = arg.to_str().and_then(|a| a.strip_prefix("--desk=")) {
            return Some(url.to_owned());
        }
    }
    env.filter(|u| !u.is_empty()).map(|u| u.to_string_lossy().into_owned())
}

/// Whether a SQLite file was named (`--db`, or `ESCALATION_DESK_DB`): it wins over a saved team desk.
pub fn file_asked_for(args: impl IntoIterator<Item = OsString>, env: Option<OsString>) -> bool {
    args.into_iter()
        .any(|a| a == "--db" || a.to_str().is_some_and(|a| a.starts_with("--db=")))
        || env.is_some_and(|p| !p.is_empty())
}

/// Where the address of the team desk connected to from the first-start screen is kept.
pub fn team_desk_file(data_dir: Option<PathBuf>) -> PathBuf {
    data_dir
        .unwrap_or_else(|| PathBuf::from("."))
        .join("escalation-desk")
        .join("team-desk.json")
}

/// The saved team desk, if there is one; a file that cannot be read is logged and left alone
/// (the app then opens this workstation's desk, and connecting again replaces it).
pub fn load_team_desk(file: &Path) -> Option<TeamDeskAddress> {
    let text = std::fs::read_to_string(file).ok()?;
    serde_json::from_str(&text)
        .inspect_err(|e| log::warn!("ignoring {}: {e}", file.display()))
        .ok()
}

/// Saves the team desk to open at the next start: written beside, then renamed over the old one,
/// so a crash leaves the old file or the new one, never half of one.
pub fn save_team_desk(file: &Path, address: &TeamDeskAddress) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = file.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_string_pretty(address)?)?;
    std::fs::rename(&partial, file)
}

/// The next start opens this workstation's desk again.
pub fn forget_team_desk(file: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

pub fn database_path(
    args: impl IntoIterator<Item = OsString>,
    env: Option<OsString>,
    data_dir: Option<PathBuf>,
) -> PathBuf {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--db" {
            if let Some(path) = args.next() {
                return PathBuf::from(path);
            }
        } else if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--db=")) {
            return PathBuf::from(path);
        }
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    data_dir
        .unwrap_or_else(|| PathBuf::from("."))
        .join("escalation-desk")
        .join("escalation-desk.sqlite3")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_command_line_flag_wins_over_the_environment() {
        let p = database_path(
            args(&["app", "--db", "/tmp/a.sqlite3"]),
            Some("/tmp/b.sqlite3".into()),
            None,
        );
        assert_eq!(p, PathBuf::from("/tmp/a.sqlite3"));
        let p = database_path(args(&["app", "--db=/tmp/c.sqlite3"]), None, None);
        assert_eq!(p, PathBuf::from("/tmp/c.sqlite3"));
    }

    #[test]
    fn a_team_desk_is_asked_for_by_flag_or_environment_and_otherwise_not_at_all() {
        let url = team_desk_url(
            args(&["app", "--desk", "postgres://h/d"]),
            Some("postgres://e/x".into()),
        );
        assert_eq!(url.as_deref(), Some("postgres://h/d"));
        assert_eq!(
            team_desk_url(args(&["app", "--desk=postgres://h/d"]), None).as_deref(),
            Some("postgres://h/d")
        );
        assert_eq!(
            team_desk_url(args(&["app"]), Some("postgres://e/x".into())).as_deref(),
            Some("postgres://e/x")
        );
        assert_eq!(
            team_desk_url(args(&["app", "--db", "/tmp/a.sqlite3"]), Some("".into())),
            None
        );
    }

    #[test]
    fn a_file_named_on_the_command_line_or_in_the_environment_wins_over_a_saved_team_desk() {
        assert!(file_asked_for(args(&["app", "--db", "/tmp/a.sqlite3"]), None));
        assert!(file_asked_for(args(&["app", "--db=/tmp/a.sqlite3"]), None));
        assert!(file_asked_for(args(&["app"]), Some("/tmp/b.sqlite3".into())));
        assert!(!file_asked_for(args(&["app"]), Some("".into())));
        assert!(!file_asked_for(args(&["app", "--desk", "postgres://h/d"]), None));
    }

    #[test]
    fn a_saved_team_desk_is_read_back_and_forgotten_and_holds_no_password() {
        let dir = tempfile::tempdir().unwrap();
        let file = team_desk_file(Some(dir.path().to_path_buf()));
        assert_eq!(load_team_desk(&file), None, "nothing saved yet");
        let address = TeamDeskAddress {
            host: "db.doit.state.gov".into(),
            port: 5432,
            database: "escalation".into(),
            user: "dana".into(),
            ca_file: Some("/etc/ssl/doit-ca.pem".into()),
        };
        save_team_desk(&file, &address).unwrap();
        assert_eq!(load_team_desk(&file), Some(address));
        assert!(!std::fs::read_to_string(&file)
            .unwrap()
            .to_lowercase()
            .contains("password"));
        std::fs::write(&file, "{ not json").unwrap();
        assert_eq!(load_team_desk(&file), None, "a damaged file is ignored, not a crash");
        forget_team_desk(&file).unwrap();
        forget_team_desk(&file).unwrap();
        assert!(!file.exists());
    }

    #[test]
    fn the_environment_variable_is_used_without_a_flag() {
        let p = database_path(
            args(&["app"]),
            Some("/tmp/b.sqlite3".into()),
            Some("/home/u/.local/share".into()),
        );
        assert_eq!(p, PathBuf::from("/tmp/b.sqlite3"));
    }

    #[test]
    fn by_default_the_database_is_in_the_users_data_folder() {
        let p = database_path(args(&["app"]), None, Some("/home/u/.local/share".into()));
        assert_eq!(
            p,
            PathBuf::from("/home/u/.local/share/escalation-desk/escalation-desk.sqlite3")
        );
    }
}
