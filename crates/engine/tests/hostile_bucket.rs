//! A hostile bucket: whatever `result.json` says, a download lands in the chosen folder under the name
//! the engine makes (record ID, format, `-collection`), never replaces a file, and a malformed or
//! oversized `result.json` fails its own job only. The objects are put into the sandbox's real S3
//! bucket while each job's machine hangs (as if its worker were still running).

mod common;

use std::path::Path;
use std::time::Duration;

use arke_export_contract::bucket::result_key;
use arke_export_contract::options::ExportOptions;
use arke_export_contract::secret::Secret;
use arke_export_contract::storage::{StorageConfig, s3_client};
use arke_export_engine::Engine;
use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::{Job, JobState};
use arke_export_sandbox::fly::{FaultRequest, MachineFault, apply_faults, faults::MachineFaultRequest};
use aws_sdk_s3::primitives::ByteStream;
use common::{External, ids, settled, wait_for};
use serde_json::json;
use sha2::{Digest, Sha256};

/// What one job's result.json says.
enum Result {
    /// A good export whose result.json names the file `name`.
    Named(String),
    /// The export object holds more bytes than result.json says.
    Oversized,
    /// result.json is not JSON.
    Malformed,
    /// result.json is larger than any the worker writes.
    Huge,
    /// result.json points at another task's object.
    Elsewhere,
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: Vec<u8>) {
    s3.put_object().bucket(bucket).key(key).body(ByteStream::from(body)).send().await.unwrap();
}

