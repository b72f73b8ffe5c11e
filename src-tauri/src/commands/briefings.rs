//! Briefing documents and the portfolio figures: rendered off the UI thread, written for the
//! system viewer, opened there for printing.

use escalation_core::briefing::BriefingFile;
use escalation_core::figures::{Period, Portfolio};
use escalation_core::store::{briefings, figures};
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn render_case_briefing(desk: State<'_, Desk>, case_id: i64) -> CommandResult<BriefingFile> {
    desk.with_store(move |s| briefings::write_case_briefing(s, case_id))
        .await
}

#[tauri::command]
pub async fn render_portfolio_briefing(desk: State<'_, Desk>, period: Period) -> CommandResult<BriefingFile> {
    // The briefing reads the portfolio's figures.
    desk.with_store_large_read(move |s| briefings::write_portfolio_briefing(s, &period))
        .await
}

#[tauri::command]
pub async fn get_portfolio(desk: State<'_, Desk>, period: Period) -> CommandResult<Portfolio> {
    desk.with_store_large_read(move |s| figures::get_portfolio(s, &period))
        .await
}

/// Opens a briefing this desk wrote in the desktop's default viewer (for printing).
#[tauri::command]
pub async fn open_briefing(desk: State<'_, Desk>, path: String) -> CommandResult<()> {
    let checked = path.clone();
    desk.with_store(move |s| briefings::check_briefing_file(s, &checked))
        .await?;
    Ok(crate::viewer::open_pdf(&path)?)
}
