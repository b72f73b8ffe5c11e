//! Where the database lives: `--db <file>` on the command line, else `ESCALATION_DESK_DB`, else
//! `escalation-desk/escalation-desk.sqlite3` in the user's data folder (XDG: ~/.local/share).

use std::ffi::OsString;
use std::path::PathBuf;

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
