//! The machine's environment: the whole contract between the engine, which writes it into a
//! machine's `config.env` ([`MachineEnv::to_env`]), and the worker, which reads it back
//! ([`MachineEnv::from_env`]). Both sides use these names and this type, so they cannot drift.

use std::collections::BTreeMap;

use crate::options::ExportOptions;
use crate::pi::Pi;
use crate::secret::Secret;
use crate::storage::{DEFAULT_BUCKET, StorageConfig, r2_endpoint};

pub const DEFAULT_API_URL: &str = "https://api.arke.institute";
pub const DEFAULT_IPFS_GATEWAY: &str = "https://ipfs.arke.institute";
pub const DEFAULT_BATCH_ID: &str = "single";

/// The variable names, once.
pub mod var {
    pub const TASK_ID: &str = "TASK_ID";
    pub const PI: &str = "PI";
    pub const PIS: &str = "PIS";
    pub const EXPORT_FORMAT: &str = "EXPORT_FORMAT";
    pub const EXPORT_OPTIONS: &str = "EXPORT_OPTIONS";
    pub const BATCH_ID: &str = "BATCH_ID";
    pub const CALLBACK_URL: &str = "CALLBACK_URL";
    pub const R2_ACCESS_KEY_ID: &str = "R2_ACCESS_KEY_ID";
    pub const R2_SECRET_ACCESS_KEY: &str = "R2_SECRET_ACCESS_KEY";
    pub const R2_ENDPOINT: &str = "R2_ENDPOINT";
    pub const R2_ACCOUNT_ID: &str = "R2_ACCOUNT_ID";
    pub const R2_BUCKET: &str = "R2_BUCKET";
    pub const ARKE_API_URL: &str = "ARKE_API_URL";
    pub const ARKE_IPFS_GATEWAY: &str = "ARKE_IPFS_GATEWAY";
    /// Set by Fly on every machine (never by the engine); the worker only logs it.
    pub const FLY_MACHINE_ID: &str = "FLY_MACHINE_ID";
}

/// The formats the worker writes. On the wire (`EXPORT_FORMAT`, JSON) they are `mods`, `dc` and `marcxml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ExportFormat {
    /// MODS 3.8 (the original worker's only format).
    #[default]
    Mods,
    /// Simple Dublin Core: `oai_dc:dc` for one record, `srw_dc:dcCollection` for several.
    Dc,
    /// MARC 21 in MARCXML: `marc:record` for one record, `marc:collection` for several.
    Marcxml,
}

impl ExportFormat {
    pub const ALL: &[ExportFormat] = &[ExportFormat::Mods, ExportFormat::Dc, ExportFormat::Marcxml];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Mods => "mods",
            ExportFormat::Dc => "dc",
            ExportFormat::Marcxml => "marcxml",
        }
    }

    pub fn parse(s: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.iter().copied().find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// What this format adds to a file name before `.xml`: nothing for MODS (the original names),
    /// `-dc` for Dublin Core, `-marc` for MARCXML.
    pub fn file_suffix(self) -> &'static str {
        match self {
            ExportFormat::Mods => "",
            ExportFormat::Dc => "-dc",
            ExportFormat::Marcxml => "-marc",
        }
    }

    /// Reads a comma-separated list (`mods,dc,marcxml`): order kept, duplicates dropped, at least one.
    /// `Err` names what is wrong and lists the known formats.
    pub fn parse_list(list: &str) -> Result<Vec<ExportFormat>, String> {
        let mut formats = Vec::new();
        let mut unknown = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match ExportFormat::parse(item) {
                Some(f) if !formats.contains(&f) => formats.push(f),
                Some(_) => {}
                None => unknown.push(format!("{:?}", truncate(item, 40))),
            }
        }
        let known = ExportFormat::ALL.iter().map(|f| format!("{:?}", f.as_str())).collect::<Vec<_>>().join(", ");
        if !unknown.is_empty() {
            let (what, verb) = if unknown.len() == 1 { ("format", "is") } else { ("formats", "are") };
            return Err(format!(
                "EXPORT_FORMAT: {what} {} {verb} not supported; the formats are {known} (a comma-separated list)",
                unknown.join(", ")
            ));
        }
        if formats.is_empty() {
            return Err(format!("EXPORT_FORMAT names no format; the formats are {known} (a comma-separated list)"));
        }
        Ok(formats)
    }

    /// The wire form of a list of formats (`mods,dc`), as `EXPORT_FORMAT` carries it.
    pub fn list_to_string(formats: &[ExportFormat]) -> String {
        formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the worker reads records from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    pub api_url: String,
    pub ipfs_gateway: String,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig { api_url: DEFAULT_API_URL.to_owned(), ipfs_gateway: DEFAULT_IPFS_GATEWAY.to_owned() }
    }
}

