//! Backups of a workstation's desk (a SQLite file): what one is called, why it was taken, and
//! which the desk keeps. The copying and restoring is `store::backup`'s.
//!
//! Invariants:
//! - A backup's file name says everything about it: `<desk>-<UTC time>-<why>.sqlite3`, e.g.
//!   `desk-20261206T074512Z-daily.sqlite3`. Nothing else records backups, so a folder copied to
//!   another machine lists the same, and a file the user drops there by that pattern is one too.
//! - Only the automatic kinds (daily, before a migration) are ever removed, and only beyond the
//!   newest `kept` of them; a desk set aside by a restore is never removed by the app.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};

/// How many automatic backups a desk keeps unless the user chooses (a week of daily ones).
pub const DEFAULT_KEPT: i64 = 7;
/// The most a desk may keep: a year of daily backups of a big desk is already many gigabytes.
pub const MAX_KEPT: i64 = 365;
/// A daily backup is taken when the newest backup is at least this old.
pub const DAILY_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(24);

const TIME_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const EXTENSION: &str = ".sqlite3";

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BackupReason {
    /// The day's automatic copy.
    Daily,
    /// Taken just before the app upgraded the desk from schema version `from`.
    BeforeMigration { from: i64 },
    /// The desk as it was when a backup was restored over it (kept until the user removes it).
    Replaced,
}

impl BackupReason {
    fn suffix(self) -> String {
        match self {
            BackupReason::Daily => "daily".into(),
            BackupReason::BeforeMigration { from } => format!("before-v{from}"),
            BackupReason::Replaced => "replaced".into(),
        }
    }

    fn parse(suffix: &str) -> Option<BackupReason> {
        match suffix {
            "daily" => Some(BackupReason::Daily),
            "replaced" => Some(BackupReason::Replaced),
            _ => suffix
                .strip_prefix("before-v")
                .and_then(|v| v.parse().ok())
                .filter(|v| *v >= 0)
                .map(|from| BackupReason::BeforeMigration { from }),
        }
    }

    /// Removed by the app once there are more than `kept` of the automatic kinds.
    pub fn is_automatic(self) -> bool {
        !matches!(self, BackupReason::Replaced)
    }

    /// In words, for the restore screen and the command line.
    pub fn describe(self) -> String {
        match self {
            BackupReason::Daily => "daily".into(),
            BackupReason::BeforeMigration { from } => format!("before the upgrade from schema version {from}"),
            BackupReason::Replaced => "the desk as it was before a restore".into(),
        }
    }
}

/// One backup of a desk, as the restore screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    /// The file's name in the desk's backup folder (the restore screen and the command line name
    /// a backup by it).
    pub name: String,
    pub taken_at: DateTime<Utc>,
    pub reason: BackupReason,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// The restore screen: the desk's backups, how many it keeps, and where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupsView {
    /// False on a team desk, which its server backs up (pg_dump): the screen says so.
    pub available: bool,
    pub folder: String,
    pub kept: i64,
    /// Newest first.
    pub backups: Vec<Backup>,
}

/// The file name of a backup of the desk whose file is named `desk_stem` (without `.sqlite3`).
pub fn file_name(desk_stem: &str, taken_at: DateTime<Utc>, reason: BackupReason) -> String {
    format!(
        "{desk_stem}-{}-{}{EXTENSION}",
        taken_at.format(TIME_FORMAT),
        reason.suffix()
    )
}

/// Reads a file name as a backup of `desk_stem`'s desk; `None` for any other file.
pub fn parse_name(desk_stem: &str, name: &str) -> Option<(DateTime<Utc>, BackupReason)> {
    let rest = name
        .strip_prefix(desk_stem)?
        .strip_prefix('-')?
        .strip_suffix(EXTENSION)?;
    // The time has a fixed width (16 characters); the reason follows after one dash.
    let (time, reason) = (rest.get(..16)?, rest.get(16..)?.strip_prefix('-')?);
    let taken_at = NaiveDateTime::parse_from_str(time, TIME_FORMAT).ok()?.and_utc();
    Some((taken_at, BackupReason::parse(reason)?))
}

/// The automatic backups to remove so that the newest `kept` of them remain (newest first in
/// `backups` or not: they are sorted here).
pub fn beyond_kept(backups: &[Backup], kept: i64) -> Vec<&Backup> {
    let mut automatic: Vec<&Backup> = backups.iter().filter(|b| b.reason.is_automatic()).collect();
    automatic.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then_with(|| b.name.cmp(&a.name)));
    automatic.into_iter().skip(kept.max(1) as usize).collect()
}

