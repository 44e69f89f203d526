//! Two installations (two data folders) share one Fly app and one bucket: each exports while the
//! other restarts, lists its jobs and cancels its own; neither touches the other's machines.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use arke_export_contract::options::ExportOptions;
use arke_export_engine::Engine;
use arke_export_engine::job::{Job, JobState};
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults, faults::MachineFaultRequest};
use common::{External, settled, wait_for};
use tokio::runtime::Runtime;

/// An engine on a runtime of its own: dropping the runtime stops it as a quit would.
fn start(ext: &External, data: &Path) -> (Runtime, Engine) {
    let rt = Runtime::new().unwrap();
    let engine = rt.block_on(ext.engine(data, &[]));
    // What `arke-export jobs` does: a fresh poll, then the list.
    rt.block_on(engine.poll_now()).unwrap();
    engine.jobs().unwrap();
    (rt, engine)
}

/// Two slow machines, then one that hangs until it is canceled.
fn faults(ext: &External) {
    for fault in [MachineFault::SlowStartMs(3000), MachineFault::SlowStartMs(3000), MachineFault::Hang] {
        let machine = Some(MachineFaultRequest { name: None, fault });
        apply_faults(&ext.sandbox.fly.fleet, FaultRequest { machine, ..Default::default() });
    }
}

fn submit(ext: &External, rt: &Runtime, engine: &Engine, items: &str) -> Vec<String> {
    let (_, jobs) = engine.submit(items, ExportOptions::default(), Some(1)).unwrap();
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    let _ = ext;
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while ids.iter().any(|id| engine.job(id).unwrap().machine_id.is_none()) {
            assert!(Instant::now() < deadline, "no machine was created");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    ids
}

fn cancel_last(rt: &Runtime, engine: &Engine, ids: &[String]) -> Job {
    rt.block_on(engine.cancel(ids.last().unwrap())).unwrap()
}

#[test]
fn two_installations_on_one_app_never_touch_each_other() {
    let main = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let ext = main.block_on(External::start(dir.path(), 12));
    let items: Vec<String> = ext.items(6).lines().map(str::to_owned).collect();

    faults(&ext);
    let (rt_a, a) = start(&ext, &data_a);
    let a_ids = submit(&ext, &rt_a, &a, &items[..3].join("\n"));
    // B starts (re-attach, orphan clean-up, a poll) while A's machines run, then exports too.
    faults(&ext);
    let (rt_b, b) = start(&ext, &data_b);
    let b_ids = submit(&ext, &rt_b, &b, &items[3..].join("\n"));
    // A quits and starts again while B's machines run, and cancels its own hanging job.
    drop(a);
    drop(rt_a);
    let (rt_a, a) = start(&ext, &data_a);
    let canceled_a = cancel_last(&rt_a, &a, &a_ids);
    // B restarts too, and cancels its own.
    drop(b);
    drop(rt_b);
    let (rt_b, b) = start(&ext, &data_b);
    let canceled_b = cancel_last(&rt_b, &b, &b_ids);

    assert_ne!(a.installation(), b.installation());
    for (engine, ids, canceled) in [(&a, &a_ids, &canceled_a), (&b, &b_ids, &canceled_b)] {
        let jobs = main.block_on(wait_for(engine, ids, Duration::from_secs(90), settled));
        for job in &jobs {
            assert!(job.task_id.starts_with(&format!("{}-", engine.installation())), "{}", job.task_id);
            let expected = if job.id == canceled.id { JobState::Canceled } else { JobState::Ready };
            assert_eq!(job.state, expected, "{} {:?}", job.id, job.reason);
        }
    }
    // Every machine is tagged with the installation that made it.
    let fleet = &ext.sandbox.fly.fleet;
    for m in fleet.list(arke_export_sandbox::SANDBOX_APP, true, None) {
        let owner = if m.name.starts_with(a.installation()) { a.installation() } else { b.installation() };
        assert_eq!(m.config.metadata.get("arke_export_installation").map(String::as_str), Some(owner), "{}", m.name);
    }
    drop((rt_a, rt_b));
}
