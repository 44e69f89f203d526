//! One task from start to exit: export to a temp file per format, upload them, write `result.json`,
//! call back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::try_join_all;
use tokio::sync::watch;

use crate::WORKER_VERSION;
use crate::export::{self, Counters, ExportError, Plan};
use crate::output::Writers;
use crate::progress;
use crate::sink_thread::Placed;
use crate::storage::Bucket;
use arke_export_contract::bucket::result_key;
use arke_export_contract::env::MachineEnv;
use arke_export_contract::result::{Metrics, Output, ResultStatus, TaskResult, peak_memory_mb};
use arke_export_contract::storage::StorageConfig;
use arke_export_crosswalk::describe::Links;
use arke_export_crosswalk::source::Source;

/// A finished task: its result, and whether `result.json` is in the bucket.
pub struct Finished {
    pub result: TaskResult,
    /// False when `result.json` could not be written: the machine must then exit non-zero, so the
    /// engine never takes a missing `result.json` for a finished export it could have verified.
    pub result_written: bool,
}

/// Runs the task and returns its result (written to the bucket when possible).
pub async fn run(config: MachineEnv) -> Finished {
    let started = Instant::now();
    let bucket = Bucket::new(&config.storage);
    let source = Source::new(config.source.clone(), export::requests_in_flight(&config.options));
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let reporter = tokio::spawn(progress::report(bucket.clone(), config.task_id.clone(), counters.clone(), stop_rx));

    let outcome = export_and_upload(&config, &source, &bucket, &counters).await;
    let _ = stop_tx.send(true);
    let _ = reporter.await;

    let (stats, outputs, error) = match outcome {
        Ok((stats, outputs)) => (Some(stats), outputs, None),
        Err((stats, e)) => (stats, Vec::new(), Some(e)),
    };
    let stats = stats.unwrap_or_default();
    let first = outputs.first();
    let result = TaskResult {
        task_id: config.task_id.clone(),
        batch_id: config.batch_id.clone(),
        status: if error.is_none() { ResultStatus::Success } else { ResultStatus::Error },
        output_r2_key: first.map(|o| o.r2_key.clone()),
        output_file_name: first.map(|o| o.file_name.clone()),
        output_file_size: first.map(|o| o.size),
        output_sha256: first.map(|o| o.sha256.clone()),
        outputs,
        metrics: Metrics {
            total_time_ms: started.elapsed().as_millis() as u64,
            entities_exported: stats.exported,
            entities_failed: stats.failed,
            entities_incomplete: stats.incomplete,
            peak_memory_mb: peak_memory_mb(),
        },
        failures: listed_failures(stats.failures),
        error,
        worker_version: WORKER_VERSION.to_owned(),
    };
    let result_written = finish(&bucket, config.callback_url.as_deref(), &result).await;
    Finished { result, result_written }
}

type Failed = (Option<export::ExportStats>, String);

/// Failures listed in `result.json`, at most (`entities_failed` counts them all), and the bytes of one's
/// error kept: the engine reads a result of at most 1 MiB, and a bigger one would fail a good export.
const MAX_LISTED_FAILURES: usize = export::MAX_KEPT_FAILURES;
const MAX_FAILURE_BYTES: usize = 500;

fn listed_failures(
    mut failures: Vec<arke_export_contract::result::Failure>,
) -> Vec<arke_export_contract::result::Failure> {
    failures.truncate(MAX_LISTED_FAILURES);
    for f in &mut failures {
        if f.error.len() > MAX_FAILURE_BYTES {
            let mut end = MAX_FAILURE_BYTES;
            while !f.error.is_char_boundary(end) {
                end -= 1;
            }
            f.error.truncate(end);
            f.error.push('…');
        }
    }
    failures
}

