//! The person using this workstation. Every change records who made it, so nothing can change
//! until the identity is set.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdentityInput {
    pub name: String,
    pub email: String,
    /// The person's role in the process, e.g. "Escalation manager" or "ABRM".
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub since: DateTime<Utc>,
    /// The operating-system account and the machine that last set this identity: a name typed on
    /// the identity form is a claim; these say which login on which computer made it.
    pub os_account: String,
    pub machine: String,
}

/// The login name of this process's user id, from /proc and /etc/passwd (a desktop session sets
/// USER; a service or a test driver may not).
fn account_of_this_process() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == uid).then(|| f[0].to_owned())
    })
}

/// The operating-system account running the app and the machine's name, as far as they can be
/// told ("unknown" otherwise). Recorded with every identity; not proof on its own (see README).
pub fn workstation_login() -> (String, String) {
    let account = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .or_else(account_of_this_process)
        .unwrap_or_else(|| "unknown".into());
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    (account, machine)
}

impl Identity {
    /// How the timeline names the person: kept as text so an exported timeline stands alone.
    pub fn actor(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

/// What the app needs to know at start: who is here, which file is open, whether it is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Workstation {
    /// `None` until the first-start form is filled in (on a workstation's own file), or while the
    /// team desk's login is not mapped to a person (`desk_login` then says which login it is).
    pub identity: Option<Identity>,
    /// The database login a team desk knows this workstation by; `None` on a workstation's file.
    pub desk_login: Option<String>,
    pub database_path: String,
    /// False for a new database: the UI then offers sample data.
    pub has_cases: bool,
}

/// Why `email` is not an address the mail library can send to, or `None` when it is. This is the
/// one rule for addresses everywhere (identity, directory, imports, settings, recipients): lettre's
/// own parser decides, so whatever is accepted here can be sent to, and nothing else.
pub fn email_problem(email: &str) -> Option<&'static str> {
    use lettre::address::AddressError;
    let e = email.trim();
    if e.is_empty() {
        return Some("Enter your email address.");
    }
    if e.chars().count() > crate::limits::EMAIL_CHARS {
        return Some("An email address has at most 254 characters.");
    }
    match e.parse::<lettre::Address>() {
        // Some addresses parse but cannot be put on a message (a quoted name with a space or an @,
        // a [bracketed] server address): the builder refuses them, so every mail to one would fail.
        // Only quotes and brackets make such forms; other addresses skip building a message.
        Ok(address) if e.contains(['"', '[']) && !sendable(&address) => Some(
            "This address cannot be sent to: use its plain form, like name@agency.state.gov (no quoted names or [bracketed] server addresses).",
        ),
        Ok(_) => None,
        Err(AddressError::MissingParts) => {
            Some("An email address has a name, an @ and a domain, like name@agency.state.gov.")
        }
        Err(AddressError::InvalidUser) => Some(
            "The part before the @ has characters an email address cannot have (spaces, commas, brackets or quotes).",
        ),
        Err(AddressError::InvalidDomain) => Some("The part after the @ is not a valid domain, like agency.state.gov."),
        Err(_) => Some("This is not a single email address, like name@agency.state.gov."),
    }
}

/// Whether the mail library can address a message to `address` (what `mail::message` builds).
fn sendable(address: &lettre::Address) -> bool {
    let Ok(from) = "check@localhost".parse::<lettre::Address>() else {
        return false;
    };
    lettre::Message::builder()
        .from(lettre::message::Mailbox::new(None, from))
        .to(lettre::message::Mailbox::new(None, address.clone()))
        .body(String::new())
        .is_ok()
}

impl IdentityInput {
    pub fn validate(&self) -> Result<IdentityInput> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "Enter your name."));
        } else {
            crate::limits::check_text(&mut errors, "name", "name", self.name.trim(), crate::limits::NAME_CHARS);
        }
        if let Some(p) = email_problem(&self.email) {
            errors.push(FieldError::new("email", p));
        }
        if self.role.trim().is_empty() {
            errors.push(FieldError::new("role", "Choose your role."));
        } else {
            crate::limits::check_text(&mut errors, "role", "role", self.role.trim(), crate::limits::NAME_CHARS);
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(IdentityInput {
            name: self.name.trim().to_owned(),
            email: self.email.trim().to_ascii_lowercase(),
            role: self.role.trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_accepted_exactly_when_the_mail_library_can_send_to_it() {
        let samples = [
            "",
            "dana",
            "dana@",
            "@agency.gov",
            "da na@agency.gov",
            "a@b@c.gov",
            "dana@agency.",
            "dana@-agency.gov",
            "Dana <dana@agency.gov>",
            "dana@agency.gov, bo@agency.gov",
            "dana.whitfield@doit.state.gov",
            "o'brien+escalations@doit.state.gov",
            "zoë@agencia.gov",
            "ops@localhost",
        ];
        for s in samples {
            let lettre_sends = s.parse::<lettre::Address>().is_ok();
            assert_eq!(email_problem(s).is_none(), lettre_sends, "{s:?}: one rule, lettre's");
        }
        assert_eq!(email_problem("dana.whitfield@doit.state.gov"), None);
        assert!(email_problem("a@b@c.gov").is_some());
        assert!(
            email_problem("Dana <dana@agency.gov>").is_some(),
            "one bare address, not a mailbox"
        );
    }

    #[test]
    fn identity_input_is_trimmed_and_the_email_lower_cased() {
        let ok = IdentityInput {
            name: " Dana ".into(),
            email: " Dana@DoIT.State.Gov ".into(),
            role: "Escalation manager".into(),
        }
        .validate()
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.email.as_str()), ("Dana", "dana@doit.state.gov"));
    }

    #[test]
    fn a_blank_identity_reports_each_field() {
        let err = IdentityInput {
            name: "".into(),
            email: "".into(),
            role: "".into(),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<String> = err.payload().fields.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "email", "role"]);
    }
}

#[cfg(test)]
mod login_tests {
    #[test]
    fn the_workstation_login_names_an_account_and_a_machine_even_without_user_in_the_environment() {
        let (account, machine) = super::workstation_login();
        assert!(!account.is_empty() && !machine.is_empty());
        #[cfg(target_os = "linux")]
        assert_ne!(super::account_of_this_process(), None, "found in /etc/passwd by uid");
    }
}
