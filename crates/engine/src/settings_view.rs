//! Settings as the Settings screen shows and saves them: values, and for secrets only whether
//! they are set (and where) — never their values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::{Config, Mode, SettingsFile};
use crate::error::EngineError;
use crate::secrets::{Secret, SecretKind, SecretSource, Secrets};

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
    pub fly_token: SecretSource,
    pub r2_secret: SecretSource,
    /// Fly settings still missing.
    pub missing: Vec<String>,
    pub settings_file: String,
}

/// What Settings saves: changed values (an empty value removes the key), and new secrets.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct SettingsUpdate {
    pub values: BTreeMap<String, String>,
    pub fly_token: Option<String>,
    pub r2_secret: Option<String>,
}

impl SettingsView {
    pub fn load(file: &SettingsFile, secrets: &Secrets) -> Result<SettingsView, EngineError> {
        let env = |k: &str| std::env::var(k).ok();
        let config = Config::resolve(file, env)?;
        let described = Config::describe(file, env);
        let source = |kind| secrets.source(kind).unwrap_or(SecretSource::NotSet);
        Ok(SettingsView {
            mode: config.mode,
            values: described.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect(),
            from_env: described.iter().filter(|(_, _, s)| *s == "environment").map(|(k, _, _)| k.clone()).collect(),
            fly_token: source(SecretKind::FlyToken),
            r2_secret: source(SecretKind::R2Secret),
            missing: config.missing_fly_settings().iter().map(|s| s.to_string()).collect(),
            settings_file: file.path.display().to_string(),
        })
    }
}

impl SettingsUpdate {
    /// Checks every value first, then writes the file and the keyring.
    pub fn apply(self, file: &mut SettingsFile, secrets: &Secrets) -> Result<(), EngineError> {
        let mut next = file.clone();
        for (k, v) in &self.values {
            next.set(k, v)?;
        }
        next.save()?;
        *file = next;
        if let Some(token) = self.fly_token.filter(|t| !t.trim().is_empty()) {
            secrets.set(SecretKind::FlyToken, &Secret::new(token))?;
        }
        if let Some(secret) = self.r2_secret.filter(|t| !t.trim().is_empty()) {
            secrets.set(SecretKind::R2Secret, &Secret::new(secret))?;
        }
        Ok(())
    }
}
