//! Runs the real worker binary against a real S3 server and an Arke API over a generated catalog.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use arke_export_contract::result::TaskResult;
use arke_export_sandbox::{ArkeApi, CatalogIndex, CatalogSpec, S3Server, catalog};

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

impl World {
    pub(crate) async fn new(size: usize) -> World {
        let dir = tempfile::tempdir().unwrap();
        let index = catalog::generate(&dir.path().join("catalog"), CatalogSpec { size, seed: 42 }).unwrap();
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

pub(crate) fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}
