//! Settings: a TOML file in the platform config folder, every key overridable by the environment
//! as `ARKE_EXPORT_<KEY>` (an external contract: keep the names).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where exports run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Mode {
    /// Local stand-ins for Fly, R2 and the Arke API (works offline, no account).
    Sandbox,
    /// The real Fly.io machines and Cloudflare R2.
    Fly,
}

/// Every key, its default, and what it means. `None` default: no default (must be set for Fly).
pub const KEYS: &[(&str, Option<&str>, &str)] = &[
    ("MODE", None, "sandbox or fly (default: sandbox until the Fly settings are complete)"),
    ("FLY_API_URL", Some("https://api.machines.dev"), "Fly Machines API base URL"),
    ("FLY_APP", None, "the Fly app machines are created in"),
    ("FLY_IMAGE", None, "the worker image, with a pinned tag"),
    ("FLY_REGION", Some("ord"), "Fly region for new machines"),
    ("FLY_CPUS", Some("1"), "shared CPUs per machine"),
    ("FLY_MEMORY_MB", Some("256"), "memory per machine, in MB"),
    ("R2_ENDPOINT", None, "S3-compatible endpoint (takes precedence over R2_ACCOUNT_ID)"),
    ("R2_ACCOUNT_ID", None, "Cloudflare account ID (endpoint https://{id}.r2.cloudflarestorage.com)"),
    ("R2_BUCKET", Some("arke-exports"), "bucket the machines write to"),
    ("R2_ACCESS_KEY_ID", None, "R2 access key ID (the secret key lives in the keyring)"),
    ("WORKER_R2_ACCESS_KEY_ID", None, "the machines' R2 access key ID (default: R2_ACCESS_KEY_ID)"),
    ("ARKE_API_URL", Some("https://api.arke.institute"), "Arke API the machines read"),
    ("IPFS_GATEWAY", Some("https://ipfs.arke.institute"), "IPFS gateway the machines read"),
    ("PER_MACHINE", Some("1"), "record IDs per machine"),
    ("MAX_RUNNING", Some("10"), "machines running at once"),
    ("POLL_INTERVAL_S", Some("3"), "seconds between looks at the bucket"),
    ("RUN_TIMEOUT_S", Some("600"), "seconds a machine may run before it is stopped"),
    ("SPAWN_TIMEOUT_S", Some("120"), "seconds a machine may take to start"),
    ("RETENTION_H", Some("24"), "hours an export stays downloadable in the bucket"),
    ("DELETE_AFTER_DOWNLOAD", Some("false"), "delete the bucket's copy after a verified download"),
    ("DATA_DIR", None, "where the job database lives (default: the platform data folder)"),
    ("BROWSE_CONCURRENCY", Some("8"), "requests to the Arke API in flight at once when browsing and looking up titles"),
    (
        "ORIGIN_PI",
        Some("00000000000000000000000000"),
        "where Browse opens: the archive's origin block (GET /arke) or another record",
    ),
    (
        "SANDBOX_WIDE",
        Some("0"),
        "sandbox mode: also serve a collection of this many records (to try large collections)",
    ),
    // The price table (crate::cost::prices): Fly's and Cloudflare's public prices as of PRICES_AS_OF.
    ("PRICE_FLY_SHARED_CPU_S", Some("0.0000002662"), "USD per second of one shared vCPU (Fly: $0.69/month)"),
    ("PRICE_FLY_PERFORMANCE_CPU_S", Some("0.0000081019"), "USD per second of one performance vCPU ($21/month)"),
    ("PRICE_FLY_MEMORY_GB_S", Some("0.0000019290"), "USD per second of 1 GB of machine memory ($5/GB-month)"),
    ("PRICE_R2_CLASS_A_PER_MILLION", Some("4.50"), "USD per million R2 class A requests (writes, lists)"),
    ("PRICE_R2_CLASS_B_PER_MILLION", Some("0.36"), "USD per million R2 class B requests (reads)"),
    ("PRICE_R2_STORAGE_GB_MONTH", Some("0.015"), "USD per GB-month of R2 storage"),
    ("PRICES_AS_OF", Some("2025-01"), "when the prices above were taken from the pricing pages (YYYY-MM[-DD])"),
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{key} is not a setting; known settings: {known}")]
    UnknownKey { key: String, known: String },
    #[error("{key} must be {expected}, not {value:?}")]
    Invalid { key: String, expected: &'static str, value: String },
    #[error("could not read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("could not write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// The settings file: flat `key = "value"` pairs with lower-case keys.
#[derive(Debug, Clone, Default)]
pub struct SettingsFile {
    pub path: PathBuf,
    pub values: BTreeMap<String, String>,
}

fn canonical(key: &str) -> Result<&'static str, ConfigError> {
    let upper = key.trim().to_ascii_uppercase().replace('-', "_");
    let upper = upper.strip_prefix("ARKE_EXPORT_").unwrap_or(&upper).to_owned();
    KEYS.iter().map(|(k, _, _)| *k).find(|k| *k == upper).ok_or_else(|| ConfigError::UnknownKey {
        key: key.to_owned(),
        known: KEYS.iter().map(|(k, _, _)| *k).collect::<Vec<_>>().join(", "),
    })
}

impl SettingsFile {
    /// `$XDG_CONFIG_HOME/arke-export/config.toml` on Linux (the platform config folder elsewhere).
    pub fn default_path() -> PathBuf {
        dirs::config_dir().unwrap_or_else(std::env::temp_dir).join("arke-export").join("config.toml")
    }

    pub fn load(path: &Path) -> Result<SettingsFile, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(ConfigError::Read { path: path.display().to_string(), reason: e.to_string() }),
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut values = BTreeMap::new();
        for (k, v) in table {
            let key = canonical(&k)?;
            let value = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            values.insert(key.to_owned(), value);
        }
        Ok(SettingsFile { path: path.to_owned(), values })
    }

    /// Sets (or with an empty value, removes) one key after checking it; call [`SettingsFile::save`] after.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let key = canonical(key)?;
        let value = value.trim();
        if value.is_empty() {
            self.values.remove(key);
            return Ok(());
        }
        validate(key, value)?;
        self.values.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    /// Writes the file atomically (temp file + rename), readable only by its owner.
    pub fn save(&self) -> Result<(), ConfigError> {
        let err =
            |e: std::io::Error| ConfigError::Write { path: self.path.display().to_string(), reason: e.to_string() };
        let mut table = toml::Table::new();
        for (k, v) in &self.values {
            table.insert(k.to_ascii_lowercase(), toml::Value::String(v.clone()));
        }
        let text =
            format!("# Arke Export settings. Secrets are never stored here (they live in the OS keyring).\n{table}");
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let tmp = self.path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(err)
    }
}

