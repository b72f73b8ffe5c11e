//! The app's state: the one store, behind a mutex, reached only off the UI thread.
//!
//! Invariant: every store call runs in `spawn_blocking`, so a slow query or a busy database never
//! freezes the window. If the database could not be opened, the app still starts and every command
//! answers with the reason, so the user sees it instead of a crash. The same holds when another
//! desk already has this database: the store is never opened without this process's instance lock,
//! which lives as long as the `Desk`; a refused desk tries the lock again on each command (the
//! "Try again" button), and opens the database once the other desk has closed it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use escalation_core::change::{DeskChanged, Entity};
use escalation_core::store::instance::{Claim, InstanceLock};
use escalation_core::{Error, Store};
use tokio::sync::Notify;

use crate::error::CommandResult;
use crate::secrets::SessionPasswords;

/// What runs once the database is open: listening for later starts, the background workers.
type Started = Box<dyn FnOnce(&Desk) + Send>;

/// Tells the window what a change touched (see [`crate::events::connect`]).
type Announcer = Box<dyn Fn(DeskChanged) + Send + Sync>;

pub struct Desk {
    store: Mutex<Result<Arc<Mutex<Store>>, Unavailable>>,
    /// The lock on the database for this process (none for a test's store); the socket that
    /// brings the window forward hangs off it once the app is set up. Declared after `store`, so
    /// the database is closed before the lock is let go.
    instance: Mutex<Option<InstanceLock>>,
    /// Kept by a refused desk until a later try opens the database.
    started: Mutex<Option<Started>>,
    pub database_path: PathBuf,
    /// Where the desk is, to open a second connection to it (the start-up chain check).
    pub address: DeskAddress,
    /// The SMTP password for this run (keyring-backed where possible).
    pub passwords: Arc<SessionPasswords>,
    /// Wakes the outbox worker when a message is queued or the settings change.
    pub wake: Arc<Notify>,
    /// Set once the app is built; a desk without a window (a core test's) tells nobody.
    announce: OnceLock<Announcer>,
}

impl Desk {
    /// Opens the database this process holds the lock of.
    pub fn open(database_path: PathBuf, lock: InstanceLock) -> Desk {
        Desk {
            store: Mutex::new(open_store(&database_path)),
            instance: Mutex::new(Some(lock)),
            started: Mutex::new(None),
            address: DeskAddress::File(database_path.clone()),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
        }
    }

    /// A desk that may not open its database (another desk has it): every command answers with
    /// `message`, as a `refused` error.
    pub fn refused(database_path: PathBuf, message: String) -> Desk {
        Desk {
            store: Mutex::new(Err(Unavailable::Refused(message))),
            instance: Mutex::new(None),
            started: Mutex::new(None),
            address: DeskAddress::File(database_path.clone()),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
        }
    }

    /// Opens a team desk on PostgreSQL. No instance lock: a team desk is shared by design.
    pub fn open_team(url: String) -> Desk {
        let shown = escalation_core::store::redact_password(&url);
        let store = open_team_store(&url).map(|s| Arc::new(Mutex::new(s))).map_err(|e| {
            log::error!("cannot open the team desk {shown}: {e}");
            Unavailable::Broken(format!("Cannot open the team desk {shown}: {e}"))
        });
        Desk {
            store: Mutex::new(store),
            instance: Mutex::new(None),
            started: Mutex::new(None),
            address: DeskAddress::Team(url),
            database_path: PathBuf::from(shown),
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
        }
    }

    pub fn from_store(store: Store) -> Desk {
        let database_path = store.path().to_path_buf();
        Desk {
            store: Mutex::new(Ok(Arc::new(Mutex::new(store)))),
            instance: Mutex::new(None),
            started: Mutex::new(None),
            address: DeskAddress::File(database_path.clone()),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
        }
    }

    /// Calls `on_show` whenever a later start on the same database asks for the window. Without
    /// this the later start shows its refusal instead, so a failure here only costs convenience.
    pub fn listen_for_later_starts(&self, on_show: impl Fn() + Send + 'static) {
        let mut instance = lock(&self.instance);
        if let Some(lock) = instance.as_mut() {
            if let Err(e) = lock.listen(on_show) {
                log::warn!("later starts cannot bring this window forward: {e}");
            }
        }
    }

    /// Runs `started` now when this desk holds its database (even one that failed to open: it
    /// still answers later starts), or, for a refused desk, once a later try opens the database.
    pub fn when_open(&self, started: impl FnOnce(&Desk) + Send + 'static) {
        let refused = matches!(*lock(&self.store), Err(Unavailable::Refused(_)));
        if refused {
            *lock(&self.started) = Some(Box::new(started));
        } else {
            started(self);
        }
    }

    /// Makes [`Desk::change`] call `announce` after each successful change. Set once: a second
    /// call is ignored, so the app and a test cannot wire two windows' worth of events.
    pub fn on_change(&self, announce: impl Fn(DeskChanged) + Send + Sync + 'static) {
        let _ = self.announce.set(Box::new(announce));
    }

    /// Tells the window that `what` changed (nobody, before [`Desk::on_change`]).
    pub fn announce(&self, what: DeskChanged) {
        if let Some(announce) = self.announce.get() {
            announce(what);
        }
    }

    /// The shared store, for the outbox worker.
    pub fn shared_store(&self) -> Option<Arc<Mutex<Store>>> {
        lock(&self.store).as_ref().ok().cloned()
    }

