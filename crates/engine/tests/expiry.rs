//! Expiry does not trust the local clock alone: the bucket's own clock (the file's `Last-Modified`
//! against the time the bucket answers) decides, so a local clock a day fast expires no ready export.
//! An export the bucket no longer holds (a lifecycle rule removed it) does expire.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::job::JobState;
use common::{External, ids, settled, wait_for};

const DAY_AND_AN_HOUR_MS: i64 = 25 * 3600 * 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_clock_a_day_fast_expires_nothing_the_bucket_still_holds() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let data = dir.path().join("data");
    let engine = ext.engine(&data, &[]).await;
    let (_, jobs) = engine.submit(&ext.items(1), ExportOptions::default(), Some(1)).unwrap();
    let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
    assert_eq!(job.state, JobState::Ready, "{:?}", job.reason);
    let folder = ext.sandbox.dir.join("s3").join(&ext.sandbox.s3.bucket).join("exports").join(&job.task_id);

    // The local clock jumps a day and an hour ahead (retention: 24 h): the bucket says it is fresh.
    engine.set_clock_skew_ms(DAY_AND_AN_HOUR_MS);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let still = engine.job(&job.id).unwrap();
    assert_eq!(still.state, JobState::Ready, "{:?}", still.reason);
    assert!(folder.join("result.json").is_file(), "the bucket's copy is kept");

    // Gone from the bucket (a lifecycle rule took it): the job expires, even with the clock right.
    std::fs::remove_dir_all(&folder).unwrap();
    drop(engine);
    let engine = ext.engine(&data, &[]).await;
    engine.set_clock_skew_ms(DAY_AND_AN_HOUR_MS);
    let expired =
        wait_for(&engine, std::slice::from_ref(&job.id), Duration::from_secs(30), |j| j.state == JobState::Expired)
            .await;
    assert!(expired[0].reason.as_deref().unwrap_or_default().contains("kept 24 h"), "{:?}", expired[0].reason);
}
