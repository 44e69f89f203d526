//! The three services a job needs, wired from the settings (Fly mode) or from an in-process
//! sandbox (sandbox mode) — the same client code either way.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arke_export_contract::env::{ExportFormat, MachineEnv, SourceConfig};
use arke_export_contract::pi::{Pi, PiError};
use arke_export_contract::storage::StorageConfig;
use arke_export_sandbox::{Sandbox, SandboxOptions};
use arke_fly_api::{CreateMachineRequest, Guest, MachineConfig, Restart};

use crate::config::{Config, Mode};
use crate::error::EngineError;
use crate::fly::{FlyClient, FlyError};
use crate::job::Job;
use crate::r2::R2Store;
use crate::secrets::{Secret, SecretKind, Secrets};

/// The machine metadata key that names the job a machine belongs to.
pub const METADATA_JOB: &str = "arke_export_job";
/// The machine metadata key that names the installation whose machine it is.
pub const METADATA_INSTALLATION: &str = "arke_export_installation";
/// The machine metadata key that names the job's batch.
pub const METADATA_BATCH: &str = "arke_export_batch";

/// How long the answer to "does the Fly app hold the worker's R2 secret?" is trusted.
const SECRET_CHECK_TTL: Duration = Duration::from_mins(1);

/// Where machines run and write, and what they read.
pub struct Services {
    pub mode: Mode,
    pub fly: FlyClient,
    pub r2: R2Store,
    /// The desktop's bucket access (polling, downloads, deletes) — and the machines', the old way.
    storage: StorageConfig,
    /// The machines' access key ID, when the Fly app holds their secret.
    worker_key_id: String,
    /// When the app was last asked whether it holds the worker's secret, and its answer.
    secret_on_fly: Mutex<Option<(Instant, bool)>>,
    image: String,
    region: String,
    guest: Guest,
    source: SourceConfig,
    /// Kept alive for as long as the services are (sandbox mode).
    pub sandbox: Option<Sandbox>,
}

impl Services {
    /// Where records are read (the Arke API and IPFS gateway the machines use).
    pub fn source(&self) -> &SourceConfig {
        &self.source
    }

    /// Fly mode: the settings plus the secrets (environment or keyring).
    pub fn fly(config: &Config, secrets: &Secrets) -> Result<Services, EngineError> {
        let mut missing: Vec<&str> = config.missing_fly_settings();
        let token = secrets.get(SecretKind::FlyToken, SecretKind::FlyToken.endpoint(config))?;
        let r2_secret = secrets.get(SecretKind::R2Secret, SecretKind::R2Secret.endpoint(config))?;
        if token.is_none() {
            missing.push("the Fly API token");
        }
        if r2_secret.is_none() {
            missing.push("the R2 secret access key");
        }
        if !missing.is_empty() {
            return Err(EngineError::Incomplete(missing.join(", ")));
        }
        let storage = StorageConfig {
            endpoint: config.r2_endpoint.clone().unwrap_or_default(),
            bucket: config.r2_bucket.clone(),
            access_key_id: config.r2_access_key_id.clone().unwrap_or_default(),
            secret_access_key: r2_secret.unwrap_or_else(|| Secret::new("")),
        };
        let app = config.fly_app.clone().unwrap_or_default();
        Ok(Services {
            mode: Mode::Fly,
            fly: FlyClient::new(&config.fly_api_url, &app, token.unwrap_or_else(|| Secret::new(""))),
            r2: R2Store::new(&storage),
            worker_key_id: config.worker_r2_access_key_id.clone().unwrap_or_else(|| storage.access_key_id.clone()),
            storage,
            secret_on_fly: Mutex::new(None),
            image: config.fly_image.clone().unwrap_or_default(),
            region: config.fly_region.clone(),
            guest: Guest {
                cpu_kind: Some("shared".into()),
                cpus: Some(config.fly_cpus),
                memory_mb: Some(config.fly_memory_mb),
            },
            source: SourceConfig { api_url: config.arke_api_url.clone(), ipfs_gateway: config.ipfs_gateway.clone() },
            sandbox: None,
        })
    }

