//! After a restart (and whenever a creation is left behind): spawning jobs find the machine created
//! under their name (or wait again), and machines of this installation that belong to no unfinished
//! job of it are destroyed.

use std::collections::HashSet;

use arke_fly_api::{Machine, state};

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

/// Jobs `spawning` without a machine whose creation no process is running now (the one that started
/// it quit or crashed): each is attached to the machine Fly created under its name, or queued again.
/// Only `only`'s jobs when given. Fly's machine list is asked only when there is such a job.
pub(super) async fn adopt_stranded(inner: &Inner, only: Option<&[String]>) -> Result<(), EngineError> {
    let stranded = inner
        .store
        .jobs_in(&[JobState::Spawning])?
        .into_iter()
        .any(|j| j.machine_id.is_none() && only.is_none_or(|ids| ids.contains(&j.id)) && !inner.spawns.busy(&j.id));
    if !stranded {
        return Ok(());
    }
    let machines = match inner.services.fly.list().await {
        Ok(m) => m,
        Err(e) if e.is_transient() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    adopt(inner, &machines, only)
}

/// [`adopt_stranded`] with Fly's machine list at hand.
fn adopt(inner: &Inner, machines: &[Machine], only: Option<&[String]>) -> Result<(), EngineError> {
    for job in inner.store.jobs_in(&[JobState::Spawning])? {
        if job.machine_id.is_some() || only.is_some_and(|ids| !ids.contains(&job.id)) {
            continue;
        }
        // Held while it is decided; a creation under way (here or in another process) holds it already.
        let Some(_deciding) = inner.spawns.acquire(&job.id) else { continue };
        let mut job = inner.reread(&job.id)?;
        if job.state != JobState::Spawning || job.machine_id.is_some() {
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
    Ok(())
}

pub(super) async fn reattach(inner: &Inner) -> Result<(), EngineError> {
    let machines = match inner.services.fly.list().await {
        Ok(m) => m,
        Err(e) if e.is_transient() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    adopt(inner, &machines, None)?;
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
