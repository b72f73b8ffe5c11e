//! The After Action Report: its template, its sections, its status and sign-off, the figures and
//! tables filled from the case, and differences between revisions.
//!
//! Invariants:
//! - One AAR per case. Its sections come from the template (data, in `aar_template_sections`)
//!   when the AAR is created; their text is Markdown, and generated content (timeline, team,
//!   figures, plans) is written into that Markdown so what the PDF shows is what the authors saw.
//! - Every saved section text is a version; a save names the version it edited and a stale save is
//!   a conflict (both texts are then shown and the author chooses). Versions are never changed.
//! - Status: draft -> in review -> approved (when both the escalation manager and the ABRM have
//!   signed off) -> distributed. An approved or distributed AAR is locked; changing it starts a new
//!   revision (back to draft, sign-offs cleared). An edit during review clears the sign-offs.
//!   These rules are decided in [`signoff`], apart from the store.

pub mod signoff;
pub mod signoff_code;

use chrono::{DateTime, Local, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::directory::PersonRef;
use crate::error::{Error, FieldError, Result};
use crate::store::outbox::OutboxStatus;

pub use signoff::{may_sign, AarStep};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AarStatus {
    Draft,
    InReview,
    Approved,
    Distributed,
}

impl AarStatus {
    pub const ALL: [AarStatus; 4] = [
        AarStatus::Draft,
        AarStatus::InReview,
        AarStatus::Approved,
        AarStatus::Distributed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AarStatus::Draft => "draft",
            AarStatus::InReview => "in_review",
            AarStatus::Approved => "approved",
            AarStatus::Distributed => "distributed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AarStatus::Draft => "Draft",
            AarStatus::InReview => "In review",
            AarStatus::Approved => "Approved",
            AarStatus::Distributed => "Distributed",
        }
    }
    pub fn parse(s: &str) -> Option<AarStatus> {
        AarStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Approved and distributed reports are what executives read: they are not edited in place.
    pub fn locked(self) -> bool {
        matches!(self, AarStatus::Approved | AarStatus::Distributed)
    }
}

/// Where a section's generated content comes from; `Text` sections are written by hand only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SectionSource {
    Text,
    Timeline,
    Team,
    Figures,
    Plans,
    ImprovementPlan,
}

