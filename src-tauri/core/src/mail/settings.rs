//! SMTP settings. The password is never part of them: it lives in the OS keyring (or, where there
//! is none, in memory for the run), behind [`PasswordSource`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};
use crate::identity::email_problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Port 587: plain connection upgraded with STARTTLS (required).
    Starttls,
    /// Port 465: TLS from the first byte.
    ImplicitTls,
    /// No encryption: only to a mail server on this machine (loopback).
    Plain,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Starttls => "starttls",
            Security::ImplicitTls => "implicit_tls",
            Security::Plain => "plain",
        }
    }
    pub fn parse(s: &str) -> Option<Security> {
        [Security::Starttls, Security::ImplicitTls, Security::Plain]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Empty for a server that does not ask for authentication.
    pub username: String,
    pub sender_name: String,
    pub sender_address: String,
    /// PEM of extra certificate authorities to trust (an agency's internal CA).
    pub extra_ca_pem: String,
}

/// Whether a host name is this machine: the only place plain SMTP may go.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SmtpSettings {
    pub fn validate(&self) -> Result<SmtpSettings> {
        let mut errors = Vec::new();
        let host = self.host.trim();
        if host.is_empty() {
            errors.push(FieldError::new("host", "Enter the mail server's host name."));
        } else if host.contains(char::is_whitespace) || host.contains('/') {
            errors.push(FieldError::new(
                "host",
                "A host name has no spaces or slashes, e.g. smtp.state.gov.",
            ));
        }
        if self.port == 0 {
            errors.push(FieldError::new(
                "port",
                "Enter a port between 1 and 65535 (587 for STARTTLS, 465 for TLS).",
            ));
        }
        if self.security == Security::Plain && !host.is_empty() && !is_loopback(host) {
            errors.push(FieldError::new(
                "security",
                "Unencrypted SMTP is only allowed to a mail server on this machine; choose STARTTLS or TLS.",
            ));
        }
        if let Some(p) = email_problem(&self.sender_address) {
            errors.push(FieldError::new(
                "senderAddress",
                p.replace("your email", "the sender's email"),
            ));
        }
        crate::limits::check_text(
            &mut errors,
            "senderName",
            "sender name",
            self.sender_name.trim(),
            crate::limits::NAME_CHARS,
        );
        let pem = self.extra_ca_pem.trim();
        if !pem.is_empty() && !pem.contains("-----BEGIN CERTIFICATE-----") {
            errors.push(FieldError::new(
                "extraCaPem",
                "Paste certificates in PEM form (-----BEGIN CERTIFICATE----- ...).",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(SmtpSettings {
            host: host.to_owned(),
            port: self.port,
            security: self.security,
            username: self.username.trim().to_owned(),
            sender_name: self.sender_name.trim().to_owned(),
            sender_address: self.sender_address.trim().to_owned(),
            extra_ca_pem: pem.to_owned(),
        })
    }
}

/// Where the password is kept now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PasswordStorage {
    /// In the OS keyring: remembered across runs.
    Keyring,
    /// In memory only (no keyring available): asked again at the next start.
    Memory,
    /// Not entered.
    None,
}

/// The settings screen: the saved settings and where the password is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MailSettingsView {
    pub settings: Option<SmtpSettings>,
    pub password: PasswordStorage,
}

/// Where the SMTP password comes from. The app backs it with the OS keyring, or with memory for
/// the run where no keyring is available; it is never written to a file in plain text.
pub trait PasswordSource: Send + Sync {
    fn password(&self) -> Option<String>;
}

/// A fixed password (tests, and the memory fallback).
pub struct FixedPassword(pub Option<String>);

impl PasswordSource for FixedPassword {
    fn password(&self) -> Option<String> {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.state.gov".into(),
            port: 587,
            security: Security::Starttls,
            username: "escalations".into(),
            sender_name: "Escalation Desk".into(),
            sender_address: "escalations@doit.state.gov".into(),
            extra_ca_pem: String::new(),
        }
    }

    #[test]
    fn plain_smtp_is_refused_to_any_host_but_this_machine() {
        let plain = SmtpSettings {
            security: Security::Plain,
            ..settings()
        };
        let err = plain.validate().unwrap_err();
        assert_eq!(err.payload().field.as_deref(), Some("security"));
        for host in ["localhost", "127.0.0.1", "127.3.4.5", "::1", "[::1]"] {
            assert!(
                SmtpSettings {
                    host: host.into(),
                    ..plain.clone()
                }
                .validate()
                .is_ok(),
                "{host} is loopback"
            );
        }
        assert!(!is_loopback("10.0.0.1") && !is_loopback("mail.localhost.example"));
    }

    #[test]
    fn a_bad_sender_and_an_empty_host_are_reported_by_field() {
        let bad = SmtpSettings {
            host: " ".into(),
            port: 0,
            sender_address: "nobody".into(),
            ..settings()
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .payload()
            .fields
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["host", "port", "senderAddress"]);
    }
}
