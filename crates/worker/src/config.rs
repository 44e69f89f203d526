//! The machine contract: the worker is configured only through its environment.

use crate::options::ExportOptions;
use crate::pi::Pi;
use crate::secret::Secret;

pub const DEFAULT_API_URL: &str = "https://api.arke.institute";
pub const DEFAULT_IPFS_GATEWAY: &str = "https://ipfs.arke.institute";
pub const DEFAULT_BUCKET: &str = "arke-exports";

#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub api_url: String,
    pub ipfs_gateway: String,
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub task_id: String,
    pub pis: Vec<Pi>,
    pub options: ExportOptions,
    pub batch_id: String,
    pub callback_url: Option<String>,
    pub machine_id: String,
    pub storage: StorageConfig,
    pub source: SourceConfig,
}

/// Every problem with the environment at once, so one run tells the operator all of them.
/// Never holds a secret's value: only variable names and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("the machine's environment is not valid:\n  - {}", .problems.join("\n  - "))]
pub struct ConfigError {
    pub problems: Vec<String>,
    /// The task ID, batch ID and storage, when those were valid: enough to report the error in the bucket.
    pub reportable: Option<Box<(String, String, StorageConfig)>>,
}

fn valid_task_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn trim_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

fn is_http_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && !url.chars().any(char::is_whitespace)
}

/// Splits `PIS` on commas and white space.
fn split_pis(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty())
}

impl WorkerConfig {
    /// Reads the contract from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the contract through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let mut errors = Vec::new();

        let task_id = get("TASK_ID").unwrap_or_default().trim().to_owned();
        if task_id.is_empty() {
            errors.push("TASK_ID is required".to_owned());
        } else if !valid_task_id(&task_id) {
            errors.push("TASK_ID must be 1 to 128 characters of A-Z, a-z, 0-9, '-' and '_'".to_owned());
        }

        let mut pis = Vec::new();
        let raw: Vec<(String, &str)> = match (get("PI"), get("PIS")) {
            (Some(_), Some(_)) => {
                errors.push("set PI or PIS, not both".to_owned());
                Vec::new()
            }
            (Some(pi), None) => vec![(pi, "PI")],
            (None, Some(list)) => split_pis(&list).map(|s| (s.to_owned(), "PIS")).collect(),
            (None, None) => {
                errors
                    .push("PI (one record ID) or PIS (several, separated by commas or spaces) is required".to_owned());
                Vec::new()
            }
        };
        for (raw_pi, var) in &raw {
            match Pi::parse(raw_pi) {
                Ok(pi) if !pis.contains(&pi) => pis.push(pi),
                Ok(_) => {}
                Err(e) => errors.push(format!("{var}: {:?} is not a record ID: it {e}", truncate(raw_pi, 40))),
            }
        }
        if raw.len() > 1 && pis.is_empty() && errors.is_empty() {
            errors.push("PIS holds no record ID".to_owned());
        }

        match get("EXPORT_FORMAT").map(|f| f.trim().to_ascii_lowercase()) {
            None => {}
            Some(f) if f == "mods" => {}
            Some(f) => errors
                .push(format!("EXPORT_FORMAT {:?} is not supported; the only format is \"mods\"", truncate(&f, 40))),
        }

        let options = ExportOptions::parse(get("EXPORT_OPTIONS").as_deref()).unwrap_or_else(|e| {
            errors.push(e.to_string());
            ExportOptions::default()
        });

