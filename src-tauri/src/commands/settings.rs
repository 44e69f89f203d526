//! Settings: show, save (restarting the engine when needed), clear a secret, test connections.

use arke_export_engine::EngineError;
use arke_export_engine::checks::{CheckResult, check_fly, check_r2};
use arke_export_engine::secrets::SecretKind;
use arke_export_engine::settings_view::{SettingsUpdate, SettingsView};
use tauri::{AppHandle, State};

use super::CmdResult;
use crate::state::AppState;

#[tauri::command]
pub(crate) async fn settings_get(state: State<'_, AppState>) -> CmdResult<SettingsView> {
    let mut view = SettingsView::load(&state.settings()?, &state.secrets).await?;
    // The mode actually running (a failed Fly start leaves none).
    if let Some(engine) = state.engine.read().await.as_ref() {
        view.mode = engine.config().mode;
    }
    Ok(view)
}

/// Saves the settings and restarts the engine on the new ones.
#[tauri::command]
pub(crate) async fn settings_save(
    app: AppHandle,
    state: State<'_, AppState>,
    update: SettingsUpdate,
) -> CmdResult<SettingsView> {
    let mut file = state.settings()?;
    update.apply(&mut file, &state.secrets).await?;
    let engine = state.restart_engine().await?;
    crate::bridge::forward(app, &engine);
    settings_get(state).await
}

#[tauri::command]
pub(crate) async fn secret_clear(state: State<'_, AppState>, kind: SecretKind) -> CmdResult<SettingsView> {
    state.secrets.clear(kind, kind.endpoint(&state.config()?)).map_err(EngineError::from)?;
    settings_get(state).await
}

#[tauri::command]
pub(crate) async fn test_fly(state: State<'_, AppState>) -> CmdResult<CheckResult> {
    Ok(check_fly(&state.config()?, &state.secrets).await)
}

#[tauri::command]
pub(crate) async fn test_r2(state: State<'_, AppState>) -> CmdResult<CheckResult> {
    Ok(check_r2(&state.config()?, &state.secrets).await)
}