async fn export_and_upload(
    config: &MachineEnv,
    source: &Source,
    bucket: &Bucket,
    counters: &Counters,
) -> Result<(export::ExportStats, Vec<Output>), Failed> {
    let links = Links::new(&config.source.api_url, &config.source.ipfs_gateway);
    let today = progress::now_rfc3339().chars().take(10).collect::<String>();
    let writers = Writers::create(config, bucket, links, today)
        .map_err(|e| (None, format!("could not create a temporary file: {e}")))?;
    // Several formats are described and written on a second thread (when there is a second core),
    // while this one goes on reading.
    let mut sink = Placed::new(writers, config.formats.len())
        .map_err(|e| (None, format!("could not start the writing thread: {e}")))?;
    let plan = Plan { roots: &config.pis, options: &config.options, single_record: config.single_record() };
    let exported = export::export(&plan, source, &mut sink, counters).await;
    let (writers, written) = sink.into_inner();
    if let (Err(_), Err(w)) = (&exported, &written) {
        tracing::warn!("the writing thread failed too: {w}");
    }
    // The traversal's own error first; else the writing thread's.
    let stats = match exported.and_then(|stats| written.map(|()| stats).map_err(ExportError::from)) {
        Ok(stats) => stats,
        Err(e) => {
            // Bounded: a bucket that does not answer must not keep the failure from being reported.
            if tokio::time::timeout(Duration::from_secs(30), writers.abandon()).await.is_err() {
                tracing::warn!("the abandoned uploads did not end within 30 s");
            }
            return Err((None, e.to_string()));
        }
    };
    let files = writers.finish().map_err(|e| (None, format!("writing the export files failed: {e}")))?;
    // Each file has been uploading while it was written: wait for the rest of each.
    let uploads = files.into_iter().map(|mut file| async move {
        file.uploaded().await?;
        Ok::<_, crate::storage::StorageError>(Output {
            format: file.format,
            r2_key: file.key.clone(),
            file_name: file.name.clone(),
            size: file.size,
            sha256: file.sha256.clone(),
        })
    });
    match try_join_all(uploads).await {
        Ok(outputs) => Ok((stats, outputs)),
        Err(e) => Err((Some(stats), e.to_string())),
    }
}

/// Writes `result.json` (last) and POSTs it to the callback (a failed callback is logged, never
/// fatal). Returns whether `result.json` was written.
async fn finish(bucket: &Bucket, callback_url: Option<&str>, result: &TaskResult) -> bool {
    let key = result_key(&result.task_id);
    let body = serde_json::to_vec_pretty(result).expect("the result serialises");
    let written = match bucket.put_bytes(&key, body.clone(), "application/json").await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!("could not write result.json: {e}");
            false
        }
    };
    if let Some(url) = callback_url {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("valid client");
        match client.post(url).header("content-type", "application/json").body(body).send().await {
            Ok(r) if r.status().is_success() => tracing::info!("callback delivered"),
            Ok(r) => tracing::warn!("callback answered {}", r.status()),
            Err(e) => tracing::warn!("callback failed: {e}"),
        }
    }
    written
}

/// Writes an error `result.json` for a task whose environment was invalid, when the task ID and the
/// storage settings are usable, so that whoever waits for the task learns why at once.
pub async fn report_config_error(task_id: &str, batch_id: &str, storage: &StorageConfig, error: &str) {
    let result = TaskResult {
        task_id: task_id.to_owned(),
        batch_id: batch_id.to_owned(),
        status: ResultStatus::Error,
        output_r2_key: None,
        output_file_name: None,
        output_file_size: None,
        output_sha256: None,
        outputs: Vec::new(),
        metrics: Metrics { peak_memory_mb: peak_memory_mb(), ..Metrics::default() },
        failures: Vec::new(),
        error: Some(error.to_owned()),
        worker_version: WORKER_VERSION.to_owned(),
    };
    let _ = finish(&Bucket::new(storage), None, &result).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use arke_export_contract::result::Failure;

    #[test]
    fn result_json_stays_small_whatever_fails() {
        let failure = Failure { pi: "01HZX3K9Q4M8V2T6R5N7P0W1YB".into(), error: "é".repeat(1_000) };
        let listed = listed_failures(vec![failure; 5_000]);
        assert_eq!(listed.len(), MAX_LISTED_FAILURES);
        assert!(listed.iter().all(|f| f.error.len() <= MAX_FAILURE_BYTES + '…'.len_utf8()));
        assert!(serde_json::to_vec_pretty(&listed).unwrap().len() < 1024 * 1024);
    }
}
