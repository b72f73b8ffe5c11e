//! The app's state: the one store, behind a mutex, reached only off the UI thread.
//!
//! Invariant: every store call runs in `spawn_blocking`, so a slow query or a busy database never
//! freezes the window. If the database could not be opened, the app still starts and every command
//! answers with the reason, so the user sees it instead of a crash. The same holds when another
//! desk already has this database: the store is never opened without this process's instance lock,
//! which lives as long as the `Desk`; a refused desk tries the lock again on each command (the
//! "Try again" button), and opens the database once the other desk has closed it.
//!
//! The desk can change while the app runs ("Connect to a team desk" on the first-start screen, or
//! back to this workstation's file): the new store replaces the old one inside the same shared
//! slot, so the background workers, which hold the slot, work on the new desk from their next pass.

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
    /// Kept by a desk without a store (refused, or a team desk that did not open) until a later
    /// try or a switch gives it one.
    started: Mutex<Option<Started>>,
    /// This workstation's SQLite file (the desk when no team desk is open).
    pub database_path: PathBuf,
    /// Where the open desk is, to open a second connection to it (the start-up chain check).
    address: Mutex<DeskAddress>,
    /// The SMTP password for this run (keyring-backed where possible).
    pub passwords: Arc<SessionPasswords>,
    /// Wakes the outbox worker when a message is queued or the settings change.
    pub wake: Arc<Notify>,
    /// Set once the app is built; a desk without a window (a core test's) tells nobody.
    announce: OnceLock<Announcer>,
    /// A team desk's listener for the other workstations' changes (see `crate::live`).
    pub live: Mutex<Option<escalation_core::store::live::Listener>>,
}

impl Desk {
    /// Opens the database this process holds the lock of.
    pub fn open(database_path: PathBuf, lock: InstanceLock) -> Desk {
        Desk {
            store: Mutex::new(open_store(&database_path)),
            instance: Mutex::new(Some(lock)),
            started: Mutex::new(None),
            address: Mutex::new(DeskAddress::File(database_path.clone())),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
            live: Mutex::new(None),
        }
    }

    /// A desk that may not open its database (another desk has it): every command answers with
    /// `message`, as a `refused` error.
    pub fn refused(database_path: PathBuf, message: String) -> Desk {
        Desk {
            store: Mutex::new(Err(Unavailable::Refused(message))),
            instance: Mutex::new(None),
            started: Mutex::new(None),
            address: Mutex::new(DeskAddress::File(database_path.clone())),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
            live: Mutex::new(None),
        }
    }

    /// Opens a team desk on PostgreSQL. No instance lock: a team desk is shared by design.
    /// `database_path` is this workstation's file, for going back to it.
    pub fn open_team(team: TeamDesk, database_path: PathBuf) -> Desk {
        let store = team.open().map(|s| Arc::new(Mutex::new(s))).map_err(|e| {
            log::error!("cannot open the team desk {}: {e}", team.shown());
            Unavailable::Broken(format!("Cannot open the team desk {}: {e}", team.shown()))
        });
        Desk::team_desk(store, team, database_path)
    }

    /// A saved team desk with no password kept for it: opened as it is when its login needs none
    /// (a server that trusts it, a client certificate), else waiting for the password (`message`),
    /// so a login without a password is not asked for one at every start.
    pub fn open_team_without_password(team: TeamDesk, database_path: PathBuf, message: String) -> Desk {
        match team.open() {
            Ok(store) => Desk::team_desk(Ok(Arc::new(Mutex::new(store))), team, database_path),
            Err(e) => {
                log::info!("the team desk {} wants a password: {e}", team.shown());
                Desk::team_unavailable(team, database_path, message)
            }
        }
    }

    /// A saved team desk that cannot be opened yet (no password this run): every command answers
    /// with `message` until the user connects (or goes back to this workstation's desk).
    pub fn team_unavailable(team: TeamDesk, database_path: PathBuf, message: String) -> Desk {
        Desk::team_desk(Err(Unavailable::NeedsPassword(message)), team, database_path)
    }

    fn team_desk(store: Result<Arc<Mutex<Store>>, Unavailable>, team: TeamDesk, database_path: PathBuf) -> Desk {
        Desk {
            store: Mutex::new(store),
            instance: Mutex::new(None),
            started: Mutex::new(None),
            address: Mutex::new(DeskAddress::Team(team)),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
            live: Mutex::new(None),
        }
    }

