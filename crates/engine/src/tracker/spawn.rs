//! Creating the machine of the next queued job.

use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::fly::FlyError;
use crate::job::{Job, JobState, now_ms};

/// Creates the machine of the next queued job, if there is room. `true` if it did something.
pub(super) async fn spawn_next(inner: &Inner) -> Result<bool, EngineError> {
    let active = inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?.len();
    if active >= inner.config.max_running as usize {
        return Ok(false);
    }
    let Some(mut job) = inner.store.jobs_in(&[JobState::Queued])?.into_iter().next() else { return Ok(false) };
    // Written before the machine exists: a crash now leaves a job we look up by name on restart.
    job.spawning(now_ms())?;
    inner.save_one(&mut job, "creating its machine")?;
    // Whether the Fly app holds the worker's R2 secret decides whether the request may carry one.
    let secret_on_fly = match inner.services.worker_secret_on_fly().await {
        Ok(on_fly) => on_fly,
        Err(e) => return fly_refused(inner, &mut job, e),
    };
    let request = match inner.services.machine_request(&job, secret_on_fly) {
        Ok(request) => request,
        Err(e) => {
            job.fail(ErrorCode::InvalidRecordId, format!("its record list is not valid: {e}"), now_ms())?;
            inner.save_one(&mut job, "not started: invalid record ID")?;
            inner.settle(&job.batch_id);
            return Ok(true);
        }
    };
    match inner.services.fly.create(&request).await {
        Ok(machine) => {
            job.attach(&machine)?;
            inner.save_one(&mut job, &format!("machine {} created in {}", machine.id, machine.region))?;
        }
        Err(e) => return fly_refused(inner, &mut job, e),
    }
    Ok(true)
}

/// Fly did not create the job's machine: it waits in the queue when that may pass, else it fails.
fn fly_refused(inner: &Inner, job: &mut Job, e: FlyError) -> Result<bool, EngineError> {
    if e.is_transient() {
        job.requeue(Some(format!("waiting to start: {e}")))?;
        inner.save_one(job, &format!("could not create its machine yet: {e}"))?;
        return Ok(false);
    }
    job.fail(e.code(), format!("its machine could not be created: {e}"), now_ms())?;
    inner.save_one(job, "machine creation refused")?;
    inner.settle(&job.batch_id);
    Ok(true)
}
