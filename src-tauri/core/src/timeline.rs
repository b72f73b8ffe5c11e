//! The case timeline: an append-only, hash-chained list of events per case.
//!
//! Invariants:
//! - Events of one case are numbered 1, 2, 3, ... with no gaps (`seq`).
//! - `hash = SHA-256(prev_hash "\n" case_id "\n" seq "\n" at "\n" actor "\n" kind "\n" summary "\n" old "\n" new)`
//!   over the exact stored strings, with `prev_hash` of the first event being [`GENESIS`]. One case's
//!   events can therefore be exported and verified on their own.
//! - The case row keeps the hash of its last event (`timeline_head`), so cutting events off the end
//!   is detected too.
//! - Nothing updates or deletes an event: the store has no such code path and triggers refuse it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    CaseOpened,
    FieldsChanged,
    LevelChanged,
    StageChanged,
    ProblemCreated,
    ProblemLinked,
    ProblemUnlinked,
    TeamAppointed,
    TeamRoleChanged,
    TeamStandbyChanged,
    TeamReleased,
    WorkOrderAgreed,
    ProgressPosted,
    CustomerUpdated,
    ContactsChanged,
    CadenceAgreed,
    PlanRevised,
    PlanReviewed,
    HierarchyRaised,
    AlertRaised,
    AlertAcknowledged,
    AarCreated,
    AarEdited,
    AarCommented,
    AarStatusChanged,
    AarDistributed,
    WarrantyStarted,
    SatisfactionVerified,
    ReviewScheduled,
    ReviewHeld,
    /// The workstation's identity changed after this identity had changed the case.
    IdentityChanged,
    /// The case arrived from another desk's case file (`store::case_file`).
    CaseImported,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CaseOpened => "case_opened",
            EventKind::FieldsChanged => "fields_changed",
            EventKind::LevelChanged => "level_changed",
            EventKind::StageChanged => "stage_changed",
            EventKind::ProblemCreated => "problem_created",
            EventKind::ProblemLinked => "problem_linked",
            EventKind::ProblemUnlinked => "problem_unlinked",
            EventKind::TeamAppointed => "team_appointed",
            EventKind::TeamRoleChanged => "team_role_changed",
            EventKind::TeamStandbyChanged => "team_standby_changed",
            EventKind::TeamReleased => "team_released",
            EventKind::WorkOrderAgreed => "work_order_agreed",
            EventKind::ProgressPosted => "progress_posted",
            EventKind::CustomerUpdated => "customer_updated",
            EventKind::ContactsChanged => "contacts_changed",
            EventKind::CadenceAgreed => "cadence_agreed",
            EventKind::PlanRevised => "plan_revised",
            EventKind::PlanReviewed => "plan_reviewed",
            EventKind::HierarchyRaised => "hierarchy_raised",
            EventKind::AlertRaised => "alert_raised",
            EventKind::AlertAcknowledged => "alert_acknowledged",
            EventKind::AarCreated => "aar_created",
            EventKind::AarEdited => "aar_edited",
            EventKind::AarCommented => "aar_commented",
            EventKind::AarStatusChanged => "aar_status_changed",
            EventKind::AarDistributed => "aar_distributed",
            EventKind::WarrantyStarted => "warranty_started",
            EventKind::SatisfactionVerified => "satisfaction_verified",
            EventKind::ReviewScheduled => "review_scheduled",
            EventKind::ReviewHeld => "review_held",
            EventKind::IdentityChanged => "identity_changed",
            EventKind::CaseImported => "case_imported",
        }
    }

    pub const ALL: [EventKind; 32] = [
        EventKind::CaseOpened,
        EventKind::FieldsChanged,
        EventKind::LevelChanged,
        EventKind::StageChanged,
        EventKind::ProblemCreated,
        EventKind::ProblemLinked,
        EventKind::ProblemUnlinked,
        EventKind::TeamAppointed,
        EventKind::TeamRoleChanged,
        EventKind::TeamStandbyChanged,
        EventKind::TeamReleased,
        EventKind::WorkOrderAgreed,
        EventKind::ProgressPosted,
        EventKind::CustomerUpdated,
        EventKind::ContactsChanged,
        EventKind::CadenceAgreed,
        EventKind::PlanRevised,
        EventKind::PlanReviewed,
        EventKind::HierarchyRaised,
        EventKind::AlertRaised,
        EventKind::AlertAcknowledged,
        EventKind::AarCreated,
        EventKind::AarEdited,
        EventKind::AarCommented,
        EventKind::AarStatusChanged,
        EventKind::AarDistributed,
        EventKind::WarrantyStarted,
        EventKind::SatisfactionVerified,
        EventKind::ReviewScheduled,
        EventKind::ReviewHeld,
        EventKind::IdentityChanged,
        EventKind::CaseImported,
    ];

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An event about to be appended: what happened, with old and new values where something changed.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub summary: String,
    pub old: Option<serde_json::Value>,
    pub new: Option<serde_json::Value>,
}

