//! Problem cases: one problem relates many incidents; each incident has at most one problem.
//!
//! Invariants: only incidents relate to problems (service requests do not); a problem is created
//! from an escalated incident, which becomes its first related incident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::case::{normalize_ticket, ticket_problem, CaseSummary, TITLE_MAX};
use crate::error::{Error, FieldError, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewProblem {
    /// The problem record's number in the ITSM system, e.g. PRB0040012.
    pub ticket: String,
    pub title: String,
}

impl NewProblem {
    pub fn validate(&self) -> Result<NewProblem> {
        let mut errors = Vec::new();
        if let Some(p) = ticket_problem(&self.ticket) {
            errors.push(FieldError::new("ticket", p.replace("INC0012345", "PRB0040012")));
        }
        let title = self.title.trim();
        if title.is_empty() {
            errors.push(FieldError::new("title", "Enter the problem's title."));
        } else {
            crate::limits::check_text(&mut errors, "title", "title", title, TITLE_MAX);
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(NewProblem {
            ticket: normalize_ticket(&self.ticket),
            title: title.to_owned(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub id: i64,
    pub ticket: String,
    pub title: String,
    /// The escalated incident it was created from.
    pub origin_case_id: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProblemDetail {
    pub problem: Problem,
    pub incidents: Vec<CaseSummary>,
    /// What escalations handed to problem management, newest first: AAR corrective actions and
    /// post-escalation review findings.
    pub received: Vec<ProblemInput>,
}

/// One piece of input a problem case received from an escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProblemInput {
    pub from_ticket: String,
    pub received_at: DateTime<Utc>,
    /// "corrective action" (from the AAR's improvement plan) or "review" (findings and actions).
    pub kind: String,
    pub text: String,
}
