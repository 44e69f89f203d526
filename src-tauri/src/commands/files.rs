//! ID lists: parsing pasted text, and reading a list file (dropped, or chosen in a dialog).

use std::path::PathBuf;

use arke_export_engine::ids::{self, ParsedIds};
use tauri::AppHandle;

use super::CmdResult;
use crate::dialogs;

#[tauri::command]
pub(crate) fn parse_ids(text: String) -> ParsedIds {
    ids::parse_ids(&text)
}

/// Reads an ID list dropped on the window.
#[tauri::command]
pub(crate) fn read_ids_file(path: PathBuf) -> CmdResult<String> {
    Ok(ids::read_ids_file(&path)?)
}

/// "Choose file…": a native open dialog, then the file's text (`None` when canceled).
#[tauri::command]
pub(crate) async fn choose_ids_file(app: AppHandle) -> CmdResult<Option<String>> {
    let Some(path) = dialogs::list_file(&app).await else { return Ok(None) };
    Ok(Some(ids::read_ids_file(&path)?))
}