/// True when the day's backup is due: no backup at all, or the newest older than a day. A clock
/// set back (the newest backup "in the future") takes one too rather than none for days.
pub fn daily_due(backups: &[Backup], now: DateTime<Utc>) -> bool {
    match backups.iter().map(|b| b.taken_at).max() {
        None => true,
        Some(newest) => newest > now || now - newest >= DAILY_EVERY,
    }
}

/// Checks the number of backups to keep.
pub fn validate_kept(kept: i64) -> Result<i64> {
    if (1..=MAX_KEPT).contains(&kept) {
        Ok(kept)
    } else {
        Err(Error::Invalid(vec![FieldError::new(
            "kept",
            format!("Keep between 1 and {MAX_KEPT} backups."),
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, h, 30, 5).unwrap()
    }

    fn backup(h: u32, reason: BackupReason) -> Backup {
        Backup {
            name: file_name("desk", at(h), reason),
            taken_at: at(h),
            reason,
            bytes: 1,
        }
    }

    #[test]
    fn a_backup_name_reads_back_as_its_time_and_reason() {
        for reason in [
            BackupReason::Daily,
            BackupReason::BeforeMigration { from: 21 },
            BackupReason::Replaced,
        ] {
            let name = file_name("desk", at(7), reason);
            assert_eq!(parse_name("desk", &name), Some((at(7), reason)), "{name}");
        }
        assert_eq!(
            file_name("desk", at(7), BackupReason::Daily),
            "desk-20261206T073005Z-daily.sqlite3"
        );
    }

    #[test]
    fn other_files_and_other_desks_backups_are_not_read_as_this_desks() {
        let name = file_name("desk", at(7), BackupReason::Daily);
        assert_eq!(parse_name("other", &name), None);
        assert_eq!(
            parse_name("des", &name),
            None,
            "a desk whose name is a prefix of another's"
        );
        for other in [
            "desk.sqlite3",
            "desk-20261206T073005Z-daily.sqlite3-wal",
            "desk-20261306T073005Z-daily.sqlite3",
            "desk-20261206T073005Z-weekly.sqlite3",
            "desk-20261206T073005Z-before-v-1.sqlite3",
            "desk-2026120-daily.sqlite3",
            "desk-ü026120ÄT073005Z-daily.sqlite3",
        ] {
            assert_eq!(parse_name("desk", other), None, "{other}");
        }
    }

    #[test]
    fn only_automatic_backups_beyond_the_newest_kept_are_removed() {
        let backups = vec![
            backup(1, BackupReason::Daily),
            backup(2, BackupReason::Replaced),
            backup(3, BackupReason::BeforeMigration { from: 20 }),
            backup(4, BackupReason::Daily),
            backup(0, BackupReason::Replaced),
        ];
        let removed: Vec<u32> = beyond_kept(&backups, 2)
            .iter()
            .map(|b| chrono::Timelike::hour(&b.taken_at))
            .collect();
        assert_eq!(removed, vec![1], "the oldest automatic one; a replaced desk stays");
        assert!(beyond_kept(&backups, 3).is_empty());
        assert_eq!(beyond_kept(&backups, 0).len(), 2, "at least one is always kept");
    }

    #[test]
    fn the_daily_backup_is_due_after_a_day_or_when_the_clock_went_back() {
        assert!(daily_due(&[], at(7)));
        let backups = vec![backup(7, BackupReason::BeforeMigration { from: 3 })];
        assert!(!daily_due(&backups, at(20)), "any backup of the last day counts");
        assert!(daily_due(&backups, at(7) + DAILY_EVERY));
        assert!(daily_due(&backups, at(6)), "a backup stamped later than now");
    }

    #[test]
    fn between_one_and_the_most_backups_may_be_kept() {
        assert_eq!(validate_kept(1).unwrap(), 1);
        assert_eq!(validate_kept(MAX_KEPT).unwrap(), MAX_KEPT);
        for wrong in [0, -1, MAX_KEPT + 1, i64::MAX, i64::MIN] {
            let e = validate_kept(wrong).unwrap_err();
            assert!(e.to_string().contains("between 1 and 365"), "{e}");
        }
    }
}
