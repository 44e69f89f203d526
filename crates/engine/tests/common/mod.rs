//! Engines for tests: sandbox mode (the engine owns its sandbox), or Fly mode pointed at a
//! separately running sandbox with its secrets in the real keyring.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arke_export_engine::Engine;
use arke_export_engine::config::{Config, SettingsFile};
use arke_export_engine::job::{Job, JobState};
use arke_export_engine::secrets::{Secret, SecretKind, Secrets};
use arke_export_engine::services::Services;
use arke_export_sandbox::{CatalogSource, CatalogSpec, Sandbox, SandboxOptions};

/// The worker binary built beside this test (`cargo test --workspace` builds it).
pub(crate) fn worker_bin() -> PathBuf {
    let bin = arke_export_sandbox::default_worker_binary();
    assert!(
        bin.is_file(),
        "the worker is not built at {}: run `cargo build -p arke-export-worker` first",
        bin.display()
    );
    bin
}

pub(crate) fn sandbox_options(size: usize) -> SandboxOptions {
    SandboxOptions {
        catalog: CatalogSource::Generate(CatalogSpec { size, seed: 5 }),
        worker_command: vec![worker_bin().display().to_string()],
        rate_limits: true,
    }
}

pub(crate) fn config(pairs: &[(&str, String)]) -> Config {
    let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (format!("ARKE_EXPORT_{k}"), v.clone())).collect();
    Config::resolve(&SettingsFile::default(), |k| env.get(k).cloned()).unwrap()
}

/// Sandbox mode: the engine starts (and owns) the stand-ins.
pub(crate) async fn sandbox_engine(dir: &Path, size: usize, extra: &[(&str, String)]) -> Engine {
    let mut pairs = vec![("MODE", "sandbox".to_owned()), ("POLL_INTERVAL_S", "1".to_owned())];
    pairs.extend(extra.iter().cloned());
    let services = Services::sandbox(&dir.join("sandbox"), sandbox_options(size)).await.unwrap();
    Engine::start(config(&pairs), services, &dir.join("data")).await.unwrap()
}

/// A sandbox run apart from any engine, used in Fly mode (as the real services would be).
pub(crate) struct External {
    pub(crate) sandbox: Sandbox,
    pub(crate) secrets: Secrets,
}

impl External {
    pub(crate) async fn start(dir: &Path, size: usize) -> External {
        let sandbox = Sandbox::start_with(&dir.join("services"), sandbox_options(size)).await.unwrap();
        let secrets = Secrets::with_service(&format!("arke-export-test-{}", uuid::Uuid::new_v4().simple()), false);
        let e = sandbox.endpoints();
        let fly = Some(e.fly_api_url.as_str());
        secrets.set(SecretKind::FlyToken, fly, &Secret::new(e.fly_api_token.clone())).unwrap_or_else(|err| {
            panic!("no keyring ({err}): run the tests with scripts/with-keyring.sh (make test does)")
        });
        secrets.set(SecretKind::R2Secret, Some(&e.r2_endpoint), &Secret::new(e.r2_secret_access_key.clone())).unwrap();
        External { sandbox, secrets }
    }

    /// Fly-mode settings that point at the sandbox.
    pub(crate) fn config(&self, extra: &[(&str, String)]) -> Config {
        let mut pairs: Vec<(&str, String)> =
            self.sandbox.endpoints().fly_mode_settings("registry.fly.io/arke-export-worker:test");
        pairs.push(("POLL_INTERVAL_S", "1".to_owned()));
        pairs.extend(extra.iter().cloned());
        config(&pairs)
    }

    pub(crate) async fn engine(&self, data_dir: &Path, extra: &[(&str, String)]) -> Engine {
        let config = self.config(extra);
        let services = Services::fly(&config, &self.secrets).unwrap();
        Engine::start(config, services, data_dir).await.unwrap()
    }

    pub(crate) fn items(&self, n: usize) -> String {
        let index = self.sandbox.index.as_ref().unwrap();
        assert!(index.items.len() >= n, "the catalog has only {} items", index.items.len());
        index.items[..n].join("\n")
    }

    pub(crate) fn machines_named(&self) -> Vec<String> {
        let fleet = &self.sandbox.fly.fleet;
        fleet.list(arke_export_sandbox::SANDBOX_APP, true, None).into_iter().map(|m| m.name).collect()
    }
}

/// Waits until every job of `ids` satisfies `done`; panics with their states after `timeout`.
pub(crate) async fn wait_for(
    engine: &Engine,
    ids: &[String],
    timeout: Duration,
    done: impl Fn(&Job) -> bool,
) -> Vec<Job> {
    let deadline = Instant::now() + timeout;
    loop {
        let jobs: Vec<Job> = ids.iter().map(|id| engine.job(id).unwrap()).collect();
        if jobs.iter().all(&done) {
            return jobs;
        }
        if Instant::now() > deadline {
            let states: Vec<String> =
                jobs.iter().map(|j| format!("{} {} {:?}", j.id, j.state.as_str(), j.reason)).collect();
            panic!("timed out; jobs are:\n{}", states.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) fn settled(j: &Job) -> bool {
    j.state == JobState::Ready || j.state.is_final()
}

pub(crate) fn ids(jobs: &[Job]) -> Vec<String> {
    jobs.iter().map(|j| j.id.clone()).collect()
}
