//! The machines' R2 secret, kept as the Fly app secret `R2_SECRET_ACCESS_KEY`: Fly injects it into every
//! machine of the app, so no machine config carries it (anyone who can read the app's machines sees
//! their configs). Set and cleared here (Settings, `arke-export token set|clear r2 --on-fly`), looked up
//! by Settings, `token status`, Test Fly and the spawner. Without it the machines get the desktop's R2
//! secret in their config — the old way, which Settings warns about.

use std::time::Duration;

use arke_export_contract::env::var;
use serde::Serialize;
use ts_rs::TS;

use crate::config::Config;
use crate::error::EngineError;
use crate::fly::FlyClient;
use crate::secrets::{Secret, SecretKind, Secrets};

/// The app secret's name: the variable the worker reads.
pub const WORKER_SECRET: &str = var::R2_SECRET_ACCESS_KEY;

/// How long Settings waits for Fly's answer.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the machines' R2 secret lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WorkerSecret {
    /// The Fly app has the secret `R2_SECRET_ACCESS_KEY`: machine configs carry no secret.
    FlyApp,
    /// The app has no such secret: each machine's config carries the desktop's R2 secret (the old way).
    MachineConfig,
    /// Not known: the Fly settings are incomplete, or Fly did not answer.
    Unknown,
}

/// Where the worker's secret lives, and the words that say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct WorkerSecretStatus {
    pub place: WorkerSecret,
    pub message: String,
}

impl WorkerSecretStatus {
    /// The Settings warning, when the old way is in use.
    pub fn warning(&self) -> Option<String> {
        (self.place == WorkerSecret::MachineConfig).then(|| {
            format!(
                "Machines get the desktop's R2 secret in their configuration, where anyone who can read the Fly \
                 app's machines sees it. Store the machines' own R2 secret on Fly (an R2 token with Object Write \
                 on the bucket only) as the app secret {WORKER_SECRET}."
            )
        })
    }
}

/// A client for the configured Fly app, with the token kept for the configured Fly API URL.
pub fn fly_client(config: &Config, secrets: &Secrets) -> Result<FlyClient, EngineError> {
    let app = config.fly_app.as_deref().ok_or_else(|| EngineError::Incomplete("FLY_APP".into()))?;
    let token = secrets
        .get(SecretKind::FlyToken, SecretKind::FlyToken.endpoint(config))?
        .ok_or_else(|| EngineError::Incomplete("the Fly API token".into()))?;
    Ok(FlyClient::new(&config.fly_api_url, app, token))
}

/// Stores the machines' R2 secret as the Fly app secret.
pub async fn store_on_fly(config: &Config, secrets: &Secrets, value: &Secret) -> Result<(), EngineError> {
    if value.expose().trim().is_empty() {
        return Err(crate::secrets::SecretError::Empty("worker's R2 secret access key").into());
    }
    let trimmed = Secret::new(value.expose().trim());
    fly_client(config, secrets)?.set_secret(WORKER_SECRET, &trimmed).await?;
    Ok(())
}

/// Deletes the Fly app secret (machines then get the desktop's secret again, the old way).
pub async fn clear_on_fly(config: &Config, secrets: &Secrets) -> Result<(), EngineError> {
    Ok(fly_client(config, secrets)?.delete_secret(WORKER_SECRET).await?)
}

/// Asks Fly whether the app holds the machines' secret (at most [`LOOKUP_TIMEOUT`]).
pub async fn status(config: &Config, secrets: &Secrets) -> WorkerSecretStatus {
    let unknown = |message: String| WorkerSecretStatus { place: WorkerSecret::Unknown, message };
    let client = match fly_client(config, secrets) {
        Ok(c) => c,
        Err(e) => return unknown(format!("not known until the Fly settings are complete ({e})")),
    };
    let app = client.app().to_owned();
    match tokio::time::timeout(LOOKUP_TIMEOUT, client.has_secret(WORKER_SECRET)).await {
        Ok(Ok(true)) => WorkerSecretStatus {
            place: WorkerSecret::FlyApp,
            message: format!("on the Fly app {app:?} as {WORKER_SECRET}; machine configs carry no secret"),
        },
        Ok(Ok(false)) => WorkerSecretStatus {
            place: WorkerSecret::MachineConfig,
            message: format!(
                "not on the Fly app {app:?}: each machine's config carries the desktop's R2 secret (the old way)"
            ),
        },
        Ok(Err(e)) => unknown(format!("Fly could not say ({e})")),
        Err(_) => unknown(format!("Fly did not answer within {} s", LOOKUP_TIMEOUT.as_secs())),
    }
}
