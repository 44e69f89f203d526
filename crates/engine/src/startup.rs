//! Starting the engine the way the settings say: Fly mode with the real services, or sandbox
//! mode with in-process stand-ins. The two keep separate job lists (a sandbox job cannot be
//! downloaded from R2, nor a Fly job from the sandbox).

use std::path::PathBuf;

use arke_export_sandbox::SandboxOptions;

use crate::Engine;
use crate::app_info::data_dir;
use crate::config::{Config, Mode};
use crate::error::EngineError;
use crate::secrets::Secrets;
use crate::services::Services;
use crate::store::Store;

/// The folder of the job store for the configured mode.
pub fn store_dir(config: &Config) -> PathBuf {
    match config.mode {
        Mode::Fly => data_dir(config),
        Mode::Sandbox => data_dir(config).join("sandbox"),
    }
}

/// Opens only the job store (for reading jobs without starting anything).
pub fn open_store(config: &Config) -> Result<Store, EngineError> {
    Ok(Store::open(&store_dir(config))?)
}

/// Starts the services for the configured mode and the engine on top of them.
pub async fn start(config: Config, secrets: &Secrets) -> Result<Engine, EngineError> {
    let dir = store_dir(&config);
    let services = services(&config, secrets, &dir).await?;
    Engine::start(config, services, &dir).await
}

/// The services and the engine without its tracker ([`Engine::open`]): for commands that only look.
pub async fn open(config: Config, secrets: &Secrets) -> Result<Engine, EngineError> {
    let dir = store_dir(&config);
    let services = services(&config, secrets, &dir).await?;
    Engine::open(config, services, &dir)
}

async fn services(config: &Config, secrets: &Secrets, dir: &std::path::Path) -> Result<Services, EngineError> {
    Ok(match config.mode {
        Mode::Fly => Services::fly(config, secrets)?,
        Mode::Sandbox => {
            let services = Services::sandbox(&dir.join("services"), SandboxOptions::default()).await?;
            if let Some(sandbox) = services.sandbox.as_ref().filter(|_| config.sandbox_wide > 0) {
                sandbox.arke.add_wide_collection(config.sandbox_wide as usize, 1);
            }
            services
        }
    })
}
