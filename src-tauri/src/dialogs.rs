//! The native dialogs the commands open. Each answers `None` when the archivist cancels it. Save and
//! folder dialogs open in the folder the last download went to (first time: the Downloads folder).

use std::path::{Path, PathBuf};

use arke_export_engine::Engine;
use arke_export_engine::ids::LIST_EXTENSIONS;
use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FilePath};
use tokio::sync::oneshot;

/// Test seam: when set, downloads skip the save and folder dialogs and go to this folder.
const SAVE_DIR_ENV: &str = "ARKE_EXPORT_SAVE_DIR";

fn save_dir_override() -> Option<PathBuf> {
    std::env::var_os(SAVE_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

async fn answer(rx: oneshot::Receiver<Option<FilePath>>) -> Option<PathBuf> {
    rx.await.ok().flatten().and_then(|p| p.into_path().ok())
}

/// "Choose file…": an ID list to open.
pub(crate) async fn list_file(app: &AppHandle) -> Option<PathBuf> {
    let (tx, rx) = oneshot::channel();
    app.dialog().file().add_filter("Record ID lists", LIST_EXTENSIONS).pick_file(move |file| {
        let _ = tx.send(file);
    });
    answer(rx).await
}

/// Where one export goes.
pub(crate) enum SaveTarget {
    /// A file the archivist named in the save dialog, which asked before replacing one.
    Confirmed(PathBuf),
    /// A folder (the test seam): the engine picks a name there that replaces nothing.
    Folder(PathBuf),
}

/// The next dialog opens where this one's answer is (best effort: a failure only loses the memory).
fn remember(engine: &Engine, chosen: &Path) {
    if let Err(e) = engine.remember_download_dir(chosen) {
        tracing::warn!("could not remember the download folder: {e}");
    }
}

/// Where to save one export, offering its own file name.
pub(crate) async fn save_path(app: &AppHandle, engine: &Engine, file_name: &str) -> Option<SaveTarget> {
    if let Some(dir) = save_dir_override() {
        return Some(SaveTarget::Folder(dir));
    }
    let (tx, rx) = oneshot::channel();
    let dialog = app.dialog().file().set_directory(engine.download_dir());
    dialog.set_file_name(file_name).add_filter("XML", &["xml"]).save_file(move |path| {
        let _ = tx.send(path);
    });
    let path = answer(rx).await?;
    remember(engine, &path);
    Some(SaveTarget::Confirmed(path))
}

/// The folder a whole batch is saved into.
pub(crate) async fn folder(app: &AppHandle, engine: &Engine) -> Option<PathBuf> {
    if let Some(dir) = save_dir_override() {
        return Some(dir);
    }
    let (tx, rx) = oneshot::channel();
    app.dialog().file().set_directory(engine.download_dir()).pick_folder(move |path| {
        let _ = tx.send(path);
    });
    let dir = answer(rx).await?;
    remember(engine, &dir);
    Some(dir)
}
