//! Runs the real worker binary against a real S3 server and an Arke API over a generated catalog.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use arke_export_contract::result::TaskResult;
use arke_export_sandbox::{ArkeApi, CatalogIndex, CatalogSpec, S3Server, catalog};
use serde_json::{Value, json};

pub(crate) const SECRET: &str = "sandbox-secret-key-0123456789";
pub(crate) const BUCKET: &str = "arke-exports";

pub(crate) struct World {
    pub dir: tempfile::TempDir,
    pub index: CatalogIndex,
    pub arke: ArkeApi,
    pub s3: S3Server,
}

pub(crate) struct Run {
    pub output: Output,
    pub task_id: String,
    pub dir: PathBuf,
}

/// A record added to the generated catalog: its pinax.json and, optionally, description.md.
pub(crate) struct Extra {
    pub pi: &'static str,
    pub pinax: Value,
    pub description: Option<&'static str>,
}

/// Adds `extra` to the catalog folder `dir` (layout in `arke_export_sandbox::catalog`).
fn add_records(dir: &Path, extra: &[Extra]) {
    for e in extra {
        let mut components = serde_json::Map::new();
        let mut blob = |name: &str, bytes: Vec<u8>| {
            let cid = catalog::cid_of(&bytes);
            std::fs::write(dir.join("ipfs").join(&cid), bytes).unwrap();
            components.insert(name.to_owned(), json!(cid));
        };
        blob("pinax.json", serde_json::to_vec(&e.pinax).unwrap());
        if let Some(md) = e.description {
            blob("description.md", md.as_bytes().to_vec());
        }
        let manifest = json!({
            "pi": e.pi, "ver": 1, "ts": "2026-03-04T05:06:07Z",
            "manifest_cid": catalog::cid_of(e.pi.as_bytes()), "components": components,
        });
        std::fs::write(dir.join("entities").join(format!("{}.json", e.pi)), serde_json::to_vec(&manifest).unwrap())
            .unwrap();
    }
}

impl World {
    pub(crate) async fn new(size: usize) -> World {
        World::with_records(size, &[]).await
    }

    /// The generated catalog of `size` entities plus `extra` records.
    pub(crate) async fn with_records(size: usize, extra: &[Extra]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let index = catalog::generate(&dir.path().join("catalog"), CatalogSpec { size, seed: 42 }).unwrap();
        add_records(&dir.path().join("catalog"), extra);
        let arke = ArkeApi::start(&dir.path().join("catalog")).await.unwrap();
        let s3 = S3Server::start(&dir.path().join("s3"), BUCKET, "sandbox-access-key", SECRET).await.unwrap();
        World { dir, index, arke, s3 }
    }

    /// Runs the worker with the standard environment plus `env`.
    pub(crate) async fn run(&self, task_id: &str, env: &[(&str, &str)]) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_arke-export-worker"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TMPDIR", self.dir.path())
            .env("TASK_ID", task_id)
            .env("R2_ACCESS_KEY_ID", &self.s3.access_key_id)
            .env("R2_SECRET_ACCESS_KEY", &self.s3.secret_access_key)
            .env("R2_ENDPOINT", &self.s3.endpoint)
            .env("R2_BUCKET", BUCKET)
            .env("ARKE_API_URL", &self.arke.url)
            .env("ARKE_IPFS_GATEWAY", &self.arke.url);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let output = cmd.output().await.unwrap();
        Run {
            output,
            task_id: task_id.to_owned(),
            dir: self.dir.path().join("s3").join(BUCKET).join("exports").join(task_id),
        }
    }
}

impl Run {
    pub(crate) fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub(crate) fn result(&self) -> TaskResult {
        let bytes = std::fs::read(self.dir.join("result.json"))
            .unwrap_or_else(|e| panic!("no result.json for {} ({e}); stderr:\n{}", self.task_id, self.stderr()));
        serde_json::from_slice(&bytes).unwrap()
    }
    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    pub(crate) fn xml(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_else(|e| panic!("{name}: {e}; stderr:\n{}", self.stderr()))
    }
}

/// Asserts that `file` validates against MODS 3.8.
pub(crate) fn assert_valid(file: &Path) {
    if let Err(e) = arke_export_xml_check::validate_mods(file) {
        panic!("{e}");
    }
}

/// Asserts that `file` is valid simple Dublin Core (`oai_dc:dc`, or a collection of records).
pub(crate) fn assert_valid_dc(file: &Path) {
    if let Err(e) = arke_export_xml_check::validate_dc(file) {
        panic!("{e}");
    }
}

/// Asserts that `file` validates against MARC21slim.xsd.
pub(crate) fn assert_valid_marc(file: &Path) {
    if let Err(e) = arke_export_xml_check::validate_marc(file) {
        panic!("{e}");
    }
}

/// The reference material (`shared/`: the LoC stylesheets and the schemas they need):
/// `ARKE_SHARED_DIR`, else `shared` beside the workspace. `None` when it is not there.
pub(crate) fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ARKE_SHARED_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    dir.join("xslt").join("MODS2MARC21slim.xsl").is_file().then_some(dir)
}

/// Record IDs of [`hand_made_records`].
pub(crate) const RTL_PI: &str = "01J00000000000000000000001";
pub(crate) const CATALOGUED_PI: &str = "01J00000000000000000000002";
pub(crate) const NO_CREATOR_PI: &str = "01J00000000000000000000003";
pub(crate) const FRENCH_PI: &str = "01J00000000000000000000004";

/// Records the generated catalog lacks: right-to-left text, and metadata shaped as catalogues
/// shape it (a leading article, inverted names with dates, a dataset, no creator at all).
pub(crate) fn hand_made_records() -> Vec<Extra> {
    vec![
        Extra {
            pi: RTL_PI,
            pinax: json!({
                "id": RTL_PI, "title": "\u{200F}رسائل الميناء\u{200F} (Harbour letters) \u{202E}reversed\u{202C}",
                "type": "Text", "creator": ["לינדקוויסט, מאיה", "ابن بطوطة"], "institution": "ארכיון הדוגמה",
                "created": "1924-06", "language": "ar", "subjects": ["تاريخ", "\u{2067}נמל\u{2069}"],
                "place": ["القاهرة", "ירושלים"],
                "rights": "Domaine public \u{2014} \u{0627}\u{0644}\u{0639}\u{0627}\u{0645}",
                "access_url": "https://arke.institute/01J00000000000000000000001"
            }),
            description: Some("\u{202B}وصف\u{202C} — תיאור mixed with English & <markup>\n"),
        },
        Extra {
            pi: CATALOGUED_PI,
            pinax: json!({
                "id": CATALOGUED_PI, "title": "The harbour letters", "type": "Dataset",
                "creator": ["Lindqvist, Maja, 1889-1962", "Ada Lovelace"], "institution": "Arke Sample Archive",
                "created": "1901-05", "language": "en", "subjects": ["harbours"], "place": ["Göteborg"],
                "rights": "Public domain.", "access_url": "PLACEHOLDER"
            }),
            description: None,
        },
        Extra {
            pi: NO_CREATOR_PI,
            pinax: json!({
                "id": NO_CREATOR_PI, "title": "Letters", "type": "Text", "created": "circa 1900",
                "language": "Old Norse", "access_url": "https://arke.institute/x"
            }),
            description: None,
        },
        Extra {
            pi: FRENCH_PI,
            pinax: json!({
                "id": FRENCH_PI, "title": "L'écluse du port", "type": "Software", "creator": "Noether, Emmy",
                "created": "1950", "language": "fr-FR"
            }),
            description: None,
        },
    ]
}

pub(crate) fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}
