//! The one error that crosses IPC: core's error, serialized as `{kind, message, field, fields, missing}`.

use escalation_core::{Error, ErrorPayload};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct CommandError(#[from] pub Error);

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let payload: ErrorPayload = self.0.payload();
        if matches!(self.0, Error::Storage(_) | Error::Io(_) | Error::Internal(_)) {
            log::error!("command failed: {}", self.0);
        }
        payload.serialize(s)
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