/// Writes the job's export object and its result.json as `how` says.
async fn write(s3: &aws_sdk_s3::Client, bucket: &str, job: &Job, how: &Result) {
    let body = format!("<mods>{}</mods>", job.pis[0]).into_bytes();
    let key = format!("exports/{}/{}.xml", job.task_id, job.pis[0]);
    let (object, claimed) = match how {
        Result::Oversized => ([body.as_slice(), b"and more"].concat(), body.len()),
        _ => (body.clone(), body.len()),
    };
    put(s3, bucket, &key, object).await;
    let name = match how {
        Result::Named(name) => name.clone(),
        _ => format!("{}.xml", job.pis[0]),
    };
    let output_key = match how {
        Result::Elsewhere => "exports/someone-else/secret.xml".to_owned(),
        _ => key,
    };
    let result = json!({
        "task_id": job.task_id, "batch_id": job.batch_id, "status": "success",
        "output_r2_key": output_key, "output_file_name": name, "output_file_size": claimed,
        "output_sha256": hex::encode(Sha256::digest(&body)), "worker_version": "hostile",
        "metrics": {"total_time_ms": 1, "entities_exported": 1, "entities_failed": 0, "peak_memory_mb": 1.0},
    });
    let bytes = match how {
        Result::Malformed => b"{\"task_id\": \"not json".to_vec(),
        Result::Huge => {
            let mut huge = serde_json::to_vec(&result).unwrap();
            huge.truncate(huge.len() - 1);
            huge.extend_from_slice(format!(", \"padding\": \"{}\"}}", "x".repeat(17_000_000)).as_bytes());
            huge
        }
        _ => serde_json::to_vec(&result).unwrap(),
    };
    put(s3, bucket, &result_key(&job.task_id), bytes).await;
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_names_never_choose_a_path_and_nothing_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let out = root.join("chosen");
    std::fs::create_dir_all(&out).unwrap();
    let absolute = root.join("absolute.xml");
    let cases = [
        Result::Named("../../escaped.xml".into()),
        Result::Named(absolute.display().to_string()),
        Result::Named("..\\..\\windows.xml".into()),
        Result::Named("nul\0byte.xml".into()),
        Result::Named("n".repeat(10 * 1024)),
        Result::Named("existing.txt".into()),
        Result::Named("taken.xml".into()),
        Result::Oversized,
        Result::Malformed,
        Result::Huge,
        Result::Elsewhere,
    ];
    let ext = External::start(dir.path(), 30).await;
    for _ in &cases {
        let hang = MachineFaultRequest { name: None, fault: MachineFault::Hang };
        apply_faults(&ext.sandbox.fly.fleet, FaultRequest { machine: Some(hang), ..Default::default() });
    }
    let engine: Engine = ext.engine(&dir.path().join("data"), &[("MAX_RUNNING", "20".into())]).await;
    let (batch, jobs) = engine.submit(&ext.items(cases.len()), ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), |j| j.state == JobState::Running).await;

    // The archivist's own files: one whose name a result.json gives, one with the engine's name for a job.
    std::fs::write(out.join("existing.txt"), "mine").unwrap();
    let taken = Engine::default_file_name(&jobs[6]);
    std::fs::write(out.join(&taken), "mine too").unwrap();
    let e = ext.sandbox.endpoints();
    let storage = StorageConfig {
        endpoint: e.r2_endpoint,
        bucket: e.r2_bucket.clone(),
        access_key_id: e.r2_access_key_id,
        secret_access_key: Secret::new(e.r2_secret_access_key),
    };
    let s3 = s3_client(&storage);
    for (job, how) in jobs.iter().zip(&cases) {
        write(&s3, &e.r2_bucket, job, how).await;
    }
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(1), settled).await;
    let expected = [
        ("not what the worker writes", ErrorCode::ResultInvalid),
        ("larger than 1 MiB", ErrorCode::ResultInvalid),
        ("not in the task", ErrorCode::R2BadObject),
    ];
    for (job, (expected, code)) in jobs[8..].iter().zip(expected) {
        assert_eq!((job.state, job.reason_code), (JobState::Failed, Some(code)), "{job:?}");
        assert!(job.reason.as_deref().unwrap().contains(expected), "{:?}", job.reason);
    }
    assert!(jobs[..8].iter().all(|j| j.state == JobState::Ready), "a bad result.json fails its own job only");
    assert!(jobs[4].output.as_ref().unwrap().file_name.len() <= 255, "a remote name is kept only to be shown");

    let saved = engine.download_batch(&batch.id, &out).await.unwrap();
    assert_eq!(saved.saved.len(), 7, "{:?}", saved.failed);
    assert_eq!(saved.failed.len(), 1);
    assert_eq!((saved.failed[0].job_id.as_str(), saved.failed[0].code), (jobs[7].id.as_str(), ErrorCode::SizeMismatch));
    for job in &saved.saved {
        let path = Path::new(job.saved_to.as_deref().unwrap());
        assert_eq!(path.parent().unwrap(), std::fs::canonicalize(&out).unwrap_or(out.clone()), "{path:?}");
        assert_eq!(std::fs::read_to_string(path).unwrap(), format!("<mods>{}</mods>", job.pis[0]));
    }
    let mut expected: Vec<String> = jobs[..7].iter().map(Engine::default_file_name).collect();
    expected[6] = taken.replace(".xml", " (2).xml");
    expected.extend(["existing.txt".to_owned(), taken.clone()]);
    expected.sort();
    assert_eq!(listing(&out), expected, "only the engine's names, and the archivist's files");
    assert_eq!(std::fs::read_to_string(out.join("existing.txt")).unwrap(), "mine");
    assert_eq!(std::fs::read_to_string(out.join(&taken)).unwrap(), "mine too");
    assert_eq!(listing(&root), ["chosen"], "nothing was written outside the folder");
    assert!(!dir.path().join("escaped.xml").exists() && !absolute.exists());

    // A named file is never replaced unless the person said so.
    let again = engine.download(&jobs[0].id, &out.join("existing.txt")).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::FileExists, "{again}");
    assert_eq!(std::fs::read_to_string(out.join("existing.txt")).unwrap(), "mine");
    assert_eq!(engine.job(&jobs[0].id).unwrap().state, JobState::Downloaded, "the job is as it was");
    engine.download_replacing(&jobs[0].id, &out.join("existing.txt")).await.unwrap();
    assert_eq!(std::fs::read_to_string(out.join("existing.txt")).unwrap(), format!("<mods>{}</mods>", jobs[0].pis[0]));
    engine.shutdown().await;
}
