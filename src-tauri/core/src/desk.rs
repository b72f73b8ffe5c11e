//! Where a team desk is, as the first-start screen's "Connect to a team desk" asks for it: the
//! server, its port, the database, the user and an optional certificate authority file.
//!
//! Invariants:
//! - An address never holds the password: the app keeps that in the system keyring (or, without
//!   one, in memory for the run), so the address may be saved in a plain settings file.
//! - A valid address makes a URL the PostgreSQL client reads back to the same server, port,
//!   database and user: the user and the database are percent-encoded, an IPv6 server bracketed.
//! - TLS is not a choice here: the store requires it (certificate and host name verified, against
//!   the system roots plus the CA file) for every server off loopback.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};

/// PostgreSQL's identifiers (database and role names) are at most 63 bytes.
const NAME_BYTES: usize = 63;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamDeskAddress {
    /// The server's host name or IP address.
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// A PEM file of the division's own certificate authority, when the server's certificate is
    /// not from one the system trusts. `None` or empty: the system roots only.
    pub ca_file: Option<String>,
}

/// What the connect form sends: the address and the password (kept apart from it at once).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamDeskInput {
    pub address: TeamDeskAddress,
    pub password: String,
}

impl TeamDeskAddress {
    /// Trims the fields and checks them, each error under its field's name.
    pub fn validated(&self) -> Result<TeamDeskAddress> {
        let address = TeamDeskAddress {
            host: self.host.trim().to_owned(),
            port: self.port,
            database: self.database.trim().to_owned(),
            user: self.user.trim().to_owned(),
            ca_file: self
                .ca_file
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned),
        };
        let mut errors = Vec::new();
        if address.host.is_empty() {
            errors.push(FieldError::new("host", "Enter the server's name or address."));
        } else if address.host.chars().any(|c| c.is_whitespace() || "/@?#,".contains(c)) {
            errors.push(FieldError::new(
                "host",
                "Enter only the server's name or address, e.g. db.doit.state.gov (no spaces, slashes or @).",
            ));
        }
        if address.port == 0 {
            errors.push(FieldError::new(
                "port",
                "Enter a port from 1 to 65535 (PostgreSQL's is 5432).",
            ));
        }
        for (field, value, what) in [
            ("database", &address.database, "the database"),
            ("user", &address.user, "your user name on the server"),
        ] {
            if value.is_empty() {
                errors.push(FieldError::new(field, format!("Enter {what}.")));
            } else if value.len() > NAME_BYTES {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "PostgreSQL names are at most {NAME_BYTES} bytes; this one is {}.",
                        value.len()
                    ),
                ));
            }
        }
        if let Some(file) = &address.ca_file {
            if !Path::new(file).is_absolute() {
                errors.push(FieldError::new("caFile", "Give the full path of the file, from /."));
            } else if !Path::new(file).is_file() {
                errors.push(FieldError::new("caFile", format!("There is no file at {file}.")));
            }
        }
        if errors.is_empty() {
            Ok(address)
        } else {
            Err(Error::Invalid(errors))
        }
    }

    /// The URL the store opens (no password in it).
    pub fn url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "postgres://{}@{host}:{}/{}",
            percent_encode(&self.user),
            self.port,
            percent_encode(&self.database)
        )
    }

    /// The name the password is kept under in the keyring: one entry per login on each desk.
    pub fn keyring_account(&self) -> String {
        format!("{}@{}:{}/{}", self.user, self.host, self.port, self.database)
    }
}

/// Everything but RFC 3986's unreserved characters, as %XX of its UTF-8 bytes.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> TeamDeskAddress {
        TeamDeskAddress {
            host: " db.doit.state.gov ".into(),
            port: 5432,
            database: "escalation".into(),
            user: "dana.whitfield".into(),
            ca_file: Some("  ".into()),
        }
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors, got {other}"),
        }
    }

    #[test]
    fn a_valid_address_is_trimmed_and_an_empty_ca_file_means_none() {
        let a = address().validated().unwrap();
        assert_eq!(a.host, "db.doit.state.gov");
        assert_eq!(a.ca_file, None);
        assert_eq!(a.url(), "postgres://dana.whitfield@db.doit.state.gov:5432/escalation");
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = TeamDeskAddress {
            host: "postgres://db".into(),
            port: 0,
            database: String::new(),
            user: "x".repeat(64),
            ca_file: Some("/no/such/ca.pem".into()),
        };
        assert_eq!(
            fields(bad.validated().unwrap_err()),
            ["host", "port", "database", "user", "caFile"]
        );
        let relative = TeamDeskAddress {
            ca_file: Some("ca.pem".into()),
            ..address()
        };
        assert_eq!(fields(relative.validated().unwrap_err()), ["caFile"]);
    }

    #[test]
    fn the_url_reads_back_to_the_same_server_database_and_user() {
        let a = TeamDeskAddress {
            host: "::1".into(),
            port: 6543,
            database: "desk é/1".into(),
            user: "o'brien@doit".into(),
            ca_file: None,
        };
        let config: postgres::Config = a.url().parse().unwrap();
        assert_eq!(config.get_user(), Some("o'brien@doit"));
        assert_eq!(config.get_dbname(), Some("desk é/1"));
        assert_eq!(config.get_ports(), [6543]);
        assert_eq!(config.get_hosts(), [postgres::config::Host::Tcp("::1".into())]);
        assert_eq!(config.get_password(), None);
    }
}