fn validate(key: &str, value: &str) -> Result<(), ConfigError> {
    let invalid = |expected| ConfigError::Invalid { key: key.to_owned(), expected, value: value.to_owned() };
    match key {
        "MODE" if !matches!(value, "sandbox" | "fly") => Err(invalid("sandbox or fly")),
        "FLY_CPUS" | "FLY_MEMORY_MB" | "PER_MACHINE" | "MAX_RUNNING" | "POLL_INTERVAL_S" | "RUN_TIMEOUT_S"
        | "SPAWN_TIMEOUT_S" | "RETENTION_H"
            if value.parse::<u32>().map_or(true, |n| n == 0) =>
        {
            Err(invalid("a whole number above 0"))
        }
        "DELETE_AFTER_DOWNLOAD" if !matches!(value, "true" | "false") => Err(invalid("true or false")),
        "BROWSE_CONCURRENCY" if value.parse::<u32>().map_or(true, |n| !(1..=64).contains(&n)) => {
            Err(invalid("a whole number from 1 to 64"))
        }
        "SANDBOX_WIDE" if value.parse::<u32>().map_or(true, |n| n > 100_000) => {
            Err(invalid("a whole number from 0 to 100000"))
        }
        "ORIGIN_PI" if arke_export_contract::pi::Pi::parse(value).is_err() => {
            Err(invalid("a record ID (26 characters)"))
        }
        price if price.starts_with("PRICE_") => {
            crate::cost::prices::price_problem(value).map_or(Ok(()), |e| Err(invalid(e)))
        }
        "PRICES_AS_OF" => crate::cost::prices::date_problem(value).map_or(Ok(()), |e| Err(invalid(e))),
        "FLY_API_URL" | "R2_ENDPOINT" | "ARKE_API_URL" | "IPFS_GATEWAY" => match crate::endpoint::problem(value) {
            Some(expected) => Err(invalid(expected)),
            None => Ok(()),
        },
        // These become part of a host name or a URL path: nothing that could reach another place.
        "R2_ACCOUNT_ID" if !value.bytes().all(|b| b.is_ascii_alphanumeric()) => Err(invalid("letters and digits")),
        "FLY_APP" if !value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') => {
            Err(invalid("a Fly app name: a-z, 0-9 and -"))
        }
        _ => Ok(()),
    }
}