    /// The store, or why there is none; a refused desk first tries the lock again. Opening runs
    /// here at most once per desk, on an async command's thread (never the UI thread).
    fn current_store(&self) -> Result<Arc<Mutex<Store>>, Error> {
        let mut store = lock(&self.store);
        if matches!(*store, Err(Unavailable::Refused(_))) {
            if let Ok(Claim::Ours(held)) = InstanceLock::acquire(&self.database_path) {
                log::info!("the other desk let go of {}: opening it", self.database_path.display());
                *lock(&self.instance) = Some(held);
                *store = open_store(&self.database_path);
                drop(store);
                // Outside the store's lock: what starts here reads the store itself.
                if let Some(started) = lock(&self.started).take() {
                    started(self);
                }
                store = lock(&self.store);
            }
        }
        match &*store {
            Ok(store) => Ok(store.clone()),
            Err(why) => Err(why.error()),
        }
    }

    /// Runs `f` on the store on a blocking thread, then wakes the outbox worker: any change of a
    /// case may have queued mail (a notice, or an executive alert its rules raised), and a woken
    /// worker with nothing due just goes back to sleep.
    pub async fn with_store<T, F>(&self, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let store = self.current_store()?;
        let joined = tauri::async_runtime::spawn_blocking(move || {
            // A panic in an earlier call poisons the mutex; the connection itself is still sound
            // (SQLite rolled back the open transaction), so carry on with it.
            let mut guard = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await;
        match joined {
            Ok(result) => {
                let out = result?;
                self.wake.notify_one();
                Ok(out)
            }
            Err(e) => Err(Error::Internal(format!("the database task failed: {e}")).into()),
        }
    }

    /// [`Desk::with_store`] for a command that changes the desk: once `f` has committed, the
    /// window is told `entity` changed, for `case_id` when it is one case's. A failed change
    /// tells nobody, since nothing changed.
    pub async fn change<T, F>(&self, entity: Entity, case_id: Option<i64>, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let out = self.with_store(f).await?;
        self.announce(DeskChanged { entity, case_id });
        Ok(out)
    }

    /// [`Desk::change`] for a change whose case is only known from its result (a new case, a
    /// report named by its own id).
    pub async fn change_of<T, F>(&self, entity: Entity, case_of: fn(&T) -> Option<i64>, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let out = self.with_store(f).await?;
        self.announce(DeskChanged {
            entity,
            case_id: case_of(&out),
        });
        Ok(out)
    }
}

/// Where a desk lives: a SQLite file on this workstation, or a team desk on PostgreSQL.
#[derive(Debug, Clone)]
pub enum DeskAddress {
    File(PathBuf),
    /// The URL as given (it may hold a password: show `redact_password` of it, never this).
    Team(String),
}

impl DeskAddress {
    /// A second connection that only reads (the start-up chain check runs on one).
    pub fn open_for_reading(&self) -> escalation_core::Result<Store> {
        match self {
            DeskAddress::File(path) => Store::open_read_only(path),
            DeskAddress::Team(url) => open_team_store(url),
        }
    }
}

/// A team desk, with the password from `PGPASSWORD` when the URL has none and a private CA from
/// `ESCALATION_DESK_CA` (the first-start screen's keyring entry comes with the team desk's logins).
fn open_team_store(url: &str) -> escalation_core::Result<Store> {
    let password = std::env::var("PGPASSWORD").ok();
    let ca = std::env::var_os("ESCALATION_DESK_CA").map(PathBuf::from);
    let mut store = Store::open_postgres(url, password.as_deref(), ca.as_deref())?;
    store.set_files_dir(team_desk_files(url, dirs::data_dir()));
    Ok(store)
}

/// A team desk's files on this workstation: a folder per desk (server and database) in the
/// user's data folder, beside where a SQLite desk would be.
fn team_desk_files(url: &str, data_dir: Option<PathBuf>) -> PathBuf {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let server_and_db = after_scheme.rsplit_once('@').map_or(after_scheme, |(_, rest)| rest);
    let server_and_db = server_and_db.split('?').next().unwrap_or_default();
    let name: String = server_and_db
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    data_dir
        .unwrap_or_else(|| PathBuf::from("."))
        .join("escalation-desk")
        .join("team-desks")
        .join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_desk_keeps_its_files_in_a_folder_named_for_its_server_and_database_without_the_login() {
        let dir = team_desk_files(
            "postgres://dana:secret@db.state.gov:5432/escalation?sslmode=require",
            Some("/home/d/.local/share".into()),
        );
        assert_eq!(
            dir,
            PathBuf::from("/home/d/.local/share/escalation-desk/team-desks/db.state.gov_5432_escalation")
        );
        assert!(!dir.to_string_lossy().contains("secret") && !dir.to_string_lossy().contains("dana"));
    }
}

fn open_store(database_path: &Path) -> Result<Arc<Mutex<Store>>, Unavailable> {
    Store::open(database_path)
        .map(|s| Arc::new(Mutex::new(s)))
        .map_err(|e| {
            log::error!("cannot open {}: {e}", database_path.display());
            Unavailable::Broken(format!("Cannot open the database {}: {e}", database_path.display()))
        })
}

/// A poisoned lock here only means a panic elsewhere; the values behind it stay whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why the store is not there: the UI shows the message either way, under its kind.
#[derive(Debug, Clone)]
enum Unavailable {
    /// The file could not be opened or migrated.
    Broken(String),
    /// Another desk has the database.
    Refused(String),
}

impl Unavailable {
    fn error(&self) -> Error {
        match self {
            Unavailable::Broken(m) => Error::Internal(m.clone()),
            Unavailable::Refused(m) => Error::Refused(m.clone()),
        }
    }
}
