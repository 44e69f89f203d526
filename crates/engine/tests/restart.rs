//! The engine killed mid-batch and started again: every job re-attached, none lost, no
//! duplicate machine, and a machine that belongs to no job destroyed.

mod common;

use std::time::{Duration, Instant};

use arke_export_contract::options::ExportOptions;
use arke_export_engine::job::JobState;
use arke_export_engine::store::Store;
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults, faults::MachineFaultRequest};
use arke_fly_api::{CreateMachineRequest, MachineConfig};
use common::{External, settled, wait_for};

#[test]
fn killed_mid_batch_then_restarted_loses_nothing() {
    let main = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ext = main.block_on(External::start(dir.path(), 30));
    let fleet = ext.sandbox.fly.fleet.clone();
    for _ in 0..6 {
        let slow = MachineFaultRequest { name: None, fault: MachineFault::SlowStartMs(2500) };
        apply_faults(&fleet, FaultRequest { machine: Some(slow), ..Default::default() });
    }

    // Engine A: submit six jobs, then die abruptly once two machines exist.
    let first = tokio::runtime::Runtime::new().unwrap();
    let job_ids: Vec<String> = first.block_on(async {
        let engine = ext.engine(&data, &[]).await;
        let (_, jobs) = engine.submit(&ext.items(6), ExportOptions::default(), Some(1)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while engine.jobs().unwrap().iter().filter(|j| j.machine_id.is_some()).count() < 2 {
            assert!(Instant::now() < deadline, "no machine was created");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        jobs.into_iter().map(|j| j.id).collect()
    });
    drop(first); // every task of engine A stops where it is

    // A crash between writing "spawning" and creating the machine leaves this behind:
    let store = Store::open(&data).unwrap();
    let mut stranded = store.jobs_in(&[JobState::Queued]).unwrap().pop().expect("a job still queued");
    stranded.spawning(arke_export_engine::job::now_ms()).unwrap();
    store.save(&[(&stranded, Some("simulated crash before its machine was created"))]).unwrap();
    drop(store);

    // And a machine of this installation that belongs to no job of ours.
    let installation = arke_export_engine::installation::load_or_create(&data).unwrap();
    let ghost = CreateMachineRequest {
        name: Some("ghost".into()),
        region: None,
        config: MachineConfig {
            image: "registry.fly.io/arke-export-worker:test".into(),
            metadata: [
                ("arke_export_job".to_owned(), "job_unknown".to_owned()),
                ("arke_export_installation".to_owned(), installation.clone()),
            ]
            .into(),
            ..MachineConfig::default()
        },
        skip_launch: Some(true),
    };
    let ghost = main.block_on(async {
        let config = ext.config(&[]);
        let services = arke_export_engine::services::Services::fly(&config, &ext.secrets).unwrap();
        services.fly.create(&ghost).await.unwrap()
    });

    // Engine B, same data folder.
    main.block_on(async {
        let engine = ext.engine(&data, &[]).await;
        let jobs = wait_for(&engine, &job_ids, Duration::from_secs(90), settled).await;
        assert_eq!(jobs.len(), 6, "no job lost");
        assert!(
            jobs.iter().all(|j| j.state == JobState::Ready),
            "{:?}",
            jobs.iter().map(|j| (j.state, &j.reason)).collect::<Vec<_>>()
        );
        let timeline = engine.timeline(&stranded.id).unwrap();
        assert!(timeline.iter().any(|t| t.detail.contains("queued again")), "{timeline:?}");
    });
    let mut names = ext.machines_named();
    names.retain(|n| n != "ghost");
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!((count, names.len()), (6, 6), "one machine per job, none duplicated: {names:?}");
    let arke_export_sandbox::fly::Lookup::Found(g) = fleet.get(arke_export_sandbox::SANDBOX_APP, &ghost.id) else {
        panic!()
    };
    assert_eq!(g.state, "destroyed", "the orphan was destroyed");
}
