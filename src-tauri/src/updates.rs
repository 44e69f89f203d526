//! Updates: signed, checked, never silent. The app asks the release server (`plugins.updater` in
//! tauri.conf.json) whether a newer version exists — at start, in the background, and from Settings —
//! and shows its version and notes. Nothing installs until the archivist clicks Install, and never
//! while an export or a download is in flight. Every artifact is verified against the release public
//! key (minisign, in tauri-plugin-updater) before it is installed; one that fails is refused.
//!
//! No engine here: the busy rule takes job states, so it is tested without one.

use std::time::Duration;

use arke_export_engine::ErrorPayload;
use arke_export_engine::error::{ErrorCode, Surface};
use arke_export_engine::job::JobState;
use serde::Serialize;
use tauri::{AppHandle, Runtime, Url};
use tauri_plugin_updater::{Error, Update, Updater, UpdaterExt};
use tokio::sync::Mutex;

/// How long a check may take: an unreachable or silent server never holds anything up for longer.
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(15);

/// A newer version, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub(crate) struct UpdateInfo {
    /// The version on offer (`0.2.0`).
    pub(crate) version: String,
    /// The version running now.
    pub(crate) current_version: String,
    /// The release notes, as published.
    pub(crate) notes: Option<String>,
    /// When it was published (RFC 3339), if the manifest says.
    pub(crate) date: Option<String>,
}

impl UpdateInfo {
    pub(crate) fn of(update: &Update) -> UpdateInfo {
        UpdateInfo {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            notes: update.body.clone().filter(|n| !n.trim().is_empty()),
            date: update.raw_json.get("pub_date").and_then(serde_json::Value::as_str).map(str::to_owned),
        }
    }
}

/// The update last shown to the archivist: Install installs exactly this one.
#[derive(Default)]
pub(crate) struct Pending(pub(crate) Mutex<Option<Update>>);

/// The updater for the configured endpoints, or for `endpoints` (tests serve their own).
pub(crate) fn updater<R: Runtime>(
    app: &AppHandle<R>,
    endpoints: Option<Vec<Url>>,
    timeout: Duration,
) -> Result<Updater, ErrorPayload> {
    let mut builder = app.updater_builder().timeout(timeout);
    if let Some(endpoints) = endpoints {
        builder = builder.endpoints(endpoints).map_err(|e| check_failed(&e))?;
    }
    builder.build().map_err(|e| check_failed(&e))
}

/// Asks the server: `Some` when it offers a newer version than this one.
pub(crate) async fn check(updater: &Updater) -> Result<Option<Update>, ErrorPayload> {
    updater.check().await.map_err(|e| check_failed(&e))
}

/// Downloads the update and verifies its signature against the release key; only verified bytes
/// come back.
pub(crate) async fn download_verified(update: &Update) -> Result<Vec<u8>, ErrorPayload> {
    update.download(|_, _| {}, || {}).await.map_err(|e| {
        if is_verification(&e) {
            rejected(&update.version, &e)
        } else {
            payload(
                ErrorCode::UpdateInstallFailed,
                format!("The update to {} could not be downloaded: {e}", update.version),
            )
        }
    })
}

/// Installs verified bytes (the plugin verifies them once more first).
pub(crate) fn install(update: &Update, bytes: &[u8]) -> Result<(), ErrorPayload> {
    update.install(bytes).map_err(|e| {
        if is_verification(&e) {
            rejected(&update.version, &e)
        } else {
            payload(
                ErrorCode::UpdateInstallFailed,
                format!("The update to {} could not be installed: {e}", update.version),
            )
        }
    })
}

/// The "never while busy" rule: refuses while any job is being created, running or downloading.
pub(crate) fn refuse_while_busy(states: impl IntoIterator<Item = JobState>) -> Result<(), ErrorPayload> {
    let (mut exports, mut downloads) = (0usize, 0usize);
    for state in states {
        match state {
            JobState::Spawning | JobState::Running => exports += 1,
            JobState::Downloading => downloads += 1,
            _ => {}
        }
    }
    let plural = |n: usize, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    let busy = match (exports, downloads) {
        (0, 0) => return Ok(()),
        (e, 0) => plural(e, "export is", "exports are") + " in flight",
        (0, d) => plural(d, "download is", "downloads are") + " in flight",
        (e, d) => format!("{} and {} in flight", plural(e, "export", "exports"), plural(d, "download", "downloads")),
    };
    Err(payload(ErrorCode::UpdateBusy, format!("The update was not installed: {busy}")))
}

/// Errors that mean "this artifact is not the one the release key signed".
fn is_verification(e: &Error) -> bool {
    matches!(
        e,
        Error::Minisign(_)
            | Error::Base64(_)
            | Error::SignatureUtf8(_)
            | Error::SignedVersionMismatch { .. }
            | Error::MissingSignedVersion
    )
}

fn rejected(version: &str, e: &Error) -> ErrorPayload {
    payload(
        ErrorCode::UpdateRejected,
        format!(
            "The update to {version} was refused: its signature does not match Arke Export's release key \
             (the file was changed, or not signed by the Arke Institute: {e}); nothing was installed"
        ),
    )
}

fn check_failed(e: &Error) -> ErrorPayload {
    payload(ErrorCode::UpdateCheckFailed, format!("Could not check for updates: {e}"))
}

fn payload(code: ErrorCode, message: String) -> ErrorPayload {
    ErrorPayload { code, message, hint: code.hint(Surface::App).map(str::to_owned) }
}

#[cfg(test)]
mod tests;
