//! End to end through the sandbox: a batch of 25 IDs with PER_MACHINE 1 and 5, every file
//! downloaded, verified and valid MODS. Real worker, real S3, real SQLite.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::events::JobEvent;
use arke_export_engine::job::JobState;
use common::{ids, settled, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_25_with_one_and_five_records_per_machine() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::sandbox_engine(dir.path(), 80, &[]).await;
    let index = engine.services().sandbox.as_ref().unwrap().index.clone().unwrap();
    let list = index.items[..25].join("\n");
    let mut events = engine.events().subscribe();

    let (batch1, jobs1) = engine.submit(&list, ExportOptions::default(), Some(1)).unwrap();
    let (batch5, jobs5) = engine.submit(&list, ExportOptions::default(), Some(5)).unwrap();
    assert_eq!((jobs1.len(), jobs5.len()), (25, 5));
    assert_eq!(batch1.record_count, 25);

    let all: Vec<String> = ids(&jobs1).into_iter().chain(ids(&jobs5)).collect();
    let jobs = wait_for(&engine, &all, Duration::from_mins(3), settled).await;
    assert!(
        jobs.iter().all(|j| j.state == JobState::Ready),
        "{:?}",
        jobs.iter().map(|j| (j.state, &j.reason)).collect::<Vec<_>>()
    );

    let out = dir.path().join("downloads");
    for job in &jobs {
        let done = engine.download_to_dir(&job.id, &out).await.unwrap();
        assert_eq!(done.state, JobState::Downloaded);
        let path = std::path::PathBuf::from(done.saved_to.unwrap());
        arke_export_xml_check::validate_mods(&path).unwrap();
        let xml = std::fs::read_to_string(&path).unwrap();
        assert_eq!(xml.matches("<mods ").count(), job.pis.len());
        assert!(!out.join(format!("{}.part", path.file_name().unwrap().to_string_lossy())).exists());
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 30, "one file per job, no partial files");
    for batch in [&batch1.id, &batch5.id] {
        let s = engine.summary(batch).unwrap();
        assert_eq!((s.active, s.failed), (0, 0));
        assert_eq!(s.downloaded, s.jobs);
    }
    // Watchers heard about it: state changes, download progress, and both batches settling.
    let mut seen_download = false;
    let mut settled_batches = std::collections::HashSet::new();
    while let Ok(e) = events.try_recv() {
        match e {
            JobEvent::Download { .. } => seen_download = true,
            JobEvent::BatchSettled { summary } => {
                settled_batches.insert(summary.batch_id);
            }
            _ => {}
        }
    }
    assert!(seen_download);
    assert!(settled_batches.contains(&batch1.id) && settled_batches.contains(&batch5.id));
    let timeline = engine.timeline(&jobs1[0].id).unwrap();
    let states: Vec<JobState> = timeline.iter().map(|t| t.state).collect();
    assert_eq!(states.first(), Some(&JobState::Queued));
    assert!(states.contains(&JobState::Spawning) && states.contains(&JobState::Ready));
    assert_eq!(states.last(), Some(&JobState::Downloaded));
    engine.shutdown().await;
}
