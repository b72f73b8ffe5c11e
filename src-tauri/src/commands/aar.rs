//! The After Action Report: authoring, status, rendering (off the UI thread) and distribution.

use escalation_core::aar::{
    Aar, AarSettings, DistributionSuggestion, Improvement, SectionDiff, SectionVersion, SignOffRole,
};
use escalation_core::aar_pdf::render_pdf;
use escalation_core::change::Entity;
use escalation_core::store::aar::{self, AarStep};
use escalation_core::Error;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn get_aar(desk: State<'_, Desk>, case_id: i64) -> CommandResult<Option<Aar>> {
    desk.with_store(move |s| aar::get_aar(s.conn(), case_id)).await
}

#[tauri::command]
pub async fn start_aar(desk: State<'_, Desk>, case_id: i64) -> CommandResult<Aar> {
    desk.change(Entity::Aar, Some(case_id), move |s| aar::insert_aar(s, case_id))
        .await
}

#[tauri::command]
pub async fn save_aar_section(
    desk: State<'_, Desk>,
    section_id: i64,
    version: i64,
    body: String,
) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_section(s, section_id, version, &body)
    })
    .await
}

/// Tells the team desk's other windows that this window's person has `section_id` of the report
/// open (`None`: left it) and whether they are typing. Nothing is stored; no-op on a file.
#[tauri::command]
pub async fn announce_aar_presence(
    desk: State<'_, Desk>,
    aar_id: i64,
    section_id: Option<i64>,
    typing: bool,
) -> CommandResult<()> {
    desk.with_store(move |s| escalation_core::store::live::announce_presence(s, aar_id, section_id, typing))
        .await
}

#[tauri::command]
pub async fn refresh_aar_section(desk: State<'_, Desk>, section_id: i64, version: i64) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_section_from_case(s, section_id, version)
    })
    .await
}

#[tauri::command]
pub async fn set_aar_timeline_events(
    desk: State<'_, Desk>,
    aar_id: i64,
    version: i64,
    ids: Vec<i64>,
) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_timeline_events(s, aar_id, version, &ids)
    })
    .await
}

#[tauri::command]
pub async fn assign_aar_section(desk: State<'_, Desk>, section_id: i64, person_id: Option<i64>) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_section_assignee(s, section_id, person_id)
    })
    .await
}

#[tauri::command]
pub async fn add_aar_comment(desk: State<'_, Desk>, section_id: i64, body: String) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::insert_aar_comment(s, section_id, &body)
    })
    .await
}

#[tauri::command]
pub async fn resolve_aar_comment(desk: State<'_, Desk>, comment_id: i64) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_comment_resolved(s, comment_id)
    })
    .await
}

#[tauri::command]
pub async fn save_aar_improvements(
    desk: State<'_, Desk>,
    aar_id: i64,
    version: i64,
    items: Vec<Improvement>,
) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_improvements(s, aar_id, version, &items)
    })
    .await
}

#[tauri::command]
pub async fn send_improvements_to_problem(desk: State<'_, Desk>, aar_id: i64, version: i64) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::insert_problem_actions(s, aar_id, version)
    })
    .await
}

#[tauri::command]
pub async fn change_aar_status(desk: State<'_, Desk>, aar_id: i64, version: i64, step: AarStep) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::update_aar_status(s, aar_id, version, step)
    })
    .await
}

/// Mails a one-time sign-off code to the signer's directory address.
#[tauri::command]
pub async fn send_signoff_code(
    desk: State<'_, Desk>,
    aar_id: i64,
    version: i64,
    role: SignOffRole,
) -> CommandResult<aar::SignOffCodeSent> {
    // The result names no case: the report's screens refresh as for any report change.
    desk.change(Entity::Aar, None, move |s| {
        aar::request_signoff_code(s, aar_id, version, role)
    })
    .await
}

/// Signs off with the code from the mail.
#[tauri::command]
pub async fn confirm_signoff(
    desk: State<'_, Desk>,
    aar_id: i64,
    version: i64,
    role: SignOffRole,
    code: String,
) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::confirm_signoff(s, aar_id, version, role, &code)
    })
    .await
}

#[tauri::command]
pub async fn list_aar_section_versions(desk: State<'_, Desk>, section_id: i64) -> CommandResult<Vec<SectionVersion>> {
    desk.with_store(move |s| aar::list_section_versions(s, section_id))
        .await
}

