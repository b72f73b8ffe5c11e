//! The hierarchical escalation ladder: numbered levels (1 department manager, 2 division director,
//! 3 executive management, ...), each naming people from the directory.
//!
//! Invariants: levels are numbered 1..n without gaps; a case climbs one level at a time, with a
//! reason, and the people of the level it reaches are notified through the outbox.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::directory::PersonRef;
use crate::error::{Error, FieldError, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LadderLevelInput {
    pub name: String,
    pub person_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LadderLevel {
    pub level: i64,
    pub name: String,
    pub people: Vec<PersonRef>,
}

/// Checks a whole ladder before it replaces the old one.
pub fn validate_ladder(levels: &[LadderLevelInput]) -> Result<Vec<LadderLevelInput>> {
    let mut errors = Vec::new();
    if levels.len() > 9 {
        errors.push(FieldError::new("levels", "Keep the ladder to nine levels."));
    }
    for (i, l) in levels.iter().enumerate() {
        let n = i + 1;
        if l.name.trim().is_empty() {
            errors.push(FieldError::new(
                "levels",
                format!("Level {n}: give it a name, e.g. Division director."),
            ));
        }
        if let Some(m) = crate::limits::text_problem("name", l.name.trim(), crate::limits::NAME_CHARS) {
            errors.push(FieldError::new("levels", format!("Level {n}: {m}")));
        }
        if l.person_ids.is_empty() {
            errors.push(FieldError::new(
                "levels",
                format!("Level {n}: name at least one person to notify."),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(levels
        .iter()
        .map(|l| {
            let mut ids = l.person_ids.clone();
            ids.sort();
            ids.dedup();
            LadderLevelInput {
                name: l.name.trim().to_owned(),
                person_ids: ids,
            }
        })
        .collect())
}
