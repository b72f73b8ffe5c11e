//! The app's state: the one store, behind a mutex, reached only off the UI thread.
//!
//! Invariant: every store call runs in `spawn_blocking`, so a slow query or a busy database never
//! freezes the window. If the database could not be opened, the app still starts and every command
//! answers with the reason, so the user sees it instead of a crash.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use escalation_core::{Error, Store};
use tokio::sync::Notify;

use crate::error::CommandResult;
use crate::secrets::SessionPasswords;

pub struct Desk {
    store: Result<Arc<Mutex<Store>>, String>,
    pub database_path: PathBuf,
    /// The SMTP password for this run (keyring-backed where possible).
    pub passwords: Arc<SessionPasswords>,
    /// Wakes the outbox worker when a message is queued or the settings change.
    pub wake: Arc<Notify>,
}

impl Desk {
    pub fn open(database_path: PathBuf) -> Desk {
        let store = Store::open(&database_path)
            .map(|s| Arc::new(Mutex::new(s)))
            .map_err(|e| {
                log::error!("cannot open {}: {e}", database_path.display());
                format!("Cannot open the database {}: {e}", database_path.display())
            });
        Desk {
            store,
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
        }
    }

    pub fn from_store(store: Store) -> Desk {
        let database_path = store.path().to_path_buf();
        Desk {
            store: Ok(Arc::new(Mutex::new(store))),
            database_path,
            passwords: Default::default(),
            wake: Default::default(),
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
        let store = self.store.clone().map_err(Error::Internal)?;
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
