//! The one error type of the core crate, and the `{kind, message, ...}` payload it becomes when it
//! crosses IPC.
//!
//! Invariant: the UI branches on [`ErrorKind`] and reads `field`/`fields`/`missing` for placement;
//! it never matches `message` text, which is for people only.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::stage::TransitionError;

/// A message tied to one input field, shown beside that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", summarize_fields(.0))]
    Invalid(Vec<FieldError>),

    #[error("Ticket number {ticket} is already used by escalation {}.", crate::case::escalation_number(*existing_id))]
    DuplicateTicket { ticket: String, existing_id: i64 },

    #[error("{message}")]
    Duplicate { field: &'static str, message: String },

    #[error("This {entity} was changed by someone else since you opened it (you had version {expected}, it is now at {current}). Reload to see their change; nothing was saved.")]
    Conflict {
        entity: &'static str,
        expected: i64,
        current: i64,
    },

    #[error("{entity} #{id} does not exist.")]
    NotFound { entity: &'static str, id: i64 },

    #[error(transparent)]
    Transition(#[from] TransitionError),

    #[error("{0}")]
    Refused(String),

    #[error("Tell Escalation Desk who you are before making changes: every change records who made it.")]
    NoIdentity,

    #[error("The database file was written by a newer version of Escalation Desk (schema {found}, this version knows up to {known}).")]
    SchemaTooNew { found: i64, known: i64 },

    #[error("Database error: {0}")]
    Storage(#[from] rusqlite::Error),

    /// An error from the PostgreSQL desk (a trigger's refusal reads as its own message).
    #[error("Database error: {0}")]
    Database(String),

    #[error("File error: {0}")]
    Io(#[from] std::io::Error),

    #[error("Internal error: {0}")]
    Internal(String),
}

fn summarize_fields(fields: &[FieldError]) -> String {
    match fields {
        [] => "The form has errors.".to_owned(),
        [one] => one.message.clone(),
        many => format!(
            "{} fields need attention: {}",
            many.len(),
            many.iter().map(|f| f.field.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Validation,
    Duplicate,
    Conflict,
    NotFound,
    TransitionRefused,
    Refused,
    NoIdentity,
    Storage,
    Internal,
}

/// The error as it crosses IPC.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    pub message: String,
    /// The one field the error belongs to, when there is one.
    pub field: Option<String>,
    /// Every field error of a validation failure.
    pub fields: Vec<FieldError>,
    /// What a refused stage transition still needs, in words.
    pub missing: Vec<String>,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::Validation,
            Error::DuplicateTicket { .. } | Error::Duplicate { .. } => ErrorKind::Duplicate,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Transition(_) => ErrorKind::TransitionRefused,
            Error::Refused(_) => ErrorKind::Refused,
            Error::NoIdentity => ErrorKind::NoIdentity,
            Error::SchemaTooNew { .. } | Error::Storage(_) | Error::Database(_) | Error::Io(_) => ErrorKind::Storage,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn payload(&self) -> ErrorPayload {
        let fields = match self {
            Error::Invalid(fields) => fields.clone(),
            Error::DuplicateTicket { .. } => vec![FieldError::new("ticket", self.to_string())],
            Error::Duplicate { field, message } => vec![FieldError::new(field, message.clone())],
            _ => Vec::new(),
        };
        let missing = match self {
            Error::Transition(TransitionError::Missing { missing, .. }) => {
                missing.iter().map(|m| m.to_string()).collect()
            }
            _ => Vec::new(),
        };
        ErrorPayload {
            kind: self.kind(),
            message: self.to_string(),
            field: fields.first().map(|f| f.field.clone()),
            fields,
            missing,
        }
    }
}
