//! Exports and jobs: submit, list, timeline, download, cancel, retry, remove.

use std::path::PathBuf;

use arke_export_engine::Engine;
use arke_export_engine::EngineError;
use arke_export_engine::job::{Batch, Job, TimelineEntry};
use arke_export_contract::options::ExportOptions;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use super::{CmdResult, err};
use crate::state::AppState;

/// Test seam: when set, downloads skip the save dialog and go to this folder.
const SAVE_DIR_ENV: &str = "ARKE_EXPORT_SAVE_DIR";

fn save_dir_override() -> Option<PathBuf> {
    std::env::var_os(SAVE_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

#[tauri::command]
pub async fn sample_ids(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    Ok(state.engine().await?.sample_ids(3))
}

#[tauri::command]
pub async fn submit(
    state: State<'_, AppState>,
    ids: String,
    options: ExportOptions,
    per_machine: Option<u32>,
) -> CmdResult<Batch> {
    let engine = state.engine().await?;
    engine.submit(&ids, options, per_machine).map(|(batch, _)| batch).map_err(err)
}

#[tauri::command]
pub async fn list_jobs(state: State<'_, AppState>) -> CmdResult<Vec<Job>> {
    state.engine().await?.jobs().map_err(err)
}

#[tauri::command]
pub async fn timeline(state: State<'_, AppState>, job_id: String) -> CmdResult<Vec<TimelineEntry>> {
    state.engine().await?.timeline(&job_id).map_err(err)
}

/// A native save dialog (default name from the result), then the verified download.
/// `None` when the archivist canceled the dialog.
#[tauri::command]
pub async fn download(app: AppHandle, state: State<'_, AppState>, job_id: String) -> CmdResult<Option<Job>> {
    let engine = state.engine().await?;
    let job = engine.job(&job_id).map_err(err)?;
    let name = Engine::default_file_name(&job);
    let target = match save_dir_override() {
        Some(dir) => Some(dir.join(&name)),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog().file().set_file_name(&name).add_filter("MODS XML", &["xml"]).save_file(move |path| {
                let _ = tx.send(path);
            });
            rx.await.ok().flatten().and_then(|p| p.into_path().ok())
        }
    };
    match target {
        Some(path) => engine.download(&job.id, &path).await.map(Some).map_err(err),
        None => Ok(None),
    }
}

/// "Download all" of a batch: a folder dialog, then every ready job into it.
#[tauri::command]
pub async fn download_batch(app: AppHandle, state: State<'_, AppState>, batch_id: String) -> CmdResult<Vec<Job>> {
    let engine = state.engine().await?;
    let dir = match save_dir_override() {
        Some(dir) => Some(dir),
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            app.dialog().file().pick_folder(move |path| {
                let _ = tx.send(path);
            });
            rx.await.ok().flatten().and_then(|p| p.into_path().ok())
        }
    };
    let Some(dir) = dir else { return Ok(Vec::new()) };
    let mut done = Vec::new();
    for job in engine.jobs().map_err(err)?.into_iter().filter(|j| j.batch_id == batch_id) {
        if job.state == arke_export_engine::job::JobState::Ready {
            done.push(engine.download_to_dir(&job.id, &dir).await.map_err(err)?);
        }
    }
    Ok(done)
}

#[tauri::command]
pub async fn show_in_folder(app: AppHandle, state: State<'_, AppState>, job_id: String) -> CmdResult<()> {
    let job = state.engine().await?.job(&job_id).map_err(err)?;
    let Some(path) = job.saved_to else {
        return Err(EngineError::NotDownloaded.into());
    };
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| EngineError::OpenFailed { path, reason: e.to_string() }.into())
}

#[tauri::command]
pub async fn cancel(state: State<'_, AppState>, job_id: String) -> CmdResult<Job> {
    state.engine().await?.cancel(&job_id).await.map_err(err)
}

#[tauri::command]
pub async fn retry(state: State<'_, AppState>, job_id: String) -> CmdResult<Job> {
    state.engine().await?.retry(&job_id).map_err(err)
}

#[tauri::command]
pub async fn remove(state: State<'_, AppState>, job_id: String) -> CmdResult<()> {
    state.engine().await?.remove(&job_id).map_err(err)
}
