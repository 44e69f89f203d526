//! The poller is supervised: a round that panics, or fails (the bucket answers 503), is logged and the
//! next round runs — every job still finishes.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::job::JobState;
use common::{External, ids, settled, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rounds_that_panic_or_fail_hold_up_no_later_round() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let engine = ext.engine(&dir.path().join("data"), &[]).await;
    let (_, jobs) = engine.submit(&ext.items(2), ExportOptions::default(), Some(1)).unwrap();
    wait_for(&engine, &ids(&jobs), Duration::from_mins(1), |j| j.machine_id.is_some()).await;
    // Two rounds panic, then the bucket fails the next requests (rounds that end in an error).
    engine.inject_poll_panics(2);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    ext.sandbox.s3.faults.fail_next(20);
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Ready), "{jobs:?}");
}