impl SectionSource {
    pub const ALL: [SectionSource; 6] = [
        SectionSource::Text,
        SectionSource::Timeline,
        SectionSource::Team,
        SectionSource::Figures,
        SectionSource::Plans,
        SectionSource::ImprovementPlan,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SectionSource::Text => "text",
            SectionSource::Timeline => "timeline",
            SectionSource::Team => "team",
            SectionSource::Figures => "figures",
            SectionSource::Plans => "plans",
            SectionSource::ImprovementPlan => "improvement_plan",
        }
    }
    pub fn parse(s: &str) -> Option<SectionSource> {
        SectionSource::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AarComment {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AarSection {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub source: SectionSource,
    /// Markdown.
    pub body: String,
    /// The version a save must name.
    pub version: i64,
    pub assignee: Option<PersonRef>,
    pub edited_by: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
    pub comments: Vec<AarComment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImprovementStatus {
    Open,
    InProgress,
    Done,
}

impl ImprovementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImprovementStatus::Open => "open",
            ImprovementStatus::InProgress => "in_progress",
            ImprovementStatus::Done => "done",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ImprovementStatus::Open => "Open",
            ImprovementStatus::InProgress => "In progress",
            ImprovementStatus::Done => "Done",
        }
    }
    pub fn parse(s: &str) -> Option<ImprovementStatus> {
        [
            ImprovementStatus::Open,
            ImprovementStatus::InProgress,
            ImprovementStatus::Done,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A corrective action of the improvement plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Improvement {
    pub action: String,
    pub owner: String,
    pub due_date: Option<NaiveDate>,
    pub status: ImprovementStatus,
    /// When it was handed to the linked problem case (read-only for the UI).
    #[serde(default)]
    pub sent_to_problem_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignOff {
    pub by: String,
    pub at: DateTime<Utc>,
    /// How the signer was proven: the one-time code, the directory address it went to, when it
    /// was sent and entered, and the OS account and machine it was entered on.
    pub confirmation: Option<String>,
    /// Changes of the signer's directory address made before the sign-off, newest first ("from
    /// a to b by X at T"): a code sent to an address changed just before deserves a second look.
    pub address_changes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SignOffRole {
    EscalationManager,
    Abrm,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AarRender {
    pub id: i64,
    pub revision: i64,
    pub status: AarStatus,
    pub pages: i64,
    pub bytes: i64,
    pub sha256: String,
    /// The PDF file on disk (for the system viewer).
    pub path: String,
    pub rendered_at: DateTime<Utc>,
    pub rendered_by: String,
    pub render_ms: i64,
}

/// One line of the distribution log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Distribution {
    pub id: i64,
    pub revision: i64,
    pub recipient: String,
    pub outbox_id: i64,
    pub delivery: OutboxStatus,
    pub queued_at: DateTime<Utc>,
    pub queued_by: String,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A suggested recipient of the distribution, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DistributionSuggestion {
    pub name: String,
    pub email: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyFigures {
    /// From opening the case to it being escalated (0 when opened escalated).
    pub minutes_to_escalate: Option<i64>,
    /// From opening the case to the (last) move into Warranty.
    pub minutes_to_resolve: Option<i64>,
    pub customer_updates: i64,
    pub recurrences: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Aar {
    pub id: i64,
    pub case_id: i64,
    pub status: AarStatus,
    pub revision: i64,
    /// Guards status changes and the improvement plan.
    pub version: i64,
    pub sections: Vec<AarSection>,
    pub improvements: Vec<Improvement>,
    pub manager_signoff: Option<SignOff>,
    pub abrm_signoff: Option<SignOff>,
    /// Sign-off codes mailed and still waiting to be entered.
    pub pending_codes: Vec<signoff_code::SignOffCodeSent>,
    /// The timeline events chosen for the timeline section, by id.
    pub timeline_event_ids: Vec<i64>,
    pub figures: KeyFigures,
    /// Newest first.
    pub renders: Vec<AarRender>,
    /// Newest first.
    pub distributions: Vec<Distribution>,
}

/// One saved text of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SectionVersion {
    pub version: i64,
    pub revision: i64,
    pub edited_by: String,
    pub edited_at: DateTime<Utc>,
    pub body: String,
}

/// How a line differs between two texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SectionDiff {
    pub key: String,
    pub title: String,
    pub changed: bool,
    pub lines: Vec<DiffLine>,
}

/// Settings of the report's look and its distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AarSettings {
    pub organization: String,
    pub marking: String,
    /// "a4" or "letter".
    pub paper: String,
    /// One message per recipient (true) or one message to all.
    pub one_message_per_recipient: bool,
    /// A cover logo is set (it is saved apart, see `store::aar::update_aar_logo`).
    #[serde(default)]
    pub has_logo: bool,
}

impl AarSettings {
    pub fn validate(&self) -> Result<AarSettings> {
        let mut errors = Vec::new();
        if self.organization.trim().is_empty() {
            errors.push(FieldError::new(
                "organization",
                "Enter the organization's name for the cover.",
            ));
        }
        if self.marking.trim().is_empty() {
            errors.push(FieldError::new("marking", "Enter a marking, such as Internal."));
        }
        crate::limits::check_text(
            &mut errors,
            "organization",
            "organization's name",
            self.organization.trim(),
            crate::limits::NAME_CHARS,
        );
        crate::limits::check_text(
            &mut errors,
            "marking",
            "marking",
            self.marking.trim(),
            crate::limits::MARKING_CHARS,
        );
        if !matches!(self.paper.as_str(), "a4" | "letter") {
            errors.push(FieldError::new("paper", "Choose A4 or Letter."));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(AarSettings {
            organization: self.organization.trim().into(),
            marking: self.marking.trim().into(),
            ..self.clone()
        })
    }
}

/// Refuses an improvement plan with an empty action (naming its row).
pub fn validate_improvements(items: &[Improvement]) -> Result<Vec<Improvement>> {
    let mut errors = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if it.action.trim().is_empty() {
            errors.push(FieldError::new(
                "improvements",
                format!("Row {}: describe the corrective action.", i + 1),
            ));
        }
        if let Some(m) = crate::limits::text_problem("corrective action", it.action.trim(), crate::limits::ACTION_CHARS)
        {
            errors.push(FieldError::new("improvements", format!("Row {}: {m}", i + 1)));
        }
        if let Some(m) = crate::limits::text_problem("owner", it.owner.trim(), crate::limits::NAME_CHARS) {
            errors.push(FieldError::new("improvements", format!("Row {}: {m}", i + 1)));
        }
        if it.owner.trim().is_empty() {
            errors.push(FieldError::new(
                "improvements",
                format!("Row {}: name who owns it.", i + 1),
            ));
        }
        // Both are stored as text and read back: a year outside the range would not read.
        let mut times = Vec::new();
        if let Some(due) = it.due_date {
            let midnight = due.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
            crate::limits::check_time(&mut times, "improvements", "due date", midnight);
        }
        if let Some(sent) = it.sent_to_problem_at {
            crate::limits::check_time(&mut times, "improvements", "time it was sent to the problem case", sent);
        }
        errors.extend(
            times
                .into_iter()
                .map(|f| FieldError::new("improvements", format!("Row {}: {}", i + 1, f.message))),
        );
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(items
        .iter()
        .map(|it| Improvement {
            action: it.action.trim().into(),
            owner: it.owner.trim().into(),
            ..it.clone()
        })
        .collect())
}

/// "2 h 05 min", "3 d 4 h": how long, for readers in a hurry.
pub fn format_minutes(minutes: i64) -> String {
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m:02} min"),
        _ => format!("{d} d {h} h"),
    }
}

/// Makes text safe inside a Markdown table cell.
pub fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .trim()
        .to_string()
}

pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d %b %Y %H:%M").to_string()
}

pub fn figures_markdown(f: &KeyFigures) -> String {
    let or_dash = |m: Option<i64>| m.map(format_minutes).unwrap_or_else(|| "not yet".into());
    format!(
        "| Figure | Value |\n|---|---|\n| Time to escalate | {} |\n| Time to resolve | {} |\n| Customer updates | {} |\n| Recurrences | {} |\n",
        or_dash(f.minutes_to_escalate),
        or_dash(f.minutes_to_resolve),
        f.customer_updates,
        f.recurrences
    )
}

/// One row per chosen event, oldest first.
pub fn timeline_markdown(events: &[(DateTime<Utc>, String, String)]) -> String {
    let mut out = String::from("| When | Who | What |\n|---|---|---|\n");
    for (at, who, what) in events {
        // "Name <email>" is how the timeline names people; the report needs the name.
        let name = who.split(" <").next().unwrap_or(who);
        out.push_str(&format!("| {} | {} | {} |\n", local_time(*at), cell(name), cell(what)));
    }
    out
}

/// (name, role, organization, released)
pub fn team_markdown(members: &[(String, String, String, bool)]) -> String {
    let mut out = String::from("| Name | Role | Organization |\n|---|---|---|\n");
    for (name, role, org, released) in members {
        let role = if *released {
            format!("{role} (released)")
        } else {
            role.clone()
        };
        out.push_str(&format!("| {} | {} | {} |\n", cell(name), cell(&role), cell(org)));
    }
    out
}

/// (action, owner, outcome) rows of one plan.
pub type PlanRows = Vec<(String, String, String)>;

/// (plan title, rows)
pub fn plans_markdown(plans: &[(&str, PlanRows)]) -> String {
    let mut out = String::new();
    for (title, actions) in plans {
        out.push_str(&format!("### {title}\n\n"));
        if actions.is_empty() {
            out.push_str("No actions were recorded.\n\n");
            continue;
        }
        out.push_str("| Action | Owner | Outcome |\n|---|---|---|\n");
        for (a, o, s) in actions {
            out.push_str(&format!("| {} | {} | {} |\n", cell(a), cell(o), cell(s)));
        }
        out.push('\n');
    }
    out
}

pub fn improvements_markdown(items: &[Improvement]) -> String {
    if items.is_empty() {
        // Said in words: a report never points at a table that is not there.
        return "_No corrective action was recorded in the improvement plan._".into();
    }
    let mut out = String::from("| Corrective action | Owner | Due | Status |\n|---|---|---|---|\n");
    for it in items {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&it.action),
            cell(&it.owner),
            it.due_date
                .map(|d| d.format("%d %b %Y").to_string())
                .unwrap_or_default(),
            it.status.label()
        ));
    }
    out
}

