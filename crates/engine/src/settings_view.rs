//! Settings as the Settings screen shows and saves them: values, and for secrets only whether
//! they are set (and where) — never their values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::{Config, Mode, SettingsFile};
use crate::error::EngineError;
use crate::secrets::{Secret, SecretKind, SecretSource, Secrets};
use crate::worker_secret::{self, WorkerSecretStatus};

/// What Settings shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SettingsView {
    /// The mode in force now.
    pub mode: Mode,
    /// Every setting's effective value, by key (`FLY_APP`, `R2_BUCKET`, …).
    pub values: BTreeMap<String, String>,
    /// Keys whose value comes from the environment (read-only in the UI).
    pub from_env: Vec<String>,
    /// The Fly token for the Fly API URL set now (one kept for another URL reads `not_set`).
    pub fly_token: SecretSource,
    /// The desktop's R2 secret for the R2 endpoint set now.
    pub r2_secret: SecretSource,
    /// Where the machines' R2 secret lives (the Fly app, or their configs: the old way).
    pub worker_r2_secret: WorkerSecretStatus,
    /// What Settings warns about (the old way, for one).
    pub warnings: Vec<String>,
    /// Fly settings still missing.
    pub missing: Vec<String>,
    pub settings_file: String,
}

/// What Settings saves: changed values (an empty value removes the key), and new secrets. `Debug`
/// never shows a secret.
#[derive(Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct SettingsUpdate {
    pub values: BTreeMap<String, String>,
    pub fly_token: Option<String>,
    pub r2_secret: Option<String>,
    /// The machines' R2 secret, stored as the Fly app secret `R2_SECRET_ACCESS_KEY` (never locally).
    #[serde(default)]
    pub worker_r2_secret: Option<String>,
}

impl std::fmt::Debug for SettingsUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| s.as_ref().map(|_| "[redacted]");
        f.debug_struct("SettingsUpdate")
            .field("values", &self.values)
            .field("fly_token", &shown(&self.fly_token))
            .field("r2_secret", &shown(&self.r2_secret))
            .field("worker_r2_secret", &shown(&self.worker_r2_secret))
            .finish()
    }
}

impl SettingsView {
    /// The view of `file` (and the environment); asks Fly where the machines' secret lives.
    pub async fn load(file: &SettingsFile, secrets: &Secrets) -> Result<SettingsView, EngineError> {
        let env = |k: &str| std::env::var(k).ok();
        let config = Config::resolve(file, env)?;
        let described = Config::describe(file, env);
        let source = |kind: SecretKind| secrets.source(kind, kind.endpoint(&config)).unwrap_or(SecretSource::NotSet);
        let worker_r2_secret = worker_secret::status(&config, secrets).await;
        Ok(SettingsView {
            mode: config.mode,
            values: described.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect(),
            from_env: described.iter().filter(|(_, _, s)| *s == "environment").map(|(k, _, _)| k.clone()).collect(),
            fly_token: source(SecretKind::FlyToken),
            r2_secret: source(SecretKind::R2Secret),
            warnings: worker_r2_secret.warning().into_iter().collect(),
            worker_r2_secret,
            missing: config.missing_fly_settings().iter().map(ToString::to_string).collect(),
            settings_file: file.path.display().to_string(),
        })
    }
}

impl SettingsUpdate {
    /// Checks every value first, then writes the file, the keyring (each secret for the endpoint the
    /// new settings name) and, for the machines' secret, the Fly app.
    pub async fn apply(self, file: &mut SettingsFile, secrets: &Secrets) -> Result<(), EngineError> {
        let mut next = file.clone();
        for (k, v) in &self.values {
            next.set(k, v)?;
        }
        let config = Config::resolve(&next, |k| std::env::var(k).ok())?;
        next.save()?;
        *file = next;
        for (kind, value) in [(SecretKind::FlyToken, self.fly_token), (SecretKind::R2Secret, self.r2_secret)] {
            if let Some(value) = value.filter(|t| !t.trim().is_empty()) {
                secrets.set(kind, kind.endpoint(&config), &Secret::new(value))?;
            }
        }
        if let Some(value) = self.worker_r2_secret.filter(|t| !t.trim().is_empty()) {
            worker_secret::store_on_fly(&config, secrets, &Secret::new(value)).await?;
        }
        Ok(())
    }
}
