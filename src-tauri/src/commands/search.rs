//! The header's search over the whole desk.

use escalation_core::search::SearchResults;
use escalation_core::store::search;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Desk;

#[tauri::command]
pub async fn search_desk(desk: State<'_, Desk>, query: String) -> CommandResult<SearchResults> {
    desk.with_store(move |s| search::search(s, &query, search::HITS_PER_KIND))
        .await
}
