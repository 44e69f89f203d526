//! Commands the UI can invoke. Each one only translates to an engine call.

use std::path::PathBuf;

use arke_export_engine::app_info::AppInfo;

pub struct AppState {
    pub data_dir: PathBuf,
}

#[tauri::command]
pub fn app_info(state: tauri::State<'_, AppState>) -> AppInfo {
    AppInfo::new(&state.data_dir)
}