#[tauri::command]
pub async fn diff_aar_revisions(
    desk: State<'_, Desk>,
    aar_id: i64,
    from: i64,
    to: i64,
) -> CommandResult<Vec<SectionDiff>> {
    desk.with_store(move |s| aar::diff_aar_revisions(s, aar_id, from, to))
        .await
}

/// Reads the report under the store's lock, renders it on a blocking thread without the lock (so
/// other screens stay responsive), then keeps the PDF.
#[tauri::command]
pub async fn render_aar(desk: State<'_, Desk>, case_id: i64) -> CommandResult<Aar> {
    let (aar_id, revision, status, doc) = desk.with_store(move |s| aar::pdf_document(s, case_id)).await?;
    let (pdf, ms) = tauri::async_runtime::spawn_blocking(move || {
        let started = std::time::Instant::now();
        render_pdf(&doc).map(|pdf| (pdf, started.elapsed().as_millis() as i64))
    })
    .await
    // A panic while drawing comes back here as a JoinError (the app is built with unwinding), so
    // the screen shows an error and the window lives on; nothing has been saved yet.
    .map_err(|e| {
        Error::Internal(format!(
            "The report could not be rendered ({e}); nothing was saved. Report this with the case number."
        ))
    })??;
    desk.change(Entity::Aar, Some(case_id), move |s| {
        aar::insert_aar_render(s, aar_id, revision, status, &pdf, ms)?;
        aar::get_aar(s.conn(), case_id)?.ok_or(Error::NotFound {
            entity: "AAR of case",
            id: case_id,
        })
    })
    .await
}

/// Opens a rendered PDF in the desktop's default viewer (for printing).
#[tauri::command]
pub async fn open_aar_pdf(desk: State<'_, Desk>, path: String) -> CommandResult<()> {
    let known = desk
        .with_store({
            let path = path.clone();
            move |s| aar::is_rendered_report(s, &path)
        })
        .await?;
    // Only files this app rendered: the path comes from the UI, so it is checked, never trusted.
    if !known {
        return Err(Error::Refused("That file is not a report rendered by Escalation Desk.".into()).into());
    }
    Ok(crate::viewer::open_pdf(&path)?)
}

/// A rendered PDF's bytes for the in-app preview, as raw bytes (no JSON array of numbers).
#[tauri::command]
pub async fn get_aar_pdf(desk: State<'_, Desk>, render_id: i64) -> CommandResult<tauri::ipc::Response> {
    let bytes = desk.with_store(move |s| aar::get_render_pdf(s, render_id)).await?;
    Ok(tauri::ipc::Response::new(bytes))
}

#[tauri::command]
pub async fn get_aar_settings(desk: State<'_, Desk>) -> CommandResult<AarSettings> {
    desk.with_store(|s| aar::get_aar_settings(s.conn())).await
}

#[tauri::command]
pub async fn save_aar_settings(desk: State<'_, Desk>, settings: AarSettings) -> CommandResult<AarSettings> {
    desk.change(Entity::Settings, None, move |s| aar::update_aar_settings(s, &settings))
        .await
}

/// Sets (PNG as base64) or removes (null) the cover logo.
#[tauri::command]
pub async fn save_aar_logo(desk: State<'_, Desk>, png_base64: Option<String>) -> CommandResult<AarSettings> {
    desk.change(Entity::Settings, None, move |s| {
        aar::update_aar_logo(s, png_base64.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn list_distribution_suggestions(
    desk: State<'_, Desk>,
    case_id: i64,
) -> CommandResult<Vec<DistributionSuggestion>> {
    desk.with_store(move |s| aar::list_distribution_suggestions(s, case_id))
        .await
}

#[tauri::command]
pub async fn distribute_aar(
    desk: State<'_, Desk>,
    aar_id: i64,
    version: i64,
    recipients: Vec<String>,
) -> CommandResult<Aar> {
    desk.change_of(Entity::Aar, aar_case, move |s| {
        aar::insert_distribution(s, aar_id, version, &recipients)
    })
    .await
}

/// The case a report belongs to, for the change event of a command that names only the report.
fn aar_case(aar: &Aar) -> Option<i64> {
    Some(aar.case_id)
}
