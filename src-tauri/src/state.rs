//! What the shell keeps: the engine (restarted when the mode changes) and the settings.

use std::path::PathBuf;

use arke_export_engine::config::{Config, SettingsFile};
use arke_export_engine::secrets::Secrets;
use arke_export_engine::{Engine, EngineError, ErrorPayload, startup};
use tokio::sync::RwLock;

pub struct AppState {
    pub engine: RwLock<Option<Engine>>,
    /// Why the engine is not running, when it is not.
    pub startup_error: RwLock<Option<ErrorPayload>>,
    pub secrets: Secrets,
    pub settings_path: PathBuf,
    pub data_dir: PathBuf,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> AppState {
        AppState {
            engine: RwLock::new(None),
            startup_error: RwLock::new(None),
            secrets: Secrets::default(),
            settings_path: SettingsFile::default_path(),
            data_dir,
        }
    }

    pub fn settings(&self) -> Result<SettingsFile, EngineError> {
        Ok(SettingsFile::load(&self.settings_path)?)
    }

    pub fn config(&self) -> Result<Config, EngineError> {
        let mut config = Config::resolve(&self.settings()?, |k| std::env::var(k).ok())?;
        config.data_dir.get_or_insert_with(|| self.data_dir.clone());
        Ok(config)
    }

    /// (Re)starts the engine for the current settings; on failure the app keeps running and says why.
    pub async fn restart_engine(&self) -> Result<Engine, ErrorPayload> {
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
    pub async fn engine(&self) -> Result<Engine, ErrorPayload> {
        if let Some(engine) = self.engine.read().await.clone() {
            return Ok(engine);
        }
        Err(self.startup_error.read().await.clone().unwrap_or_else(|| EngineError::Starting.into()))
    }
}
