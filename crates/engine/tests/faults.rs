//! The fault matrix, each a test, in Fly mode against a sandbox (secrets in the real keyring).

mod common;

use arke_export_engine::error::ErrorCode;
use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::job::JobState;
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults, faults::FailCreates};
use common::{External, ids, settled, wait_for};

fn fault(f: MachineFault) -> FaultRequest {
    FaultRequest {
        machine: Some(arke_export_sandbox::fly::faults::MachineFaultRequest { name: None, fault: f }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_creates_are_retried_without_a_duplicate_machine() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let fleet = &ext.sandbox.fly.fleet;
    apply_faults(
        fleet,
        FaultRequest { fail_creates: Some(FailCreates { count: 2, status: 500 }), ..Default::default() },
    );
    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let (_, jobs) = engine.submit(&ext.items(3), ExportOptions::default(), Some(1)).unwrap();
    let done = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await;
    assert!(done.iter().all(|j| j.state == JobState::Ready));
    apply_faults(
        fleet,
        FaultRequest { fail_creates: Some(FailCreates { count: 3, status: 429 }), ..Default::default() },
    );
    let (_, more) = engine.submit(&ext.items(2), ExportOptions::default(), Some(1)).unwrap();
    let more = wait_for(&engine, &ids(&more), Duration::from_mins(1), settled).await;
    assert!(more.iter().all(|j| j.state == JobState::Ready));
    let mut names = ext.machines_named();
    assert_eq!(names.len(), 5, "one machine per job: {names:?}");
    names.dedup();
    assert_eq!(names.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_hang_and_vanish_each_fail_the_job_with_a_clear_reason() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let fleet = &ext.sandbox.fly.fleet;
    let engine = ext.engine(&dir.path().join("data"), &[("RUN_TIMEOUT_S", "3".into())]).await;
    for (f, code, words) in [
        (MachineFault::CrashAtStart, ErrorCode::MachineExit, "exit code 127"),
        (MachineFault::Hang, ErrorCode::RunTimeout, "did not finish within 3 s"),
        (MachineFault::Vanish, ErrorCode::MachineVanished, "disappeared"),
    ] {
        apply_faults(fleet, fault(f.clone()));
        let (_, jobs) = engine.submit(&ext.items(1), ExportOptions::default(), None).unwrap();
        let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
        assert_eq!(job.state, JobState::Failed, "{f:?}");
        assert_eq!(job.reason_code, Some(code), "{f:?}: {:?}", job.reason);
        assert!(job.reason.as_deref().unwrap().contains(words), "{f:?}: {:?}", job.reason);
        if f == MachineFault::Hang {
            let m = fleet.get(arke_export_sandbox::SANDBOX_APP, job.machine_id.as_deref().unwrap());
            let arke_export_sandbox::fly::Lookup::Found(m) = m else { panic!("the machine record is kept") };
            assert_ne!(m.state, "started", "a timed-out machine is stopped and destroyed");
        }
    }
    // A failed job can be retried, and then succeeds.
    let failed = engine.jobs().unwrap().into_iter().find(|j| j.reason_code == Some(ErrorCode::MachineExit)).unwrap();
    let retried = engine.retry(&failed.id).unwrap();
    assert_eq!((retried.state, retried.attempt), (JobState::Queued, 2));
    let job = wait_for(&engine, std::slice::from_ref(&failed.id), Duration::from_mins(1), settled).await.remove(0);
    assert_eq!(job.state, JobState::Ready);
    assert_eq!(job.task_id, format!("{}-{}-r2", engine.installation(), job.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_survives_s3_being_down() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    // The machine starts late, so only the engine's polling meets the outage.
    apply_faults(&ext.sandbox.fly.fleet, fault(MachineFault::SlowStartMs(3000)));
    ext.sandbox.s3.faults.set_down(true);
    let (_, jobs) = engine.submit(&ext.items(1), ExportOptions::default(), None).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(ext.sandbox.s3.faults.requests() > 0, "the engine polled during the outage");
    assert!(!engine.job(&jobs[0].id).unwrap().state.is_final());
    ext.sandbox.s3.faults.set_down(false);
    let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
    assert_eq!(job.state, JobState::Ready, "{:?}", job.reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_midway_resumes_and_is_verified() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let root = ext.sandbox.index.as_ref().unwrap().root.clone();
    let options = ExportOptions { recursive: true, ..ExportOptions::default() };
    let (_, jobs) = engine.submit(&root, options, None).unwrap();
    let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
    let size = job.output.as_ref().unwrap().size;
    assert!(size > 20_000, "a file big enough to cut: {size}");
    ext.sandbox.s3.faults.cut_next(2, 7_000);
    let before = ext.sandbox.s3.faults.requests();
    let target = dir.path().join("out").join("tree.xml");
    let done = engine.download(&job.id, &target).await.unwrap();
    assert_eq!(done.state, JobState::Downloaded);
    assert!(ext.sandbox.s3.faults.requests() - before >= 3, "two cut attempts, then a resumed one");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), size);
    arke_export_xml_check::validate_mods(&target).unwrap();
    assert!(!dir.path().join("out").join("tree.xml.part").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_a_clear_error_on_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let fly = ext.sandbox.endpoints().fly_api_url;
    ext.secrets
        .set(
            arke_export_engine::secrets::SecretKind::FlyToken,
            Some(&fly),
            &arke_export_engine::secrets::Secret::new("wrong-token"),
        )
        .unwrap();
    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let (_, jobs) = engine.submit(&ext.items(1), ExportOptions::default(), None).unwrap();
    let job = wait_for(&engine, &ids(&jobs), Duration::from_secs(30), settled).await.remove(0);
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.reason_code, Some(ErrorCode::FlyUnauthorized));
    assert!(job.reason.unwrap().contains("rejected the API token"));
    assert!(ext.machines_named().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_clear_error_and_leaves_no_partial_file() {
    let is_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n");
    assert!(is_root, "this test mounts a tiny tmpfs to fill it: run it as root (CI does)");
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let root = ext.sandbox.index.as_ref().unwrap().root.clone();
    let (_, jobs) = engine.submit(&root, ExportOptions { recursive: true, ..Default::default() }, None).unwrap();
    let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
    let small = dir.path().join("small-disk");
    std::fs::create_dir_all(&small).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&small)
        .status()
        .unwrap();
    assert!(mounted.success(), "could not mount a tmpfs");
    let target = small.join("tree.xml");
    let err = engine.download(&job.id, &target).await.unwrap_err();
    let left: Vec<_> = std::fs::read_dir(&small).unwrap().collect();
    let _ = std::process::Command::new("umount").arg(&small).status();
    assert_eq!(err.code(), ErrorCode::DiskFull, "{err}");
    assert!(err.to_string().contains("disk is full"), "{err}");
    assert!(left.is_empty(), "no partial or final file is left: {left:?}");
    let job = engine.job(&job.id).unwrap();
    assert_eq!(job.state, JobState::Ready, "the export can still be downloaded elsewhere");
    assert_eq!(job.reason_code, Some(ErrorCode::DiskFull));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_past_its_retention_expires_and_leaves_the_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    let data = dir.path().join("data");
    let engine = ext.engine(&data, &[]).await;
    let (_, jobs) = engine.submit(&ext.items(1), ExportOptions::default(), None).unwrap();
    let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
    assert_eq!(job.state, JobState::Ready);
    assert!(job.expires_at.unwrap() > arke_export_engine::job::now_ms() + 23 * 3_600_000, "24 h by default");
    let objects = ext.sandbox.dir.join("s3").join(&ext.sandbox.s3.bucket).join("exports").join(&job.task_id);
    assert!(objects.join("result.json").exists());
    // Make its retention run out, as a day would.
    let store = arke_export_engine::store::Store::open(&data).unwrap();
    let mut aged = store.job(&job.id).unwrap().unwrap();
    aged.expires_at = Some(arke_export_engine::job::now_ms() - 1);
    store.save(&[(&aged, None)]).unwrap();
    // The bucket's clock decides (its files' Last-Modified): a day has passed there too.
    let day_ago = std::time::SystemTime::now() - Duration::from_hours(25);
    for entry in std::fs::read_dir(&objects).unwrap().flatten().filter(|e| e.path().is_file()) {
        std::fs::File::options().write(true).open(entry.path()).unwrap().set_modified(day_ago).unwrap();
    }
    let job = wait_for(&engine, &ids(&jobs), Duration::from_secs(30), |j| j.state == JobState::Expired).await.remove(0);
    assert_eq!(job.reason_code, Some(ErrorCode::Expired));
    assert!(!objects.join("result.json").exists(), "the bucket's copy is deleted");
    assert!(engine.download(&job.id, &dir.path().join("late.xml")).await.is_err());
}
