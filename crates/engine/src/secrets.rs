//! The Fly token and the R2 secret key: in the OS keyring (service `arke-export`), never in a file.
//! `FLY_API_TOKEN` / `R2_SECRET_ACCESS_KEY` in the environment override the keyring (automation).
//! Values travel as [`Secret`], which never prints itself.

pub use arke_export_contract::secret::Secret;
use serde::Serialize;
use ts_rs::TS;

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

    /// The keyring entry's user name.
    fn user(self) -> &'static str {
        match self {
            SecretKind::FlyToken => "fly-api-token",
            SecretKind::R2Secret => "r2-secret-access-key",
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

    fn entry(&self, kind: SecretKind) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, kind.user()).map_err(|e| classify(e, kind, "open"))
    }

    /// The secret, from the environment or the keyring; `None` when it is set nowhere.
    pub fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        if self.env_override
            && let Some(v) = std::env::var(kind.env_var()).ok().filter(|v| !v.trim().is_empty())
        {
            return Ok(Some(Secret::new(v.trim())));
        }
        match self.entry(kind)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(e, kind, "read")),
        }
    }

    pub fn set(&self, kind: SecretKind, value: &Secret) -> Result<(), SecretError> {
        let v = value.expose().trim();
        if v.is_empty() {
            return Err(SecretError::Empty(kind.label()));
        }
        self.entry(kind)?.set_password(v).map_err(|e| classify(e, kind, "store"))
    }

    pub fn clear(&self, kind: SecretKind) -> Result<(), SecretError> {
        match self.entry(kind)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e, kind, "delete")),
        }
    }

    pub fn source(&self, kind: SecretKind) -> Result<SecretSource, SecretError> {
        if self.env_override && std::env::var(kind.env_var()).is_ok_and(|v| !v.trim().is_empty()) {
            return Ok(SecretSource::Environment);
        }
        Ok(match self.with_env(false).get(kind)? {
            Some(_) => SecretSource::Keyring,
            None => SecretSource::NotSet,
        })
    }

    fn with_env(&self, env_override: bool) -> Secrets {
        Secrets { service: self.service.clone(), env_override }
    }
}
