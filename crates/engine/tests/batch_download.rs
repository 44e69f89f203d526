//! "Download all" goes on after a job fails to save, and reports that job with its code.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::Engine;
use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::JobState;
use common::{ids, settled, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_job_that_cannot_be_saved_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::sandbox_engine(dir.path(), 20, &[]).await;
    let index = engine.services().sandbox.as_ref().unwrap().index.clone().unwrap();
    let (batch, jobs) = engine.submit(&index.items[..3].join("\n"), ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(2), settled).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Ready), "{jobs:?}");

    // A folder where the second job's partial file would go: its download cannot write.
    let out = dir.path().join("downloads");
    let blocked = &jobs[1];
    std::fs::create_dir_all(out.join(format!("{}.part", Engine::default_file_name(blocked)))).unwrap();

    let outcome = engine.download_batch(&batch.id, &out).await.unwrap();
    let saved: Vec<&str> = outcome.saved.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(saved, [jobs[0].id.as_str(), jobs[2].id.as_str()]);
    assert!(outcome.saved.iter().all(|j| j.state == JobState::Downloaded && j.saved_to.is_some()));
    assert_eq!(outcome.failed.len(), 1, "{:?}", outcome.failed);
    assert_eq!(outcome.failed[0].job_id, blocked.id);
    assert_eq!(outcome.failed[0].code, ErrorCode::WriteFailed, "{}", outcome.failed[0].message);
    assert_eq!(engine.job(&blocked.id).unwrap().state, JobState::Ready, "it can be downloaded again");
    engine.shutdown().await;
}
