//! Reading ID lists from files (dropped, or chosen in a dialog).

use std::path::{Path, PathBuf};

use arke_export_engine::ErrorPayload;
use arke_export_engine::ids::{ParsedIds, parse_ids as parse};
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use super::CmdResult;

/// ID lists larger than this are refused (a list of 26-character IDs this big is ~400,000 records).
const MAX_LIST_BYTES: u64 = 10 * 1024 * 1024;

fn invalid(message: String) -> ErrorPayload {
    arke_export_engine::EngineError::InvalidFile(message).into()
}

#[tauri::command]
pub fn parse_ids(text: String) -> ParsedIds {
    parse(&text)
}

/// Reads a `.txt` or `.csv` ID list (dropped on the window).
#[tauri::command]
pub fn read_ids_file(path: PathBuf) -> CmdResult<String> {
    read(&path)
}

fn read(path: &Path) -> CmdResult<String> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("txt" | "csv" | "tsv")) {
        return Err(invalid(format!("{} is not a .txt or .csv list of record IDs", path.display())));
    }
    let size = std::fs::metadata(path).map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?.len();
    if size > MAX_LIST_BYTES {
        return Err(invalid(format!("{} is {} MB; lists up to 10 MB are accepted", path.display(), size / 1_000_000)));
    }
    let bytes = std::fs::read(path).map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// "Choose file…": a native open dialog, then the file's text (`None` when canceled).
#[tauri::command]
pub async fn choose_ids_file(app: AppHandle) -> CmdResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().add_filter("Record ID lists", &["txt", "csv", "tsv"]).pick_file(move |file| {
        let _ = tx.send(file);
    });
    match rx.await.ok().flatten().and_then(|f| f.into_path().ok()) {
        Some(path) => read(&path).map(Some),
        None => Ok(None),
    }
}
