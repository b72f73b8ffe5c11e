//! The store: one desk, reached through one connection type ([`db::Db`]) so the modules do not
//! name the engine under them. Today the engine is a SQLite file, opened with the same PRAGMAs on
//! every connection and migrated on open (PostgreSQL joins it: `notes/store-engines.md`).
//!
//! Invariants:
//! - Every change to a case runs in one IMMEDIATE transaction ([`Store::change`]) that also appends
//!   to that case's timeline; the transaction commits both or neither.
//! - The backend owns ids and timestamps: ids come from SQLite, times from [`now`], stored as UTC
//!   RFC 3339 text with milliseconds.
//! - Submodules are one per table or aggregate, with the verbs `get_`, `list_`, `insert_`, `update_`.

pub mod aar;
pub mod agencies;
pub mod alert_evaluation;
pub mod alerts;
pub mod backup;
pub mod briefings;
pub mod case_detail;
pub mod case_file;
pub mod case_list;
mod case_refs;
pub mod cases;
pub mod closure;
pub mod communications;
pub mod db;
pub mod desk_copy;
pub mod desk_jobs;
pub mod directory_csv;
pub mod figures;
pub mod files;
pub mod instance;
pub mod ladder;
pub mod live;
pub mod mail_settings;
pub mod migrations;
pub mod outbox;
pub mod people;
pub mod plans;
pub mod problems;
pub mod sample;
pub mod search;
pub mod services;
pub mod team;
pub mod team_desk;
pub mod timeline;
pub mod users;
pub mod work_orders;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::db::Db;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};
use crate::identity::Identity;

pub struct Store {
    conn: Db,
    path: PathBuf,
    /// Where the desk's files go on this workstation (rendered reports): beside a SQLite file;
    /// for a team desk, a folder the app chooses (see [`Store::set_files_dir`]).
    files: PathBuf,
    /// The connection generation on which this store took the desk's sending job, if it holds
    /// it (see `desk_jobs`; a connection opened again has lost it).
    sending: Option<u64>,
    /// Names this store's change notices, so its own listener skips them (see `live`).
    origin: u64,
}

/// How many prepared statements a connection keeps for reuse.
const STATEMENT_CACHE: usize = 256;

