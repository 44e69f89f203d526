//! Costs from a sandbox run: each job's machine seconds are exactly what the Fly stand-in's events
//! say (start → exit), priced by the table of the settings, and summed per batch.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::Engine;
use arke_export_engine::cost::{MachineSize, cost_of};
use arke_export_engine::job::{Job, JobState};
use arke_export_sandbox::SANDBOX_APP;
use arke_export_sandbox::fly::faults::MachineFaultRequest;
use arke_export_sandbox::fly::{FaultRequest, Lookup, MachineFault, apply_faults};
use common::{ids, sandbox_engine, settled, wait_for};

/// Seconds from the machine's `start` to its `exit`, as the stand-in recorded them.
fn stand_in_seconds(engine: &Engine, job: &Job) -> f64 {
    let fleet = &engine.services().sandbox.as_ref().unwrap().fly.fleet;
    let Lookup::Found(machine) = fleet.get(SANDBOX_APP, job.machine_id.as_deref().unwrap()) else {
        panic!("the stand-in lost machine {:?}", job.machine_id)
    };
    let at = |kind: &str| machine.events.iter().find(|e| e.kind == kind).map(|e| e.timestamp);
    let (start, exit) = (at("start").expect("a start event"), at("exit").expect("an exit event"));
    assert!(exit >= start);
    (exit - start) as f64 / 1000.0
}

async fn costed(engine: &Engine, jobs: &[Job]) -> Vec<Job> {
    wait_for(engine, &ids(jobs), Duration::from_mins(1), settled).await;
    engine.wait_for_costs(&ids(jobs), Duration::from_secs(30)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_seconds_are_the_stand_ins_start_to_exit_and_the_batch_sums_them() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 10, &[]).await;
    let (batch, jobs) = engine.submit(&engine.sample_ids(3).join("\n"), ExportOptions::default(), Some(1)).unwrap();
    let jobs = costed(&engine, &jobs).await;
    let prices = &engine.config().prices;
    let mut total = 0.0;
    for job in &jobs {
        assert_eq!(job.state, JobState::Ready, "{:?}", job.reason);
        let seconds = stand_in_seconds(&engine, job);
        assert!(seconds > 0.0, "the worker ran for a while");
        assert_eq!(job.machine_seconds, Some(seconds), "job {}", job.id);
        let size = job.guest.clone().expect("the size its machine was created with");
        assert_eq!(size, MachineSize::default(), "the sandbox's machines are shared-cpu-1x with 256 MB");
        let requests = job.r2_requests.expect("its R2 requests");
        assert_eq!(requests.class_b, 2, "result.json, and its one file downloaded once");
        assert!(requests.class_a >= 4, "its file, result.json, progress, listings: {requests:?}");
        let usd = job.cost_usd.expect("its cost");
        let bytes: u64 = job.all_outputs().iter().map(|o| o.size).sum();
        let hours = f64::from(engine.config().retention_h);
        let expected = cost_of(prices, &size, seconds, requests, bytes, hours).total();
        assert!((usd - expected).abs() < 1e-15, "{usd} vs {expected}");
        assert!(usd > seconds * prices.machine_per_second(&size) && usd < 0.01, "{usd}");
        let json = serde_json::to_value(job).unwrap();
        assert!(json["machine_seconds"].is_number() && json["cost_usd"].is_number(), "{json}");
        total += usd;
    }
    let summary = engine.summary(&batch.id).unwrap();
    assert!((summary.cost_usd.unwrap() - total).abs() < 1e-15, "{summary:?}");
    assert_eq!(summary.cost_unknown, 0);
    let seconds: f64 = jobs.iter().filter_map(|j| j.machine_seconds).sum();
    assert!((summary.machine_seconds.unwrap() - seconds).abs() < 1e-9);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_machine_is_counted_too_and_the_estimate_learns_from_earlier_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 10, &[]).await;
    let before = engine.estimate_export(10, None, Some(1), None).unwrap();
    assert_eq!(before.measured_jobs, 0, "the defaults before any job");
    let fleet = &engine.services().sandbox.as_ref().unwrap().fly.fleet;
    let fault = MachineFaultRequest { name: None, fault: MachineFault::ExitWith(3) };
    apply_faults(fleet, FaultRequest { machine: Some(fault), ..FaultRequest::default() });
    let (_, jobs) = engine.submit(&engine.sample_ids(1).join("\n"), ExportOptions::default(), None).unwrap();
    let failed = costed(&engine, &jobs).await.remove(0);
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.machine_seconds, Some(stand_in_seconds(&engine, &failed)));
    assert_eq!(failed.r2_requests.map(|r| r.class_b), Some(0), "no result, no file");
    assert!(failed.cost_usd.is_some());

    let (_, jobs) = engine.submit(&engine.sample_ids(2).join("\n"), ExportOptions::default(), Some(1)).unwrap();
    costed(&engine, &jobs).await;
    let after = engine.estimate_export(10, Some(5), Some(1), None).unwrap();
    assert_eq!(after.measured_jobs, 2, "the two jobs that exported records");
    assert_eq!((after.machines, after.entities), (10, 15));
    assert!(after.machine_seconds < before.machine_seconds, "the sandbox is faster than the defaults: {after:?}");
    engine.shutdown().await;
}
