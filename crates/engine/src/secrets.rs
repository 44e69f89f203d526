//! The Fly token and the R2 secret key: in the OS keyring (service `arke-export`), never in a file, each
//! bound to the host it was given for (`fly-token@api.machines.dev`, `r2-secret@{account}.r2.…`): after
//! the Fly API URL or the R2 endpoint changes, the secret reads "not set" until it is entered for the
//! new host, so a token is never sent anywhere else. `FLY_API_TOKEN` / `R2_SECRET_ACCESS_KEY` in the
//! environment override the keyring (automation). Values travel as [`Secret`], which never prints itself.

pub use arke_export_contract::secret::Secret;
use serde::Serialize;
use ts_rs::TS;

use crate::config::Config;
use crate::endpoint::host_key;

pub const SERVICE: &str = "arke-export";

/// Which secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SecretKind {
    FlyToken,
    R2Secret,
}

impl SecretKind {
    pub const ALL: [SecretKind; 2] = [SecretKind::FlyToken, SecretKind::R2Secret];

    /// The keyring entry's user name for `host`: `fly-token@api.machines.dev`.
    fn user(self, host: &str) -> String {
        let name = match self {
            SecretKind::FlyToken => "fly-token",
            SecretKind::R2Secret => "r2-secret",
        };
        format!("{name}@{host}")
    }
    /// The endpoint this secret is sent to, as `config` has it (`None` while it is not set).
    pub fn endpoint(self, config: &Config) -> Option<&str> {
        match self {
            SecretKind::FlyToken => Some(config.fly_api_url.as_str()).filter(|u| !u.is_empty()),
            SecretKind::R2Secret => config.r2_endpoint.as_deref(),
        }
    }
    /// The setting that names that endpoint.
    pub fn endpoint_setting(self) -> &'static str {
        match self {
            SecretKind::FlyToken => "FLY_API_URL",
            SecretKind::R2Secret => "R2_ENDPOINT or R2_ACCOUNT_ID",
        }
    }
    /// The environment variable that overrides the keyring.
    pub fn env_var(self) -> &'static str {
        match self {
            SecretKind::FlyToken => "FLY_API_TOKEN",
            SecretKind::R2Secret => "R2_SECRET_ACCESS_KEY",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::FlyToken => "Fly API token",
            SecretKind::R2Secret => "R2 secret access key",
        }
    }
}

/// Where a secret currently comes from (what the UI shows instead of the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SecretSource {
    Environment,
    Keyring,
    NotSet,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no OS keyring is available ({reason})")]
    Unavailable { reason: String, env_var: &'static str },
    #[error("the keyring refused to {action} the {label}: {reason}")]
    Keyring { action: &'static str, label: &'static str, reason: String },
    #[error("the {0} is empty")]
    Empty(&'static str),
    #[error("the {label} is kept for one endpoint; set {setting} first")]
    NoEndpoint { label: &'static str, setting: &'static str },
}

impl SecretError {
    /// What to do about it (the same on every surface).
    pub fn hint(&self) -> Option<String> {
        match self {
            SecretError::Unavailable { env_var, .. } => Some(format!(
                "On Linux, install and unlock a Secret Service keyring (GNOME Keyring or KWallet), or set \
                 {env_var} in the environment for this session. Arke Export never stores secrets in a file."
            )),
            _ => None,
        }
    }
}

/// Access to the secrets of one keyring service.
#[derive(Debug, Clone)]
pub struct Secrets {
    service: String,
    /// Read environment overrides (off in tests that must hit the keyring).
    env_override: bool,
}

impl Default for Secrets {
    fn default() -> Self {
        Secrets { service: SERVICE.to_owned(), env_override: true }
    }
}

fn classify(e: keyring::Error, kind: SecretKind, action: &'static str) -> SecretError {
    match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            SecretError::Unavailable { reason: inner.to_string(), env_var: kind.env_var() }
        }
        other => SecretError::Keyring { action, label: kind.label(), reason: other.to_string() },
    }
}