impl NewEvent {
    pub fn new(kind: EventKind, summary: impl Into<String>) -> Self {
        Self {
            kind,
            summary: summary.into(),
            old: None,
            new: None,
        }
    }

    pub fn values(mut self, old: serde_json::Value, new: serde_json::Value) -> Self {
        self.old = Some(old);
        self.new = Some(new);
        self
    }
}

/// An event as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEvent {
    pub id: i64,
    pub case_id: i64,
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Who made the change, as "Name <email>" at the time.
    pub actor: String,
    pub kind: EventKind,
    pub summary: String,
    /// The old and new values as JSON text, exactly as hashed.
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The stored strings an event's hash covers. `at` is the stored RFC 3339 text.
pub struct HashInput<'a> {
    pub prev_hash: &'a str,
    pub case_id: i64,
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub summary: &'a str,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

pub fn event_hash(input: &HashInput<'_>) -> String {
    let mut h = Sha256::new();
    // Lengths before each part make the encoding unambiguous (no field can "absorb" a separator).
    let parts: [&str; 9] = [
        input.prev_hash,
        &input.case_id.to_string(),
        &input.seq.to_string(),
        input.at,
        input.actor,
        input.kind,
        input.summary,
        input.old_value.unwrap_or("\u{0}null"),
        input.new_value.unwrap_or("\u{0}null"),
    ];
    for p in parts {
        h.update(p.len().to_string().as_bytes());
        h.update(b":");
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The result of checking one case's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    pub case_id: i64,
    pub events_checked: i64,
    /// `None` when the chain is intact.
    pub first_broken: Option<BrokenLink>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Every case's chain checked (at start, in the background): what the dashboard reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityReport {
    pub cases_checked: i64,
    pub events_checked: i64,
    /// The cases whose chain does not verify, with the first broken link of each.
    pub broken: Vec<BrokenCase>,
    pub checked_at: DateTime<Utc>,
    /// SQLite's `PRAGMA integrity_check` of the desk's file at the same start: "ok", or what it
    /// found wrong (the window then shows the way to restore a backup). None on a team desk.
    pub file_check: Option<String>,
}

impl IntegrityReport {
    /// The broken timelines in one line for the log: how many, and the first `shown` of them by
    /// ticket with the first failing event. A desk copied wrongly can break every case: the line
    /// must stay readable (and small) then too.
    pub fn describe_broken(&self, shown: usize) -> String {
        let named: Vec<String> = self
            .broken
            .iter()
            .take(shown)
            .map(|b| format!("{} (event {}: {})", b.ticket, b.link.seq, b.link.reason))
            .collect();
        let more = self.broken.len().saturating_sub(shown);
        let rest = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "{} of {} timelines do not verify: {}{rest}",
            self.broken.len(),
            self.cases_checked,
            named.join("; ")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrokenCase {
    pub case_id: i64,
    pub ticket: String,
    pub link: BrokenLink,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrokenLink {
    /// The sequence number where the chain first fails.
    pub seq: i64,
    pub reason: String,
}

/// One stored row, raw, as the verifier reads it (no parsing that could hide a change).
#[derive(Debug, Clone)]
pub struct RawEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub summary: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Verifies a case's events in the order given (the store reads them by row id, i.e. insertion
/// order), and the case's recorded head.
pub fn verify(case_id: i64, events: &[RawEvent], head: &str) -> ChainReport {
    let mut prev = GENESIS.to_owned();
    let broken = |seq: i64, reason: String, n: usize| ChainReport {
        case_id,
        events_checked: n as i64,
        first_broken: Some(BrokenLink { seq, reason }),
    };
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return broken(
                expected_seq,
                format!(
                    "event {expected_seq} is missing or out of order (found event {} in its place)",
                    e.seq
                ),
                i,
            );
        }
        if e.prev_hash != prev {
            return broken(
                e.seq,
                format!("event {} does not link to the event before it", e.seq),
                i,
            );
        }
        let recomputed = event_hash(&HashInput {
            prev_hash: &e.prev_hash,
            case_id,
            seq: e.seq,
            at: &e.at,
            actor: &e.actor,
            kind: &e.kind,
            summary: &e.summary,
            old_value: e.old_value.as_deref(),
            new_value: e.new_value.as_deref(),
        });
        if recomputed != e.hash {
            return broken(e.seq, format!("event {} was altered after it was recorded", e.seq), i);
        }
        prev = e.hash.clone();
    }
    if prev != head {
        let seq = events.len() as i64 + 1;
        return broken(
            seq,
            format!(
                "events after event {} are missing (the case records a later last event)",
                seq - 1
            ),
            events.len(),
        );
    }
    ChainReport {
        case_id,
        events_checked: events.len() as i64,
        first_broken: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> (Vec<RawEvent>, String) {
        let mut prev = GENESIS.to_owned();
        let mut out = Vec::new();
        for seq in 1..=n {
            let mut e = RawEvent {
                seq,
                at: format!("2026-11-27T10:0{seq}:00Z"),
                actor: "Dana <dana@example.gov>".into(),
                kind: "fields_changed".into(),
                summary: format!("change {seq}"),
                old_value: Some("{\"title\":\"a\"}".into()),
                new_value: None,
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = event_hash(&HashInput {
                prev_hash: &e.prev_hash,
                case_id: 7,
                seq,
                at: &e.at,
                actor: &e.actor,
                kind: &e.kind,
                summary: &e.summary,
                old_value: e.old_value.as_deref(),
                new_value: e.new_value.as_deref(),
            });
            prev = e.hash.clone();
            out.push(e);
        }
        (out, prev)
    }

    #[test]
    fn every_event_kind_round_trips_through_its_stored_name() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (events, head) = chain(4);
        assert!(verify(7, &events, &head).is_intact());
    }

    #[test]
    fn a_chain_verified_under_another_case_id_fails_at_the_first_event() {
        let (events, head) = chain(2);
        assert_eq!(
            verify(8, &events, &head).first_broken.unwrap().seq,
            1,
            "case id is part of the hash"
        );
    }

    #[test]
    fn a_missing_value_and_the_text_null_hash_differently() {
        let missing = HashInput {
            prev_hash: GENESIS,
            case_id: 1,
            seq: 1,
            at: "t",
            actor: "a",
            kind: "k",
            summary: "s",
            old_value: None,
            new_value: None,
        };
        let text_null = HashInput {
            old_value: Some("null"),
            ..missing
        };
        assert_ne!(event_hash(&missing), event_hash(&text_null));
    }

    #[test]
    fn moving_text_between_adjacent_fields_changes_the_hash() {
        let a = HashInput {
            prev_hash: GENESIS,
            case_id: 1,
            seq: 1,
            at: "t",
            actor: "ab",
            kind: "c",
            summary: "s",
            old_value: None,
            new_value: None,
        };
        let b = HashInput {
            actor: "a",
            kind: "bc",
            ..a
        };
        assert_ne!(event_hash(&a), event_hash(&b), "length prefixes keep field boundaries");
    }

    #[test]
    fn the_log_line_for_broken_timelines_names_the_first_few_and_counts_the_rest() {
        let broken = (1..=25)
            .map(|id| BrokenCase {
                case_id: id,
                ticket: format!("INC{id:04}"),
                link: BrokenLink {
                    seq: 1,
                    reason: "event 1 was altered after it was recorded".into(),
                },
            })
            .collect();
        let report = IntegrityReport {
            cases_checked: 40,
            events_checked: 400,
            broken,
            checked_at: Utc::now(),
            file_check: None,
        };
        let line = report.describe_broken(10);
        assert!(
            line.starts_with("25 of 40 timelines do not verify: INC0001 (event 1: event 1 was altered"),
            "{line}"
        );
        assert!(line.contains("INC0010") && !line.contains("INC0011"), "{line}");
        assert!(line.ends_with(" and 15 more"), "{line}");
        let few = IntegrityReport {
            broken: report.broken[..2].to_vec(),
            ..report
        };
        assert!(!few.describe_broken(10).contains("more"), "{}", few.describe_broken(10));
    }
}