/// Resolved settings: environment, then file, then defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    pub fly_api_url: String,
    pub fly_app: Option<String>,
    pub fly_image: Option<String>,
    pub fly_region: String,
    pub fly_cpus: u32,
    pub fly_memory_mb: u32,
    pub r2_endpoint: Option<String>,
    pub r2_bucket: String,
    pub r2_access_key_id: Option<String>,
    /// The machines' own key ID (`WORKER_R2_ACCESS_KEY_ID`, default: `r2_access_key_id`), used when the
    /// Fly app holds their secret.
    pub worker_r2_access_key_id: Option<String>,
    pub arke_api_url: String,
    pub ipfs_gateway: String,
    pub per_machine: u32,
    pub max_running: u32,
    pub poll_interval_s: u32,
    pub run_timeout_s: u32,
    pub spawn_timeout_s: u32,
    pub retention_h: u32,
    pub delete_after_download: bool,
    pub data_dir: Option<PathBuf>,
    /// Requests to the Arke API in flight at once (Browse, title lookups, previews).
    pub browse_concurrency: u32,
    /// Where Browse opens (the origin block by default).
    pub origin_pi: String,
    /// Sandbox mode: children of an extra, very large collection under the origin (0: none).
    pub sandbox_wide: u32,
    /// The price table (`PRICE_*`, `PRICES_AS_OF`).
    pub prices: crate::cost::PriceTable,
}

impl Config {
    /// How long a ready export stays in the bucket, in ms.
    pub fn retention_ms(&self) -> i64 {
        i64::from(self.retention_h) * 3_600_000
    }