impl Secrets {
    /// A store under another service name (tests use a throwaway one).
    pub fn with_service(service: &str, env_override: bool) -> Secrets {
        Secrets { service: service.to_owned(), env_override }
    }

    fn entry(&self, kind: SecretKind, host: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, &kind.user(host)).map_err(|e| classify(e, kind, "open"))
    }

    fn env_value(&self, kind: SecretKind) -> Option<Secret> {
        let value = std::env::var(kind.env_var()).ok().filter(|v| self.env_override && !v.trim().is_empty())?;
        Some(Secret::new(value.trim()))
    }

    /// The secret for `endpoint` (a URL), from the environment or the keyring; `None` when it is set
    /// nowhere, or only for another host.
    pub fn get(&self, kind: SecretKind, endpoint: Option<&str>) -> Result<Option<Secret>, SecretError> {
        if let Some(v) = self.env_value(kind) {
            return Ok(Some(v));
        }
        let Some(host) = endpoint.and_then(host_key) else { return Ok(None) };
        match self.entry(kind, &host)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => self.adopt_unbound(kind, &host),
            Err(e) => Err(classify(e, kind, "read")),
        }
    }

    /// A secret stored before secrets were bound to a host (entry `fly-api-token` /
    /// `r2-secret-access-key`) is moved to `host` — only when `host` is the service's own (Fly's API,
    /// a Cloudflare R2 endpoint), so it can go nowhere it was not meant for.
    fn adopt_unbound(&self, kind: SecretKind, host: &str) -> Result<Option<Secret>, SecretError> {
        let (unbound, official) = match kind {
            SecretKind::FlyToken => ("fly-api-token", host == "api.machines.dev"),
            SecretKind::R2Secret => ("r2-secret-access-key", host.ends_with(".r2.cloudflarestorage.com")),
        };
        if !official {
            return Ok(None);
        }
        let old = keyring::Entry::new(&self.service, unbound).map_err(|e| classify(e, kind, "open"))?;
        let value = match old.get_password() {
            Ok(v) => Secret::new(v),
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(classify(e, kind, "read")),
        };
        self.entry(kind, host)?.set_password(value.expose()).map_err(|e| classify(e, kind, "store"))?;
        let _ = old.delete_credential();
        Ok(Some(value))
    }

    /// Stores the secret for `endpoint` (a URL) only.
    pub fn set(&self, kind: SecretKind, endpoint: Option<&str>, value: &Secret) -> Result<(), SecretError> {
        let v = value.expose().trim();
        if v.is_empty() {
            return Err(SecretError::Empty(kind.label()));
        }
        let no_endpoint = || SecretError::NoEndpoint { label: kind.label(), setting: kind.endpoint_setting() };
        let host = endpoint.and_then(host_key).ok_or_else(no_endpoint)?;
        self.entry(kind, &host)?.set_password(v).map_err(|e| classify(e, kind, "store"))
    }

    /// Removes the secret stored for `endpoint`; nothing to do when there is none.
    pub fn clear(&self, kind: SecretKind, endpoint: Option<&str>) -> Result<(), SecretError> {
        let Some(host) = endpoint.and_then(host_key) else { return Ok(()) };
        match self.entry(kind, &host)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e, kind, "delete")),
        }
    }

    pub fn source(&self, kind: SecretKind, endpoint: Option<&str>) -> Result<SecretSource, SecretError> {
        if self.env_value(kind).is_some() {
            return Ok(SecretSource::Environment);
        }
        Ok(match self.with_env(false).get(kind, endpoint)? {
            Some(_) => SecretSource::Keyring,
            None => SecretSource::NotSet,
        })
    }

    fn with_env(&self, env_override: bool) -> Secrets {
        Secrets { service: self.service.clone(), env_override }
    }
}
