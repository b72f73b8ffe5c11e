//! The directory: people, customer agencies (with their key contacts) and services.
//!
//! Invariants:
//! - A person is identified by email (case-insensitive), an agency and a service by name; imports
//!   match on these, so importing the same file twice changes nothing.
//! - Nothing is deleted: entries are retired, and retired people stay on the cases they were on.
//! - Contact categories are data (seeded with the process's five); agencies can add their own.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, FieldError, Result};
use crate::identity::email_problem;
use crate::limits::{NAME_CHARS, PHONE_CHARS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Our own IT division.
    Division,
    /// A customer agency.
    Agency,
    /// A third-party vendor.
    Vendor,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Division, OrgKind::Agency, OrgKind::Vendor];
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Division => "division",
            OrgKind::Agency => "agency",
            OrgKind::Vendor => "vendor",
        }
    }
    pub fn parse(s: &str) -> Option<OrgKind> {
        match slug(s).as_str() {
            "division" | "our-division" | "it-division" | "internal" => Some(OrgKind::Division),
            "agency" | "customer" | "customer-agency" => Some(OrgKind::Agency),
            "vendor" | "third-party" | "third-party-vendor" | "supplier" => Some(OrgKind::Vendor),
            _ => None,
        }
    }
}

/// The organizational roles a person can hold (several at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    ExecutiveManagement,
    BusinessSegmentDirector,
    ServiceManager,
    ServiceDeskSupervisor,
    ServiceOwner,
    Abrm,
    CustomerAccountRep,
    DepartmentManager,
    IncidentManager,
    EscalationManager,
}

impl OrgRole {
    pub const ALL: [OrgRole; 10] = [
        OrgRole::ExecutiveManagement,
        OrgRole::BusinessSegmentDirector,
        OrgRole::ServiceManager,
        OrgRole::ServiceDeskSupervisor,
        OrgRole::ServiceOwner,
        OrgRole::Abrm,
        OrgRole::CustomerAccountRep,
        OrgRole::DepartmentManager,
        OrgRole::IncidentManager,
        OrgRole::EscalationManager,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::ExecutiveManagement => "executive_management",
            OrgRole::BusinessSegmentDirector => "business_segment_director",
            OrgRole::ServiceManager => "service_manager",
            OrgRole::ServiceDeskSupervisor => "service_desk_supervisor",
            OrgRole::ServiceOwner => "service_owner",
            OrgRole::Abrm => "abrm",
            OrgRole::CustomerAccountRep => "customer_account_rep",
            OrgRole::DepartmentManager => "department_manager",
            OrgRole::IncidentManager => "incident_manager",
            OrgRole::EscalationManager => "escalation_manager",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgRole::ExecutiveManagement => "Executive management",
            OrgRole::BusinessSegmentDirector => "Business segment director",
            OrgRole::ServiceManager => "Service manager",
            OrgRole::ServiceDeskSupervisor => "Service desk supervisor",
            OrgRole::ServiceOwner => "Service owner",
            OrgRole::Abrm => "ABRM",
            OrgRole::CustomerAccountRep => "Customer account representative",
            OrgRole::DepartmentManager => "Department manager",
            OrgRole::IncidentManager => "Incident manager",
            OrgRole::EscalationManager => "Escalation manager",
        }
    }

    /// Accepts the stored code, the label, and common spellings from directory exports.
    pub fn parse(s: &str) -> Option<OrgRole> {
        let s = slug(s);
        OrgRole::ALL
            .into_iter()
            .find(|r| slug(r.as_str()) == s || slug(r.label()) == s)
            .or(match s.as_str() {
                "agency-business-relationship-manager" => Some(OrgRole::Abrm),
                "car" | "customer-account-representative" | "account-representative" => {
                    Some(OrgRole::CustomerAccountRep)
                }
                "executive" | "executive-manager" | "executives" => Some(OrgRole::ExecutiveManagement),
                _ => None,
            })
    }
}

/// Lower case, runs of anything but letters and digits as one dash: "Job Title" -> "job-title".
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A person in a list or on a team, as the UI shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub retired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonFields {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub department: String,
    pub organization_kind: OrgKind,
    /// The division's, agency's or vendor's name.
    pub organization: String,
    pub roles: Vec<OrgRole>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: i64,
    pub fields: PersonFields,
    pub retired_at: Option<DateTime<Utc>>,
    pub version: i64,
}

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, what: &str, max: usize, required: bool) {
    let n = value.trim().chars().count();
    if required && n == 0 {
        errors.push(FieldError::new(field, format!("Enter the {what}.")));
    } else {
        crate::limits::check_text(errors, field, what, value.trim(), max);
    }
}