    pub fn from_store(store: Store) -> Desk {
        let database_path = store.path().to_path_buf();
        Desk {
            store: Mutex::new(Ok(Arc::new(Mutex::new(store)))),
            instance: Mutex::new(None),
            started: Mutex::new(None),
            address: Mutex::new(DeskAddress::File(database_path.clone())),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
            announce: OnceLock::new(),
            live: Mutex::new(None),
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

    /// Lets go of the desk file's instance lock just before the app restarts itself (a restore):
    /// the new process must get it to restore the file and open it. Nothing here writes to the
    /// file after this; the process exits at once.
    pub fn release_instance_lock(&self) {
        lock(&self.instance).take();
    }

    /// Runs `started` now when this desk has its store, or once a later try (a refused desk) or
    /// a switch (a team desk that did not open) gives it one.
    /// A file that failed to open still runs it at once: this process holds the file's lock and
    /// answers later starts.
    pub fn when_open(&self, started: impl FnOnce(&Desk) + Send + 'static) {
        let wait = match &*lock(&self.store) {
            Ok(_) => false,
            Err(Unavailable::Refused(_)) => true,
            Err(Unavailable::Broken(_)) => lock(&self.instance).is_none(),
            Err(Unavailable::NeedsPassword(_)) => true,
        };
        if wait {
            *lock(&self.started) = Some(Box::new(started));
        } else {
            started(self);
        }
    }

    /// The team desk to try again: one that did not open (not one waiting for its password).
    pub fn team_to_retry(&self) -> Option<TeamDesk> {
        let broken = matches!(*lock(&self.store), Err(Unavailable::Broken(_)));
        match self.address() {
            DeskAddress::Team(team) if broken => Some(team),
            _ => None,
        }
    }

    /// Where the open desk is.
    pub fn address(&self) -> DeskAddress {
        lock(&self.address).clone()
    }

    /// Makes `store` (already opened, at `address`) the desk from now on. The old store is
    /// closed; with `instance`, this process now holds that file's lock, and without one it lets
    /// go of any it held (a team desk has none). What waited for a store starts now.
    /// Returns whether that start-up ran (else the caller starts what a new desk needs itself).
    pub fn switch(&self, store: Store, address: DeskAddress, instance: Option<InstanceLock>) -> bool {
        *lock(&self.address) = address;
        // The slot is let go before waiting for the store (a command or the sweep may be using
        // it): other commands find the slot at once and wait for the store, not for the switch.
        let shared = lock(&self.store).as_ref().ok().cloned();
        match shared {
            // Inside the same slot the workers hold: they move to the new desk with it (an outbox
            // pass under way finishes on the desk it began on; see mail::worker).
            Some(shared) => *lock(&shared) = store,
            None => *lock(&self.store) = Ok(Arc::new(Mutex::new(store))),
        }
        *lock(&self.instance) = instance;
        let waiting = lock(&self.started).take();
        match waiting {
            Some(started) => {
                started(self);
                true
            }
            None => false,
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

    /// [`Desk::with_store`] for a read that brings much of the desk into memory and releases it
    /// at its end (the portfolio figures: `store::figures` gives SQLite's cache back): once it
    /// has run, what it freed is returned to the system ([`crate::memory`]) instead of staying
    /// counted as the app's for the rest of the session. Whether it succeeded or not.
    pub async fn with_store_large_read<T, F>(&self, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let read = self.with_store(f).await;
        crate::memory::give_back_freed();
        read
    }

    /// [`Desk::with_store`] for a command that changes the desk: once `f` has committed, the
    /// window is told `entity` changed, for `case_id` when it is one case's. A failed change
    /// tells nobody, since nothing changed.
    /// On a team desk the other workstations are told too, when the change commits.
    pub async fn change<T, F>(&self, entity: Entity, case_id: Option<i64>, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let what = DeskChanged { entity, case_id };
        let out = self
            .with_store(move |s| {
                let out = f(s)?;
                tell_other_workstations(s, what);
                Ok(out)
            })
            .await?;
        self.announce(what);
        Ok(out)
    }

    /// [`Desk::change`] for a change whose case is only known from its result (a new case, a
    /// report named by its own id).
    pub async fn change_of<T, F>(&self, entity: Entity, case_of: fn(&T) -> Option<i64>, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let out = self
            .with_store(move |s| {
                let out = f(s)?;
                tell_other_workstations(
                    s,
                    DeskChanged {
                        entity,
                        case_id: case_of(&out),
                    },
                );
                Ok(out)
            })
            .await?;
        self.announce(DeskChanged {
            entity,
            case_id: case_of(&out),
        });
        Ok(out)
    }
}

/// Tells a team desk's other workstations what a change that has committed touched. A notice
/// that cannot be sent costs them a refresh, never the change: it is logged, not returned.
pub fn tell_other_workstations(store: &Store, what: DeskChanged) {
    if let Err(e) = escalation_core::store::live::announce(store, what) {
        log::warn!("the other workstations could not be told of a change: {e}");
    }
}

/// Where a desk lives: a SQLite file on this workstation, or a team desk on PostgreSQL.
#[derive(Debug, Clone)]
pub enum DeskAddress {
    File(PathBuf),
    Team(TeamDesk),
}

impl DeskAddress {
    /// A second connection that only reads (the start-up chain check runs on one).
    pub fn open_for_reading(&self) -> escalation_core::Result<Store> {
        match self {
            DeskAddress::File(path) => Store::open_read_only(path),
            DeskAddress::Team(team) => team.open(),
        }
    }
}

/// How to reach a team desk: its URL, the password (when not in the URL) and a private CA file.
#[derive(Clone)]
pub struct TeamDesk {
    /// The URL as given (it may hold a password: show [`TeamDesk::shown`], never this).
    url: String,
    password: Option<String>,
    ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for TeamDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TeamDesk({})", self.shown())
    }
}

impl TeamDesk {
    pub fn new(url: String, password: Option<String>, ca_file: Option<PathBuf>) -> TeamDesk {
        TeamDesk { url, password, ca_file }
    }

    /// `--desk URL` or `ESCALATION_DESK_URL`: the password from `PGPASSWORD` when the URL has
    /// none, a private CA from `ESCALATION_DESK_CA`.
    pub fn from_environment(url: String) -> TeamDesk {
        TeamDesk::new(
            url,
            std::env::var("PGPASSWORD").ok(),
            std::env::var_os("ESCALATION_DESK_CA").map(PathBuf::from),
        )
    }

    /// The URL without its password, for messages and logs.
    pub fn shown(&self) -> String {
        escalation_core::store::redact_password(&self.url)
    }

    /// Listens to the other workstations' changes and presence in reports (all but those of the
    /// store whose origin is `own`), on a connection of its own.
    pub fn listen(
        &self,
        own: u64,
        on_change: impl Fn(DeskChanged) + Send + 'static,
        on_reachable: impl Fn(bool) + Send + 'static,
        on_presence: impl Fn(escalation_core::change::Presence) + Send + 'static,
    ) -> escalation_core::store::live::Listener {
        escalation_core::store::live::listen(
            &self.url,
            self.password.as_deref(),
            self.ca_file.as_deref(),
            own,
            on_change,
            on_reachable,
            on_presence,
        )
    }

    /// A new connection to the desk (migrated to this version's schema), its files in this
    /// workstation's data folder.
    pub fn open(&self) -> escalation_core::Result<Store> {
        let mut store = Store::open_postgres(&self.url, self.password.as_deref(), self.ca_file.as_deref())?;
        store.set_files_dir(team_desk_files(&self.url, dirs::data_dir()));
        Ok(store)
    }
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
            // Never made anew or written over: the user restores a backup (the Backups screen
            // works without the desk, as does `escalation-desk restore`), or asks for help.
            Unavailable::Broken(format!(
                "Cannot open the database {}: {e}. The file is left as it is. Restore a backup from Backups, or with `escalation-desk restore`.",
                database_path.display()
            ))
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
    /// A saved team desk whose password this run does not have (no keyring): the user connects.
    NeedsPassword(String),
}

impl Unavailable {
    fn error(&self) -> Error {
        match self {
            Unavailable::Broken(m) => Error::Internal(m.clone()),
            Unavailable::Refused(m) | Unavailable::NeedsPassword(m) => Error::Refused(m.clone()),
        }
    }
}
