//! The tracker: spawns machines for queued jobs (paced by Fly's limits and `MAX_RUNNING`),
//! polls the bucket once per interval for every active job, watches machines for timeouts,
//! exits and disappearance, and re-attaches everything after a restart.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use arke_export_contract::bucket::{EXPORTS_PREFIX, result_key, task_prefix};
use arke_export_contract::result::{ResultStatus, TaskResult};
use arke_fly_api::state;

use crate::engine::Inner;
use crate::error::EngineError;
use crate::events::JobEvent;
use crate::fly::FlyError;
use crate::job::{Job, JobOutput, JobProgress, JobState, now_ms};
use crate::listing::{export_object, progress_markers};
use crate::r2::ObjectInfo;

/// Machine look-ups per poll, at most (Fly allows 5 gets/s; the rest of the budget is for waits).
pub const MACHINE_CHECKS_PER_POLL: usize = 3;

/// Starts the spawner and the poller; both stop when the engine is dropped.
pub(crate) async fn start(inner: &Arc<Inner>) {
    if let Err(e) = reattach(inner).await {
        tracing::warn!("re-attaching jobs after start: {e}");
    }
    let weak = Arc::downgrade(inner);
    tokio::spawn(spawner(weak.clone()));
    tokio::spawn(poller(weak));
}

fn fail(job: &mut Job, code: &str, reason: String) {
    job.state = JobState::Failed;
    job.reason_code = Some(code.to_owned());
    job.reason = Some(reason);
    job.finished_at = Some(now_ms());
}

/// Sends `BatchSettled` when no job of the batch is still on its way.
pub(crate) fn settle(inner: &Inner, batch_id: &str) {
    if let Ok(summary) = inner.summary(batch_id)
        && summary.active == 0
    {
        inner.events.send(JobEvent::BatchSettled { summary });
    }
}

async fn spawner(inner: Weak<Inner>) {
    loop {
        let Some(inner) = inner.upgrade() else { return };
        let progressed = match spawn_next(&inner).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("spawning: {e}");
                false
            }
        };
        if !progressed {
            let wait = Duration::from_secs(1);
            let wake = inner.wake.clone();
            drop(inner);
            let _ = tokio::time::timeout(wait, wake.notified()).await;
        }
    }
}

/// Creates the machine of the next queued job, if there is room. `true` if it did something.
async fn spawn_next(inner: &Inner) -> Result<bool, EngineError> {
    let active = inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?.len();
    if active >= inner.config.max_running as usize {
        return Ok(false);
    }
    let Some(mut job) = inner.store.jobs_in(&[JobState::Queued])?.into_iter().next() else { return Ok(false) };
    // Written before the machine exists: a crash now leaves a job we look up by name on restart.
    job.state = JobState::Spawning;
    job.started_at = Some(now_ms());
    inner.save(&mut job, Some("creating its machine"))?;
    let request = match inner.services.machine_request(&job) {
        Ok(request) => request,
        Err(e) => {
            fail(&mut job, "invalid_record_id", format!("its record list is not valid: {e}"));
            inner.save(&mut job, Some("not started: invalid record ID"))?;
            settle(inner, &job.batch_id);
            return Ok(true);
        }
    };
    match inner.services.fly.create(&request).await {
        Ok(machine) => {
            job.machine_id = Some(machine.id.clone());
            job.instance_id = Some(machine.instance_id.clone());
            job.region = Some(machine.region.clone());
            let detail = format!("machine {} created in {}", machine.id, machine.region);
            inner.save(&mut job, Some(&detail))?;
        }
        Err(e) if e.is_transient() => {
            job.state = JobState::Queued;
            job.reason = Some(format!("waiting to start: {e}"));
            inner.save(&mut job, Some(&format!("could not create its machine yet: {e}")))?;
            return Ok(false);
        }
        Err(e) => {
            fail(&mut job, e.code(), format!("its machine could not be created: {e}"));
            inner.save(&mut job, Some("machine creation refused"))?;
            settle(inner, &job.batch_id);
        }
    }
    Ok(true)
}

async fn poller(inner: Weak<Inner>) {
    let mut state = PollState::default();
    loop {
        let Some(inner) = inner.upgrade() else { return };
        if let Err(e) = poll_once(&inner, &mut state).await {
            tracing::warn!("polling: {e}");
        }
        let interval = Duration::from_secs(u64::from(inner.config.poll_interval_s));
        drop(inner);
        tokio::time::sleep(interval).await;
    }
}

/// What the poller remembers between polls.
#[derive(Default)]
pub(crate) struct PollState {
    /// When each job's machine was last looked at (ms).
    machine_checked_at: HashMap<String, i64>,
}