        let access_key_id = get("R2_ACCESS_KEY_ID").unwrap_or_default();
        if access_key_id.is_empty() {
            errors.push("R2_ACCESS_KEY_ID is required".to_owned());
        }
        let secret = get("R2_SECRET_ACCESS_KEY");
        if secret.is_none() {
            errors.push("R2_SECRET_ACCESS_KEY is required".to_owned());
        }
        let endpoint = match (get("R2_ENDPOINT"), get("R2_ACCOUNT_ID")) {
            (Some(url), _) => {
                let url = trim_url(&url);
                if !is_http_url(&url) {
                    errors.push("R2_ENDPOINT must be an http:// or https:// URL".to_owned());
                }
                url
            }
            (None, Some(account)) => {
                let account = account.trim().to_owned();
                if !account.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    errors.push("R2_ACCOUNT_ID must be letters and digits only".to_owned());
                }
                format!("https://{account}.r2.cloudflarestorage.com")
            }
            (None, None) => {
                errors.push("R2_ENDPOINT or R2_ACCOUNT_ID is required".to_owned());
                String::new()
            }
        };
        let bucket = get("R2_BUCKET").map(|b| b.trim().to_owned()).unwrap_or_else(|| DEFAULT_BUCKET.to_owned());

        let api_url = trim_url(&get("ARKE_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned()));
        let ipfs_gateway = trim_url(&get("ARKE_IPFS_GATEWAY").unwrap_or_else(|| DEFAULT_IPFS_GATEWAY.to_owned()));
        for (var, url) in [("ARKE_API_URL", &api_url), ("ARKE_IPFS_GATEWAY", &ipfs_gateway)] {
            if !is_http_url(url) {
                errors.push(format!("{var} must be an http:// or https:// URL"));
            }
        }
        let callback_url = get("CALLBACK_URL").map(|u| u.trim().to_owned());
        if callback_url.as_deref().is_some_and(|u| !is_http_url(u)) {
            errors.push("CALLBACK_URL must be an http:// or https:// URL".to_owned());
        }

        let batch_id = get("BATCH_ID").map(|b| b.trim().to_owned()).unwrap_or_else(|| "single".to_owned());
        let storage_ok = !errors.iter().any(|e| e.starts_with("R2_") || e.starts_with("TASK_ID"));
        let storage = StorageConfig {
            endpoint,
            bucket,
            access_key_id,
            secret_access_key: Secret::new(secret.unwrap_or_default()),
        };
        if !errors.is_empty() {
            let reportable = storage_ok.then(|| Box::new((task_id, batch_id, storage)));
            return Err(ConfigError { problems: errors, reportable });
        }
        Ok(WorkerConfig {
            task_id,
            pis,
            options,
            batch_id,
            callback_url,
            machine_id: get("FLY_MACHINE_ID").unwrap_or_else(|| "local".to_owned()),
            storage,
            source: SourceConfig { api_url, ipfs_gateway },
        })
    }

    /// The export's file name: `{PI}.xml`, `{PI}-collection.xml` or `{TASK_ID}-collection.xml`.
    pub fn output_file_name(&self) -> String {
        match self.pis.as_slice() {
            [pi] if !self.options.recursive => format!("{pi}.xml"),
            [pi] => format!("{pi}-collection.xml"),
            _ => format!("{}-collection.xml", self.task_id),
        }
    }

    /// True when the file's root is a single `mods` record.
    pub fn single_record(&self) -> bool {
        self.pis.len() == 1 && !self.options.recursive
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { format!("{}…", s.chars().take(max).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const PI_A: &str = "01HZX3K9Q4M8V2T6R5N7P0W1YB";
    const PI_B: &str = "01HZX3K9Q4M8V2T6R5N7P0W1YC";

    fn config(vars: &[(&str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let mut env: HashMap<String, String> = [
            ("TASK_ID", "task_1"),
            ("R2_ACCESS_KEY_ID", "AKID"),
            ("R2_SECRET_ACCESS_KEY", "s3cr3t-value-never-shown"),
            ("R2_ACCOUNT_ID", "abc123"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in vars {
            env.insert(k.to_string(), v.to_string());
        }
        WorkerConfig::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn reads_the_original_contract() {
        let c = config(&[("PI", PI_A)]).unwrap();
        assert_eq!(c.pis, vec![Pi::parse(PI_A).unwrap()]);
        assert_eq!(c.storage.endpoint, "https://abc123.r2.cloudflarestorage.com");
        assert_eq!(c.storage.bucket, "arke-exports");
        assert_eq!(c.source.api_url, DEFAULT_API_URL);
        assert_eq!((c.batch_id.as_str(), c.machine_id.as_str()), ("single", "local"));
        assert_eq!(c.output_file_name(), format!("{PI_A}.xml"));
        assert!(c.single_record());
    }

    #[test]
    fn endpoint_takes_precedence_and_pis_split_on_commas_and_space() {
        let c =
            config(&[("PIS", &format!("{PI_A}, {PI_B}\n{PI_A}")), ("R2_ENDPOINT", "http://127.0.0.1:9000/")]).unwrap();
        assert_eq!(c.pis.len(), 2, "duplicates are removed");
        assert_eq!(c.storage.endpoint, "http://127.0.0.1:9000");
        assert_eq!(c.output_file_name(), "task_1-collection.xml");
        let c = config(&[("PI", PI_A), ("EXPORT_OPTIONS", r#"{"recursive":true}"#)]).unwrap();
        assert_eq!(c.output_file_name(), format!("{PI_A}-collection.xml"));
        assert!(!c.single_record());
    }

    #[test]
    fn lists_every_problem_and_never_the_secret() {
        let e = config(&[
            ("TASK_ID", "bad id!"),
            ("PIS", "nope,01HZX3K9Q4M8V2T6R5N7P0W1YB"),
            ("EXPORT_FORMAT", "marc"),
            ("EXPORT_OPTIONS", "{"),
            ("R2_ENDPOINT", "ftp://x"),
        ])
        .unwrap_err()
        .to_string();
        for needle in ["TASK_ID", "\"nope\"", "EXPORT_FORMAT", "EXPORT_OPTIONS", "R2_ENDPOINT"] {
            assert!(e.contains(needle), "{needle} missing from {e}");
        }
        assert!(!e.contains("s3cr3t"));
        let c = config(&[("PI", PI_A)]).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    #[test]
    fn requires_ids_and_credentials() {
        let e = WorkerConfig::from_lookup(|_| None).unwrap_err().to_string();
        for needle in [
            "TASK_ID is required",
            "PI (one record ID)",
            "R2_ACCESS_KEY_ID",
            "R2_SECRET_ACCESS_KEY",
            "R2_ENDPOINT or R2_ACCOUNT_ID",
        ] {
            assert!(e.contains(needle), "{needle} missing from {e}");
        }
        let e = config(&[("PI", PI_A), ("PIS", PI_B)]).unwrap_err();
        assert!(e.reportable.is_some(), "a bad PI with good storage is reported in the bucket");
        assert!(config(&[("PI", &"0".repeat(27))]).is_err());
        assert!(config(&[("TASK_ID", &"a".repeat(129)), ("PI", PI_A)]).is_err());
    }
}
