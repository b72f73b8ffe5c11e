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
    /// `None` until the first-start form is filled in.
    pub identity: Option<Identity>,
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
