//! One bad object spoils one job, not all of them: a result.json far too large and one that is not
//! JSON each fail their own job (`result_invalid`); the poll goes on and every other job finishes.

mod common;

use std::time::Duration;

use arke_export_contract::bucket::result_key;
use arke_export_contract::options::ExportOptions;
use arke_export_contract::result::{Metrics, ResultStatus, TaskResult};
use arke_export_contract::secret::Secret;
use arke_export_contract::storage::{StorageConfig, s3_client};
use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::JobState;
use arke_export_sandbox::fly::faults::MachineFaultRequest;
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults};
use common::{External, ids, settled, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_and_a_garbage_result_fail_only_their_own_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 30).await;
    // The first two machines never finish by themselves: their result.json is written below.
    for _ in 0..2 {
        let machine = Some(MachineFaultRequest { name: None, fault: MachineFault::Hang });
        apply_faults(&ext.sandbox.fly.fleet, FaultRequest { machine, ..Default::default() });
    }
    let engine = ext.engine(&dir.path().join("data"), &[("MAX_RUNNING", "20".into())]).await;
    let (_, jobs) = engine.submit(&ext.items(20), ExportOptions::default(), Some(1)).unwrap();
    let (huge, garbage) = (&jobs[0], &jobs[1]);
    wait_for(&engine, &ids(&jobs[..2]), Duration::from_secs(30), |j| j.machine_id.is_some()).await;

    let e = ext.sandbox.endpoints();
    let s3 = s3_client(&StorageConfig {
        endpoint: e.r2_endpoint,
        bucket: e.r2_bucket.clone(),
        access_key_id: e.r2_access_key_id,
        secret_access_key: Secret::new(e.r2_secret_access_key),
    });
    // 50 MB of a well-formed result (the error message is the bulk of it).
    let big = TaskResult {
        task_id: huge.task_id.clone(),
        batch_id: huge.batch_id.clone(),
        status: ResultStatus::Error,
        output_r2_key: None,
        output_file_name: None,
        output_file_size: None,
        output_sha256: None,
        outputs: Vec::new(),
        metrics: Metrics::default(),
        failures: Vec::new(),
        error: Some("x".repeat(50_000_000)),
        worker_version: "test".into(),
    };
    for (task_id, body) in [
        (&huge.task_id, serde_json::to_vec(&big).unwrap()),
        (&garbage.task_id, b"\x00\xffnot json at all {{{".to_vec()),
    ] {
        s3.put_object().bucket(&e.r2_bucket).key(result_key(task_id)).body(body.into()).send().await.unwrap();
    }

    let done = wait_for(&engine, &ids(&jobs), Duration::from_mins(2), settled).await;
    for job in &done {
        if job.id == huge.id || job.id == garbage.id {
            assert_eq!((job.state, job.reason_code), (JobState::Failed, Some(ErrorCode::ResultInvalid)), "{job:?}");
        } else {
            assert_eq!(job.state, JobState::Ready, "{} {:?}", job.id, job.reason);
        }
    }
    assert!(done[0].reason.as_deref().unwrap().contains("larger than 1 MiB"), "{:?}", done[0].reason);
}
