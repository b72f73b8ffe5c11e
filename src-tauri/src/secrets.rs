//! The SMTP password and a team desk's password: in the operating system's keyring (Secret Service) where there is one; where
//! there is none (no session bus, a locked keyring) only in memory for this run, so the user is
//! asked again next time. Never in a file.
//!
//! Keyring calls block (D-Bus), so they run on blocking threads; the outbox worker reads the copy
//! kept in memory.

use std::sync::Mutex;

use escalation_core::mail::settings::{PasswordSource, PasswordStorage};

const SERVICE: &str = "escalation-desk-smtp";
/// A team desk's passwords, one entry per login on each desk (`TeamDeskAddress::keyring_account`).
const TEAM_DESK_SERVICE: &str = "escalation-desk-team-desk";

/// The team desk password kept in the keyring for `account`, if any (blocking).
pub fn team_desk_password(account: &str) -> Option<String> {
    keyring::Entry::new(TEAM_DESK_SERVICE, account)
        .and_then(|e| e.get_password())
        .inspect_err(|e| log::info!("no team desk password from the keyring: {e}"))
        .ok()
}

/// Keeps the team desk password in the keyring (blocking). Where there is none the caller keeps
/// it in memory for this run only, and the next start asks for it again.
pub fn keep_team_desk_password(account: &str, password: &str) -> PasswordStorage {
    match keyring::Entry::new(TEAM_DESK_SERVICE, account).and_then(|e| e.set_password(password)) {
        Ok(()) => PasswordStorage::Keyring,
        Err(e) => {
            log::warn!("keyring unavailable, keeping the team desk password in memory for this run: {e}");
            PasswordStorage::Memory
        }
    }
}

#[derive(Default)]
pub struct SessionPasswords {
    inner: Mutex<(Option<String>, Option<bool>)>, // (password, stored in keyring?)
}

impl PasswordSource for SessionPasswords {
    fn password(&self) -> Option<String> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).0.clone()
    }
}

impl SessionPasswords {
    /// Loads the password for `user` from the keyring, if there is one (blocking).
    pub fn load(&self, user: &str) {
        if user.is_empty() {
            return;
        }
        match keyring::Entry::new(SERVICE, user).and_then(|e| e.get_password()) {
            Ok(pw) => *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = (Some(pw), Some(true)),
            Err(e) => log::info!("no SMTP password from the keyring: {e}"),
        }
    }

    /// Keeps the password: in the keyring if possible, else in memory (blocking).
    pub fn store(&self, user: &str, password: &str) -> PasswordStorage {
        let in_keyring = match keyring::Entry::new(SERVICE, user).and_then(|e| e.set_password(password)) {
            Ok(()) => true,
            Err(e) => {
                log::warn!("keyring unavailable, keeping the SMTP password in memory for this run: {e}");
                false
            }
        };
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = (Some(password.to_owned()), Some(in_keyring));
        if in_keyring {
            PasswordStorage::Keyring
        } else {
            PasswordStorage::Memory
        }
    }

    pub fn storage(&self) -> PasswordStorage {
        match *self.inner.lock().unwrap_or_else(|p| p.into_inner()) {
            (Some(_), Some(true)) => PasswordStorage::Keyring,
            (Some(_), _) => PasswordStorage::Memory,
            (None, _) => PasswordStorage::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_kept_in_memory_is_served_to_the_worker_and_reported_as_memory() {
        let p = SessionPasswords::default();
        assert_eq!(p.storage(), PasswordStorage::None);
        *p.inner.lock().unwrap() = (Some("pw".into()), Some(false));
        assert_eq!(p.password().as_deref(), Some("pw"));
        assert_eq!(p.storage(), PasswordStorage::Memory);
    }
}
