//! What the shell keeps: the engine (restarted when the mode changes) and the settings.

use std::path::PathBuf;

use arke_export_engine::config::{Config, SettingsFile};
use arke_export_engine::secrets::Secrets;
use arke_export_engine::{Engine, EngineError, ErrorPayload, startup};
use tokio::sync::RwLock;

use crate::grants::FileGrants;

pub(crate) struct AppState {
    pub(crate) engine: RwLock<Option<Engine>>,
    /// Why the engine is not running, when it is not.
    pub(crate) startup_error: RwLock<Option<ErrorPayload>>,
    pub(crate) secrets: Secrets,
    pub(crate) settings_path: PathBuf,
    /// Files the archivist dropped or chose: the only ones the UI may have read.
    pub(crate) file_grants: FileGrants,
}

impl AppState {
    pub(crate) fn new() -> AppState {
        AppState {
            engine: RwLock::new(None),
            startup_error: RwLock::new(None),
            secrets: Secrets::default(),
            settings_path: SettingsFile::default_path(),
            file_grants: FileGrants::default(),
        }
    }

    pub(crate) fn settings(&self) -> Result<SettingsFile, EngineError> {
        Ok(SettingsFile::load(&self.settings_path)?)
    }

    pub(crate) fn config(&self) -> Result<Config, EngineError> {
        Ok(Config::resolve(&self.settings()?, |k| std::env::var(k).ok())?)
    }

    /// (Re)starts the engine for the current settings; on failure the app keeps running and says why.
    pub(crate) async fn restart_engine(&self) -> Result<Engine, ErrorPayload> {
        if let Some(old) = self.engine.write().await.take() {
            old.shutdown().await;
        }
        let started = match self.config() {
            Ok(config) => startup::start(config, &self.secrets).await,
            Err(e) => Err(e),
        };
        match started {
            Ok(engine) => {
                *self.engine.write().await = Some(engine.clone());
                *self.startup_error.write().await = None;
                Ok(engine)
            }
            Err(e) => {
                let payload = ErrorPayload::from(e);
                *self.startup_error.write().await = Some(payload.clone());
                Err(payload)
            }
        }
    }

    /// The running engine, or the reason there is none.
    pub(crate) async fn engine(&self) -> Result<Engine, ErrorPayload> {
        if let Some(engine) = self.engine.read().await.clone() {
            return Ok(engine);
        }
        Err(self.startup_error.read().await.clone().unwrap_or_else(|| EngineError::Starting.into()))
    }
}
