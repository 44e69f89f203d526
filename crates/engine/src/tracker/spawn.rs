//! Creating the machine of the next queued job.

use super::unless_moved;
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::fly::FlyError;
use crate::job::{Job, JobState, now_ms};
use crate::services::METADATA_INSTALLATION;

/// Creates the machine of the next queued job, if there is room. `true` if it did something.
pub(super) async fn spawn_next(inner: &Inner) -> Result<bool, EngineError> {
    let active = inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?.len();
    if active >= inner.config.max_running as usize {
        return Ok(false);
    }
    let Some(mut job) = inner.store.jobs_in(&[JobState::Queued])?.into_iter().next() else { return Ok(false) };
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
