//! Updates: check (at start and from Settings), and install only when the archivist asks — never
//! while an export or a download is in flight. The logic is `crate::updates`.

use arke_export_engine::ErrorPayload;
use arke_export_engine::error::{ErrorCode, Surface};
use arke_export_engine::job::JobState;
use tauri::{AppHandle, State};

use super::CmdResult;
use crate::state::AppState;
use crate::updates::{self, CHECK_TIMEOUT, Pending, UpdateInfo};

/// Asks the release server; `None` when this is the newest version. The update found is kept for
/// `update_install`, so the one installed is the one shown.
#[tauri::command]
pub(crate) async fn update_check(app: AppHandle, pending: State<'_, Pending>) -> CmdResult<Option<UpdateInfo>> {
    let found = async { updates::check(&updates::updater(&app, None, CHECK_TIMEOUT)?).await }.await;
    let update = found.inspect_err(|e| tracing::warn!("update check: {}", e.message))?;
    let info = update.as_ref().map(UpdateInfo::of);
    if let Some(info) = &info {
        tracing::info!("update available: {} (running {})", info.version, info.current_version);
    }
    *pending.0.lock().await = update;
    Ok(info)
}

/// Downloads, verifies and installs the update last shown, then restarts the app. Refused while any
/// export or download is in flight (asked before the download and again before installing).
#[tauri::command]
pub(crate) async fn update_install(
    app: AppHandle,
    state: State<'_, AppState>,
    pending: State<'_, Pending>,
) -> CmdResult<()> {
    // Held throughout: a second click waits, then finds nothing pending.
    let mut pending = pending.0.lock().await;
    let Some(update) = pending.clone() else {
        let code = ErrorCode::UpdateCheckFailed;
        return Err(ErrorPayload {
            code,
            message: "There is no update to install; check for updates first".into(),
            hint: code.hint(Surface::App).map(str::to_owned),
        });
    };
    updates::refuse_while_busy(job_states(&state).await?)?;
    let bytes = updates::download_verified(&update).await?;
    updates::refuse_while_busy(job_states(&state).await?)?;
    updates::install(&update, &bytes)?;
    *pending = None;
    tracing::info!("installed {}; restarting", update.version);
    if let Some(engine) = state.engine.write().await.take() {
        engine.shutdown().await;
    }
    app.restart()
}

/// Every job's state, from the engine's store (the CLI's jobs included); none when no engine runs.
async fn job_states(state: &AppState) -> CmdResult<Vec<JobState>> {
    let Some(engine) = state.engine.read().await.clone() else { return Ok(Vec::new()) };
    Ok(engine.jobs()?.into_iter().map(|job| job.state).collect())
}
