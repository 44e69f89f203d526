//! Concurrent writers never undo each other: a cancel that races a machine's creation ends with the
//! job canceled and its machine destroyed, in either order.

mod common;

use std::time::{Duration, Instant};

use arke_export_contract::options::ExportOptions;
use arke_export_engine::Engine;
use arke_export_engine::job::{Job, JobState};
use arke_export_sandbox::fly::faults::{FailCreates, MachineFaultRequest};
use arke_export_sandbox::fly::{FaultRequest, Lookup, MachineFault, apply_faults};
use common::External;

/// Generous: on a loaded 2-core CI machine a create paced by two 429s, and the destroy after it, can
/// take tens of seconds; a machine that is never destroyed still fails the test.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn hang(ext: &External) {
    let machine = Some(MachineFaultRequest { name: None, fault: MachineFault::Hang });
    apply_faults(&ext.sandbox.fly.fleet, FaultRequest { machine, ..Default::default() });
}

/// Waits until no machine of the job (named after its task) is left but destroyed ones: either its
/// creation failed for good, or it was destroyed.
async fn machine_destroyed(ext: &External, job: &Job) {
    let fleet = &ext.sandbox.fly.fleet;
    until("the machine to be destroyed", || {
        let machines = fleet.list(arke_export_sandbox::SANDBOX_APP, true, None);
        let ours: Vec<_> = machines.iter().filter(|m| m.name == job.task_id).collect();
        assert!(ours.len() <= 1, "one machine per job");
        ours.iter().all(|m| {
            matches!(fleet.get(arke_export_sandbox::SANDBOX_APP, &m.id), Lookup::Found(m) if m.state == "destroyed")
        })
    })
    .await;
}

fn submit_one(ext: &External, engine: &Engine) -> Job {
    let (_, mut jobs) = engine.submit(&ext.items(1), ExportOptions::default(), Some(1)).unwrap();
    jobs.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_a_machine_create_destroys_the_machine_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let engine = ext.engine(&dir.path().join("data"), &[]).await;

    // Canceled while Fly makes the create wait (two 429s, each waited out): the create then succeeds.
    hang(&ext);
    let limited = FailCreates { count: 2, status: 429 };
    apply_faults(&ext.sandbox.fly.fleet, FaultRequest { fail_creates: Some(limited), ..Default::default() });
    let job = submit_one(&ext, &engine);
    until("spawning", || engine.job(&job.id).unwrap().state == JobState::Spawning).await;
    assert_eq!(engine.job(&job.id).unwrap().machine_id, None, "the create is still waiting");
    assert_eq!(engine.cancel(&job.id).await.unwrap().state, JobState::Canceled);
    // The create (two 429s waited out) is over by then, whatever its outcome.
    tokio::time::sleep(Duration::from_secs(6)).await;
    machine_destroyed(&ext, &job).await;
    // Polls and checks after that leave it canceled.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(engine.job(&job.id).unwrap().state, JobState::Canceled);

    // Canceled once its machine exists.
    hang(&ext);
    let job = submit_one(&ext, &engine);
    until("its machine", || engine.job(&job.id).unwrap().machine_id.is_some()).await;
    assert_eq!(engine.cancel(&job.id).await.unwrap().state, JobState::Canceled);
    machine_destroyed(&ext, &job).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let job = engine.job(&job.id).unwrap();
    assert_eq!(
        (job.state, job.reason_code),
        (JobState::Canceled, Some(arke_export_engine::error::ErrorCode::Canceled))
    );
}

/// A command that only looks (`jobs`, `status`) opens the store without a tracker: it never spawns a
/// job the app is about to, nor cleans up anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_opened_to_look_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let config = ext.config(&[]);
    let services = arke_export_engine::services::Services::fly(&config, &ext.secrets).unwrap();
    let engine = Engine::open(config, services, &dir.path().join("data")).unwrap();
    let job = submit_one(&ext, &engine);
    engine.poll_now().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(engine.job(&job.id).unwrap().state, JobState::Queued, "nothing spawned it");
    assert!(ext.machines_named().is_empty());
}