/// One task, as the machine's environment carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineEnv {
    pub task_id: String,
    /// At least one, without duplicates.
    pub pis: Vec<Pi>,
    /// The formats to write, in the order requested: at least one, without duplicates. The first one is
    /// the task's main output (the single `output_*` fields of `result.json` describe it).
    pub formats: Vec<ExportFormat>,
    pub options: ExportOptions,
    pub batch_id: String,
    pub callback_url: Option<String>,
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

/// A valid `TASK_ID`: 1 to 128 characters of A-Z, a-z, 0-9, `-` and `_` (safe in a key and a file name).
pub fn valid_task_id(id: &str) -> bool {
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

impl MachineEnv {
    /// The environment a machine needs for this task (what the engine puts in `config.env`).
    pub fn to_env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_owned(), v);
        };
        set(var::TASK_ID, self.task_id.clone());
        match self.pis.as_slice() {
            [one] => set(var::PI, one.to_string()),
            many => set(var::PIS, many.iter().map(Pi::as_str).collect::<Vec<_>>().join(",")),
        }
        set(var::EXPORT_FORMAT, ExportFormat::list_to_string(&self.formats));
        set(var::EXPORT_OPTIONS, serde_json::to_string(&self.options).expect("options serialise"));
        set(var::BATCH_ID, self.batch_id.clone());
        if let Some(url) = &self.callback_url {
            set(var::CALLBACK_URL, url.clone());
        }
        set(var::R2_ENDPOINT, self.storage.endpoint.clone());
        set(var::R2_BUCKET, self.storage.bucket.clone());
        set(var::R2_ACCESS_KEY_ID, self.storage.access_key_id.clone());
        set(var::R2_SECRET_ACCESS_KEY, self.storage.secret_access_key.expose().to_owned());
        set(var::ARKE_API_URL, self.source.api_url.clone());
        set(var::ARKE_IPFS_GATEWAY, self.source.ipfs_gateway.clone());
        env
    }

    /// [`MachineEnv::to_env`] without `R2_SECRET_ACCESS_KEY`: for a Fly app that holds the worker's secret
    /// as an app secret of that name, which Fly injects into every machine's environment, so the secret
    /// never rides in a machine's config. The worker reads the same variable either way.
    pub fn to_env_without_secret(&self) -> BTreeMap<String, String> {
        let mut env = self.to_env();
        env.remove(var::R2_SECRET_ACCESS_KEY);
        env
    }

    /// Reads the contract from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the contract through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let mut errors = Vec::new();

        let task_id = get(var::TASK_ID).unwrap_or_default().trim().to_owned();
        if task_id.is_empty() {
            errors.push("TASK_ID is required".to_owned());
        } else if !valid_task_id(&task_id) {
            errors.push("TASK_ID must be 1 to 128 characters of A-Z, a-z, 0-9, '-' and '_'".to_owned());
        }

        let mut pis = Vec::new();
        let raw: Vec<(String, &str)> = match (get(var::PI), get(var::PIS)) {
            (Some(_), Some(_)) => {
                errors.push("set PI or PIS, not both".to_owned());
                Vec::new()
            }
            (Some(pi), None) => vec![(pi, var::PI)],
            (None, Some(list)) => split_pis(&list).map(|s| (s.to_owned(), var::PIS)).collect(),
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

        let formats = match get(var::EXPORT_FORMAT) {
            None => vec![ExportFormat::default()],
            Some(list) => ExportFormat::parse_list(&list).unwrap_or_else(|e| {
                errors.push(e);
                vec![ExportFormat::default()]
            }),
        };

        let options = ExportOptions::parse(get(var::EXPORT_OPTIONS).as_deref()).unwrap_or_else(|e| {
            errors.push(e.to_string());
            ExportOptions::default()
        });

        let access_key_id = get(var::R2_ACCESS_KEY_ID).unwrap_or_default();
        if access_key_id.is_empty() {
            errors.push("R2_ACCESS_KEY_ID is required".to_owned());
        }
        let secret = get(var::R2_SECRET_ACCESS_KEY);
        if secret.is_none() {
            errors.push("R2_SECRET_ACCESS_KEY is required".to_owned());
        }
        let endpoint = match (get(var::R2_ENDPOINT), get(var::R2_ACCOUNT_ID)) {
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
                r2_endpoint(&account)
            }
            (None, None) => {
                errors.push("R2_ENDPOINT or R2_ACCOUNT_ID is required".to_owned());
                String::new()
            }
        };
        let bucket = get(var::R2_BUCKET).map_or_else(|| DEFAULT_BUCKET.to_owned(), |b| b.trim().to_owned());

        let api_url = trim_url(&get(var::ARKE_API_URL).unwrap_or_else(|| DEFAULT_API_URL.to_owned()));
        let ipfs_gateway = trim_url(&get(var::ARKE_IPFS_GATEWAY).unwrap_or_else(|| DEFAULT_IPFS_GATEWAY.to_owned()));
        for (var, url) in [(var::ARKE_API_URL, &api_url), (var::ARKE_IPFS_GATEWAY, &ipfs_gateway)] {
            if !is_http_url(url) {
                errors.push(format!("{var} must be an http:// or https:// URL"));
            }
        }
        let callback_url = get(var::CALLBACK_URL).map(|u| u.trim().to_owned());
        if callback_url.as_deref().is_some_and(|u| !is_http_url(u)) {
            errors.push("CALLBACK_URL must be an http:// or https:// URL".to_owned());
        }

        let batch_id = get(var::BATCH_ID).map_or_else(|| DEFAULT_BATCH_ID.to_owned(), |b| b.trim().to_owned());
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
        Ok(MachineEnv {
            task_id,
            pis,
            formats,
            options,
            batch_id,
            callback_url,
            storage,
            source: SourceConfig { api_url, ipfs_gateway },
        })
    }

    /// The main export's file name (the first format's): `{PI}.xml`, `{PI}-collection.xml` or
    /// `{TASK_ID}-collection.xml` for MODS.
    pub fn output_file_name(&self) -> String {
        let first = self.formats.first().copied().unwrap_or_default();
        format_file_name(first, &self.task_id, &self.pis, self.options.recursive)
    }

    /// Every file the task writes, in the order of [`MachineEnv::formats`].
    pub fn output_file_names(&self) -> Vec<(ExportFormat, String)> {
        self.formats
            .iter()
            .map(|&f| (f, format_file_name(f, &self.task_id, &self.pis, self.options.recursive)))
            .collect()
    }

    /// True when the file's root is a single record (`mods`, `oai_dc:dc`, `marc:record`).
    pub fn single_record(&self) -> bool {
        self.pis.len() == 1 && !self.options.recursive
    }
}