    /// Sandbox mode: starts the stand-ins under `dir` and points every client at them.
    pub async fn sandbox(dir: &Path, options: SandboxOptions) -> Result<Services, EngineError> {
        let sandbox = Sandbox::start_with(dir, options)
            .await
            .map_err(|e| EngineError::Sandbox { dir: dir.display().to_string(), reason: e.to_string() })?;
        let e = sandbox.endpoints();
        let storage = StorageConfig {
            endpoint: e.r2_endpoint.clone(),
            bucket: e.r2_bucket.clone(),
            access_key_id: e.r2_access_key_id.clone(),
            secret_access_key: Secret::new(e.r2_secret_access_key.clone()),
        };
        Ok(Services {
            mode: Mode::Sandbox,
            fly: FlyClient::new(&e.fly_api_url, &e.fly_app, Secret::new(e.fly_api_token.clone())),
            r2: R2Store::new(&storage),
            worker_key_id: storage.access_key_id.clone(),
            storage,
            secret_on_fly: Mutex::new(None),
            image: "arke-export-worker:sandbox".into(),
            region: e.fly_region.clone(),
            guest: Guest { cpu_kind: Some("shared".into()), cpus: Some(1), memory_mb: Some(256) },
            source: SourceConfig { api_url: e.arke_api_url.clone(), ipfs_gateway: e.ipfs_gateway.clone() },
            sandbox: Some(sandbox),
        })
    }

    /// The machine size every machine request asks for (`config.guest`).
    pub fn guest(&self) -> &Guest {
        &self.guest
    }

    /// The formats a job's machine writes (`EXPORT_FORMAT`), the first being the main file; MODS alone
    /// when the job names none.
    pub fn formats(job: &Job) -> Vec<ExportFormat> {
        if job.formats.is_empty() { vec![ExportFormat::Mods] } else { job.formats.clone() }
    }

    /// Whether the Fly app holds the worker's R2 secret as the app secret `R2_SECRET_ACCESS_KEY` (then
    /// machine requests carry no secret). Asked at most once a minute.
    pub async fn worker_secret_on_fly(&self) -> Result<bool, FlyError> {
        if let Some((at, on_fly)) = *self.secret_on_fly.lock().expect("secret check")
            && at.elapsed() < SECRET_CHECK_TTL
        {
            return Ok(on_fly);
        }
        let on_fly = self.fly.has_secret(crate::worker_secret::WORKER_SECRET).await?;
        *self.secret_on_fly.lock().expect("secret check") = Some((Instant::now(), on_fly));
        Ok(on_fly)
    }

    /// The machine contract of a job's current attempt: with the worker's key ID when the Fly app holds
    /// its secret (`secret_on_fly`), else with the desktop's key pair (the old way).
    pub fn machine_env(&self, job: &Job, secret_on_fly: bool) -> Result<MachineEnv, PiError> {
        let storage = if secret_on_fly {
            StorageConfig {
                access_key_id: self.worker_key_id.clone(),
                secret_access_key: Secret::new(""),
                ..self.storage.clone()
            }
        } else {
            self.storage.clone()
        };
        Ok(MachineEnv {
            task_id: job.task_id.clone(),
            pis: job.pis.iter().map(|p| Pi::parse(p)).collect::<Result<_, _>>()?,
            formats: Services::formats(job),
            options: job.options.clone(),
            batch_id: job.batch_id.clone(),
            callback_url: None,
            storage,
            source: self.source.clone(),
        })
    }

    /// The machine request for a job: the worker contract in `config.env` (without any secret when the
    /// Fly app holds the worker's: `secret_on_fly`), tagged with the job.
    pub fn machine_request(&self, job: &Job, secret_on_fly: bool) -> Result<CreateMachineRequest, PiError> {
        let machine_env = self.machine_env(job, secret_on_fly)?;
        let env = if secret_on_fly { machine_env.to_env_without_secret() } else { machine_env.to_env() };
        let mut metadata = BTreeMap::new();
        metadata.insert(METADATA_JOB.into(), job.id.clone());
        metadata.insert(METADATA_BATCH.into(), job.batch_id.clone());
        Ok(CreateMachineRequest {
            name: Some(job.task_id.clone()),
            region: Some(self.region.clone()),
            config: MachineConfig {
                image: self.image.clone(),
                env,
                guest: Some(self.guest.clone()),
                auto_destroy: Some(true),
                restart: Some(Restart { policy: Some("no".into()), max_retries: None }),
                metadata,
            },
            skip_launch: None,
        })
    }
}
