//! TypeScript types for everything that crosses IPC, generated from these Rust types.
//!
//! Invariant: `ui/src/lib/generated/` holds exactly what [`export_typescript`] writes; the test
//! `typescript_bindings` fails when it is stale (`UPDATE_TS_BINDINGS=1 cargo test` rewrites it).

use std::path::Path;

use ts_rs::{Config, ExportError, TS};

use crate::aar::{Aar, AarSettings, AarStep, DistributionSuggestion, SectionDiff, SectionVersion};
use crate::alert::{Alert, AlertPage, AlertRule, Rule};
use crate::cadence::CadenceInput;
use crate::case::{CaseDetail, CaseFilter, CasePage, CaseSummary, NewCase};
use crate::closure::{
    ProcessSettings, RecurrenceInput, ReviewMeeting, ReviewMeetingInput, ReviewOutcomeInput, VerificationInput,
    WarrantyInput,
};
use crate::communication::{ContactKind, CustomerUpdateInput, ProgressInput};
use crate::csv_io::{ImportPreview, ImportRequest};
use crate::directory::{Agency, ContactCategory, DirectoryFilter, DirectoryKind, Person, Service};
use crate::error::ErrorPayload;
use crate::identity::{Identity, IdentityInput, Workstation};
use crate::ladder::{LadderLevel, LadderLevelInput};
use crate::mail::settings::{MailSettingsView, SmtpSettings};
use crate::mail::transport::SendError;
use crate::page::PageRequest;
use crate::plan::{ActionDiff, PlanKind, PlanReviewInput};
use crate::problem::{NewProblem, Problem, ProblemDetail};
use crate::stage::{Requirement, StageAction};
use crate::store::outbox::{OutboxMessage, OutboxStatus};
use crate::team::{Appointment, StaffLoad, TeamRole, WorkOrder, WorkOrderInput};
use crate::timeline::ChainReport;

/// Writes the types (and every type they use) into `dir`, one file each.
pub fn export_typescript(dir: &Path) -> Result<(), ExportError> {
    // Ids and versions are far below 2^53, so plain numbers are exact and easier in the UI than bigint.
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    CaseDetail::export_all(&cfg)?;
    crate::timeline::IntegrityReport::export_all(&cfg)?;
    crate::backup::BackupsView::export_all(&cfg)?;
    crate::store::backup::BackupCheck::export_all(&cfg)?;
    crate::change::DeskChanged::export_all(&cfg)?;
    crate::change::Presence::export_all(&cfg)?;
    ImportRequest::export_all(&cfg)?;
    CaseSummary::export_all(&cfg)?;
    crate::search::SearchResults::export_all(&cfg)?;
    crate::figures::Portfolio::export_all(&cfg)?;
    crate::briefing::BriefingFile::export_all(&cfg)?;
    crate::case_file::CaseFileWritten::export_all(&cfg)?;
    crate::store::case_file::CaseImported::export_all(&cfg)?;
    CaseFilter::export_all(&cfg)?;
    CasePage::export_all(&cfg)?;
    AlertPage::export_all(&cfg)?;
    PageRequest::export_all(&cfg)?;
    NewCase::export_all(&cfg)?;
    ErrorPayload::export_all(&cfg)?;
    Identity::export_all(&cfg)?;
    crate::aar::signoff_code::SignOffCodeSent::export_all(&cfg)?;
    IdentityInput::export_all(&cfg)?;
    crate::desk::TeamDeskInput::export_all(&cfg)?;
    NewProblem::export_all(&cfg)?;
    Problem::export_all(&cfg)?;
    ProblemDetail::export_all(&cfg)?;
    StageAction::export_all(&cfg)?;
    Requirement::export_all(&cfg)?;
    ChainReport::export_all(&cfg)?;
    Workstation::export_all(&cfg)?;
    Person::export_all(&cfg)?;
    Agency::export_all(&cfg)?;
    Service::export_all(&cfg)?;
    ContactCategory::export_all(&cfg)?;
    DirectoryFilter::export_all(&cfg)?;
    DirectoryKind::export_all(&cfg)?;
    ImportPreview::export_all(&cfg)?;
    Appointment::export_all(&cfg)?;
    TeamRole::export_all(&cfg)?;
    StaffLoad::export_all(&cfg)?;
    WorkOrder::export_all(&cfg)?;
    WorkOrderInput::export_all(&cfg)?;
    SmtpSettings::export_all(&cfg)?;
    MailSettingsView::export_all(&cfg)?;
    SendError::export_all(&cfg)?;
    OutboxMessage::export_all(&cfg)?;
    OutboxStatus::export_all(&cfg)?;
    crate::store::mail_settings::MailPause::export_all(&cfg)?;
    CadenceInput::export_all(&cfg)?;
    ContactKind::export_all(&cfg)?;
    CustomerUpdateInput::export_all(&cfg)?;
    ProgressInput::export_all(&cfg)?;
    ActionDiff::export_all(&cfg)?;
    PlanKind::export_all(&cfg)?;
    PlanReviewInput::export_all(&cfg)?;
    LadderLevel::export_all(&cfg)?;
    LadderLevelInput::export_all(&cfg)?;
    AlertRule::export_all(&cfg)?;
    Alert::export_all(&cfg)?;
    Rule::export_all(&cfg)?;
    Aar::export_all(&cfg)?;
    AarSettings::export_all(&cfg)?;
    AarStep::export_all(&cfg)?;
    SectionDiff::export_all(&cfg)?;
    SectionVersion::export_all(&cfg)?;
    DistributionSuggestion::export_all(&cfg)?;
    ProcessSettings::export_all(&cfg)?;
    WarrantyInput::export_all(&cfg)?;
    RecurrenceInput::export_all(&cfg)?;
    VerificationInput::export_all(&cfg)?;
    ReviewMeetingInput::export_all(&cfg)?;
    ReviewMeeting::export_all(&cfg)?;
    ReviewOutcomeInput::export_all(&cfg)?;
    // The limits are values, not types: the UI's maxlength attributes read them from here.
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("Limits.ts"), crate::limits::typescript())?;
    Ok(())
}
