//! The background sender: takes due messages from the outbox and sends them over one logged-in
//! connection per pass, with retry and exponential backoff on transient failures and a failed
//! state on permanent ones.
//!
//! Invariants: the store is only touched on blocking threads, for a moment each time (the UI's
//! commands share it); a message is marked "sending" before the attempt and settled after it, so a
//! stop mid-send is visible at the next start (see `store::outbox::recover_interrupted`).
//! A refused login pauses sending (stored, so a restart does not retry it either) until the
//! settings are saved or the user resumes: one wrong password costs one login, not one per
//! message. A message whose reply was lost after its content left is "delivery unknown", never
//! resent by itself. On a team desk one workstation sends at a time (`store::desk_jobs`); the
//! others stand by and take over when its connection closes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::settings::PasswordSource;
use super::transport::{Mailer, SendError, SendFailure, Session};
use crate::error::{Error, Result};
use crate::store::desk_jobs::{self, Sending};
use crate::store::mail_settings::{get_mail_pause, get_smtp_settings, update_mail_pause};
use crate::store::outbox::{self, Claimed};
use crate::store::{desk_now, Store};

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// After this many attempts a retryable failure becomes failed.
    pub max_attempts: i64,
    /// How long the server may take to answer one SMTP step.
    pub step_timeout: Duration,
    /// How often a workstation whose team desk is sent from elsewhere asks whether it may send
    /// now (the sender may have closed).
    pub standby: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            max_attempts: 10,
            step_timeout: super::transport::STEP_TIMEOUT,
            standby: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// first, 2x first, 4x first, ... capped at max.
    pub fn delay(&self, attempts: i64) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).clamp(0, 30) as u32);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// What one pass over the due messages did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub unknown: usize,
    /// Logins attempted (one per connection).
    pub logins: usize,
    /// Another workstation sends the desk's mail: this pass sent nothing (see `desk_jobs`).
    pub elsewhere: bool,
}

pub struct OutboxWorker {
    pub store: Arc<Mutex<Store>>,
    pub passwords: Arc<dyn PasswordSource>,
    pub wake: Arc<Notify>,
    pub policy: RetryPolicy,
    /// Called after a message changed state, so the app can tell its screens (core knows no UI).
    pub on_change: Option<Arc<dyn Fn() + Send + Sync>>,
}

async fn with_store<T: Send + 'static>(
    store: &Arc<Mutex<Store>>,
    f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    })
    .await
    .map_err(|e| Error::Internal(format!("outbox task failed: {e}")))?
}

