//! After a restart: spawning jobs find the machine created under their name (or wait again), and
//! machines that belong to no unfinished job are destroyed.

use std::collections::HashSet;

use arke_fly_api::state;

use crate::core::Inner;
use crate::error::EngineError;
use crate::events::JobEvent;
use crate::job::JobState;
use crate::services::METADATA_JOB;

pub(super) async fn reattach(inner: &Inner) -> Result<(), EngineError> {
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
                job.attach(m)?;
                inner.save_one(&mut job, &format!("re-attached to machine {}", m.id))?;
            }
            None => {
                job.requeue(None)?;
                inner.save_one(&mut job, "its machine was never created; queued again")?;
            }
        }
    }
    // By job id (from the machine's metadata), not machine id: another process sharing this store
    // may have just created a machine it has not recorded yet.
    let unfinished: HashSet<String> = inner
        .store
        .jobs_in(&[JobState::Queued, JobState::Spawning, JobState::Running])?
        .into_iter()
        .flat_map(|j| [j.id.clone(), j.task_id])
        .collect();
    for m in machines {
        let Some(job_id) = m.config.metadata.get(METADATA_JOB) else { continue };
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
