//! ID lists: parsing pasted text, and reading a list file (dropped, or chosen in a dialog). A file is
//! read only if it came from a native drop event or the open dialog ([`crate::grants`]), off the main
//! thread, with the engine's limits (size, regular file only).

use std::path::PathBuf;

use arke_export_engine::EngineError;
use arke_export_engine::ids::{self, ParsedIds};
use tauri::{AppHandle, State};

use super::CmdResult;
use crate::dialogs;
use crate::state::AppState;

#[tauri::command]
pub(crate) fn parse_ids(text: String) -> ParsedIds {
    ids::parse_ids(&text)
}

/// Reads a list file on a blocking thread.
async fn read(path: PathBuf) -> CmdResult<String> {
    let read = tauri::async_runtime::spawn_blocking(move || ids::read_ids_file(&path)).await;
    let text = read.map_err(|e| EngineError::Input { what: "the ID list".into(), reason: e.to_string() })??;
    Ok(text)
}

/// Reads an ID list dropped on the window (a path the drop event gave the Rust side).
#[tauri::command]
pub(crate) async fn read_ids_file(state: State<'_, AppState>, path: PathBuf) -> CmdResult<String> {
    state.file_grants.check(&path)?;
    read(path).await
}

/// "Choose file…": a native open dialog, then the file's text (`None` when canceled).
#[tauri::command]
pub(crate) async fn choose_ids_file(app: AppHandle, state: State<'_, AppState>) -> CmdResult<Option<String>> {
    let Some(path) = dialogs::list_file(&app).await else { return Ok(None) };
    state.file_grants.grant([path.clone()]);
    Ok(Some(read(path).await?))
}
