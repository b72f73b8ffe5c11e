//! The command line beside the window: `escalation-desk verify`, `escalation-desk backup FILE`,
//! `case-file export TICKET FILE`, `case-file verify FILE`, `case-file import FILE`,
//! `desk init URL`, `desk copy --from DESK --to DESK`, `--version` and `--help`. `verify` and
//! `backup` work on the desk the window would open (`--db FILE`, `ESCALATION_DESK_DB`, or the
//! user's data folder); a DESK of `desk copy` is a SQLite file or a `postgres://` URL (the
//! password from `PGPASSWORD` when the URL has none; a private CA from `ESCALATION_DESK_CA`).
//!
//! Invariants: a subcommand never opens a window and never creates a desk by accident (a missing
//! file is an error, not a new empty desk; only `desk init` and a `desk copy` target are made); its errors are one line on stderr with a non-zero exit code (2: the
//! command line is wrong, 1: the work failed); with no subcommand the window starts as usual.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use escalation_core::store::{backup, migrations, timeline};
use escalation_core::Store;

pub const USAGE: &str = "\
Escalation Desk: escalations from intake to closure.

Usage:
  escalation-desk [--db FILE]                 start the window on the desk
  escalation-desk --desk URL                  start the window on a team desk (postgres://user@host/db;
                                              also $ESCALATION_DESK_URL; password from $PGPASSWORD)
  escalation-desk verify [--db FILE]          check every case's timeline chain
  escalation-desk backup TARGET [--db FILE]   copy the desk, consistently, while it may be in use
                                              (a team desk on PostgreSQL: use pg_dump)
  escalation-desk restore [BACKUP] [--db FILE]
                                              without BACKUP: list the desk's automatic backups;
                                              with one (a file, or a name from the list): check it
                                              whole and put it in the desk's place, keeping the
                                              replaced desk in the backup folder (close the window
                                              first)
  escalation-desk case-file export TICKET FILE [--db FILE]
                                              write one case as a case file (a zip of JSON and
                                              PDFs with SHA-256 digests: docs/case-file.md)
  escalation-desk case-file verify FILE       check a case file: every digest and the timeline chain
  escalation-desk case-file import FILE [--db FILE]
                                              check a case file, then make it a case of the desk
  escalation-desk desk init URL               create a team desk's schema and group roles on an
                                              empty PostgreSQL database (postgres://user@host/db)
  escalation-desk desk grant URL LOGIN ROLE [--name NAME --email EMAIL]
                                              give a login on the server a desk role: viewer
                                              (reads), member, abrm, or manager (also opens cases),
                                              and say which person it is (needed the first time:
                                              every change on the desk is recorded as that person)
  escalation-desk desk copy --from DESK --to DESK
                                              move a whole desk into a new, empty one (a file or a
                                              postgres:// URL each way), every chain verified
  escalation-desk --version | --help

The desk is FILE, else $ESCALATION_DESK_DB, else escalation-desk/escalation-desk.sqlite3 in the
user's data folder. Exit codes: 0 done, 1 the work failed (a broken chain, a failed copy), 2 the
command line is wrong.";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Window,
    Version,
    Help,
    Verify,
    Backup(PathBuf),
    /// `None`: list the backups.
    Restore(Option<PathBuf>),
    CaseFileExport {
        ticket: String,
        target: PathBuf,
    },
    CaseFileVerify(PathBuf),
    CaseFileImport(PathBuf),
    DeskInit(String),
    DeskCopy {
        from: String,
        to: String,
    },
    DeskGrant {
        url: String,
        login: String,
        role: String,
        /// The person the login is: their name and email (both, or neither when already mapped).
        person: Option<(String, String)>,
    },
    /// A wrong command line, with what is wrong.
    Wrong(String),
}

/// Reads the arguments after the program name; `--db FILE` is left to `config::database_path`.
pub fn parse(args: &[OsString]) -> Command {
    let mut words = Vec::new();
    let mut flags = Vec::new();
    let (mut from, mut to) = (None, None);
    let (mut name, mut email) = (None, None);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        // The options that take a value, and what a missing value should have been.
        let takes_value = match a.as_str() {
            "--from" => Some((&mut from, "a desk: a file or a postgres:// URL")),
            "--to" => Some((&mut to, "a desk: a file or a postgres:// URL")),
            "--name" => Some((&mut name, "the person's name")),
            "--email" => Some((&mut email, "the person's email address")),
            _ => None,
        };
        if let Some((slot, wanted)) = takes_value {
            let Some(value) = args.get(i + 1) else {
                return Command::Wrong(format!("{a} needs {wanted} (see --help)"));
            };
            *slot = Some(value.to_string_lossy().into_owned());
            i += 2;
            continue;
        }
        if a == "--db" || a == "--desk" {
            if i + 1 >= args.len() {
                return Command::Wrong(format!(
                    "{a} needs the desk: a file for --db, a postgres:// URL for --desk (see --help)"
                ));
            }
            i += 2;
            continue;
        }
        let value_given = a.starts_with("--db=") || a.starts_with("--desk=");
        if a.starts_with('-') && !value_given {
            flags.push(a);
        } else if !value_given {
            words.push(args[i].clone());
        }
        i += 1;
    }
    if flags.iter().any(|f| f == "--help" || f == "-h") {
        return Command::Help;
    }
    if flags.iter().any(|f| f == "--version" || f == "-V") {
        return Command::Version;
    }
    if let Some(f) = flags.first() {
        return Command::Wrong(format!("unknown option {f} (see --help)"));
    }
    let word = |n: usize| words.get(n).map(|w| w.to_string_lossy().into_owned());
    match word(0).as_deref() {
        None => Command::Window,
        Some("verify") if words.len() == 1 => Command::Verify,
        Some("backup") if words.len() == 2 => Command::Backup(PathBuf::from(&words[1])),
        Some("backup") if words.len() < 2 => Command::Wrong("backup needs the file to write (see --help)".into()),
        Some("restore") if words.len() <= 2 => Command::Restore(words.get(1).map(PathBuf::from)),
        Some(w @ ("verify" | "backup" | "restore")) => {
            Command::Wrong(format!("too many arguments for {w} (see --help)"))
        }
        Some("case-file") => match (word(1).as_deref(), words.len()) {
            (Some("export"), 4) => Command::CaseFileExport {
                ticket: word(2).unwrap_or_default(),
                target: PathBuf::from(&words[3]),
            },
            (Some("export"), _) => {
                Command::Wrong("case-file export needs the ticket and the file to write (see --help)".into())
            }
            (Some("verify"), 3) => Command::CaseFileVerify(PathBuf::from(&words[2])),
            (Some("verify"), _) => Command::Wrong("case-file verify needs the case file (see --help)".into()),
            (Some("import"), 3) => Command::CaseFileImport(PathBuf::from(&words[2])),
            (Some("import"), _) => Command::Wrong("case-file import needs the case file (see --help)".into()),
            _ => Command::Wrong("case-file takes export, verify or import (see --help)".into()),
        },
        Some("desk") => match (word(1).as_deref(), words.len()) {
            (Some("init"), 3) => Command::DeskInit(word(2).unwrap_or_default()),
            (Some("init"), _) => Command::Wrong("desk init needs the team desk's postgres:// URL (see --help)".into()),
            (Some("copy"), 2) => match (from, to) {
                (Some(from), Some(to)) => Command::DeskCopy { from, to },
                _ => Command::Wrong("desk copy needs --from DESK and --to DESK (see --help)".into()),
            },
            (Some("copy"), _) => Command::Wrong("desk copy takes --from and --to, nothing else (see --help)".into()),
            (Some("grant"), 5) => match (name, email) {
                (Some(name), Some(email)) => Command::DeskGrant {
                    url: word(2).unwrap_or_default(),
                    login: word(3).unwrap_or_default(),
                    role: word(4).unwrap_or_default(),
                    person: Some((name, email)),
                },
                (None, None) => Command::DeskGrant {
                    url: word(2).unwrap_or_default(),
                    login: word(3).unwrap_or_default(),
                    role: word(4).unwrap_or_default(),
                    person: None,
                },
                _ => Command::Wrong("desk grant takes the person's --name and --email together (see --help)".into()),
            },
            (Some("grant"), _) => {
                Command::Wrong("desk grant needs the team desk's URL, a login and a role (see --help)".into())
            }
            _ => Command::Wrong("desk needs init, copy or grant (see --help)".into()),
        },
        Some(other) => Command::Wrong(format!("unknown command {other:?} (see --help)")),
    }
}

