//! Local stand-ins for the services Arke Export talks to — a Fly Machines API whose machines
//! are local processes, an embedded S3 server (R2), and an Arke API over a sample catalog —
//! all on 127.0.0.1 with free ports. The engine and the worker talk to them over HTTP exactly
//! as to the real services: only the URLs and credentials differ.

pub mod arke_api;
pub mod catalog;
pub mod fly;
mod rng;
pub mod s3;
mod serve;

use std::path::{Path, PathBuf};

pub use arke_api::{ArkeApi, ArkeFaults};
pub use catalog::{CatalogIndex, CatalogSpec};
pub use fly::{FlyApi, FlyOptions, Images, MachineFault};
pub use s3::{S3Faults, S3Server};

/// The Fly app name machines are created in.
pub const SANDBOX_APP: &str = "arke-export-sandbox";
pub const SANDBOX_BUCKET: &str = "arke-exports";
pub const SANDBOX_REGION: &str = "lcl";

/// Where the sample catalog comes from.
#[derive(Debug, Clone)]
pub enum CatalogSource {
    /// Generate one into `<dir>/catalog` (kept if it is already there).
    Generate(CatalogSpec),
    /// Serve an existing catalog folder (layout in [`catalog`]).
    Folder(PathBuf),
}

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub catalog: CatalogSource,
    /// The command a machine runs (default: the `arke-export-worker` built beside this program).
    pub worker_command: Vec<String>,
    pub rate_limits: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            catalog: CatalogSource::Generate(CatalogSpec::default()),
            worker_command: vec![default_worker_binary().display().to_string()],
            rate_limits: true,
        }
    }
}

/// `ARKE_EXPORT_WORKER_BIN`, else `arke-export-worker` next to this program (or one folder up,
/// for test binaries in `target/*/deps`), else the name alone (found on `PATH`).
pub fn default_worker_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ARKE_EXPORT_WORKER_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let name = format!("arke-export-worker{}", std::env::consts::EXE_SUFFIX);
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(2) {
            let candidate = dir.join(&name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    PathBuf::from(name)
}

/// Everything a client needs to use the sandbox; printed by `arke-export sandbox`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Endpoints {
    pub fly_api_url: String,
    pub fly_app: String,
    pub fly_region: String,
    pub fly_api_token: String,
    pub r2_endpoint: String,
    pub r2_bucket: String,
    pub r2_access_key_id: String,
    pub r2_secret_access_key: String,
    pub arke_api_url: String,
    pub ipfs_gateway: String,
}

/// A running sandbox. Dropping it stops every server and kills every machine process;
/// [`Sandbox::shutdown`] also waits for them.
pub struct Sandbox {
    pub dir: PathBuf,
    pub fly: FlyApi,
    pub s3: S3Server,
    pub arke: ArkeApi,
    /// The index of the generated catalog (or of a folder that has an `index.json`).
    pub index: Option<CatalogIndex>,
}

/// A fresh random credential (122 bits from the OS's generator).
fn random_secret(label: &str) -> String {
    format!("{label}{}", uuid::Uuid::new_v4().simple())
}

impl Sandbox {
    /// Starts a sandbox keeping its state (catalog, bucket) under `dir`.
    pub async fn start(dir: &Path) -> std::io::Result<Sandbox> {
        Sandbox::start_with(dir, SandboxOptions::default()).await
    }

    pub async fn start_with(dir: &Path, options: SandboxOptions) -> std::io::Result<Sandbox> {
        std::fs::create_dir_all(dir)?;
        let (catalog_dir, index) = match &options.catalog {
            CatalogSource::Generate(spec) => {
                let catalog_dir = dir.join("catalog");
                let index = match CatalogIndex::read(&catalog_dir) {
                    Ok(index) if index.all.len() == spec.size.max(1) => index,
                    _ => catalog::generate(&catalog_dir, *spec)?,
                };
                (catalog_dir, Some(index))
            }
            CatalogSource::Folder(folder) => (folder.clone(), CatalogIndex::read(folder).ok()),
        };
        let arke = ArkeApi::start(&catalog_dir).await?;
        let s3 =
            S3Server::start(&dir.join("s3"), SANDBOX_BUCKET, &random_secret("AKSANDBOX"), &random_secret("sk")).await?;
        let fly = FlyApi::start(FlyOptions {
            apps: vec![SANDBOX_APP.to_owned()],
            token: random_secret("fly-sandbox"),
            region: SANDBOX_REGION.to_owned(),
            images: Images { default: options.worker_command.clone(), by_image: std::collections::HashMap::default() },
            rate_limits: options.rate_limits,
        })
        .await?;
        Ok(Sandbox { dir: dir.to_owned(), fly, s3, arke, index })
    }

    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            fly_api_url: self.fly.url.clone(),
            fly_app: SANDBOX_APP.to_owned(),
            fly_region: SANDBOX_REGION.to_owned(),
            fly_api_token: self.fly.token.clone(),
            r2_endpoint: self.s3.endpoint.clone(),
            r2_bucket: self.s3.bucket.clone(),
            r2_access_key_id: self.s3.access_key_id.clone(),
            r2_secret_access_key: self.s3.secret_access_key.clone(),
            arke_api_url: self.arke.url.clone(),
            ipfs_gateway: self.arke.url.clone(),
        }
    }

    /// Stops every machine and waits for their processes; the servers stop when this returns.
    pub async fn shutdown(self) {
        self.fly.shutdown().await;
    }
}
