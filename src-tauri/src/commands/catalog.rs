//! The archive: titles for record IDs, Browse, and the MODS preview of one record.

use arke_export_engine::catalog::{BrowseNode, RecordInfo, RecordPreview};
use tauri::State;

use super::CmdResult;
use crate::state::AppState;

/// At most 200 PIs a call; a record that cannot be read is `unavailable`, never an error.
#[tauri::command]
pub(crate) async fn lookup_records(state: State<'_, AppState>, pis: Vec<String>) -> CmdResult<Vec<RecordInfo>> {
    Ok(state.engine().await?.lookup_records(&pis).await?)
}

/// `None`: the archive's origin.
#[tauri::command]
pub(crate) async fn browse_open(state: State<'_, AppState>, pi: Option<String>) -> CmdResult<BrowseNode> {
    Ok(state.engine().await?.browse_open(pi.as_deref()).await?)
}

#[tauri::command]
pub(crate) async fn preview_record(state: State<'_, AppState>, pi: String) -> CmdResult<RecordPreview> {
    Ok(state.engine().await?.preview_record(&pi).await?)
}
