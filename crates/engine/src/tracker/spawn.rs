//! Creating the machine of the next queued job.

use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::job::{JobState, now_ms};

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
    let request = match inner.services.machine_request(&job) {
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
        Err(e) if e.is_transient() => {
            job.requeue(Some(format!("waiting to start: {e}")))?;
            inner.save_one(&mut job, &format!("could not create its machine yet: {e}"))?;
            return Ok(false);
        }
        Err(e) => {
            job.fail(e.code(), format!("its machine could not be created: {e}"), now_ms())?;
            inner.save_one(&mut job, "machine creation refused")?;
            inner.settle(&job.batch_id);
        }
    }
    Ok(true)
}