impl PersonFields {
    pub fn validate(&self) -> Result<PersonFields> {
        let mut errors = Vec::new();
        text(&mut errors, "name", &self.name, "name", NAME_CHARS, true);
        if let Some(p) = email_problem(&self.email) {
            errors.push(FieldError::new("email", p.replace("your email", "the email")));
        }
        text(&mut errors, "phone", &self.phone, "phone number", PHONE_CHARS, false);
        if !self.phone.trim().is_empty()
            && !self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().xext".contains(c))
        {
            errors.push(FieldError::new(
                "phone",
                "Use digits, spaces and + - ( ) in a phone number.",
            ));
        }
        text(&mut errors, "title", &self.title, "title", NAME_CHARS, false);
        text(
            &mut errors,
            "department",
            &self.department,
            "department",
            NAME_CHARS,
            false,
        );
        text(
            &mut errors,
            "organization",
            &self.organization,
            "organization",
            NAME_CHARS,
            true,
        );
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut roles = self.roles.clone();
        roles.sort();
        roles.dedup();
        Ok(PersonFields {
            name: self.name.trim().to_owned(),
            email: self.email.trim().to_ascii_lowercase(),
            phone: self.phone.trim().to_owned(),
            title: self.title.trim().to_owned(),
            department: self.department.trim().to_owned(),
            organization_kind: self.organization_kind,
            organization: self.organization.trim().to_owned(),
            roles,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactCategory {
    pub id: i64,
    pub name: String,
    /// One of the process's own five (statewide elected official, ...), which cannot be removed.
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyContactInput {
    pub person_id: i64,
    pub category_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyContact {
    pub person: PersonRef,
    pub category: ContactCategory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgencyFields {
    pub name: String,
    pub business_segment: String,
    pub abrm_id: Option<i64>,
    pub customer_account_rep_id: Option<i64>,
    pub contacts: Vec<KeyContactInput>,
}

impl AgencyFields {
    pub fn validate(&self) -> Result<AgencyFields> {
        let mut errors = Vec::new();
        text(&mut errors, "name", &self.name, "agency's name", NAME_CHARS, true);
        text(
            &mut errors,
            "businessSegment",
            &self.business_segment,
            "business segment",
            NAME_CHARS,
            false,
        );
        let mut seen = std::collections::HashSet::new();
        for c in &self.contacts {
            if !seen.insert(c.person_id) {
                errors.push(FieldError::new(
                    "contacts",
                    "A person is listed as a key contact twice.",
                ));
                break;
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(AgencyFields {
            name: self.name.trim().to_owned(),
            business_segment: self.business_segment.trim().to_owned(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Agency {
    pub id: i64,
    pub fields: AgencyFields,
    pub abrm: Option<PersonRef>,
    pub customer_account_rep: Option<PersonRef>,
    pub contacts: Vec<KeyContact>,
    pub retired_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServiceFields {
    pub name: String,
    pub owner_id: Option<i64>,
    pub manager_id: Option<i64>,
}

impl ServiceFields {
    pub fn validate(&self) -> Result<ServiceFields> {
        let mut errors = Vec::new();
        text(&mut errors, "name", &self.name, "service's name", NAME_CHARS, true);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(ServiceFields {
            name: self.name.trim().to_owned(),
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub id: i64,
    pub fields: ServiceFields,
    pub owner: Option<PersonRef>,
    pub manager: Option<PersonRef>,
    pub retired_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Which list a screen, an import or an export is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryKind {
    People,
    Agencies,
    Services,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryFilter {
    pub text: Option<String>,
    pub include_retired: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_recognised_by_code_label_and_common_spellings() {
        assert_eq!(OrgRole::parse("abrm"), Some(OrgRole::Abrm));
        assert_eq!(
            OrgRole::parse("Agency Business Relationship Manager"),
            Some(OrgRole::Abrm)
        );
        assert_eq!(OrgRole::parse(" Department manager "), Some(OrgRole::DepartmentManager));
        assert_eq!(OrgRole::parse("CAR"), Some(OrgRole::CustomerAccountRep));
        assert_eq!(OrgRole::parse("janitor"), None);
        for r in OrgRole::ALL {
            assert_eq!(OrgRole::parse(r.as_str()), Some(r));
            assert_eq!(OrgRole::parse(r.label()), Some(r));
        }
    }

    #[test]
    fn slugs_collapse_punctuation_and_case() {
        assert_eq!(slug("  E-mail Address "), "e-mail-address");
        assert_eq!(slug("Job_Title"), "job-title");
    }

    fn person() -> PersonFields {
        PersonFields {
            name: " Jane Roe ".into(),
            email: "Jane.Roe@DoIT.state.gov".into(),
            phone: "+1 (505) 555-0100".into(),
            title: "Network engineer".into(),
            department: "Infrastructure".into(),
            organization_kind: OrgKind::Division,
            organization: "DoIT".into(),
            roles: vec![OrgRole::ServiceOwner, OrgRole::Abrm, OrgRole::ServiceOwner],
        }
    }

    #[test]
    fn a_person_is_stored_trimmed_with_a_lower_case_email_and_each_role_once() {
        let p = person().validate().unwrap();
        assert_eq!(p.name, "Jane Roe");
        assert_eq!(p.email, "jane.roe@doit.state.gov");
        assert_eq!(p.roles, vec![OrgRole::ServiceOwner, OrgRole::Abrm]);
    }

    #[test]
    fn a_person_without_name_or_with_a_bad_email_or_phone_is_refused_field_by_field() {
        let bad = PersonFields {
            name: "".into(),
            email: "jane".into(),
            phone: "call me".into(),
            ..person()
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .payload()
            .fields
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["name", "email", "phone"]);
    }
}
