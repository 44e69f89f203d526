//! The machines' R2 secret as a Fly app secret, end to end in Fly mode against the sandbox: with the
//! app secret set, no machine request carries any secret (the stand-in's create log proves it) and
//! the export still runs (the worker reads the secret Fly injects); without it, the old way still works
//! and is reported. Settings and `token set r2 --on-fly` store it; Test Fly and Settings say where it is.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::config::SettingsFile;
use arke_export_engine::job::JobState;
use arke_export_engine::services::Services;
use arke_export_engine::settings_view::{SettingsUpdate, SettingsView};
use arke_export_engine::worker_secret::{self, WORKER_SECRET, WorkerSecret};
use arke_export_sandbox::SANDBOX_APP;
use common::{External, ids, settled, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_app_secret_no_machine_config_carries_a_secret_and_exports_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 20).await;
    let e = ext.sandbox.endpoints();
    let fleet = &ext.sandbox.fly.fleet;
    assert!(fleet.secrets(SANDBOX_APP).unwrap().iter().any(|s| s.name == WORKER_SECRET), "deployed the new way");

    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let (_, jobs) = engine.submit(&ext.items(2), ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(2), settled).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Ready), "{jobs:?}");
    let saved = engine.download_to_dir(&jobs[0].id, &dir.path().join("out")).await.unwrap();
    arke_export_xml_check::validate_mods(std::path::Path::new(saved.saved_to.as_deref().unwrap())).unwrap();

    let log = fleet.create_log();
    assert_eq!(log.len(), 2, "{log:?}");
    for request in &log {
        let env = request["config"]["env"].as_object().unwrap();
        assert!(!env.contains_key(WORKER_SECRET), "{env:?}");
        assert!(!request.to_string().contains(&e.r2_secret_access_key), "no secret anywhere in the request");
        assert!(!request.to_string().contains(&e.fly_api_token));
        assert_eq!(env["R2_ACCESS_KEY_ID"], e.r2_access_key_id.as_str());
    }
    let status = worker_secret::status(&ext.config(&[]), &ext.secrets).await;
    assert_eq!(status.place, WorkerSecret::FlyApp, "{}", status.message);
    assert_eq!(status.warning(), None);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_way_still_works_and_settings_warn_about_it() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 20).await;
    let e = ext.sandbox.endpoints();
    let fleet = &ext.sandbox.fly.fleet;
    let config = ext.config(&[]);
    worker_secret::clear_on_fly(&config, &ext.secrets).await.unwrap();
    worker_secret::clear_on_fly(&config, &ext.secrets).await.unwrap();
    assert!(fleet.secrets(SANDBOX_APP).unwrap().is_empty());

    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let (_, jobs) = engine.submit(&ext.items(1), ExportOptions::default(), None).unwrap();
    let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(2), settled).await.remove(0);
    assert_eq!(job.state, JobState::Ready, "{:?}", job.reason);
    let log = fleet.create_log();
    assert_eq!(log[0]["config"]["env"][WORKER_SECRET], e.r2_secret_access_key.as_str(), "the old way");
    let status = worker_secret::status(&config, &ext.secrets).await;
    assert_eq!(status.place, WorkerSecret::MachineConfig, "{}", status.message);
    assert!(status.warning().unwrap().contains(WORKER_SECRET));
    engine.shutdown().await;

    // Settings: the view warns; saving the machines' secret puts it on the Fly app, and the warning goes.
    let mut file = SettingsFile::load(&dir.path().join("config.toml")).unwrap();
    let values = [
        ("MODE", "fly".to_owned()),
        ("FLY_API_URL", e.fly_api_url.clone()),
        ("FLY_APP", e.fly_app.clone()),
        ("R2_ENDPOINT", e.r2_endpoint.clone()),
        ("R2_ACCESS_KEY_ID", e.r2_access_key_id.clone()),
    ];
    let update = SettingsUpdate {
        values: values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        ..SettingsUpdate::default()
    };
    update.apply(&mut file, &ext.secrets).await.unwrap();
    let view = SettingsView::load(&file, &ext.secrets).await.unwrap();
    assert_eq!(view.worker_r2_secret.place, WorkerSecret::MachineConfig);
    assert_eq!(view.warnings.len(), 1, "{:?}", view.warnings);
    let store = SettingsUpdate { worker_r2_secret: Some(e.r2_secret_access_key.clone()), ..SettingsUpdate::default() };
    store.apply(&mut file, &ext.secrets).await.unwrap();
    assert_eq!(fleet.secrets(SANDBOX_APP).unwrap()[0].name, WORKER_SECRET);
    let view = SettingsView::load(&file, &ext.secrets).await.unwrap();
    assert_eq!((view.worker_r2_secret.place, view.warnings.len()), (WorkerSecret::FlyApp, 0), "{:?}", view.warnings);
    let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(!text.contains(&e.r2_secret_access_key), "the machines' secret is never kept locally");
}

#[tokio::test]
async fn the_machines_use_their_own_key_id_when_fly_holds_their_secret() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 5).await;
    let e = ext.sandbox.endpoints();
    let config = ext.config(&[("WORKER_R2_ACCESS_KEY_ID", "AKWORKER".into())]);
    let services = Services::fly(&config, &ext.secrets).unwrap();
    let job = arke_export_engine::job::Job::queued(
        "b",
        ext.items(1).lines().map(str::to_owned).collect(),
        ExportOptions::default(),
        0,
    );
    let new_way = services.machine_request(&job, true).unwrap().config.env;
    assert_eq!(new_way["R2_ACCESS_KEY_ID"], "AKWORKER");
    assert!(!new_way.contains_key(WORKER_SECRET));
    let old_way = services.machine_request(&job, false).unwrap().config.env;
    assert_eq!(old_way["R2_ACCESS_KEY_ID"], e.r2_access_key_id, "the old way sends the desktop's own pair");
    assert_eq!(old_way[WORKER_SECRET], e.r2_secret_access_key);
    let shown = format!("{:?}", services.machine_request(&job, false).unwrap());
    assert!(!shown.contains(&e.r2_secret_access_key) && shown.contains("[redacted]"), "{shown}");
}
