//! Communication records of a case: who gets progress notices and customer updates, the agreed
//! customer-update cadence, and the updates given (by email through the outbox, or by phone or
//! in a meeting).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::cadence::CadenceKind;
use crate::directory::PersonRef;
use crate::error::{Error, Result};
use crate::store::outbox::{OutboxMessage, OutboxStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// Management contacts: receive progress notices with the team.
    Management,
    /// The customer's contacts: receive customer updates.
    Customer,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Management => "management",
            ContactKind::Customer => "customer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UpdateChannel {
    Email,
    Phone,
    Meeting,
}

impl UpdateChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateChannel::Email => "email",
            UpdateChannel::Phone => "phone",
            UpdateChannel::Meeting => "meeting",
        }
    }
    pub fn parse(s: &str) -> Option<UpdateChannel> {
        [UpdateChannel::Email, UpdateChannel::Phone, UpdateChannel::Meeting]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgressInput {
    pub headline: String,
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdateInput {
    pub channel: UpdateChannel,
    pub summary: String,
    /// A major development: sent at once, whatever the cadence.
    pub major: bool,
}

fn bounded(field: &str, value: &str, what: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::invalid(field, format!("Enter the {what}.")));
    }
    crate::limits::check_chars(field, what, v, max)?;
    Ok(v.to_owned())
}

impl ProgressInput {
    pub fn validate(&self) -> Result<ProgressInput> {
        Ok(ProgressInput {
            headline: bounded("headline", &self.headline, "headline", crate::limits::HEADLINE_CHARS)?,
            details: bounded("details", &self.details, "details", crate::limits::NOTE_CHARS)?,
        })
    }
}

impl CustomerUpdateInput {
    pub fn validate(&self) -> Result<CustomerUpdateInput> {
        Ok(CustomerUpdateInput {
            summary: bounded("summary", &self.summary, "summary", crate::limits::NOTE_CHARS)?,
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CadenceView {
    pub kind: CadenceKind,
    pub every_hours: Option<u32>,
    pub fixed_times: Vec<String>,
    pub working_days_only: bool,
    pub time_zone: String,
    pub agreed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdate {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub channel: UpdateChannel,
    pub summary: String,
    pub major: bool,
    pub recorded_by: String,
    /// The email's state in the outbox, for updates sent by email.
    pub mail_status: Option<OutboxStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Communications {
    pub management_contacts: Vec<PersonRef>,
    pub customer_contacts: Vec<PersonRef>,
    pub cadence: Option<CadenceView>,
    pub next_update_due: Option<DateTime<Utc>>,
    pub update_overdue: bool,
    /// Newest first.
    pub updates: Vec<CustomerUpdate>,
    /// This case's messages in the outbox, newest first.
    pub messages: Vec<OutboxMessage>,
}
