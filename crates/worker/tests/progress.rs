//! Progress while the export runs: progress.json plus one marker object whose name carries the counts,
//! replaced as counts change and gone before result.json appears.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use arke_export_contract::bucket::MarkerCounts;
use arke_export_contract::result::ResultStatus;
use common::World;

fn markers(dir: &std::path::Path) -> Vec<String> {
    match std::fs::read_dir(dir.join("progress")) {
        Ok(entries) => entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| !n.starts_with('.'))
            .map(|n| format!("progress/{n}"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_markers_follow_the_counts_and_are_removed_before_the_result() {
    let w = World::new(60).await;
    // Slow enough (≈ 3 s with 4 requests in flight) that progress is rewritten at least once after the first report.
    w.arke.faults.set_latency(Duration::from_millis(50));
    let task = "progress_1";
    let dir = w.dir.path().join("s3").join(common::BUCKET).join("exports").join(task);
    let watch_dir = dir.clone();
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(async move {
        let mut seen = BTreeSet::new();
        let mut most_at_once = 0;
        loop {
            let now = markers(&watch_dir);
            most_at_once = most_at_once.max(now.len());
            seen.extend(now);
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = &mut stop_rx => return (seen, most_at_once),
            }
        }
    });
    let root = w.index.root.clone();
    let opts = r#"{"recursive": true, "maxDepth": 10, "parallelBatchSize": 2}"#;
    let run = w.run(task, &[("PI", &root), ("EXPORT_OPTIONS", opts)]).await;
    stop_tx.send(()).unwrap();
    let (seen, most_at_once) = watcher.await.unwrap();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.result().status, ResultStatus::Success);

    let counts: Vec<MarkerCounts> = seen
        .iter()
        .map(|name| {
            MarkerCounts::parse(task, &format!("exports/{task}/{name}"))
                .unwrap_or_else(|| panic!("{name} is not a progress marker"))
        })
        .collect();
    assert!(counts.len() >= 2, "the first report and at least one later one: {seen:?}");
    assert!(counts.iter().any(|c| c.done == 0), "the first report is written at the start: {seen:?}");
    assert!(counts.iter().any(|c| c.done > 0), "a later report counts records: {seen:?}");
    // Written before the previous one is removed: two at most, for a moment.
    assert!(most_at_once <= 2, "{most_at_once} markers at once");
    assert_eq!(markers(&dir), Vec::<String>::new(), "no marker is left once the task is over");
    assert!(dir.join("progress.json").exists(), "progress.json stays, for compatibility");
}