impl OutboxWorker {
    /// Sends every message that is due now; returns what happened. Tests drive this directly.
    pub async fn send_due(&self) -> Result<Pass> {
        let mut pass = Pass::default();
        // Whether this workstation can send at all comes first: one that cannot (no settings, mail
        // paused, no password in this run) gives the desk's sending job up for another to take.
        let (settings, paused) = with_store(&self.store, |s| Ok((get_smtp_settings(s)?, get_mail_pause(s)?))).await?;
        let mailer = match (settings, paused) {
            // Nothing can be sent until the settings exist; messages wait queued.
            (None, _) => None,
            // The login was refused: wait for new settings or the user's retry.
            (Some(_), Some(_)) => None,
            (Some(settings), None) => match Mailer::new(&settings, self.passwords.password()) {
                Ok(m) => Some(m.with_step_timeout(self.policy.step_timeout)),
                Err(e) => {
                    // No password this run (no keyring) or unusable settings: nothing is attempted
                    // and nothing fails; messages wait queued until the settings screen fixes it.
                    log::warn!("outbox paused: {}", e.reason);
                    None
                }
            },
        };
        let Some(mailer) = mailer else {
            with_store(&self.store, |s| {
                desk_jobs::give_up_sending(s);
                Ok(())
            })
            .await?;
            return Ok(pass);
        };
        match with_store(&self.store, desk_jobs::take_sending).await? {
            Sending::Elsewhere => {
                pass.elsewhere = true;
                return Ok(pass);
            }
            Sending::Taken { recovered } if recovered > 0 => {
                log::warn!("{recovered} message(s) were interrupted mid-send and are marked failed");
                self.changed();
            }
            Sending::Taken { .. } | Sending::Held => {}
        }
        let mut session: Option<Session> = None;
        // Only what was due when the pass began: a message put back for a retry waits for the next pass.
        let (started, origin) = with_store(&self.store, |s| Ok((desk_now(s.conn())?, s.origin()))).await?;
        // The message just sent is settled in the same trip to the store as the next one is
        // claimed: one lock and one blocking hop per message instead of two (the UI's commands
        // wait for that lock). Settled first, so a stop between the two still leaves at most the
        // message in hand "sending".
        let mut sent_last: Option<(Claimed, std::result::Result<(), SendError>)> = None;
        loop {
            let last = sent_last.take();
            let policy = self.policy;
            // A pass ends where the window moved to another desk: the rest is that desk's.
            let (settled, claimed): (Option<Settled>, Option<Claimed>) = with_store(&self.store, move |s| {
                let settled = match last {
                    Some((msg, result)) => Some(settle_in(s, &msg, result, &policy)?),
                    None => None,
                };
                if s.origin() != origin {
                    return Ok((settled, None));
                }
                Ok((settled, outbox::claim_due(s, started)?))
            })
            .await?;
            if let Some(settled) = settled {
                self.count(settled, &mut pass);
            }
            let Some(msg) = claimed else { break };
            if session.as_ref().is_none_or(|s| !s.is_usable()) {
                pass.logins += 1;
                match mailer.connect().await {
                    Ok(s) => session = Some(s),
                    Err(e) if e.failure == SendFailure::Authentication => {
                        self.pause(&msg, &e).await?;
                        pass.retrying += 1;
                        break;
                    }
                    Err(e) => {
                        self.settle(&msg, Err(e), &mut pass).await?;
                        continue;
                    }
                }
            }
            let s = session.as_mut().expect("connected above");
            let result = s.send(&msg.recipients, &msg.mime).await;
            sent_last = Some((msg, result));
        }
        if let Some((msg, result)) = sent_last {
            self.settle(&msg, result, &mut pass).await?;
        }
        if let Some(s) = session {
            s.quit().await;
        }
        Ok(pass)
    }

    /// The server refused the login: stop sending (no more logins), put the message back as it
    /// was, and say why where the user looks.
    async fn pause(&self, msg: &Claimed, e: &SendError) -> Result<()> {
        let id = msg.id;
        let reason = format!(
            "{} Sending is paused so the account is not locked by repeated logins: correct the user name or password in Mail settings (saving resumes sending), or press Resume.",
            e.reason
        );
        log::warn!("outbox paused: {}", e.reason);
        self.on_claimed_desk(msg, move |s| {
            update_mail_pause(s, Some(&reason))?;
            outbox::mark_retry(s, id, &reason, desk_now(s.conn())?)
        })
        .await?;
        self.changed();
        Ok(())
    }
}

/// A team desk's other workstations' outbox screens follow what this one sends (a notice that
/// cannot go out only costs them a refresh).
fn tell_others(store: &Store) {
    let what = crate::change::DeskChanged::of_desk(crate::change::Entity::Outbox);
    if let Err(e) = crate::store::live::announce(store, what) {
        log::warn!("the other workstations could not be told of a sent message: {e}");
    }
}

/// What became of a message after its attempt.
#[derive(Debug, Clone, Copy)]
enum Settled {
    Sent,
    Unknown,
    Retrying,
    Failed,
    /// The window moved to another desk meanwhile: left for the old desk's next sender.
    OtherDesk,
}

