//! Nothing stays stuck: a download cut short by a quit is downloadable again at the next start (its
//! `.part` kept, so it resumes), and a job downloads once at a time.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::download::part_path;
use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::{JobState, now_ms};
use arke_export_engine::store::Store;
use common::{External, ids, settled, wait_for};
use futures::TryStreamExt;
use tokio::runtime::Runtime;

#[test]
fn a_download_cut_by_a_quit_resumes_after_the_next_start() {
    let main = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let target = dir.path().join("out").join("export.xml");
    let ext = main.block_on(External::start(dir.path(), 10));

    // A ready job, whose download had written half its file when the app quit.
    let first = Runtime::new().unwrap();
    let (job_id, bytes) = first.block_on(async {
        let engine = ext.engine(&data, &[]).await;
        let (_, jobs) = engine.submit(&ext.items(2), ExportOptions::default(), Some(2)).unwrap();
        let job = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await.remove(0);
        assert_eq!(job.state, JobState::Ready, "{:?}", job.reason);
        let key = job.output_of(None).unwrap().key;
        let (body, _) = engine.services().r2.get_from(&key, 0).await.unwrap();
        let chunks: Vec<bytes::Bytes> = body.try_collect().await.unwrap();
        (job.id, chunks.concat())
    });
    drop(first);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(part_path(&target), &bytes[..bytes.len() / 2]).unwrap();
    let store = Store::open(&data).unwrap();
    let mut job = store.job(&job_id).unwrap().unwrap();
    job.start_download().unwrap();
    job.updated_at = now_ms();
    store.save(&[(&job, Some("downloading (then the app quit)"))]).unwrap();
    drop(store);

    main.block_on(async {
        let engine = ext.engine(&data, &[]).await;
        let job = engine.job(&job_id).unwrap();
        assert_eq!(job.state, JobState::Ready, "not stuck in downloading");
        assert!(part_path(&target).is_file(), "the partial file is kept");
        // Two requests at once: one downloads (resuming), the other is refused with a clear code.
        let (a, b) = tokio::join!(engine.download(&job_id, &target), engine.download(&job_id, &target));
        let (done, refused) = if a.is_ok() { (a, b) } else { (b, a) };
        assert_eq!(done.unwrap().state, JobState::Downloaded);
        assert_eq!(refused.unwrap_err().code(), ErrorCode::DownloadInProgress);
        assert_eq!(std::fs::read(&target).unwrap(), bytes);
    });
}
