//! Exports and jobs: submit, list, timeline, download, cancel, retry, remove.

use arke_export_contract::env::ExportFormat;
use arke_export_contract::options::ExportOptions;
use arke_export_engine::batch_download::BatchDownload;
use arke_export_engine::catalog::Submitted;
use arke_export_engine::job::{Job, JobAction, TimelineEntry};
use arke_export_engine::{EngineError, file_name};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use super::CmdResult;
use crate::dialogs::{self, SaveTarget};
use crate::state::AppState;

#[tauri::command]
pub(crate) async fn sample_ids(state: State<'_, AppState>) -> CmdResult<Vec<String>> {
    Ok(state.engine().await?.sample_ids(3))
}

#[tauri::command]
pub(crate) async fn submit(
    state: State<'_, AppState>,
    ids: String,
    options: ExportOptions,
    formats: Option<Vec<ExportFormat>>,
    per_machine: Option<u32>,
    include_missing: Option<bool>,
) -> CmdResult<Submitted> {
    let formats = formats.unwrap_or_default();
    let include_missing = include_missing.unwrap_or(false);
    Ok(state.engine().await?.submit_checked(&ids, options, &formats, per_machine, include_missing).await?)
}

#[tauri::command]
pub(crate) async fn list_jobs(state: State<'_, AppState>) -> CmdResult<Vec<Job>> {
    Ok(state.engine().await?.jobs()?)
}

#[tauri::command]
pub(crate) async fn timeline(state: State<'_, AppState>, job_id: String) -> CmdResult<Vec<TimelineEntry>> {
    Ok(state.engine().await?.timeline(&job_id)?)
}

/// The file of `format` (every file of the job when `None`): a native save dialog per file (offering
/// the engine's name for it), then the verified download; the dialog asked before replacing a file.
/// `None` when the archivist canceled a dialog (the files saved before it stay saved).
#[tauri::command]
pub(crate) async fn download(
    app: AppHandle,
    state: State<'_, AppState>,
    job_id: String,
    format: Option<ExportFormat>,
) -> CmdResult<Option<Job>> {
    let engine = state.engine().await?;
    let job = engine.job(&job_id)?;
    job.check(JobAction::Download)?;
    let formats: Vec<ExportFormat> = match format {
        Some(f) => vec![f],
        None => job.all_outputs().iter().map(|o| o.format).collect(),
    };
    let mut saved = None;
    for f in formats {
        saved = Some(match dialogs::save_path(&app, &engine, &file_name::job_file_name(&job, f)).await {
            None => return Ok(None),
            Some(SaveTarget::Confirmed(path)) => engine.download_format(&job.id, Some(f), &path, true).await?,
            Some(SaveTarget::Folder(dir)) => engine.download_format_to_dir(&job.id, Some(f), &dir).await?,
        });
    }
    match saved {
        Some(job) => Ok(Some(job)),
        None => Err(EngineError::NoSuchFormat(format!("job {} has no file to download", job.id)).into()),
    }
}

/// "Download all" of a batch: a folder dialog, then every ready job into it (going on after a
/// failure, each reported). `None` when the archivist canceled the dialog.
#[tauri::command]
pub(crate) async fn download_batch(
    app: AppHandle,
    state: State<'_, AppState>,
    batch_id: String,
) -> CmdResult<Option<BatchDownload>> {
    let engine = state.engine().await?;
    let Some(dir) = dialogs::folder(&app, &engine).await else { return Ok(None) };
    Ok(Some(engine.download_batch(&batch_id, &dir).await?))
}

#[tauri::command]
pub(crate) async fn show_in_folder(app: AppHandle, state: State<'_, AppState>, job_id: String) -> CmdResult<()> {
    let path = state.engine().await?.job(&job_id)?.saved_to.ok_or(EngineError::NotDownloaded)?;
    app.opener().reveal_item_in_dir(&path).map_err(|e| EngineError::OpenFailed { path, reason: e.to_string() })?;
    Ok(())
}

#[tauri::command]
pub(crate) async fn cancel(state: State<'_, AppState>, job_id: String) -> CmdResult<Job> {
    Ok(state.engine().await?.cancel(&job_id).await?)
}

#[tauri::command]
pub(crate) async fn retry(state: State<'_, AppState>, job_id: String) -> CmdResult<Job> {
    Ok(state.engine().await?.retry(&job_id)?)
}

#[tauri::command]
pub(crate) async fn remove(state: State<'_, AppState>, job_id: String) -> CmdResult<()> {
    Ok(state.engine().await?.remove(&job_id)?)
}
