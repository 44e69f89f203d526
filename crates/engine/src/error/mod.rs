//! Errors at the engine's edge: a stable [`ErrorCode`], a message that says what failed, and a
//! hint, written for the surface that shows it, that says what to do (uv's `Hinted`, in spirit).

mod code;

pub use code::{ErrorCode, Surface};

use arke_export_contract::options::OptionsError;
use serde::Serialize;
use ts_rs::TS;

use crate::config::ConfigError;
use crate::download::DownloadError;
use crate::fly::FlyError;
use crate::job::JobState;
use crate::r2::R2Error;
use crate::secrets::SecretError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fly(#[from] FlyError),
    #[error(transparent)]
    R2(#[from] R2Error),
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error(transparent)]
    Options(#[from] OptionsError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("no job matches {0:?}")]
    NoSuchJob(String),
    #[error("{0:?} matches several jobs; give more of its id")]
    Ambiguous(String),
    /// The job is not in a state that allows the action.
    #[error("job {job} is {}; {allowed}", .state.as_str())]
    WrongState { job: String, state: JobState, allowed: &'static str },
    #[error("no valid record ID to export ({0})")]
    NoRecords(String),
    /// An ID-list file that is not one (extension, size); one that cannot be read is [`EngineError::Input`].
    #[error("{0}")]
    InvalidFile(String),
    #[error("could not read {what}: {reason}")]
    Input { what: String, reason: String },
    /// The UI asked for a file the archivist did not drop or choose in this session.
    #[error("{0} was not dropped on the window or chosen in this session")]
    NotGranted(String),
    #[error("the sandbox could not start in {dir}: {reason}")]
    Sandbox { dir: String, reason: String },
    #[error("Fly mode needs these settings first: {0}")]
    Incomplete(String),
    #[error("the export engine is still starting")]
    Starting,
    #[error("job {0} is being downloaded already")]
    DownloadBusy(String),
    #[error("this export has not been saved yet")]
    NotDownloaded,
    /// A download asked for a format the job did not write.
    #[error("{0}")]
    NoSuchFormat(String),
    #[error("could not show {path}: {reason}")]
    OpenFailed { path: String, reason: String },
}

/// What crosses the IPC line and what the CLI prints: `{code, message, hint?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    /// What failed.
    pub message: String,
    /// What to do about it, for the surface the payload was made for.
    pub hint: Option<String>,
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Config(_) => ErrorCode::ConfigInvalid,
            EngineError::Secret(SecretError::Unavailable { .. }) => ErrorCode::KeyringUnavailable,
            EngineError::Secret(SecretError::NoEndpoint { .. }) => ErrorCode::SettingsIncomplete,
            EngineError::Secret(_) => ErrorCode::KeyringError,
            EngineError::Store(StoreError::Conflict(_)) => ErrorCode::JobChanged,
            EngineError::Store(_) => ErrorCode::StoreError,
            EngineError::Fly(e) => e.code(),
            EngineError::R2(e) => e.code(),
            EngineError::Download(e) => e.code(),
            EngineError::Options(_) => ErrorCode::InvalidOptions,
            EngineError::Catalog(e) => e.code(),
            EngineError::NoSuchJob(_) => ErrorCode::NoSuchJob,
            EngineError::Ambiguous(_) => ErrorCode::AmbiguousJob,
            EngineError::WrongState { .. } => ErrorCode::WrongState,
            EngineError::NoRecords(_) => ErrorCode::NoRecords,
            EngineError::InvalidFile(_) => ErrorCode::InvalidFile,
            EngineError::Input { .. } => ErrorCode::InputFailed,
            EngineError::NotGranted(_) => ErrorCode::FileNotGranted,
            EngineError::Sandbox { .. } => ErrorCode::SandboxFailed,
            EngineError::Incomplete(_) => ErrorCode::SettingsIncomplete,
            EngineError::Starting => ErrorCode::EngineStarting,
            EngineError::NotDownloaded => ErrorCode::NotDownloaded,
            EngineError::DownloadBusy(_) => ErrorCode::DownloadInProgress,
            EngineError::NoSuchFormat(_) => ErrorCode::NoSuchFormat,
            EngineError::OpenFailed { .. } => ErrorCode::OpenFailed,
        }
    }

    /// What to do about it on `surface`: the error's own hint, else its code's.
    pub fn hint(&self, surface: Surface) -> Option<String> {
        match self {
            EngineError::Secret(e) => e.hint().or_else(|| self.code().hint(surface).map(str::to_owned)),
            _ => self.code().hint(surface).map(str::to_owned),
        }
    }

    pub fn payload(&self, surface: Surface) -> ErrorPayload {
        ErrorPayload { code: self.code(), message: self.to_string(), hint: self.hint(surface) }
    }
}

/// The app's IPC edge: every Tauri command returns `Result<T, ErrorPayload>` and uses `?`.
impl From<EngineError> for ErrorPayload {
    fn from(e: EngineError) -> ErrorPayload {
        e.payload(Surface::App)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_separates_what_failed_from_what_to_do() {
        let e = EngineError::Fly(FlyError::Unauthorized("401".into()));
        let app = e.payload(Surface::App);
        assert_eq!(app.code, ErrorCode::FlyUnauthorized);
        assert!(!app.message.contains("Settings"), "{}", app.message);
        assert!(app.hint.as_deref().unwrap().contains("Settings"));
        let cli = e.payload(Surface::Cli);
        assert!(cli.hint.as_deref().unwrap().contains("arke-export token set fly"));
        let json = serde_json::to_value(&app).unwrap();
        assert_eq!(json["code"], "fly_unauthorized");
    }

    #[test]
    fn the_sandbox_failing_is_not_a_bad_request() {
        let e = EngineError::Sandbox { dir: "/x".into(), reason: "read-only".into() };
        assert_eq!(e.code(), ErrorCode::SandboxFailed);
        assert!(e.hint(Surface::App).is_some());
    }
}