/// A line diff (longest common subsequence); large texts fall back to "all removed, all added".
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let line = |change, text: &str| DiffLine {
        change,
        text: text.to_string(),
    };
    if a.len() * b.len() > 4_000_000 {
        let mut out: Vec<DiffLine> = a.iter().map(|t| line(LineChange::Removed, t)).collect();
        out.extend(b.iter().map(|t| line(LineChange::Added, t)));
        return out;
    }
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(line(LineChange::Same, a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(line(LineChange::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(LineChange::Added, b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|t| line(LineChange::Removed, t)));
    out.extend(b[j..].iter().map(|t| line(LineChange::Added, t)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_diff_marks_added_removed_and_kept_lines() {
        let d = diff_lines("a\nb\nc", "a\nc\nd");
        let got: Vec<(LineChange, &str)> = d.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (LineChange::Same, "a"),
                (LineChange::Removed, "b"),
                (LineChange::Same, "c"),
                (LineChange::Added, "d")
            ]
        );
        assert!(diff_lines("same", "same").iter().all(|l| l.change == LineChange::Same));
    }

    #[test]
    fn table_cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn durations_read_in_minutes_hours_or_days() {
        assert_eq!(format_minutes(5), "5 min");
        assert_eq!(format_minutes(125), "2 h 05 min");
        assert_eq!(format_minutes(3 * 1440 + 240), "3 d 4 h");
    }

    #[test]
    fn an_improvement_without_action_or_owner_is_refused_by_row() {
        let item = Improvement {
            action: " ".into(),
            owner: "".into(),
            due_date: None,
            status: ImprovementStatus::Open,
            sent_to_problem_at: None,
        };
        let err = validate_improvements(&[item]).unwrap_err();
        assert_eq!(err.payload().fields.len(), 2);
        assert!(err.payload().fields[0].message.starts_with("Row 1"));
    }
}
