//! Commands the UI can invoke. Each one only translates to an engine call; errors cross as
//! `{code, message}`.

pub mod files;
pub mod jobs;
pub mod settings;

use arke_export_engine::app_info::AppInfo;
use arke_export_engine::{EngineError, ErrorPayload};
use tauri::State;

use crate::state::AppState;

pub type CmdResult<T> = Result<T, ErrorPayload>;

pub fn err(e: EngineError) -> ErrorPayload {
    e.into()
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo::new(&state.data_dir)
}
