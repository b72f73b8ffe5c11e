//! The one row of SMTP settings (never the password).

use rusqlite::{params, OptionalExtension};

use super::{format_time, now, parse_stored, Store};
use crate::error::Result;
use crate::mail::settings::{Security, SmtpSettings};

pub fn get_smtp_settings(store: &Store) -> Result<Option<SmtpSettings>> {
    Ok(store
        .conn()
        .query_row(
            "SELECT host, port, security, username, sender_name, sender_address, extra_ca_pem FROM smtp_settings WHERE id = 1",
            [],
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
        .optional()?)
}

pub fn update_smtp_settings(store: &mut Store, settings: &SmtpSettings) -> Result<SmtpSettings> {
    let s = settings.validate()?;
    store.conn().execute(
        "INSERT INTO smtp_settings (id, host, port, security, username, sender_name, sender_address, extra_ca_pem, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
            username = excluded.username, sender_name = excluded.sender_name, sender_address = excluded.sender_address,
            extra_ca_pem = excluded.extra_ca_pem, updated_at = excluded.updated_at",
        params![s.host, s.port, s.security.as_str(), s.username, s.sender_name, s.sender_address, s.extra_ca_pem, format_time(now())],
    )?;
    Ok(s)
}
