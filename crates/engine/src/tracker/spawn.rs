//! Creating machines: the next queued job's (the tracker's spawner), or those of a given list (a
//! command that acts, without a tracker). A creation holds the job's spawn lock from `spawning` until
//! its machine is recorded, so another process on the store tells a creation under way from one left
//! behind by a quit or a crash (see [`super::reattach::adopt_stranded`]).

use std::time::{Duration, Instant};

use super::poll::{PollState, poll_once};
use super::reattach::adopt_stranded;
use super::unless_moved;
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::fly::FlyError;
use crate::job::{Job, JobState, now_ms};
use crate::services::METADATA_INSTALLATION;

/// Is there room for one more machine under `MAX_RUNNING`?
fn room(inner: &Inner) -> Result<bool, EngineError> {
    Ok(inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?.len() < inner.config.max_running as usize)
}

/// Creates the machine of the next queued job, if there is room. `true` if it did something.
pub(super) async fn spawn_next(inner: &Inner) -> Result<bool, EngineError> {
    if !room(inner)? {
        return Ok(false);
    }
    // A queued job whose lock is held is being taken by another process right now.
    let next = inner.store.jobs_in(&[JobState::Queued])?.into_iter().find(|j| !inner.spawns.busy(&j.id));
    match next {
        Some(job) => spawn_job(inner, &job.id).await,
        None => Ok(false),
    }
}

/// A job still waiting for its machine to be created.
fn waits_for_machine(job: &Job) -> bool {
    job.state == JobState::Queued || (job.state == JobState::Spawning && job.machine_id.is_none())
}

/// Creates the machines of the jobs `ids` (and of no other job): returns when each has its machine on
/// Fly or no longer waits for one (its creation failed for good and it says why, or it was canceled).
/// A rate limit or an unreachable Fly is waited out, never a reason to return. With no tracker running
/// here, it polls once an interval while `MAX_RUNNING` leaves no room, so that finished jobs make room.
pub(crate) async fn spawn_jobs(inner: &Inner, ids: &[String]) -> Result<Vec<Job>, EngineError> {
    let interval = Duration::from_secs(u64::from(inner.config.poll_interval_s));
    let mut poll = PollState::default();
    let mut polled_at = Instant::now();
    loop {
        let jobs: Vec<Job> = ids.iter().map(|id| inner.reread(id)).collect::<Result<_, _>>()?;
        if !jobs.iter().any(waits_for_machine) {
            return Ok(jobs);
        }
        // One left `spawning` by a process that quit is looked up by name, or queued again.
        adopt_stranded(inner, Some(ids)).await?;
        let mut progressed = false;
        for job in jobs.iter().filter(|j| j.state == JobState::Queued) {
            if !room(inner)? {
                break;
            }
            progressed |= spawn_job(inner, &job.id).await?;
        }
        if progressed {
            continue;
        }
        if polled_at.elapsed() >= interval {
            polled_at = Instant::now();
            if let Err(e) = poll_once(inner, &mut poll).await {
                tracing::warn!("polling while waiting for room: {e}");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Creates the machine of the queued job `id`, holding its spawn lock throughout. `true` if it did
/// something (or someone else just did).
pub(crate) async fn spawn_job(inner: &Inner, id: &str) -> Result<bool, EngineError> {
    let Some(_creating) = inner.spawns.acquire(id) else { return Ok(false) };
    let mut job = inner.reread(id)?;
    if job.state != JobState::Queued {
        return Ok(true);
    }
    // Written before the machine exists: a crash now leaves a job we look up by name on restart. Only
    // one writer wins it: another process on this store that took it first spawns it, not we.
    if unless_moved(inner.transition(&mut job, Some("creating its machine"), |j| j.spawning(now_ms())))?.is_none() {
        return Ok(true);
    }
    // Whether the Fly app holds the worker's R2 secret decides whether the request may carry one.
    let secret_on_fly = match inner.services.worker_secret_on_fly().await {
        Ok(on_fly) => on_fly,
        Err(e) => return fly_refused(inner, &mut job, e),
    };
    let mut request = match inner.services.machine_request(&job, secret_on_fly) {
        Ok(request) => request,
        Err(e) => {
            let reason = format!("its record list is not valid: {e}");
            let failed = inner.transition(&mut job, Some("not started: invalid record ID"), |j| {
                j.fail(ErrorCode::InvalidRecordId, reason.clone(), now_ms())
            });
            unless_moved(failed)?;
            inner.settle(&job.batch_id);
            return Ok(true);
        }
    };
    // Only this installation's machines are ever cleaned up by it (see reattach).
    request.config.metadata.insert(METADATA_INSTALLATION.into(), inner.installation.clone());
    // An engine replaced meanwhile (new settings) creates nothing with its old ones: the job waits in
    // the queue for the engine that replaced it.
    if inner.is_stopped() {
        unless_moved(
            inner.transition(&mut job, Some("engine stopped before its machine was created"), |j| j.requeue(None)),
        )?;
        return Ok(false);
    }
    match inner.services.fly.create(&request).await {
        Ok(machine) => {
            let detail = format!("machine {} created in {}", machine.id, machine.region);
            if unless_moved(inner.transition(&mut job, Some(&detail), |j| j.attach(&machine)))?.is_none() {
                // Canceled while its machine was being created: the machine goes too.
                tracing::info!("job {} ended during its machine's creation; destroying {}", job.id, machine.id);
                if let Err(e) = inner.services.fly.destroy(&machine.id).await {
                    tracing::warn!("could not destroy machine {} of job {}: {e}", machine.id, job.id);
                }
            }
        }
        Err(e) => return fly_refused(inner, &mut job, e),
    }
    Ok(true)
}

/// Fly did not create the job's machine: it waits in the queue when that may pass, else it fails.
fn fly_refused(inner: &Inner, job: &mut Job, e: FlyError) -> Result<bool, EngineError> {
    if e.is_transient() {
        let detail = format!("could not create its machine yet: {e}");
        unless_moved(inner.transition(job, Some(&detail), |j| j.requeue(Some(format!("waiting to start: {e}")))))?;
        return Ok(false);
    }
    let reason = format!("its machine could not be created: {e}");
    unless_moved(
        inner.transition(job, Some("machine creation refused"), |j| j.fail(e.code(), reason.clone(), now_ms())),
    )?;
    inner.settle(&job.batch_id);
    Ok(true)
}
