//! Live changes between the workstations of a team desk: each change that commits tells the
//! others what it touched (PostgreSQL's NOTIFY, sent at commit), and each workstation listens on
//! a connection of its own and passes what it hears to its window, whose screens refresh it.
//!
//! Invariants:
//! - A notice names what changed ([`DeskChanged`]), never the data: a screen reads fresh rows.
//! - A workstation never hears its own notices (each carries its store's origin), since its
//!   window was told already.
//! - The listener says at once when it loses the server and when it has it back; it connects
//!   again by itself, and a workstation that was cut off is told that anything may have changed.
//! - Presence in a report (who has which section open, who is typing) goes on a channel of its
//!   own ([`PRESENCE_CHANNEL`]): sent at once, never stored, named by the sender's login's person.
//! - A SQLite desk has one workstation: nothing is sent, nobody listens.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};

use super::Store;
use crate::change::{DeskChanged, Presence};
use crate::error::Result;

/// The channel every workstation of a team desk listens on (per database, as NOTIFY is).
pub const CHANNEL: &str = "escalation_desk_changed";

/// The channel of presence in reports: who has which section open, who is typing.
pub const PRESENCE_CHANNEL: &str = "escalation_desk_presence";

/// How long a lost listener waits before it tries the server again.
const RETRY: Duration = Duration::from_secs(2);

#[derive(Serialize, Deserialize)]
struct Notice {
    what: DeskChanged,
    /// Which store sent it, so that workstation does not hear itself.
    origin: u64,
}

/// A new store's origin: random, so two stores (two workstations, or two windows) never share one.
pub(crate) fn new_origin() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        // No random source: the process id and the time still tell stores apart.
        Err(_) => u64::from(std::process::id()) << 32 ^ u64::from(chrono::Utc::now().timestamp_subsec_nanos()),
    }
}

impl Store {
    /// What this store's change notices carry, for its own listener to skip them.
    pub fn origin(&self) -> u64 {
        self.origin
    }
}

/// Tells the desk's other workstations that `what` changed. Inside a transaction it goes out when
/// that commits (and not at all when it rolls back); outside one, at once. No-op on SQLite.
pub fn announce(store: &Store, what: DeskChanged) -> Result<()> {
    let Some(notify) = store.conn().dialect().notify else {
        return Ok(());
    };
    let payload = serde_json::to_string(&Notice {
        what,
        origin: store.origin,
    })
    .map_err(|e| crate::Error::Internal(format!("a change notice could not be written: {e}")))?;
    store.conn().execute(notify, [CHANNEL, payload.as_str()])?;
    Ok(())
}

/// Tells the desk's other workstations that this window's person has `section_id` of the report
/// `aar_id` open (`None`: left it) and whether they are typing. At once, outside any transaction;
/// nothing is stored. No-op on SQLite (one workstation).
pub fn announce_presence(store: &Store, aar_id: i64, section_id: Option<i64>, typing: bool) -> Result<()> {
    let Some(notify) = store.conn().dialect().notify else {
        return Ok(());
    };
    let who = super::users::require_current_user(store)?;
    let payload = serde_json::to_string(&Presence {
        aar_id,
        section_id,
        typing,
        person: who.name,
        window: store.origin.to_string(),
    })
    .map_err(|e| crate::Error::Internal(format!("a presence notice could not be written: {e}")))?;
    store.conn().execute(notify, [PRESENCE_CHANNEL, payload.as_str()])?;
    Ok(())
}

/// A running listener; it stops when this is dropped (within a second).
pub struct Listener {
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Listens to a team desk's changes on a thread with its own connection: `on_change` for each
/// change but those of the store whose origin is `own` (this workstation's), `on_reachable(false)` when the server is lost and
/// `on_reachable(true)` when it answers again (then `on_change` hears that anything may have
/// changed: one notice per part of the desk, of no one case), and `on_presence` for the other
/// windows' presence in reports.
pub fn listen(
    url: &str,
    password: Option<&str>,
    ca_file: Option<&std::path::Path>,
    own: u64,
    on_change: impl Fn(DeskChanged) + Send + 'static,
    on_reachable: impl Fn(bool) + Send + 'static,
    on_presence: impl Fn(Presence) + Send + 'static,
) -> Listener {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let (url, password, ca_file) = (
        url.to_owned(),
        password.map(str::to_owned),
        ca_file.map(std::path::Path::to_path_buf),
    );
    std::thread::Builder::new()
        .name("desk-listener".into())
        .spawn(move || {
            let mut reachable = true;
            while !stopping.load(Ordering::Relaxed) {
                let mut client =
                    match super::db::connect_raw(&url, password.as_deref(), ca_file.as_deref()).and_then(|mut c| {
                        c.batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {PRESENCE_CHANNEL}"))
                            .map(|_| c)
                            .map_err(super::db::pg_error)
                    }) {
                        Ok(c) => c,
                        Err(e) => {
                            if reachable {
                                log::warn!("the team desk cannot be reached: {e}");
                                reachable = false;
                                on_reachable(false);
                            }
                            std::thread::sleep(RETRY);
                            continue;
                        }
                    };
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                if !reachable {
                    log::info!("the team desk answers again");
                    reachable = true;
                    on_reachable(true);
                    for entity in crate::change::Entity::ALL {
                        on_change(DeskChanged::of_desk(entity));
                    }
                }
                // Hears notices until the connection fails or the listener is stopped.
                'listening: while !stopping.load(Ordering::Relaxed) {
                    if client.is_closed() {
                        break;
                    }
                    let mut notifications = client.notifications();
                    let mut heard = notifications.timeout_iter(Duration::from_millis(500));
                    loop {
                        match heard.next() {
                            // Stopped (the window moved to another desk): not a notice more.
                            Ok(_) if stopping.load(Ordering::Relaxed) => break 'listening,
                            Ok(Some(n)) if n.channel() == PRESENCE_CHANNEL => {
                                match serde_json::from_str::<Presence>(n.payload()) {
                                    Ok(p) if p.window != own.to_string() => on_presence(p),
                                    Ok(_) => {}
                                    Err(e) => log::warn!("a presence notice could not be read: {e}"),
                                }
                            }
                            Ok(Some(n)) => match serde_json::from_str::<Notice>(n.payload()) {
                                Ok(notice) if notice.origin != own => on_change(notice.what),
                                Ok(_) => {}
                                Err(e) => log::warn!("a change notice could not be read: {e}"),
                            },
                            Ok(None) => break,
                            Err(e) => {
                                log::warn!("lost the team desk: {e}");
                                break 'listening;
                            }
                        }
                    }
                }
                if !stopping.load(Ordering::Relaxed) {
                    reachable = false;
                    on_reachable(false);
                }
            }
        })
        .expect("a thread for the team desk's listener");
    Listener { stop }
}
