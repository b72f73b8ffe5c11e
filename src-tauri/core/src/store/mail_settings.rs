//! The one row of SMTP settings (never the password), and whether sending is paused.

use crate::store::db::{Db, Optional};
use rusqlite::params;

use super::{format_time, now, parse_stored, Store};
use crate::error::Result;
use crate::mail::settings::{Security, SmtpSettings};

pub fn get_smtp_settings(store: &Store) -> Result<Option<SmtpSettings>> {
    store
        .conn()
        .prepare_cached("SELECT host, port, security, username, sender_name, sender_address, extra_ca_pem FROM smtp_settings WHERE id = 1")?.query_row([],
            |r| {
                Ok(SmtpSettings {
                    host: r.get(0)?,
                    port: r.get(1)?,
                    security: parse_stored(r.get(2)?, Security::parse, "security")?,
                    username: r.get(3)?,
                    sender_name: r.get(4)?,
                    sender_address: r.get(5)?,
                    extra_ca_pem: r.get(6)?,
                })
            },
        )
        .optional()
}

/// Saves the settings. Saving also ends a pause after a refused login: the user has looked at them.
pub fn update_smtp_settings(store: &mut Store, settings: &SmtpSettings) -> Result<SmtpSettings> {
    let s = settings.validate()?;
    store.conn().prepare_cached("INSERT INTO smtp_settings (id, host, port, security, username, sender_name, sender_address, extra_ca_pem, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
            username = excluded.username, sender_name = excluded.sender_name, sender_address = excluded.sender_address,
            extra_ca_pem = excluded.extra_ca_pem, updated_at = excluded.updated_at,
            paused_reason = NULL, paused_at = NULL")?.execute(params![s.host, s.port, s.security.as_str(), s.username, s.sender_name, s.sender_address, s.extra_ca_pem, format_time(now())],
    )?;
    Ok(s)
}

/// Sending is paused: the mail server refused the login, and trying again with the same settings
/// would only count towards locking the account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MailPause {
    pub reason: String,
    pub since: chrono::DateTime<chrono::Utc>,
}

pub fn get_mail_pause(store: &Store) -> Result<Option<MailPause>> {
    let row: Option<(Option<String>, Option<String>)> = store
        .conn()
        .prepare_cached("SELECT paused_reason, paused_at FROM smtp_settings WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((Some(reason), Some(at))) => Some(MailPause {
            reason,
            since: super::parse_time(&at)?,
        }),
        _ => None,
    })
}

/// Pauses sending with the reason, or (None) resumes it.
/// Lifts a pause inside the caller's transaction (a retry is the user's word to try again).
pub(crate) fn clear_mail_pause_in(conn: &Db) -> Result<()> {
    conn.execute(
        "UPDATE smtp_settings SET paused_reason = NULL, paused_at = NULL WHERE id = 1",
        [],
    )?;
    Ok(())
}

pub fn update_mail_pause(store: &Store, reason: Option<&str>) -> Result<()> {
    // The time is chosen here, not by a CASE in SQL: PostgreSQL cannot type a CASE of two untyped parameters.
    let since = reason.map(|_| format_time(now()));
    store
        .conn()
        .prepare_cached("UPDATE smtp_settings SET paused_reason = ?1, paused_at = ?2 WHERE id = 1")?
        .execute(params![reason, since])?;
    Ok(())
}
