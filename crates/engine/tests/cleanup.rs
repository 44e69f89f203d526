//! The bucket does not grow forever: a job's task folder goes when the job is done with it (canceled,
//! removed — a delete that fails is tried again), and the sweep after a start removes this
//! installation's folders older than the retention that belong to no job — never another
//! installation's, nor a job's that still needs it.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use arke_export_contract::options::ExportOptions;
use arke_export_contract::storage::{StorageConfig, s3_client};
use arke_export_engine::job::JobState;
use arke_export_engine::secrets::Secret;
use arke_export_sandbox::fly::faults::MachineFaultRequest;
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults};
use aws_sdk_s3::primitives::ByteStream;
use common::{External, ids, settled, wait_for};

/// Waits until `done` holds; panics after a minute.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Bucket {
    s3: aws_sdk_s3::Client,
    name: String,
    dir: PathBuf,
}

impl Bucket {
    fn of(ext: &External) -> Bucket {
        let e = ext.sandbox.endpoints();
        let storage = StorageConfig {
            endpoint: e.r2_endpoint,
            bucket: e.r2_bucket.clone(),
            access_key_id: e.r2_access_key_id,
            secret_access_key: Secret::new(e.r2_secret_access_key),
        };
        let dir = ext.sandbox.dir.join("s3").join(&e.r2_bucket);
        Bucket { s3: s3_client(&storage), name: e.r2_bucket, dir }
    }

    /// Writes `exports/{task}/x.xml`, last modified `age` ago.
    async fn plant(&self, task: &str, age: Duration) {
        let key = format!("exports/{task}/x.xml");
        self.s3.put_object().bucket(&self.name).key(&key).body(ByteStream::from_static(b"<x/>")).send().await.unwrap();
        let file = std::fs::File::options().write(true).open(self.dir.join(&key)).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    /// Whether the task's folder holds any object (a file at any depth: the stand-in leaves empty
    /// folders behind).
    fn has(&self, task: &str) -> bool {
        fn any_file(dir: &std::path::Path) -> bool {
            std::fs::read_dir(dir).is_ok_and(|entries| {
                entries.flatten().any(|e| e.file_type().is_ok_and(|t| t.is_file()) || any_file(&e.path()))
            })
        }
        any_file(&self.dir.join("exports").join(task))
    }
}

const DAY: Duration = Duration::from_hours(24);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_folders_go_when_their_jobs_are_done_with_them_and_only_this_installations() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    let bucket = Bucket::of(&ext);
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    let a = ext.engine(&a_dir, &[]).await;
    let b = ext.engine(&b_dir, &[]).await;

    // B's ready export, and another installation's old history: never touched by A.
    let (_, b_jobs) = b.submit(&ext.items(1), ExportOptions::default(), Some(1)).unwrap();
    let b_jobs = wait_for(&b, &ids(&b_jobs), Duration::from_mins(1), settled).await;
    assert_eq!(b_jobs[0].state, JobState::Ready, "{:?}", b_jobs[0].reason);
    bucket.plant("zz0ther-job_1_old", 2 * DAY).await;

    // Removed while the bucket is down: the delete fails, and is done once the bucket is back.
    let (_, jobs) = a.submit(&ext.items(2), ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&a, &ids(&jobs), Duration::from_mins(1), settled).await;
    let (removed, kept) = (&jobs[0], &jobs[1]);
    assert!(jobs.iter().all(|j| j.state == JobState::Ready) && bucket.has(&removed.task_id));
    ext.sandbox.s3.faults.set_down(true);
    a.remove(&removed.id).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(bucket.has(&removed.task_id), "nothing deleted while the bucket is down");
    ext.sandbox.s3.faults.set_down(false);
    until("the removed job's folder to go", || !bucket.has(&removed.task_id)).await;

    // Canceled: whatever its machine wrote goes with it.
    let machine = Some(MachineFaultRequest { name: None, fault: MachineFault::Hang });
    apply_faults(&ext.sandbox.fly.fleet, FaultRequest { machine, ..FaultRequest::default() });
    let third = ext.sandbox.index.as_ref().unwrap().items[2].clone();
    let (_, hung) = a.submit(&third, ExportOptions::default(), Some(1)).unwrap();
    let hung = wait_for(&a, &ids(&hung), Duration::from_mins(1), |j| j.machine_id.is_some()).await.remove(0);
    bucket.plant(&hung.task_id, Duration::ZERO).await;
    a.cancel(&hung.id).await.unwrap();
    until("the canceled job's folder to go", || !bucket.has(&hung.task_id)).await;

    // The sweep after a start: A's folders that belong to no job go once older than the retention.
    let installation = a.installation().to_owned();
    let (old, young) = (format!("{installation}-job_1_old"), format!("{installation}-job_2_young"));
    bucket.plant(&old, 2 * DAY).await;
    bucket.plant(&young, Duration::from_hours(1)).await;
    drop(a);
    let a = ext.engine(&a_dir, &[]).await;
    until("the old orphan folder to go", || !bucket.has(&old)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(bucket.has(&young), "younger than the retention: kept");
    assert!(bucket.has(&kept.task_id), "a ready job's folder is kept");
    assert!(bucket.has(&b_jobs[0].task_id), "another installation's ready export is kept");
    assert!(bucket.has("zz0ther-job_1_old"), "another installation's history is never touched");
    assert_eq!(a.job(&kept.id).unwrap().state, JobState::Ready);
}