    /// Resolves every key: `env("ARKE_EXPORT_<KEY>")`, else the file, else the default.
    pub fn resolve(file: &SettingsFile, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |key: &str| -> Result<Option<String>, ConfigError> {
            let value = env(&format!("ARKE_EXPORT_{key}"))
                .filter(|v| !v.trim().is_empty())
                .or_else(|| file.values.get(key).cloned())
                .or_else(|| KEYS.iter().find(|(k, _, _)| *k == key).and_then(|(_, d, _)| d.map(str::to_owned)));
            if let Some(v) = &value {
                validate(key, v.trim())?;
            }
            Ok(value.map(|v| v.trim().to_owned()))
        };
        let num = |key: &str| -> Result<u32, ConfigError> { Ok(get(key)?.and_then(|v| v.parse().ok()).unwrap_or(1)) };
        let r2_endpoint = match (get("R2_ENDPOINT")?, get("R2_ACCOUNT_ID")?) {
            (Some(e), _) => Some(e.trim_end_matches('/').to_owned()),
            (None, Some(account)) => Some(format!("https://{account}.r2.cloudflarestorage.com")),
            (None, None) => None,
        };
        // The price table reads what is valid; an invalid price is refused here, like any other value.
        for (key, _, _) in KEYS.iter().filter(|(k, _, _)| k.starts_with("PRICE")) {
            get(key)?;
        }
        let mut config = Config {
            mode: Mode::Sandbox,
            fly_api_url: get("FLY_API_URL")?.unwrap_or_default().trim_end_matches('/').to_owned(),
            fly_app: get("FLY_APP")?,
            fly_image: get("FLY_IMAGE")?,
            fly_region: get("FLY_REGION")?.unwrap_or_default(),
            fly_cpus: num("FLY_CPUS")?,
            fly_memory_mb: num("FLY_MEMORY_MB")?,
            r2_endpoint,
            r2_bucket: get("R2_BUCKET")?.unwrap_or_default(),
            r2_access_key_id: get("R2_ACCESS_KEY_ID")?,
            worker_r2_access_key_id: get("WORKER_R2_ACCESS_KEY_ID")?.or(get("R2_ACCESS_KEY_ID")?),
            arke_api_url: get("ARKE_API_URL")?.unwrap_or_default().trim_end_matches('/').to_owned(),
            ipfs_gateway: get("IPFS_GATEWAY")?.unwrap_or_default().trim_end_matches('/').to_owned(),
            per_machine: num("PER_MACHINE")?,
            max_running: num("MAX_RUNNING")?,
            poll_interval_s: num("POLL_INTERVAL_S")?,
            run_timeout_s: num("RUN_TIMEOUT_S")?,
            spawn_timeout_s: num("SPAWN_TIMEOUT_S")?,
            retention_h: num("RETENTION_H")?,
            delete_after_download: get("DELETE_AFTER_DOWNLOAD")?.as_deref() == Some("true"),
            data_dir: get("DATA_DIR")?.map(PathBuf::from),
            browse_concurrency: num("BROWSE_CONCURRENCY")?,
            origin_pi: get("ORIGIN_PI")?.unwrap_or_default().to_ascii_uppercase(),
            sandbox_wide: get("SANDBOX_WIDE")?.and_then(|v| v.parse().ok()).unwrap_or(0),
            prices: crate::cost::PriceTable::from_lookup(|key| get(key).ok().flatten()),
        };
        config.mode = match get("MODE")?.as_deref() {
            Some("fly") => Mode::Fly,
            Some(_) => Mode::Sandbox,
            None if config.missing_fly_settings().is_empty() => Mode::Fly,
            None => Mode::Sandbox,
        };
        Ok(config)
    }

    /// Loads the default settings file and the process environment.
    pub fn load() -> Result<Config, ConfigError> {
        let file = SettingsFile::load(&SettingsFile::default_path())?;
        Config::resolve(&file, |k| std::env::var(k).ok())
    }

    /// The Fly/R2 settings still missing for Fly mode (secrets are checked separately).
    pub fn missing_fly_settings(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.fly_app.is_none() {
            missing.push("FLY_APP");
        }
        if self.fly_image.is_none() {
            missing.push("FLY_IMAGE");
        }
        if self.r2_endpoint.is_none() {
            missing.push("R2_ENDPOINT or R2_ACCOUNT_ID");
        }
        if self.r2_access_key_id.is_none() {
            missing.push("R2_ACCESS_KEY_ID");
        }
        missing
    }

