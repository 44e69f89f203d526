//! After a restart: spawning jobs find the machine created under their name (or wait again), and
//! machines of this installation that belong to no unfinished job of it are destroyed.

use std::collections::HashSet;

use arke_fly_api::state;

use super::unless_moved;
use crate::core::Inner;
use crate::error::EngineError;
use crate::events::JobEvent;
use crate::job::{Job, JobState};
use crate::services::{METADATA_INSTALLATION, METADATA_JOB};

/// Jobs left `downloading` by a quit or a crash (no process holds their download lock) can be
/// downloaded again; their `.part` stays, so the download resumes.
pub(super) fn recover_downloads(inner: &Inner) -> Result<(), EngineError> {
    for mut job in inner.store.jobs_in(&[JobState::Downloading])? {
        if inner.downloads.busy(&job.id) {
            continue;
        }
        let detail = "its download was interrupted (the app quit); download it again to resume";
        unless_moved(inner.transition(&mut job, Some(detail), Job::download_interrupted))?;
    }
    Ok(())
}

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
        if let Some(m) = machines.iter().find(|m| m.name == job.task_id) {
            let detail = format!("re-attached to machine {}", m.id);
            unless_moved(inner.transition(&mut job, Some(&detail), |j| j.attach(m)))?;
        } else {
            let detail = "its machine was never created; queued again";
            unless_moved(inner.transition(&mut job, Some(detail), |j| j.requeue(None)))?;
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
        // Another installation's machine (or one from before machines carried it) is never touched.
        if m.config.metadata.get(METADATA_INSTALLATION) != Some(&inner.installation) {
            continue;
        }
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
