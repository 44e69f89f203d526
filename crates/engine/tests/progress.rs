//! Live progress through the sandbox: while a slow export runs, the engine shows the worker's
//! counts (read from the progress marker in the bucket listing), then the final ones.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::events::JobEvent;
use arke_export_engine::job::JobState;
use common::{settled, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_shows_the_workers_counts_as_they_grow() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::sandbox_engine(dir.path(), 80, &[]).await;
    let sandbox = engine.services().sandbox.as_ref().unwrap();
    // ≈ 4 s of export (4 requests in flight): several polls (1 s) see it running.
    sandbox.arke.faults.set_latency(Duration::from_millis(60));
    let root = sandbox.index.as_ref().unwrap().root.clone();
    let mut events = engine.events().subscribe();
    let options = ExportOptions { recursive: true, max_depth: 10, parallel_batch_size: 2, ..Default::default() };
    let (_, jobs) = engine.submit(&root, options, None).unwrap();
    let id = jobs[0].id.clone();

    let done = wait_for(&engine, std::slice::from_ref(&id), Duration::from_mins(2), settled).await;
    assert_eq!(done[0].state, JobState::Ready, "{:?}", done[0].reason);
    let exported = done[0].progress.unwrap().done;
    assert!(exported > 40, "the whole tree: {exported}");

    let mut running_counts = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let JobEvent::Changed { job } = e
            && job.id == id
            && job.state == JobState::Running
            && let Some(p) = job.progress
        {
            running_counts.push(p.done);
        }
    }
    assert!(
        running_counts.iter().any(|&n| n > 0 && n < exported),
        "counts part-way through were shown while running: {running_counts:?} of {exported}"
    );
    assert!(running_counts.windows(2).all(|w| w[0] <= w[1]), "counts never go back: {running_counts:?}");
    engine.shutdown().await;
}