/// The name of a task's MODS file, from what the task is (never from the bucket):
/// `{PI}.xml`, `{PI}-collection.xml` (recursive) or `{TASK_ID}-collection.xml` (several records).
pub fn output_file_name(task_id: &str, pis: &[Pi], recursive: bool) -> String {
    format_file_name(ExportFormat::Mods, task_id, pis, recursive)
}

/// The name of a task's file in `format`: the MODS name with [`ExportFormat::file_suffix`] before `.xml`
/// (`{PI}-dc.xml`, `{PI}-collection-marc.xml`, `{TASK_ID}-collection-dc.xml`, …). The engine names
/// local files with it; the worker names the objects it uploads with it.
pub fn format_file_name(format: ExportFormat, task_id: &str, pis: &[Pi], recursive: bool) -> String {
    let suffix = format.file_suffix();
    match pis {
        [pi] if !recursive => format!("{pi}{suffix}.xml"),
        [pi] => format!("{pi}-collection{suffix}.xml"),
        _ => format!("{task_id}-collection{suffix}.xml"),
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

    fn config(vars: &[(&str, &str)]) -> Result<MachineEnv, ConfigError> {
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
        MachineEnv::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn reads_the_original_contract() {
        let c = config(&[("PI", PI_A)]).unwrap();
        assert_eq!(c.pis, vec![Pi::parse(PI_A).unwrap()]);
        assert_eq!(c.storage.endpoint, "https://abc123.r2.cloudflarestorage.com");
        assert_eq!(c.storage.bucket, "arke-exports");
        assert_eq!(c.source.api_url, DEFAULT_API_URL);
        assert_eq!(c.batch_id, "single");
        assert_eq!(c.formats, vec![ExportFormat::Mods]);
        assert_eq!(c.output_file_name(), format!("{PI_A}.xml"));
        assert!(c.single_record());
    }

    #[test]
    fn formats_are_a_comma_list_in_order_without_duplicates() {
        let c = config(&[("PI", PI_A), ("EXPORT_FORMAT", " marcxml, DC ,marcxml,mods,")]).unwrap();
        assert_eq!(c.formats, vec![ExportFormat::Marcxml, ExportFormat::Dc, ExportFormat::Mods]);
        assert_eq!(c.output_file_name(), format!("{PI_A}-marc.xml"), "the first format is the main output");
        assert_eq!(
            c.output_file_names(),
            vec![
                (ExportFormat::Marcxml, format!("{PI_A}-marc.xml")),
                (ExportFormat::Dc, format!("{PI_A}-dc.xml")),
                (ExportFormat::Mods, format!("{PI_A}.xml")),
            ]
        );
        let e = config(&[("PI", PI_A), ("EXPORT_FORMAT", "mods,marc,json")]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("\"marc\", \"json\" are not supported"), "{text}");
        assert!(text.contains("\"mods\", \"dc\", \"marcxml\""), "the known formats are listed: {text}");
        assert!(e.reportable.is_some(), "a bad format is reported in the bucket");
        let e = config(&[("PI", PI_A), ("EXPORT_FORMAT", " , ,")]).unwrap_err().to_string();
        assert!(e.contains("names no format"), "{e}");
    }

    #[test]
    fn every_format_has_its_file_names() {
        let (a, b) = (Pi::parse(PI_A).unwrap(), Pi::parse(PI_B).unwrap());
        let cases = [
            (ExportFormat::Mods, [format!("{PI_A}.xml"), format!("{PI_A}-collection.xml"), "t-collection.xml".into()]),
            (
                ExportFormat::Dc,
                [format!("{PI_A}-dc.xml"), format!("{PI_A}-collection-dc.xml"), "t-collection-dc.xml".into()],
            ),
            (
                ExportFormat::Marcxml,
                [format!("{PI_A}-marc.xml"), format!("{PI_A}-collection-marc.xml"), "t-collection-marc.xml".into()],
            ),
        ];
        for (format, [single, recursive, several]) in cases {
            assert_eq!(format_file_name(format, "t", std::slice::from_ref(&a), false), single);
            assert_eq!(format_file_name(format, "t", std::slice::from_ref(&a), true), recursive);
            assert_eq!(format_file_name(format, "t", &[a.clone(), b.clone()], false), several);
        }
        assert_eq!(output_file_name("t", &[a], false), format!("{PI_A}.xml"), "MODS names are unchanged");
        let json = serde_json::to_string(&ExportFormat::ALL).unwrap();
        assert_eq!(json, r#"["mods","dc","marcxml"]"#, "the wire names");
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
        let e = MachineEnv::from_lookup(|_| None).unwrap_err().to_string();
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

    fn every_option_set() -> ExportOptions {
        use crate::options::CheimarrosMode;
        ExportOptions {
            recursive: true,
            max_depth: 3,
            parallel_batch_size: 7,
            include_ocr: false,
            cheimarros_mode: CheimarrosMode::Minimal,
        }
    }

    fn sample(pis: &[&str], options: ExportOptions, callback: Option<&str>) -> MachineEnv {
        MachineEnv {
            task_id: "job_19a2b3c4d5e_0123456789-r2".to_owned(),
            pis: pis.iter().map(|p| Pi::parse(p).unwrap()).collect(),
            formats: vec![ExportFormat::Mods],
            options,
            batch_id: "batch_19a2b3c4d5e_abcdef0123".to_owned(),
            callback_url: callback.map(str::to_owned),
            storage: StorageConfig {
                endpoint: "http://127.0.0.1:9000".to_owned(),
                bucket: "my-bucket".to_owned(),
                access_key_id: "AKID".to_owned(),
                secret_access_key: Secret::new("s3cr3t"),
            },
            source: SourceConfig {
                api_url: "http://127.0.0.1:8080".to_owned(),
                ipfs_gateway: "http://127.0.0.1:8081".to_owned(),
            },
        }
    }

    #[test]
    fn the_worker_reads_exactly_what_the_engine_writes() {
        let cases = [
            sample(&[PI_A], ExportOptions::default(), None),
            sample(&[PI_A], every_option_set(), Some("https://example.org/hook")),
            sample(&[PI_A, PI_B], every_option_set(), None),
            MachineEnv { formats: vec![ExportFormat::Dc], ..sample(&[PI_A], ExportOptions::default(), None) },
            MachineEnv {
                formats: vec![ExportFormat::Marcxml, ExportFormat::Mods, ExportFormat::Dc],
                ..sample(&[PI_A, PI_B], every_option_set(), None)
            },
        ];
        for written in cases {
            let env = written.to_env();
            let read = MachineEnv::from_lookup(|k| env.get(k).cloned()).unwrap();
            assert_eq!(read, written, "env was {env:?}");
        }
        let multi = sample(&[PI_A, PI_B], ExportOptions::default(), None).to_env();
        assert_eq!(multi.get(var::PIS).map(String::as_str), Some(format!("{PI_A},{PI_B}").as_str()));
        assert!(!multi.contains_key(var::PI), "one of PI and PIS, never both");
        let formats = MachineEnv {
            formats: vec![ExportFormat::Mods, ExportFormat::Dc, ExportFormat::Marcxml],
            ..sample(&[PI_A], ExportOptions::default(), None)
        };
        assert_eq!(formats.to_env().get(var::EXPORT_FORMAT).map(String::as_str), Some("mods,dc,marcxml"));
    }

    #[test]
    fn without_the_secret_the_worker_reads_it_from_the_app_secret_fly_injects() {
        let written = sample(&[PI_A, PI_B], every_option_set(), None);
        let config = written.to_env_without_secret();
        assert!(!config.contains_key(var::R2_SECRET_ACCESS_KEY), "{config:?}");
        assert!(!config.values().any(|v| v.contains("s3cr3t")), "no value holds the secret: {config:?}");
        let mut expected = written.to_env();
        expected.remove(var::R2_SECRET_ACCESS_KEY);
        assert_eq!(config, expected, "everything else is the same");
        // On the machine: the config's env plus the app's secrets.
        let mut machine = config.clone();
        machine.insert(var::R2_SECRET_ACCESS_KEY.to_owned(), "s3cr3t".to_owned());
        assert_eq!(MachineEnv::from_lookup(|k| machine.get(k).cloned()).unwrap(), written);
        let e = MachineEnv::from_lookup(|k| config.get(k).cloned()).unwrap_err().to_string();
        assert!(e.contains("R2_SECRET_ACCESS_KEY is required"), "without the app secret the worker says so: {e}");
    }

    #[test]
    fn the_engine_writes_only_names_the_worker_knows() {
        let known = [
            var::TASK_ID,
            var::PI,
            var::PIS,
            var::EXPORT_FORMAT,
            var::EXPORT_OPTIONS,
            var::BATCH_ID,
            var::CALLBACK_URL,
            var::R2_ACCESS_KEY_ID,
            var::R2_SECRET_ACCESS_KEY,
            var::R2_ENDPOINT,
            var::R2_BUCKET,
            var::ARKE_API_URL,
            var::ARKE_IPFS_GATEWAY,
        ];
        let env = sample(&[PI_A, PI_B], every_option_set(), Some("https://example.org/hook")).to_env();
        for name in env.keys() {
            assert!(known.contains(&name.as_str()), "{name} is written but not part of the contract");
        }
    }
}
