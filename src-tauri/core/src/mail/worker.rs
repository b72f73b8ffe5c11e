//! The background sender: takes due messages from the outbox and sends them, with retry and
//! exponential backoff on transient failures and a failed state on permanent ones.
//!
//! Invariants: the store is only touched on blocking threads, for a moment each time (the UI's
//! commands share it); a message is marked "sending" before the attempt and settled after it, so a
//! stop mid-send is visible at the next start (see `store::outbox::recover_interrupted`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;

use super::settings::PasswordSource;
use super::transport::{Mailer, SendError};
use crate::error::{Error, Result};
use crate::store::mail_settings::get_smtp_settings;
use crate::store::outbox::{self, Claimed};
use crate::store::Store;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// After this many attempts a retryable failure becomes failed.
    pub max_attempts: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            max_attempts: 10,
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
}

pub struct OutboxWorker {
    pub store: Arc<Mutex<Store>>,
    pub passwords: Arc<dyn PasswordSource>,
    pub wake: Arc<Notify>,
    pub policy: RetryPolicy,
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
        let settings = with_store(&self.store, |s| get_smtp_settings(s)).await?;
        let Some(settings) = settings else {
            return Ok(pass); // nothing can be sent until the settings exist; messages wait queued
        };
        let mailer = match Mailer::new(&settings, self.passwords.password()) {
            Ok(m) => m,
            Err(e) => {
                // No password this run (no keyring) or unusable settings: nothing is attempted and
                // nothing fails; messages wait queued until the settings screen fixes it.
                log::warn!("outbox paused: {}", e.reason);
                return Ok(pass);
            }
        };
        // Only what was due when the pass began: a message put back for a retry waits for the next pass.
        let started = Utc::now();
        loop {
            let claimed: Option<Claimed> = with_store(&self.store, move |s| outbox::claim_due(s, started)).await?;
            let Some(msg) = claimed else { break };
            let result = mailer.send(&msg.recipients, &msg.mime).await;
            self.settle(&msg, result, &mut pass).await?;
        }
        Ok(pass)
    }

    async fn settle(&self, msg: &Claimed, result: std::result::Result<(), SendError>, pass: &mut Pass) -> Result<()> {
        let id = msg.id;
        match result {
            Ok(()) => {
                with_store(&self.store, move |s| outbox::mark_sent(s, id)).await?;
                pass.sent += 1;
            }
            Err(e) if e.failure.is_retryable() && msg.attempts < self.policy.max_attempts => {
                let delay = chrono::Duration::from_std(self.policy.delay(msg.attempts)).unwrap_or_default();
                let next = Utc::now() + delay.max(chrono::Duration::milliseconds(1));
                let reason = format!("{} Next try at {}.", e.reason, next.format("%H:%M:%S UTC"));
                log::warn!("message {id}: {}", e.reason);
                with_store(&self.store, move |s| outbox::mark_retry(s, id, &reason, next)).await?;
                pass.retrying += 1;
            }
            Err(e) => {
                log::warn!("message {id} failed: {}", e.reason);
                let reason = e.reason.clone();
                with_store(&self.store, move |s| outbox::mark_failed(s, id, &reason)).await?;
                pass.failed += 1;
            }
        }
        Ok(())
    }

    /// Runs until the process ends: recovers interrupted sends, then sends what is due, sleeping
    /// until the next due message or until woken (a new message, changed settings, a retry).
    pub async fn run(self) {
        match with_store(&self.store, |s| outbox::recover_interrupted(s)).await {
            Ok(n) if n > 0 => log::warn!("{n} message(s) were interrupted mid-send and are marked failed"),
            Err(e) => log::error!("outbox recovery failed: {e}"),
            _ => {}
        }
        loop {
            if let Err(e) = self.send_due().await {
                log::error!("outbox pass failed: {e}");
            }
            let next = with_store(&self.store, |s| outbox::next_due(s)).await.ok().flatten();
            let wait = next
                .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(Duration::from_secs(300))
                .clamp(Duration::from_millis(50), Duration::from_secs(300));
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
        };
        let delays: Vec<u64> = (1..=7).map(|a| p.delay(a).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(p.delay(1000).as_secs(), 600, "no overflow on many attempts");
    }
}
