//! What a successful change touched, as the backend tells the window after it (the `desk-changed`
//! event), so each open screen refreshes what it shows instead of polling.
//!
//! Invariant: it names a part of the desk and, where the change belongs to one case, that case;
//! never the data itself, so a screen always reads fresh rows through its own command.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The part of the desk a change touched; screens pick the ones they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A case's fields, level, stage, communications, problem or closure steps.
    Case,
    /// People, agencies, services, contact categories or the escalation ladder.
    Directory,
    /// An After Action Report: sections, comments, status, renders, distribution.
    Aar,
    /// The escalation or technical action plan of a case.
    Plan,
    /// A case team, or an agreed order of work.
    Team,
    /// Alert rules, or alerts raised or acknowledged.
    Alerts,
    /// Messages in the outbox (queued, retried, cancelled, re-addressed) or sending resumed.
    Outbox,
    /// Mail, report or process settings.
    Settings,
    /// Who is at this workstation.
    Identity,
}

impl Entity {
    /// Every part of the desk (what "anything may have changed" refreshes).
    pub const ALL: [Entity; 9] = [
        Entity::Case,
        Entity::Directory,
        Entity::Aar,
        Entity::Plan,
        Entity::Team,
        Entity::Alerts,
        Entity::Outbox,
        Entity::Settings,
        Entity::Identity,
    ];
}

/// The payload of the `aar-presence` event: on a team desk, who has which section of a report open
/// and whether they are typing. Sent as it happens and never stored; a window forgets a person it
/// has not heard from for a few seconds, so a window that closed without a word drops off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub aar_id: i64,
    /// The section open; `None` when the person left the report.
    pub section_id: Option<i64>,
    pub typing: bool,
    /// The person, as the desk knows the sender's login (the sending store fills it in).
    pub person: String,
    /// Which window sent it (its store's origin, as text): one person may have two open.
    pub window: String,
}

/// The payload of the `desk-changed` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeskChanged {
    pub entity: Entity,
    /// The case the change belongs to; `None` when it is not one case's (the directory, settings,
    /// a sweep over many cases), which every screen takes as "may concern me".
    pub case_id: Option<i64>,
}

impl DeskChanged {
    pub fn of_case(entity: Entity, case_id: i64) -> DeskChanged {
        DeskChanged {
            entity,
            case_id: Some(case_id),
        }
    }

    pub fn of_desk(entity: Entity) -> DeskChanged {
        DeskChanged { entity, case_id: None }
    }
}