/// One poll: one listing for every active job, then the reads and checks that changed.
pub(crate) async fn poll_once(inner: &Inner, ps: &mut PollState) -> Result<(), EngineError> {
    let now = now_ms();
    for mut job in inner.store.jobs_in(&[JobState::Ready])? {
        if job.expires_at.is_some_and(|t| t <= now) {
            // The bucket's copy goes too (an R2 lifecycle rule may have removed it already).
            if let Err(e) = inner.services.r2.delete_prefix(&task_prefix(&job.task_id)).await {
                tracing::warn!("could not delete the expired export of {}: {e}", job.id);
            }
            job.state = JobState::Expired;
            job.reason =
                Some(format!("the export was kept {} h in the bucket and has been removed", inner.config.retention_h));
            job.reason_code = Some("expired".into());
            inner.save(&mut job, Some("expired"))?;
        }
    }
    let active = inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?;
    if active.is_empty() {
        return Ok(());
    }
    // Progress comes from the markers' names: the listing is the only bucket request of a quiet poll.
    let listing = inner.services.r2.list(EXPORTS_PREFIX).await?;
    let progress = progress_markers(&listing);
    let mut machine_candidates = Vec::new();
    let mut progressed = Vec::new();
    for mut job in active {
        if listing.contains_key(&result_key(&job.task_id)) {
            finish_from_result(inner, &mut job).await?;
            continue;
        }
        if let Some(counts) = progress.get(job.task_id.as_str()) {
            let p = JobProgress { done: counts.done, failed: counts.failed, total: counts.total };
            let first = job.state == JobState::Spawning;
            if first || job.progress != Some(p) {
                job.progress = Some(p);
                job.state = JobState::Running;
                progressed.push((job.clone(), first.then_some("the worker started exporting")));
            }
        }
        let started = job.started_at.unwrap_or(job.created_at);
        let limit =
            if job.state == JobState::Spawning { inner.config.spawn_timeout_s } else { inner.config.run_timeout_s };
        if now - started > i64::from(limit) * 1000 {
            // Saved there, progress included: not again below.
            progressed.retain(|(j, _)| j.id != job.id);
            time_out(inner, &mut job, &listing).await?;
            continue;
        }
        if job.machine_id.is_some() {
            machine_candidates.push((ps.machine_checked_at.get(&job.id).copied().unwrap_or(0), job));
        }
    }
    inner.save_all(&mut progressed)?;
    machine_candidates.sort_by_key(|(at, _)| *at);
    for (_, mut job) in machine_candidates.into_iter().take(MACHINE_CHECKS_PER_POLL) {
        ps.machine_checked_at.insert(job.id.clone(), now);
        check_machine(inner, &mut job, &listing).await?;
    }
    Ok(())
}

/// Reads result.json and moves the job to ready or failed.
async fn finish_from_result(inner: &Inner, job: &mut Job) -> Result<(), EngineError> {
    let key = result_key(&job.task_id);
    let Some(result) = inner.services.r2.get_json::<TaskResult>(&key).await? else { return Ok(()) };
    job.failures = result.failures.clone();
    job.progress = Some(JobProgress {
        done: result.metrics.entities_exported,
        failed: result.metrics.entities_failed,
        total: Some(result.metrics.entities_exported + result.metrics.entities_failed),
    });
    job.finished_at = Some(now_ms());
    match (result.status, result.output_r2_key, result.output_file_name) {
        (ResultStatus::Success, Some(key), Some(file_name)) => {
            job.state = JobState::Ready;
            job.output = Some(JobOutput {
                key,
                file_name,
                size: result.output_file_size.unwrap_or(0),
                sha256: result.output_sha256,
            });
            job.expires_at = Some(now_ms() + i64::from(inner.config.retention_h) * 3_600_000);
            let failed =
                if job.failures.is_empty() { String::new() } else { format!(", {} failed", job.failures.len()) };
            let detail = format!("exported {} records{failed}", result.metrics.entities_exported);
            inner.save(job, Some(&detail))?;
        }
        _ => {
            let error = result.error.unwrap_or_else(|| "the worker reported an error".into());
            fail(job, "worker_error", error);
            inner.save(job, Some("the worker reported an error"))?;
        }
    }
    settle(inner, &job.batch_id);
    Ok(())
}

