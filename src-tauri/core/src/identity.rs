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

/// A plausible address: one @, something before it, a dot in the domain, no spaces.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let e = email.trim();
    if e.is_empty() {
        return Some("Enter your email address.");
    }
    let Some((local, domain)) = e.split_once('@') else {
        return Some("An email address looks like name@agency.state.gov.");
    };
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || e.chars().any(char::is_whitespace)
    {
        return Some("An email address looks like name@agency.state.gov.");
    }
    None
}

impl IdentityInput {
    pub fn validate(&self) -> Result<IdentityInput> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "Enter your name."));
        } else if self.name.trim().chars().count() > 120 {
            errors.push(FieldError::new("name", "Keep the name to 120 characters."));
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
    fn emails_without_an_at_or_a_domain_dot_are_refused() {
        for bad in [
            "",
            "dana",
            "dana@",
            "@agency.gov",
            "dana@agency",
            "da na@agency.gov",
            "a@b@c.gov",
            "dana@agency.",
        ] {
            assert!(email_problem(bad).is_some(), "{bad:?} should be refused");
        }
        assert_eq!(email_problem("dana.whitfield@doit.state.gov"), None);
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
