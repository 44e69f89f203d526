//! Two processes on one store (the app and the CLI): they never both create a job's machine, and a
//! creation one of them leaves behind (it quit, it crashed) never strands the job in `spawning` — the
//! other's tracker finds it on its next round and takes it over.

mod common;

use std::time::{Duration, Instant};

use arke_export_contract::options::ExportOptions;
use arke_export_engine::Engine;
use arke_export_engine::job::JobState;
use arke_export_engine::services::Services;
use arke_export_sandbox::fly::faults::{FailCreates, MachineFaultRequest};
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults};
use common::{External, ids, settled, wait_for};

fn created_names(ext: &External) -> Vec<String> {
    ext.sandbox.fly.fleet.create_log().iter().filter_map(|c| c["name"].as_str().map(str::to_owned)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_trackers_on_one_store_create_each_machine_once() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let data = dir.path().join("data");
    let (app, cli) = (ext.engine(&data, &[]).await, ext.engine(&data, &[]).await);
    let (_, jobs) = app.submit(&ext.items(4), ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&cli, &ids(&jobs), Duration::from_mins(2), settled).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Ready), "{jobs:?}");
    let mut names = created_names(&ext);
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "a machine was asked for twice: {names:?}");
    assert_eq!(ext.machines_named().len(), jobs.len(), "one machine per job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creation_left_behind_by_another_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let data = dir.path().join("data");
    // The app: one slot (MAX_RUNNING=1), taken by a machine that hangs.
    let never_ends = MachineFaultRequest { name: None, fault: MachineFault::Hang };
    apply_faults(&ext.sandbox.fly.fleet, FaultRequest { machine: Some(never_ends), ..FaultRequest::default() });
    let app = ext.engine(&data, &[("MAX_RUNNING", "1".to_owned())]).await;
    let (_, hung) = app.submit(&ext.items(1), ExportOptions::default(), Some(1)).unwrap();
    wait_for(&app, &ids(&hung), Duration::from_mins(1), |j| j.machine_id.is_some()).await;

    // A command on the same store starts a job's machine; Fly makes it wait (429s); the command is
    // stopped in the middle (its task aborted, as a process that quits), the job left `spawning`.
    let config = ext.config(&[]);
    let services = Services::fly(&config, &ext.secrets).unwrap();
    let command = Engine::open(config, services, &data).unwrap();
    let limited = FailCreates { count: 3, status: 429 };
    apply_faults(&ext.sandbox.fly.fleet, FaultRequest { fail_creates: Some(limited), ..FaultRequest::default() });
    let second = ext.sandbox.index.as_ref().unwrap().items[1].clone();
    let (_, left) = command.submit(&second, ExportOptions::default(), Some(1)).unwrap();
    let left = left[0].id.clone();
    let creating = tokio::spawn({
        let (command, ids) = (command.clone(), vec![left.clone()]);
        async move { command.spawn_jobs(&ids).await }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while command.job(&left).unwrap().state != JobState::Spawning {
        assert!(Instant::now() < deadline, "the command never started the machine");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    creating.abort();
    let _ = creating.await;
    drop(command);
    assert_eq!(app.job(&left).unwrap().machine_id, None, "left behind without a machine");

    // The app's tracker takes it over on a round of its own (not only at a start): queued again
    // (or attached to the machine Fly did create), then started once the slot is free.
    wait_for(&app, std::slice::from_ref(&left), Duration::from_secs(30), |j| {
        j.state == JobState::Queued || j.machine_id.is_some()
    })
    .await;
    app.cancel(&hung[0].id).await.unwrap();
    let done = wait_for(&app, std::slice::from_ref(&left), Duration::from_mins(2), settled).await;
    assert_eq!(done[0].state, JobState::Ready, "{:?}", done[0].reason);
    let task = &done[0].task_id;
    assert_eq!(ext.machines_named().iter().filter(|n| *n == task).count(), 1, "one machine for it");
}
