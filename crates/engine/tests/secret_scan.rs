//! A known secret never lands anywhere it could be read back: not in the log (every engine event at
//! TRACE, dependencies at DEBUG: more than the app's Info), not in the SQLite job store, not in the
//! settings file, not in a panic message — after a whole Fly-mode export the old way (the secret in the
//! machine config, where a `Debug` of the request would show it) and a Settings save with every secret.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::config::SettingsFile;
use arke_export_engine::job::JobState;
use arke_export_engine::services::Services;
use arke_export_engine::settings_view::{SettingsUpdate, SettingsView};
use arke_export_engine::worker_secret;
use common::{External, ids, settled, wait_for};

/// The log: every line the engine and its dependencies write, in memory.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every file under `dir`, as bytes, by path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(files(&path));
        } else {
            all.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_the_log_the_store_the_settings_file_or_a_panic() {
    let log = Log::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug,arke_export_engine=trace,arke_fly_api=trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(&dir.path().join("sandbox"), 20).await;
    let e = ext.sandbox.endpoints();
    let worker_secret_value = "machines-own-r2-secret-0123456789";
    let known = [e.fly_api_token.as_str(), e.r2_secret_access_key.as_str(), worker_secret_value];

    // The old way: the desktop's secret rides in each machine's config.
    let config = ext.config(&[]);
    worker_secret::clear_on_fly(&config, &ext.secrets).await.unwrap();
    let data = dir.path().join("data");
    let engine = ext.engine(&data, &[]).await;
    let (_, jobs) = engine.submit(&ext.items(2), ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(2), settled).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Ready), "{jobs:?}");
    engine.download_to_dir(&jobs[0].id, &dir.path().join("out")).await.unwrap();
    engine.shutdown().await;
    drop(engine);

    // Settings, with every secret, into a settings file of its own.
    let settings = dir.path().join("config").join("config.toml");
    let mut file = SettingsFile::load(&settings).unwrap();
    let values = [("FLY_API_URL", &e.fly_api_url), ("FLY_APP", &e.fly_app), ("R2_ENDPOINT", &e.r2_endpoint)];
    let update = SettingsUpdate {
        values: values.iter().map(|(k, v)| ((*k).to_owned(), (*v).clone())).collect(),
        fly_token: Some(e.fly_api_token.clone()),
        r2_secret: Some(e.r2_secret_access_key.clone()),
        worker_r2_secret: Some(worker_secret_value.to_owned()),
    };
    tracing::debug!(?update, "saving settings");
    update.clone().apply(&mut file, &ext.secrets).await.unwrap();
    let view = SettingsView::load(&file, &ext.secrets).await.unwrap();
    tracing::debug!(?view, "settings");

    // A panic that prints what holds the secrets.
    let services = Services::fly(&config, &ext.secrets).unwrap();
    let request = services.machine_request(&jobs[1], false).unwrap();
    tracing::debug!(?request, "a machine request, the old way");
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let panic = std::panic::catch_unwind(|| panic!("{update:?} {request:?} {:?}", ext.sandbox.endpoints()));
    std::panic::set_hook(quiet);
    let payload = panic.unwrap_err();
    let message = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("[redacted]"), "{message}");

    let log = log.0.lock().unwrap().clone();
    assert!(holds(&log, "machine") && log.len() > 10_000, "the log was written ({} bytes)", log.len());
    let mut places: Vec<(String, Vec<u8>)> = files(&data);
    places.extend(files(settings.parent().unwrap()));
    places.push(("the log".to_owned(), log));
    places.push(("the panic message".to_owned(), message.into_bytes()));
    let names: Vec<&String> = places.iter().map(|(p, _)| p).collect();
    let store = names.iter().any(|p| p.ends_with("jobs.sqlite3"));
    let toml = names.iter().any(|p| Path::new(p).extension().is_some_and(|e| e == "toml"));
    assert!(store && toml, "the store and the settings file are scanned: {names:?}");
    for (place, bytes) in &places {
        for secret in known {
            assert!(!holds(bytes, secret), "a secret ({}…) is in {place}", &secret[..6]);
        }
    }
}
