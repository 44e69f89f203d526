//! Local stand-ins for the services Arke Export talks to — a Fly Machines API whose machines
//! are local processes, an embedded S3 server (R2), and an Arke API over a sample catalog —
//! all on 127.0.0.1 with free ports. The engine and the worker talk to them over HTTP exactly
//! as to the real services: only the URLs and credentials differ.

pub mod arke_api;
pub mod catalog;
mod catalog_store;
pub mod fly;
mod rng;
pub mod s3;
mod s3_store;
mod serve;
pub mod wide;

use std::path::{Path, PathBuf};

pub use arke_api::{ArkeApi, ArkeFaults, ORIGIN_PI};
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

/// `ARKE_EXPORT_WORKER_BIN`, else `arke-export-worker` next to this program, else one folder up,
/// else the name alone (found on `PATH`). See [`worker_binary_near`].
pub fn default_worker_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ARKE_EXPORT_WORKER_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    worker_binary_near(std::env::current_exe().ok().as_deref())
}

/// Where the worker is, seen from the program `exe` that runs the sandbox:
/// 1. beside it: the installed app (its packages put the worker sidecar next to the main binary,
///    without the target-triple suffix: `/usr/bin`, `Contents/MacOS`, the install folder on
///    Windows) and `target/<profile>` when running from a build;
/// 2. one folder up: test binaries in `target/<profile>/deps`;
/// 3. else the name alone, found on `PATH` when a machine starts.
pub fn worker_binary_near(exe: Option<&Path>) -> PathBuf {
    let name = format!("arke-export-worker{}", std::env::consts::EXE_SUFFIX);
    exe.into_iter()
        .flat_map(|exe| exe.ancestors().skip(1).take(2))
        .map(|dir| dir.join(&name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Everything a client needs to use the sandbox; printed by `arke-export sandbox`. `Debug` hides the
/// two secrets.
#[derive(Clone, serde::Serialize)]
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

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = arke_fly_api::secrets::REDACTED;
        f.debug_struct("Endpoints")
            .field("fly_api_url", &self.fly_api_url)
            .field("fly_app", &self.fly_app)
            .field("fly_region", &self.fly_region)
            .field("fly_api_token", &redacted)
            .field("r2_endpoint", &self.r2_endpoint)
            .field("r2_bucket", &self.r2_bucket)
            .field("r2_access_key_id", &self.r2_access_key_id)
            .field("r2_secret_access_key", &redacted)
            .field("arke_api_url", &self.arke_api_url)
            .field("ipfs_gateway", &self.ipfs_gateway)
            .finish()
    }
}

impl Endpoints {
    /// The app's and the CLI's settings for Fly mode against these stand-ins (keys without their
    /// `ARKE_EXPORT_` prefix; the secrets are not among them), with `image` as the worker image: the
    /// sandbox's Fly runs its own worker whatever the image is called.
    pub fn fly_mode_settings(&self, image: &str) -> Vec<(&'static str, String)> {
        vec![
            ("MODE", "fly".to_owned()),
            ("FLY_API_URL", self.fly_api_url.clone()),
            ("FLY_APP", self.fly_app.clone()),
            ("FLY_IMAGE", image.to_owned()),
            ("FLY_REGION", self.fly_region.clone()),
            ("R2_ENDPOINT", self.r2_endpoint.clone()),
            ("R2_BUCKET", self.r2_bucket.clone()),
            ("R2_ACCESS_KEY_ID", self.r2_access_key_id.clone()),
            ("ARKE_API_URL", self.arke_api_url.clone()),
            ("IPFS_GATEWAY", self.ipfs_gateway.clone()),
        ]
    }
}

/// The app secret that holds the worker's R2 secret (the worker reads this variable).
pub const WORKER_SECRET_NAME: &str = "R2_SECRET_ACCESS_KEY";

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
        // Deployed the recommended way: the worker's R2 secret is an app secret, never in a machine config.
        fly.fleet.set_secret(SANDBOX_APP, WORKER_SECRET_NAME, &s3.secret_access_key);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"").unwrap();
    }

    fn worker(dir: &Path) -> PathBuf {
        dir.join(format!("arke-export-worker{}", std::env::consts::EXE_SUFFIX))
    }

    #[test]
    fn the_installed_app_finds_the_worker_beside_its_own_binary() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("usr/bin");
        touch(&bin.join("arke-export-desktop"));
        touch(&worker(&bin));
        // A development build one folder up must not win over the installed sidecar.
        touch(&worker(root.path().join("usr").as_path()));
        assert_eq!(worker_binary_near(Some(&bin.join("arke-export-desktop"))), worker(&bin));
    }

    #[test]
    fn a_test_binary_in_deps_finds_the_worker_of_its_profile() {
        let root = tempfile::tempdir().unwrap();
        let profile = root.path().join("target/debug");
        touch(&profile.join("deps/engine-0123abcd"));
        touch(&worker(&profile));
        assert_eq!(worker_binary_near(Some(&profile.join("deps/engine-0123abcd"))), worker(&profile));
    }

    #[test]
    fn a_sidecar_still_named_with_its_target_triple_is_not_the_worker() {
        // Tauri strips the suffix when it installs the sidecar; the source copy is not a candidate.
        let root = tempfile::tempdir().unwrap();
        touch(&root.path().join("arke-export-desktop"));
        touch(&root.path().join("arke-export-worker-x86_64-unknown-linux-gnu"));
        let found = worker_binary_near(Some(&root.path().join("arke-export-desktop")));
        assert_eq!(found, PathBuf::from(format!("arke-export-worker{}", std::env::consts::EXE_SUFFIX)));
    }

    #[test]
    fn without_a_worker_nearby_the_name_alone_is_looked_up_on_path() {
        let name = PathBuf::from(format!("arke-export-worker{}", std::env::consts::EXE_SUFFIX));
        assert_eq!(worker_binary_near(None), name);
        let root = tempfile::tempdir().unwrap();
        assert_eq!(worker_binary_near(Some(&root.path().join("bin/app"))), name);
    }
}
