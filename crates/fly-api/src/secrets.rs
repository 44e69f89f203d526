//! Fly app secrets: set, listed (names and digests, never values) and deleted through the Machines API
//! (`/v1/apps/{app}/secrets`). Fly injects every app secret into every machine of the app as an
//! environment variable, so a secret set here never has to travel in a machine's config.

use serde::{Deserialize, Serialize};

/// What `Debug` prints instead of a secret.
pub const REDACTED: &str = "[redacted]";

/// True for environment names that name a secret (`*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*_KEY`,
/// `*CREDENTIAL*`, `*PRIVATE*`): their values are never printed. `R2_ACCESS_KEY_ID` is an ID, not a secret.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE"].iter().any(|w| upper.contains(w))
        || upper.ends_with("_KEY")
}

/// A valid app secret name: an environment variable name (`A-Z`, `a-z`, `0-9`, `_`, not starting with
/// a digit), at most 256 characters.
pub fn valid_secret_name(name: &str) -> bool {
    (1..=256).contains(&name.len())
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `SetAppSecretRequest`: the body of `POST /v1/apps/{app}/secrets/{name}`. `Debug` hides the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAppSecretRequest {
    pub value: String,
}

impl std::fmt::Debug for SetAppSecretRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetAppSecretRequest").field("value", &REDACTED).finish()
    }
}

/// `SetAppSecretResponse`: what a set answers (never the value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAppSecretResponse {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default)]
    pub version: u64,
}

/// `AppSecret`: one secret of a listing (name and digest; Fly never lists values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSecret {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

/// `AppSecrets`: the answer of `GET /v1/apps/{app}/secrets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSecrets {
    #[serde(default)]
    pub secrets: Vec<AppSecret>,
}

/// `DeleteAppSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteAppSecretResponse {
    #[serde(default)]
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_secret_looking_keys() {
        for name in ["R2_SECRET_ACCESS_KEY", "FLY_API_TOKEN", "api_key", "DB_PASSWORD", "GCP_CREDENTIALS"] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["R2_ACCESS_KEY_ID", "TASK_ID", "R2_ENDPOINT", "KEYBOARD"] {
            assert!(!looks_secret(name), "{name}");
        }
        assert!(valid_secret_name("R2_SECRET_ACCESS_KEY"));
        for bad in ["", "1ABC", "A-B", "A B", "../x", "A%2e", &"A".repeat(257)] {
            assert!(!valid_secret_name(bad), "{bad}");
        }
        let request = SetAppSecretRequest { value: "hunter2".into() };
        assert!(!format!("{request:?}").contains("hunter2"));
    }
}
