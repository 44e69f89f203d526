//! Commands the UI can invoke (the list is `../command_list.rs`). Each one only delegates to the
//! engine; errors cross as `{code, message, hint}` through `?`.

pub(crate) mod catalog;
pub(crate) mod cost;
pub(crate) mod files;
pub(crate) mod jobs;
pub(crate) mod settings;
pub(crate) mod updates;

use arke_export_engine::ErrorPayload;
use arke_export_engine::app_info::{AppInfo, data_dir};
use tauri::State;

use crate::state::AppState;

pub(crate) type CmdResult<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub(crate) fn app_info(state: State<'_, AppState>) -> CmdResult<AppInfo> {
    Ok(AppInfo::new(&data_dir(&state.config()?)))
}
