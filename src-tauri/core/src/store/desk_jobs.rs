//! Work a desk needs done by one workstation at a time: sending its outbox, and the periodic
//! warranty and alert sweep. On a team desk every workstation runs both workers; a lock on the
//! desk (PostgreSQL's advisory lock: per database, held by a connection, let go when it closes)
//! lets one of them do the job. A SQLite desk has one workstation (the instance lock), which
//! always may.
//!
//! Invariants:
//! - Sending is held by one workstation's connection from the pass that takes it until that
//!   connection closes (the app quits, or dies). Messages left "sending" are recovered only by the
//!   workstation that takes the job, when it takes it: a message another live workstation is
//!   sending is never marked interrupted.
//! - The sweep is taken for one sweep and let go; a workstation that finds it taken skips that
//!   sweep (the other one is doing it), so one alert is raised, and mailed, once.

use super::{outbox, Store};
use crate::error::Result;

/// A job one workstation does for the whole desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskJob {
    Sending,
    Sweep,
}

impl DeskJob {
    /// The lock's number: "ESCD" and the job, so no other application's lock on the same
    /// database is taken by mistake.
    fn key(self) -> i64 {
        0x4553_4344_0000
            + match self {
                DeskJob::Sending => 1,
                DeskJob::Sweep => 2,
            }
    }
}

/// Whether this workstation sends the desk's mail now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// This call took the job; `recovered` messages were found left mid-send and marked failed.
    Taken { recovered: usize },
    /// This workstation already had it.
    Held,
    /// Another workstation sends: this one waits and asks again.
    Elsewhere,
}

/// Takes the sending job when no other workstation holds it (and recovers what a stopped sender
/// left mid-send), or says who has it. Asked before every pass of the outbox worker.
///
/// A connection the server dropped and the store opened again has lost the lock: the job is
/// asked for again then (another workstation may have it by now).
pub fn take_sending(store: &mut Store) -> Result<Sending> {
    let generation = store.conn().connection_generation();
    if store.sending == Some(generation) {
        return Ok(Sending::Held);
    }
    store.sending = None;
    if !try_lock(store, DeskJob::Sending)? {
        return Ok(Sending::Elsewhere);
    }
    match outbox::recover_interrupted(store) {
        Ok(recovered) => {
            store.sending = Some(generation);
            Ok(Sending::Taken { recovered })
        }
        // One that may not write the outbox (a viewer's login) does not keep the job from others.
        Err(e) => {
            unlock(store, DeskJob::Sending);
            Err(e)
        }
    }
}

/// Gives the sending job up, if this workstation holds it: it cannot send now (no settings,
/// mail paused, no password in this run), so another workstation may take it.
pub fn give_up_sending(store: &mut Store) {
    if store.sending.take().is_some() {
        unlock(store, DeskJob::Sending);
    }
}

/// Lets go of `job`; a failure to is the connection's end, which lets go too.
fn unlock(store: &Store, job: DeskJob) {
    if let Some(unlock) = store.conn().dialect().desk_unlock {
        if let Err(e) = store.conn().query_row(unlock, [job.key()], |r| r.get::<_, i64>(0)) {
            log::warn!("could not let go of the desk's {job:?} job: {e}");
        }
    }
}

/// Runs `f` as this desk's one sweep, or not at all (`None`) when another workstation is
/// sweeping it now.
pub fn sweep_alone<T>(store: &mut Store, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<Option<T>> {
    if !try_lock(store, DeskJob::Sweep)? {
        return Ok(None);
    }
    let out = f(store);
    unlock(store, DeskJob::Sweep); // whatever happened
    out.map(Some)
}

fn try_lock(store: &Store, job: DeskJob) -> Result<bool> {
    match store.conn().dialect().try_desk_lock {
        None => Ok(true),
        Some(sql) => Ok(store.conn().query_row(sql, [job.key()], |r| r.get::<_, i64>(0))? == 1),
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub warranties_ended: usize,
    pub alerts_raised: usize,
}

/// The periodic sweep, as this desk's one (`None` when another workstation is sweeping): ends
/// the warranties that ran out (their cases move to Verification), then raises the alerts whose
/// time-based conditions have come to match. A failed warranty check does not stop the alerts.
pub fn sweep(store: &mut Store) -> Result<Option<Swept>> {
    sweep_alone(store, |s| {
        let warranties_ended = match super::closure::update_ended_warranties(s) {
            Ok(n) => n,
            Err(crate::Error::NoIdentity) => 0,
            Err(e) => {
                log::error!("warranty check failed: {e}");
                0
            }
        };
        let alerts_raised = super::alert_evaluation::evaluate_due_alerts(s)?;
        Ok(Swept {
            warranties_ended,
            alerts_raised,
        })
    })
}