/// Looks at the machine: gone or exited without a result means the job failed (or, for the
/// original worker image, exit 0 plus an export object means it is ready).
async fn check_machine(inner: &Inner, job: &mut Job, listing: &HashMap<String, ObjectInfo>) -> Result<(), EngineError> {
    let Some(id) = job.machine_id.clone() else { return Ok(()) };
    let machine = match inner.services.fly.get(&id).await {
        Ok(m) => Some(m),
        Err(FlyError::MachineNotFound(_)) => None,
        Err(e) if e.is_transient() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let exited = machine.as_ref().is_none_or(|m| matches!(m.state.as_str(), state::STOPPED | state::DESTROYED));
    if let Some(m) = &machine
        && m.state == state::STARTED
        && job.state == JobState::Spawning
    {
        job.state = JobState::Running;
        inner.save(job, Some(&format!("machine {id} started")))?;
    }
    if !exited {
        return Ok(());
    }
    // The worker writes result.json before it exits: read it now, the listing may predate it.
    if inner.services.r2.get_json::<TaskResult>(&result_key(&job.task_id)).await?.is_some()
    {
        return finish_from_result(inner, job).await;
    }
    let code = machine.as_ref().and_then(|m| m.exit_code());
    job.exit_code = code;
    match (code, export_object(listing, &job.task_id)) {
        (Some(0), Some((key, info))) => {
            job.state = JobState::Ready;
            job.output = Some(JobOutput {
                key: key.clone(),
                file_name: key.rsplit('/').next().unwrap_or(key).to_owned(),
                size: info.size,
                sha256: None,
            });
            job.finished_at = Some(now_ms());
            job.expires_at = Some(now_ms() + i64::from(inner.config.retention_h) * 3_600_000);
            inner.save(job, Some("machine exited 0 and its export is in the bucket (no result.json)"))?;
        }
        (Some(code), _) => {
            fail(job, "machine_exit", format!("the machine stopped with exit code {code} without reporting a result"));
            inner.save(job, Some(&format!("machine exited with code {code}")))?;
        }
        (None, _) => {
            fail(job, "machine_vanished", "the machine disappeared before it reported a result".into());
            inner.save(job, Some("machine vanished"))?;
        }
    }
    settle(inner, &job.batch_id);
    Ok(())
}

async fn time_out(inner: &Inner, job: &mut Job, listing: &HashMap<String, ObjectInfo>) -> Result<(), EngineError> {
    if job.machine_id.is_some() {
        // It may have just finished: give the machine's own answer a chance first.
        check_machine(inner, job, listing).await?;
        if job.state.is_final() || job.state == JobState::Ready {
            return Ok(());
        }
    }
    let (code, limit) = if job.state == JobState::Spawning {
        ("spawn_timeout", inner.config.spawn_timeout_s)
    } else {
        ("run_timeout", inner.config.run_timeout_s)
    };
    if let Some(id) = &job.machine_id
        && let Err(e) = inner.services.fly.destroy(id).await
    {
        tracing::warn!("could not destroy machine {id} of timed-out job {}: {e}", job.id);
    }
    let what = if code == "spawn_timeout" { "did not start" } else { "did not finish" };
    fail(job, code, format!("the machine {what} within {limit} s and was destroyed"));
    inner.save(job, Some(&format!("timed out after {limit} s; machine destroyed")))?;
    settle(inner, &job.batch_id);
    Ok(())
}

/// After a restart: attach spawning jobs to the machine created under their name (or queue them
/// again), and destroy machines that belong to no unfinished job.
async fn reattach(inner: &Inner) -> Result<(), EngineError> {
    let machines = match inner.services.fly.list().await {
        Ok(m) => m,
        Err(e) if e.is_transient() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for mut job in inner.store.jobs_in(&[JobState::Spawning])? {
        if job.machine_id.is_some() {
            continue;
        }
        match machines.iter().find(|m| m.name == job.task_id) {
            Some(m) => {
                job.machine_id = Some(m.id.clone());
                job.instance_id = Some(m.instance_id.clone());
                job.region = Some(m.region.clone());
                inner.save(&mut job, Some(&format!("re-attached to machine {}", m.id)))?;
            }
            None => {
                job.state = JobState::Queued;
                inner.save(&mut job, Some("its machine was never created; queued again"))?;
            }
        }
    }
    // By job id (from the machine's metadata), not machine id: another process sharing this store
    // may have just created a machine it has not recorded yet.
    let unfinished: std::collections::HashSet<String> = inner
        .store
        .jobs_in(&[JobState::Queued, JobState::Spawning, JobState::Running])?
        .into_iter()
        .flat_map(|j| [j.id.clone(), j.task_id])
        .collect();
    for m in machines {
        let Some(job_id) = m.config.metadata.get(crate::services::METADATA_JOB) else { continue };
        if unfinished.contains(job_id) || unfinished.contains(&m.name) || m.state == state::DESTROYED {
            continue;
        }
        let detail = format!("machine {} (job {job_id}, {}) belongs to no unfinished job", m.id, m.state);
        tracing::warn!("{detail}: destroying it");
        if let Err(e) = inner.services.fly.destroy(&m.id).await {
            tracing::warn!("could not destroy orphan machine {}: {e}", m.id);
        }
        inner.events.send(JobEvent::Orphan { machine_id: m.id.clone(), detail });
    }
    Ok(())
}
