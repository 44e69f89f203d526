//! Errors at the engine's edge: a stable code, and a message a person can act on.

use serde::Serialize;
use ts_rs::TS;

use crate::config::ConfigError;
use crate::fly::FlyError;
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
    #[error("{0}")]
    Download(#[from] crate::download::DownloadError),
    #[error("no job matches {0:?}")]
    NoSuchJob(String),
    #[error("{0:?} matches several jobs; give more of its id")]
    Ambiguous(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Fly mode needs these settings first: {0}. Open Settings, or use sandbox mode.")]
    Incomplete(String),
}

/// What crosses the IPC line and what the CLI prints: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Config(_) => "config_invalid",
            EngineError::Secret(SecretError::Unavailable { .. }) => "keyring_unavailable",
            EngineError::Secret(_) => "keyring_error",
            EngineError::Store(_) => "store_error",
            EngineError::Fly(e) => e.code(),
            EngineError::R2(e) => e.code(),
            EngineError::Download(e) => e.code(),
            EngineError::NoSuchJob(_) => "no_such_job",
            EngineError::Ambiguous(_) => "ambiguous_job",
            EngineError::Invalid(_) => "invalid_request",
            EngineError::Incomplete(_) => "settings_incomplete",
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload { code: self.code().to_owned(), message: self.to_string() }
    }
}