/// Records the attempt's result on the desk `msg` was claimed from. After the window moved to
/// another desk in the middle of a pass, the store holds that desk, whose message of the same id
/// is another one: nothing is settled there, and the old desk's next sender recovers the message.
fn settle_in(
    s: &mut Store,
    msg: &Claimed,
    result: std::result::Result<(), SendError>,
    policy: &RetryPolicy,
) -> Result<Settled> {
    let id = msg.id;
    if s.origin() != msg.origin {
        log::warn!(
            "message {id} was being sent when the window moved to another desk: left for that desk's next sender"
        );
        return Ok(Settled::OtherDesk);
    }
    let settled = match result {
        Ok(()) => {
            outbox::mark_sent(s, id)?;
            Settled::Sent
        }
        Err(e) if e.failure == SendFailure::DeliveryUnknown => {
            log::warn!("message {id}: {}", e.reason);
            outbox::mark_delivery_unknown(s, id, &e.reason)?;
            Settled::Unknown
        }
        Err(e) if e.failure.is_retryable() && msg.attempts < policy.max_attempts => {
            let delay = chrono::Duration::from_std(policy.delay(msg.attempts)).unwrap_or_default();
            log::warn!("message {id}: {}", e.reason);
            // The next try's time is shown from next_attempt_at, in the user's own time zone.
            let next = desk_now(s.conn())? + delay.max(chrono::Duration::milliseconds(1));
            outbox::mark_retry(s, id, &e.reason, next)?;
            Settled::Retrying
        }
        Err(e) => {
            log::warn!("message {id} failed: {}", e.reason);
            outbox::mark_failed(s, id, &e.reason)?;
            Settled::Failed
        }
    };
    tell_others(s);
    Ok(settled)
}

impl OutboxWorker {
    fn changed(&self) {
        if let Some(f) = &self.on_change {
            f();
        }
    }

    /// Runs `f` on the desk `msg` was claimed from. After the window moved to another desk in the
    /// middle of a pass, the slot holds that desk, whose message of the same id is another one:
    /// nothing is settled there, and the old desk's next sender recovers the message it left.
    async fn on_claimed_desk(
        &self,
        msg: &Claimed,
        f: impl FnOnce(&mut Store) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let (origin, id) = (msg.origin, msg.id);
        with_store(&self.store, move |s| {
            if s.origin() != origin {
                log::warn!("message {id} was being sent when the window moved to another desk: left for that desk's next sender");
                return Ok(());
            }
            f(s)
        })
        .await
    }

    async fn settle(&self, msg: &Claimed, result: std::result::Result<(), SendError>, pass: &mut Pass) -> Result<()> {
        let (msg, policy) = (msg.clone(), self.policy);
        let settled = with_store(&self.store, move |s| settle_in(s, &msg, result, &policy)).await?;
        self.count(settled, pass);
        Ok(())
    }

    fn count(&self, settled: Settled, pass: &mut Pass) {
        match settled {
            Settled::Sent => pass.sent += 1,
            Settled::Unknown => pass.unknown += 1,
            Settled::Retrying => pass.retrying += 1,
            Settled::Failed => pass.failed += 1,
            Settled::OtherDesk => {}
        }
        self.changed();
    }

    /// Runs until the process ends: recovers interrupted sends, then sends what is due, sleeping
    /// until the next due message or until woken (a new message, changed settings, a retry).
    pub async fn run(self) {
        loop {
            let elsewhere = match self.send_due().await {
                Ok(pass) => pass.elsewhere,
                Err(e) => {
                    log::error!("outbox pass failed: {e}");
                    false
                }
            };
            // A standby asks again now and then, whatever is due: the sender sends it.
            let wait = if elsewhere {
                self.policy.standby
            } else {
                let until = with_store(&self.store, |s| {
                    Ok(match outbox::next_due(s)? {
                        Some(t) => Some(t - desk_now(s.conn())?),
                        None => None,
                    })
                })
                .await
                .ok()
                .flatten();
                until
                    .map(|d| d.to_std().unwrap_or(Duration::ZERO))
                    .unwrap_or(Duration::from_secs(300))
                    .clamp(Duration::from_millis(50), Duration::from_secs(300))
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_delay_up_to_the_cap() {
        let p = RetryPolicy {
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(600),
            max_attempts: 10,
            step_timeout: Duration::from_secs(1),
            standby: Duration::from_secs(1),
        };
        let delays: Vec<u64> = (1..=7).map(|a| p.delay(a).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(p.delay(1000).as_secs(), 600, "no overflow on many attempts");
    }
}
