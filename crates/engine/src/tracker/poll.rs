//! One poll: one bucket listing for every active job, then only the reads and checks that changed.

use std::collections::HashMap;

use arke_export_contract::bucket::{EXPORTS_PREFIX, result_key};
use arke_export_contract::result::{ResultStatus, TaskResult};

use super::{machines, timeouts};
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::job::{Job, JobOutput, JobProgress, JobState, now_ms};
use crate::listing::progress_markers;

/// Machine look-ups per poll, at most (Fly allows 5 gets/s; the rest of the budget is for waits).
pub const MACHINE_CHECKS_PER_POLL: usize = 3;

/// What the poller remembers between polls.
#[derive(Default)]
pub(crate) struct PollState {
    /// When each job's machine was last looked at (ms).
    machine_checked_at: HashMap<String, i64>,
}

pub(crate) async fn poll_once(inner: &Inner, ps: &mut PollState) -> Result<(), EngineError> {
    let now = now_ms();
    timeouts::expire_ready(inner, now).await?;
    let active = inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?;
    if active.is_empty() {
        return Ok(());
    }
    // Progress comes from the markers' names: the listing is the only bucket request of a quiet poll.
    let listing = inner.services.r2.list(EXPORTS_PREFIX).await?;
    let progress = progress_markers(&listing);
    let mut machine_candidates = Vec::new();
    let mut progressed: Vec<(Job, Option<&str>)> = Vec::new();
    for mut job in active {
        if listing.contains_key(&result_key(&job.task_id)) {
            finish_from_result(inner, &mut job).await?;
            continue;
        }
        if timeouts::overdue(inner, &job, now) {
            timeouts::time_out(inner, &mut job, &listing).await?;
            continue;
        }
        if let Some(counts) = progress.get(job.task_id.as_str()) {
            let first = job.state == JobState::Spawning;
            let p = JobProgress { done: counts.done, failed: counts.failed, total: counts.total };
            if job.running(Some(p))? {
                progressed.push((job.clone(), first.then_some("the worker started exporting")));
            }
        }
        if job.machine_id.is_some() {
            machine_candidates.push((ps.machine_checked_at.get(&job.id).copied().unwrap_or(0), job));
        }
    }
    inner.save(&mut progressed.iter_mut().map(|(j, d)| (j, *d)).collect::<Vec<_>>())?;
    machine_candidates.sort_by_key(|(at, _)| *at);
    for (_, mut job) in machine_candidates.into_iter().take(MACHINE_CHECKS_PER_POLL) {
        ps.machine_checked_at.insert(job.id.clone(), now);
        machines::check_machine(inner, &mut job, &listing).await?;
    }
    Ok(())
}

/// Reads result.json and moves the job to ready or failed.
pub(super) async fn finish_from_result(inner: &Inner, job: &mut Job) -> Result<(), EngineError> {
    let Some(result) = inner.services.r2.get_json::<TaskResult>(&result_key(&job.task_id)).await? else {
        return Ok(());
    };
    job.failures.clone_from(&result.failures);
    let m = &result.metrics;
    job.progress = Some(JobProgress {
        done: m.entities_exported,
        failed: m.entities_failed,
        total: Some(m.entities_exported + m.entities_failed),
    });
    let now = now_ms();
    match (result.status, result.output_r2_key, result.output_file_name) {
        (ResultStatus::Success, Some(key), Some(file_name)) => {
            let size = result.output_file_size.unwrap_or(0);
            job.mark_ready(
                JobOutput { key, file_name, size, sha256: result.output_sha256 },
                now,
                inner.config.retention_ms(),
            )?;
            let failed =
                if job.failures.is_empty() { String::new() } else { format!(", {} failed", job.failures.len()) };
            inner.save_one(job, &format!("exported {} records{failed}", result.metrics.entities_exported))?;
        }
        _ => {
            let error = result.error.unwrap_or_else(|| "the worker reported an error".into());
            job.fail(ErrorCode::WorkerError, error, now)?;
            inner.save_one(job, "the worker reported an error")?;
        }
    }
    inner.settle(&job.batch_id);
    Ok(())
}