/// Applied to every connection (these are per-connection settings, so they cannot live in a
/// migration). FULL sync in WAL mode keeps every acknowledged change across a power cut.
fn configure(conn: &rusqlite::Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Store statements are prepared once per connection and reused (`prepare_cached`): a case page
    // runs some fifty distinct statements, more than the default cache of 16 holds.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Plans that do not look at bound values (the query planner stability guarantee). Without it
    // SQLite marks a statement to be prepared again whenever a value it peeked at is bound anew
    // (a LIMIT, a value compared against a partial index or a CTE's terms), so a cached statement
    // was parsed and planned again at every read: 43% of a case page's time and two thirds of the
    // dashboard's (measured on a 2,000-case desk: a case page 1.05 -> 0.39 ms, the dashboard's
    // first page 0.63 -> 0.25 ms). Our statements' plans are chosen by their indexes, never by a
    // value; PostgreSQL is not concerned (its store prepares each statement once per connection).
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Every refresh reads the same hot pages again (the queue's index, the page's rows, the
    // per-case indexes); a desk of 100,000 cases is a 1.2 GB file. Keep those pages in a 64 MB
    // cache. No memory map: every page a read touched through one stays mapped into the app, so
    // the dashboard's figures (which read the period's timelines) left 256 MB of the file counted
    // as the app's memory on a big desk, twice a small desk's; the cache is bounded whatever the
    // desk's size, and the pages benchmark measured no loss without the map.
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database file and its folder, and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::create_private_dir(dir)?;
        }
        files::touch_private(&path)?;
        let mut conn = rusqlite::Connection::open(&path)?;
        configure(&conn)?;
        backup::before_migration(&conn, &path, migrations::schema_version(&conn)?)?;
        migrations::migrate(&mut conn)?;
        let store = Store {
            conn: Db::sqlite(conn),
            files: beside(&path),
            sending: None,
            origin: live::new_origin(),
            path,
        };
        search::rebuild_if_asked(&store)?;
        Ok(store)
    }

    /// Opens an existing, migrated desk for reading only (the start-up chain check runs on one):
    /// nothing it runs can write, and it never creates or migrates a file.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store> {
        use rusqlite::OpenFlags;
        let path = path.as_ref().to_path_buf();
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(Store {
            conn: Db::sqlite(conn),
            files: beside(&path),
            sending: None,
            origin: live::new_origin(),
            path,
        })
    }

    /// Opens a team desk on PostgreSQL (`postgres://user@host:port/database`), creating its schema
    /// when the database is empty and migrating it otherwise. `password` is the login's, from the
    /// keyring; `ca_file` a private CA the server's certificate is signed by.
    pub fn open_postgres(url: &str, password: Option<&str>, ca_file: Option<&Path>) -> Result<Store> {
        let conn = Db::postgres(url, password, ca_file)?;
        migrations::migrate_pg(&conn)?;
        let store = Store {
            conn,
            path: PathBuf::from(redact_password(url)),
            // Until the app says where (its data folder), a team desk's files go to a temporary folder.
            files: std::env::temp_dir().join("escalation-desk-team-desk"),
            sending: None,
            origin: live::new_origin(),
        };
        search::rebuild_if_asked(&store)?;
        Ok(store)
    }

    /// Opens without migrating (tests use it to build older schemas).
    pub fn open_unmigrated(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let conn = rusqlite::Connection::open(&path)?;
        configure(&conn)?;
        Ok(Store {
            conn: Db::sqlite(conn),
            files: beside(&path),
            sending: None,
            origin: live::new_origin(),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder this workstation keeps the desk's files in (rendered reports).
    pub fn files_dir(&self) -> &Path {
        &self.files
    }

    pub fn set_files_dir(&mut self, dir: PathBuf) {
        self.files = dir;
    }

    /// The desk's connection, through which every store module reads and writes.
    pub fn conn(&self) -> &Db {
        &self.conn
    }

    /// The SQLite connection, for migrating (the migration tests build older schemas with it).
    pub fn conn_mut(&mut self) -> &mut rusqlite::Connection {
        self.conn.sqlite_connection_mut()
    }

    /// Runs one change as the current workstation user, in one transaction.
    pub(crate) fn change<T>(&mut self, f: impl FnOnce(&Db, &Identity, &Stamp) -> Result<T>) -> Result<T> {
        let who = users::require_current_user(self)?;
        let tx = self.conn.transaction()?;
        let stamp = Stamp::of(&tx)?;
        let out = f(&tx, &who, &stamp)?;
        // Alert rules see every change of a case, inside the same transaction: an alert is raised
        // together with the change that made its rule match, or not at all.
        let touched = std::mem::take(&mut *stamp.touched.borrow_mut());
        for &case_id in &touched {
            alerts::evaluate_case_in(&tx, case_id, &who, &stamp)?;
            // The search index sees the case as this change leaves it, in the same transaction.
            search::reindex_case(&tx, case_id)?;
        }
        tx.commit()?;
        Ok(out)
    }
}

fn beside(database: &Path) -> PathBuf {
    database
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The desk's address with any password in it replaced, fit for logs and the header.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// One change's time, as the exact text stored (and hashed) everywhere the change writes it.
pub(crate) struct Stamp {
    pub text: String,
    /// The same instant, for comparing (the text is what is written).
    pub at: DateTime<Utc>,
    /// The cases this change appended timeline events to (see `timeline::insert_event`).
    pub touched: std::cell::RefCell<std::collections::BTreeSet<i64>>,
}

impl Stamp {
    /// The time of a change on `db`: the server's clock on a team desk, this workstation's on a
    /// SQLite file (see `Dialect::server_now`).
    fn of(db: &Db) -> Result<Stamp> {
        let at = desk_now(db)?;
        Ok(Stamp {
            text: format_time(at),
            at,
            touched: Default::default(),
        })
    }
}

/// The desk's time now: the server's clock on a team desk, so every workstation agrees on what is
/// due (a sweep, a queued message, a warranty's end) whatever its own clock says; this
/// workstation's on a SQLite file (see `Dialect::server_now`).
pub fn desk_now(db: &Db) -> Result<DateTime<Utc>> {
    match db.dialect().server_now {
        Some(sql) => parse_time(&db.query_row(sql, [], |r| r.get::<_, String>(0))?),
        None => Ok(now()),
    }
}

/// The current time on this workstation, truncated to what the store keeps (milliseconds).
/// `ESCALATION_CLOCK_SKEW_SECONDS` sets this workstation's clock wrong on purpose, for the tests
/// of a team desk whose workstations disagree on the time.
pub fn now() -> DateTime<Utc> {
    static SKEW: std::sync::OnceLock<chrono::Duration> = std::sync::OnceLock::new();
    let skew = SKEW.get_or_init(|| {
        std::env::var("ESCALATION_CLOCK_SKEW_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .and_then(chrono::Duration::try_seconds)
            .unwrap_or_default()
    });
    let t = Utc::now().checked_add_signed(*skew).unwrap_or_else(Utc::now);
    parse_time(&format_time(t)).unwrap_or(t)
}

pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Internal(format!("stored time {s:?} is not RFC 3339: {e}")))
}

/// Reads a column holding one of our stored enum texts, failing loudly on anything else.
pub(crate) fn parse_stored<T>(value: String, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<T> {
    parse(&value).ok_or_else(|| {
        Error::Storage(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown {what} {value:?} in the database").into(),
        ))
    })
}

pub(crate) fn time_column(value: String) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::Storage(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                Box::new(e),
            ))
        })
}