    /// `(key, effective value, where it came from)` for `config show`.
    pub fn describe(file: &SettingsFile, env: impl Fn(&str) -> Option<String>) -> Vec<(String, String, &'static str)> {
        KEYS.iter()
            .map(|(k, default, _)| {
                if let Some(v) = env(&format!("ARKE_EXPORT_{k}")).filter(|v| !v.trim().is_empty()) {
                    (k.to_string(), v, "environment")
                } else if let Some(v) = file.values.get(*k) {
                    (k.to_string(), v.clone(), "file")
                } else {
                    (
                        k.to_string(),
                        default.unwrap_or("").to_owned(),
                        if default.is_some() { "default" } else { "unset" },
                    )
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(pairs: &[(&str, &str)]) -> SettingsFile {
        SettingsFile {
            path: PathBuf::new(),
            values: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn sandbox_until_the_fly_settings_are_complete() {
        let c = Config::resolve(&file(&[]), |_| None).unwrap();
        assert_eq!(c.mode, Mode::Sandbox);
        assert_eq!((c.per_machine, c.max_running, c.run_timeout_s, c.retention_h), (1, 10, 600, 24));
        assert_eq!(c.fly_api_url, "https://api.machines.dev");
        let complete =
            file(&[("FLY_APP", "a"), ("FLY_IMAGE", "i:1"), ("R2_ACCOUNT_ID", "acc"), ("R2_ACCESS_KEY_ID", "k")]);
        let c = Config::resolve(&complete, |_| None).unwrap();
        assert_eq!(c.mode, Mode::Fly);
        assert_eq!(c.r2_endpoint.as_deref(), Some("https://acc.r2.cloudflarestorage.com"));
        let c = Config::resolve(&complete, |k| (k == "ARKE_EXPORT_MODE").then(|| "sandbox".to_owned())).unwrap();
        assert_eq!(c.mode, Mode::Sandbox, "an explicit mode wins");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let f = file(&[("MAX_RUNNING", "3"), ("R2_ENDPOINT", "https://file")]);
        let c = Config::resolve(&f, |k| match k {
            "ARKE_EXPORT_MAX_RUNNING" => Some("7".into()),
            "ARKE_EXPORT_R2_ENDPOINT" => Some("https://env/".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.max_running, 7);
        assert_eq!(c.r2_endpoint.as_deref(), Some("https://env"));
    }

    #[test]
    fn bad_values_and_keys_are_clear_errors() {
        let e = Config::resolve(&file(&[("MAX_RUNNING", "lots")]), |_| None).unwrap_err().to_string();
        assert!(e.contains("MAX_RUNNING") && e.contains("whole number"), "{e}");
        let mut f = file(&[]);
        assert!(f.set("nonsense", "1").unwrap_err().to_string().contains("not a setting"));
        assert!(f.set("mode", "cloud").is_err());
        f.set("arke-export-per-machine", "5").unwrap();
        assert_eq!(f.values["PER_MACHINE"], "5");
    }

    #[test]
    fn endpoints_are_https_unless_on_this_computer() {
        let mut f = file(&[]);
        for key in ["FLY_API_URL", "R2_ENDPOINT", "ARKE_API_URL", "IPFS_GATEWAY"] {
            let e = f.set(key, "http://evil.example").unwrap_err().to_string();
            assert!(e.contains("https://"), "{key}: {e}");
            f.set(key, "https://ok.example").unwrap();
            f.set(key, "http://127.0.0.1:9000").unwrap();
        }
        let e = Config::resolve(&file(&[]), |k| (k == "ARKE_EXPORT_FLY_API_URL").then(|| "http://x.example".into()));
        assert!(e.is_err(), "the environment is checked too");
        for (key, bad) in [("R2_ACCOUNT_ID", "evil.example/x#"), ("FLY_APP", "../../apps/other")] {
            assert!(f.set(key, bad).is_err(), "{key} {bad}");
        }
        let c = Config::resolve(&file(&[("R2_ACCESS_KEY_ID", "desk")]), |_| None).unwrap();
        assert_eq!(c.worker_r2_access_key_id.as_deref(), Some("desk"), "the worker's ID defaults to the desktop's");
        let c = Config::resolve(&file(&[("R2_ACCESS_KEY_ID", "desk"), ("WORKER_R2_ACCESS_KEY_ID", "wrk")]), |_| None);
        assert_eq!(c.unwrap().worker_r2_access_key_id.as_deref(), Some("wrk"));
    }

    #[test]
    fn saves_and_loads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        let mut f = SettingsFile::load(&path).unwrap();
        f.set("FLY_APP", "my-app").unwrap();
        f.set("fly_region", "ams").unwrap();
        f.save().unwrap();
        let again = SettingsFile::load(&path).unwrap();
        assert_eq!(again.values["FLY_APP"], "my-app");
        assert_eq!(again.values["FLY_REGION"], "ams");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("fly_app = \"my-app\""), "{text}");
    }
}