/// Runs a subcommand; `None` means: start the window.
pub fn run(args: &[OsString], desk: &Path) -> Option<i32> {
    let command = parse(args);
    let (code, out) = match command {
        Command::Window => return None,
        Command::Help => (0, Ok(USAGE.to_owned())),
        Command::Version => (0, Ok(format!("escalation-desk {}", env!("CARGO_PKG_VERSION")))),
        Command::Wrong(why) => (2, Err(why)),
        Command::Verify => match verify(desk) {
            Ok((true, text)) => (0, Ok(text)),
            Ok((false, text)) => (1, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::Restore(None) => match list_backups(desk) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::Restore(Some(backup)) => match restore(desk, &backup) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::CaseFileExport { ticket, target } => match case_file_export(desk, &ticket, &target) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::CaseFileImport(file) => match case_file_import(desk, &file) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::CaseFileVerify(file) => match case_file_verify(&file) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::DeskInit(url) => match desk_init(&url) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::DeskGrant {
            url,
            login,
            role,
            person,
        } => match desk_grant(&url, &login, &role, person) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::DeskCopy { from, to } => match desk_copy(&from, &to) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
        Command::Backup(target) => match existing(desk).and_then(|store| {
            backup::backup_to(&store, &target).map_err(|e| e.to_string())?;
            Ok(format!("Backed up {} to {}.", desk.display(), target.display()))
        }) {
            Ok(text) => (0, Ok(text)),
            Err(e) => (1, Err(e)),
        },
    };
    match out {
        Ok(text) => println!("{text}"),
        Err(why) => eprintln!("escalation-desk: {why}"),
    }
    Some(code)
}

fn list_backups(desk: &Path) -> Result<String, String> {
    let backups = backup::list(desk).map_err(|e| e.to_string())?;
    let folder = backup::backups_dir(desk);
    if backups.is_empty() {
        return Ok(format!("No backups of {} in {}.", desk.display(), folder.display()));
    }
    let mut out = format!("Backups of {} in {}, newest first:", desk.display(), folder.display());
    for b in backups {
        out.push_str(&format!(
            "\n  {}  {} ({}, {})",
            b.name,
            b.taken_at.format("%Y-%m-%d %H:%M UTC"),
            b.reason.describe(),
            escalation_core::limits::grouped(b.bytes as usize) + " bytes"
        ));
    }
    out.push_str("\nRestore one with: escalation-desk restore NAME");
    Ok(out)
}

/// Restores `backup` (a path, or a name in the desk's backup folder) over the desk, holding the
/// desk's instance lock so no window has it open meanwhile.
fn restore(desk: &Path, backup: &Path) -> Result<String, String> {
    use escalation_core::store::instance::{Claim, InstanceLock};
    let file = if backup.components().count() == 1 && !backup.exists() {
        escalation_core::store::backup::named(desk, &backup.to_string_lossy()).map_err(|e| e.to_string())?
    } else {
        backup.to_path_buf()
    };
    let lock = match InstanceLock::acquire(desk).map_err(|e| format!("{}: {e}", desk.display()))? {
        Claim::Ours(lock) => lock,
        Claim::AlreadyOpen { .. } => {
            return Err(format!(
                "{} is open in an Escalation Desk window: close it first (or restore from its Backups screen)",
                desk.display()
            ))
        }
    };
    let done = backup::restore(desk, &file, &lock).map_err(|e| e.to_string())?;
    let kept = match done.replaced {
        Some(name) => format!(
            " The desk it replaced is kept as {}.",
            backup::backups_dir(desk).join(name).display()
        ),
        None => String::new(),
    };
    Ok(format!(
        "Restored {} into {}: {} cases, {} events, every chain verified.{kept}",
        file.display(),
        desk.display(),
        done.restored.cases,
        done.restored.events
    ))
}

/// Opens a desk that exists, read-only and as it is: a subcommand never makes, migrates or writes
/// a desk (a backup taken before an upgrade must be of the desk before it).
fn existing(desk: &Path) -> Result<Store, String> {
    if !desk.is_file() {
        return Err(format!("no desk at {}", desk.display()));
    }
    let store = Store::open_read_only(desk).map_err(|e| format!("{}: {e}", desk.display()))?;
    let version =
        migrations::schema_version(store.conn().sqlite_connection()).map_err(|e| format!("{}: {e}", desk.display()))?;
    let ours = migrations::MIGRATIONS.len() as i64;
    if version != ours {
        return Err(format!(
            "{} is at schema version {version}, this build reads version {ours}: open it with this version's window first",
            desk.display()
        ));
    }
    Ok(store)
}

/// What a verified case file holds, in one line.
fn described(s: &escalation_core::case_file::CaseFileSummary) -> String {
    format!(
        "{} ({}) \"{}\": {} files, {} events, chain head {}; exported {} by {} from {}.",
        s.number, s.ticket, s.title, s.files, s.events, s.chain_head, s.exported_at, s.exported_by, s.desk
    )
}

fn case_file_export(desk: &Path, ticket: &str, target: &Path) -> Result<String, String> {
    use escalation_core::store::{case_file, cases};
    if target.exists() {
        return Err(format!(
            "{} exists: a case file is never written over a file",
            target.display()
        ));
    }
    let store = existing(desk)?;
    let id = cases::find_case_by_ticket(store.conn(), ticket)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no case with ticket {ticket} on {}", desk.display()))?;
    let (bytes, summary) = case_file::export_case_file(&store, id).map_err(|e| e.to_string())?;
    std::fs::write(target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(format!("Wrote {}: {}", target.display(), described(&summary)))
}

/// Imports as the workstation's current user; the desk must be at this build's schema (checked
/// read-only first: an import never migrates a desk).
fn case_file_import(desk: &Path, file: &Path) -> Result<String, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    drop(existing(desk)?);
    let mut store = Store::open(desk).map_err(|e| format!("{}: {e}", desk.display()))?;
    let imported = escalation_core::store::case_file::import_case_file(&mut store, &bytes)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(format!(
        "Imported {} as {} on {}: {}",
        file.display(),
        imported.number,
        desk.display(),
        described(&imported.summary)
    ))
}

fn case_file_verify(file: &Path) -> Result<String, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let summary =
        escalation_core::case_file::verify_case_file(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(format!("{} verifies: {}", file.display(), described(&summary)))
}

fn is_url(desk: &str) -> bool {
    desk.starts_with("postgres://") || desk.starts_with("postgresql://")
}

/// Opens a team desk on PostgreSQL, creating its schema when the database is empty.
fn team_desk(url: &str) -> Result<Store, String> {
    let password = std::env::var("PGPASSWORD").ok();
    let ca = std::env::var_os("ESCALATION_DESK_CA").map(PathBuf::from);
    Store::open_postgres(url, password.as_deref(), ca.as_deref()).map_err(|e| {
        format!(
            "cannot open the team desk {}: {e}",
            escalation_core::store::redact_password(url)
        )
    })
}

fn desk_init(url: &str) -> Result<String, String> {
    if !is_url(url) {
        return Err(format!("{url:?} is not a postgres:// URL: desk init makes a team desk on PostgreSQL (a SQLite desk is made by starting the window)"));
    }
    let shown = escalation_core::store::redact_password(url);
    let store = team_desk(url)?;
    escalation_core::store::team_desk::create_group_roles(&store).map_err(|e| format!("{shown}: {e}"))?;
    Ok(format!(
        "{shown}: a team desk at schema {}, with the group roles desk_viewer, desk_member, desk_abrm and desk_manager (give each person's login one with desk grant).",
        migrations::MIGRATIONS.len(),
    ))
}

fn desk_grant(url: &str, login: &str, role: &str, person: Option<(String, String)>) -> Result<String, String> {
    use escalation_core::store::{team_desk, users};
    if !is_url(url) {
        return Err(format!(
            "{url:?} is not a postgres:// URL: desk roles belong to a team desk on PostgreSQL"
        ));
    }
    let shown = escalation_core::store::redact_password(url);
    let mut store = team_desk(url)?;
    team_desk::grantable(&store, login, role).map_err(|e| format!("{shown}: {e}"))?;
    let known = users::person_of_login(store.conn(), login).map_err(|e| format!("{shown}: {e}"))?;
    if known.is_none() && person.is_none() {
        return Err(format!(
            "{shown}: {login} is not a person on this desk yet: say who it is with --name \"Full Name\" --email name@agency.gov"
        ));
    }
    // The person is checked before anything is granted: a bad address changes nothing.
    let input = match (person, team_desk::group_role(role)) {
        (Some((name, email)), Some(group)) => {
            let input = escalation_core::identity::IdentityInput {
                name,
                email,
                role: team_desk::role_title(group).into(),
            };
            Some(input.validate().map_err(|e| match e {
                escalation_core::Error::Invalid(fields) => format!(
                    "{shown}: the person is not right: {}",
                    fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join(" ")
                ),
                e => format!("{shown}: {e}"),
            })?)
        }
        _ => None,
    };
    let group = team_desk::grant(&store, login, role).map_err(|e| format!("{shown}: {e}"))?;
    let who = match input {
        Some(input) => team_desk::map_login(&mut store, login, &input)
            .map_err(|e| format!("{shown}: {login} is now {group}, but the person was not saved: {e}"))?,
        None => known.expect("checked above"),
    };
    Ok(format!("{shown}: {login} is now {group}, working as {}.", who.actor()))
}

fn desk_copy(from: &str, to: &str) -> Result<String, String> {
    let source = if is_url(from) {
        team_desk(from)?
    } else {
        existing(Path::new(from))?
    };
    let target = if is_url(to) {
        team_desk(to)?
    } else {
        let path = Path::new(to);
        if path.exists() {
            return Err(format!("{to} already exists: a copy goes into a new desk only"));
        }
        Store::open(path).map_err(|e| format!("{to}: {e}"))?
    };
    let shown = |d: &str| {
        if is_url(d) {
            escalation_core::store::redact_password(d)
        } else {
            d.to_owned()
        }
    };
    match escalation_core::store::desk_copy::copy_desk(&source, &target) {
        Ok(r) => Ok(format!(
            "Copied {} to {}: {} rows, {} cases, {} events, every chain verified.",
            shown(from),
            shown(to),
            r.rows,
            r.cases,
            r.events
        )),
        Err(e) => {
            // A file made for the copy and left empty by its failure is not a desk to keep.
            if !is_url(to) {
                drop(target);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{to}{suffix}"));
                }
            }
            Err(e.to_string())
        }
    }
}

/// (every chain intact, the report as lines).
fn verify(desk: &Path) -> Result<(bool, String), String> {
    let store = existing(desk)?;
    let report = timeline::verify_all_timelines(&store).map_err(|e| e.to_string())?;
    let head = format!(
        "{}: {} cases, {} events",
        desk.display(),
        report.cases_checked,
        report.events_checked
    );
    if report.broken.is_empty() {
        return Ok((true, format!("{head}: every chain intact.")));
    }
    let mut text = format!("{head}: {} with a broken chain:", report.broken.len());
    for b in &report.broken {
        text.push_str(&format!(
            "\n  {} ({}): event {}: {}",
            escalation_core::case::escalation_number(b.case_id),
            b.ticket,
            b.link.seq,
            b.link.reason
        ));
    }
    Ok((false, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_command_line_is_read_around_the_desk_option() {
        assert_eq!(parse(&args(&[])), Command::Window);
        assert_eq!(parse(&args(&["--db", "/tmp/x.sqlite3"])), Command::Window);
        assert_eq!(
            parse(&args(&["--db", "verify"])),
            Command::Window,
            "a desk named verify"
        );
        assert_eq!(parse(&args(&["verify", "--db=/tmp/x"])), Command::Verify);
        assert_eq!(
            parse(&args(&["backup", "/tmp/b.sqlite3"])),
            Command::Backup("/tmp/b.sqlite3".into())
        );
        assert_eq!(parse(&args(&["--version"])), Command::Version);
        assert_eq!(parse(&args(&["verify", "--help"])), Command::Help);
        assert!(matches!(parse(&args(&["backup"])), Command::Wrong(w) if w.contains("needs the file")));
        assert!(matches!(parse(&args(&["repair"])), Command::Wrong(w) if w.contains("unknown command")));
        assert_eq!(parse(&args(&["restore"])), Command::Restore(None));
        assert_eq!(
            parse(&args(&["restore", "b.sqlite3", "--db", "d.sqlite3"])),
            Command::Restore(Some("b.sqlite3".into()))
        );
        assert!(matches!(parse(&args(&["restore", "a", "b"])), Command::Wrong(w) if w.contains("too many")));
        assert!(matches!(parse(&args(&["--force"])), Command::Wrong(w) if w.contains("unknown option")));
        assert!(matches!(parse(&args(&["verify", "--db"])), Command::Wrong(w) if w.contains("--db needs")));
        assert_eq!(
            parse(&args(&[
                "desk",
                "copy",
                "--from",
                "a.sqlite3",
                "--to",
                "postgres://h/d"
            ])),
            Command::DeskCopy {
                from: "a.sqlite3".into(),
                to: "postgres://h/d".into()
            }
        );
        assert_eq!(
            parse(&args(&["desk", "init", "postgres://h/d"])),
            Command::DeskInit("postgres://h/d".into())
        );
        assert!(matches!(parse(&args(&["desk", "copy", "--from", "a"])), Command::Wrong(w) if w.contains("--to")));
        assert!(matches!(parse(&args(&["desk", "copy", "--to"])), Command::Wrong(w) if w.contains("--to needs")));
        assert!(matches!(parse(&args(&["desk"])), Command::Wrong(w) if w.contains("init, copy or grant")));
        assert_eq!(
            parse(&args(&["desk", "grant", "postgres://h/d", "avery", "abrm"])),
            Command::DeskGrant {
                person: None,
                url: "postgres://h/d".into(),
                login: "avery".into(),
                role: "abrm".into()
            }
        );
        assert!(
            matches!(parse(&args(&["desk", "grant", "postgres://h/d", "avery"])), Command::Wrong(w) if w.contains("a login and a role"))
        );
    }
}
