//! The app's state: the one store, behind a mutex, reached only off the UI thread.
//!
//! Invariant: every store call runs in `spawn_blocking`, so a slow query or a busy database never
//! freezes the window. If the database could not be opened, the app still starts and every command
//! answers with the reason, so the user sees it instead of a crash. The same holds when another
//! desk already has this database: the store is never opened without this process's instance lock,
//! which lives as long as the `Desk`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use escalation_core::store::instance::InstanceLock;
use escalation_core::{Error, Store};
use tokio::sync::Notify;

use crate::error::CommandResult;
use crate::secrets::SessionPasswords;

pub struct Desk {
    store: Result<Arc<Mutex<Store>>, Unavailable>,
    /// The lock on the database for this process (none for a test's store); the socket that
    /// brings the window forward hangs off it once the app is set up. Declared after `store`, so
    /// the database is closed before the lock is let go.
    instance: Mutex<Option<InstanceLock>>,
    pub database_path: PathBuf,
    /// The SMTP password for this run (keyring-backed where possible).
    pub passwords: Arc<SessionPasswords>,
    /// Wakes the outbox worker when a message is queued or the settings change.
    pub wake: Arc<Notify>,
}

impl Desk {
    /// Opens the database this process holds the lock of.
    pub fn open(database_path: PathBuf, lock: InstanceLock) -> Desk {
        let store = Store::open(&database_path)
            .map(|s| Arc::new(Mutex::new(s)))
            .map_err(|e| {
                log::error!("cannot open {}: {e}", database_path.display());
                Unavailable::Broken(format!("Cannot open the database {}: {e}", database_path.display()))
            });
        Desk {
            store,
            instance: Mutex::new(Some(lock)),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
        }
    }

    /// A desk that may not open its database (another desk has it): every command answers with
    /// `message`, as a `refused` error.
    pub fn refused(database_path: PathBuf, message: String) -> Desk {
        Desk {
            store: Err(Unavailable::Refused(message)),
            instance: Mutex::new(None),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
        }
    }

    pub fn from_store(store: Store) -> Desk {
        let database_path = store.path().to_path_buf();
        Desk {
            store: Ok(Arc::new(Mutex::new(store))),
            instance: Mutex::new(None),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
        }
    }

    /// Calls `on_show` whenever a later start on the same database asks for the window. Without
    /// this the later start shows its refusal instead, so a failure here only costs convenience.
    pub fn listen_for_later_starts(&self, on_show: impl Fn() + Send + 'static) {
        let mut instance = self.instance.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = instance.as_mut() {
            if let Err(e) = lock.listen(on_show) {
                log::warn!("later starts cannot bring this window forward: {e}");
            }
        }
    }

    /// The shared store, for the outbox worker.
    pub fn shared_store(&self) -> Option<Arc<Mutex<Store>>> {
        self.store.as_ref().ok().cloned()
    }

    /// Runs `f` on the store on a blocking thread, then wakes the outbox worker: any change of a
    /// case may have queued mail (a notice, or an executive alert its rules raised), and a woken
    /// worker with nothing due just goes back to sleep.
    pub async fn with_store<T, F>(&self, f: F) -> CommandResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> escalation_core::Result<T> + Send + 'static,
    {
        let store = match &self.store {
            Ok(store) => store.clone(),
            Err(why) => return Err(why.error().into()),
        };
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
