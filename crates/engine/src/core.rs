//! What the engine and its tracker share: the store, the settings, the services, the event
//! channel, and the one path by which a changed job is saved and announced.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Config;
use crate::download_lock::JobLocks;
use crate::error::EngineError;
use crate::events::{Events, JobEvent};
use crate::job::{BatchSummary, Job, JobState, now_ms};
use crate::services::Services;
use crate::store::{Store, StoreError};

/// Saves of one change tried before a lost race is given up (each after reading the job again).
const SAVE_ATTEMPTS: u32 = 5;

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) config: Config,
    pub(crate) services: Services,
    pub(crate) events: Events,
    /// Wakes the spawner (a batch was submitted, a job retried).
    pub(crate) wake: Arc<Notify>,
    /// This installation's id (see [`crate::installation`]): the start of its task ids.
    pub(crate) installation: String,
    /// The downloads running now (one per job).
    pub(crate) downloads: JobLocks,
    /// The machine creations running now (one per job).
    pub(crate) spawns: JobLocks,
    /// What is left to delete from the bucket (see [`crate::cleanup`]).
    pub(crate) cleanup: crate::cleanup::Cleanup,
    /// How far the local clock is taken to be off, in ms (tests pretend a wrong clock with it).
    pub(crate) clock_skew_ms: std::sync::atomic::AtomicI64,
    /// The re-attach after a start is still running (in the background).
    pub(crate) reconnecting: std::sync::atomic::AtomicBool,
    /// Poll rounds still to panic (tests of the poller's supervision; 0 in real use).
    pub(crate) poll_panics: std::sync::atomic::AtomicU32,
    /// The archive, for titles, Browse and previews.
    pub(crate) catalog: crate::catalog::Catalog,
    /// True once the last [`crate::Engine`] handle is gone: the tracker's tasks stop, even those that
    /// still hold this (a re-attach waiting for Fly), so a replaced engine never acts on old settings.
    pub(crate) stopped: tokio::sync::watch::Sender<bool>,
}

impl Inner {
    /// Whether the engine's handles are all gone (see [`Inner::stopped`]).
    pub(crate) fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Returns once the engine's handles are all gone.
    pub(crate) async fn until_stopped(&self) {
        let mut stopped = self.stopped.subscribe();
        let _ = stopped.wait_for(|s| *s).await;
    }

    /// Saves changed jobs in one transaction (a timeline entry for each `detail`), then tells the
    /// watchers. The only way a job change reaches the store.
    pub(crate) fn save(&self, changes: &mut [(&mut Job, Option<&str>)]) -> Result<(), EngineError> {
        let now = now_ms();
        for (job, _) in changes.iter_mut() {
            job.updated_at = now;
        }
        self.store.save(&changes.iter().map(|(j, d)| (&**j, *d)).collect::<Vec<_>>())?;
        for (job, _) in changes.iter_mut() {
            job.version += 1;
        }
        // A job done with its bucket folder: the next clean-up round deletes it.
        if changes.iter().any(|(job, _)| job.state.is_final()) {
            self.cleanup.wake();
        }
        for (job, _) in changes.iter() {
            self.events.send(JobEvent::Changed { job: Box::new((**job).clone()) });
        }
        Ok(())
    }

    /// Saves one changed job with its timeline entry.
    pub(crate) fn save_one(&self, job: &mut Job, detail: &str) -> Result<(), EngineError> {
        self.save(&mut [(job, Some(detail))])
    }

    /// Applies `change` (a lifecycle method) to the job and saves it. When someone else saved the job
    /// since it was read, the job is read again and `change` decided anew on that copy, never written
    /// over it; a change the job no longer allows is the `wrong_state` error (nothing saved) — e.g. a
    /// poller's stale "running" after a cancel. On return `job` is the stored job.
    pub(crate) fn transition<T>(
        &self,
        job: &mut Job,
        detail: Option<&str>,
        mut change: impl FnMut(&mut Job) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut attempts = 0;
        loop {
            let out = change(job)?;
            match self.save(&mut [(job, detail)]) {
                Err(EngineError::Store(StoreError::Conflict(_))) if attempts < SAVE_ATTEMPTS => {
                    attempts += 1;
                    *job = self.reread(&job.id)?;
                }
                saved => return saved.map(|()| out),
            }
        }
    }

    /// The stored copy of a job.
    pub(crate) fn reread(&self, id: &str) -> Result<Job, EngineError> {
        self.store.job(id)?.ok_or_else(|| EngineError::NoSuchJob(id.to_owned()))
    }

    pub(crate) fn summary(&self, batch_id: &str) -> Result<BatchSummary, EngineError> {
        let mut s = BatchSummary { batch_id: batch_id.to_owned(), ..BatchSummary::default() };
        for job in self.store.batch_jobs(batch_id)? {
            s.jobs += 1;
            match job.state {
                JobState::Queued | JobState::Spawning | JobState::Running | JobState::Downloading => s.active += 1,
                JobState::Ready => s.ready += 1,
                JobState::Downloaded => s.downloaded += 1,
                JobState::Failed => s.failed += 1,
                JobState::Canceled => s.canceled += 1,
                JobState::Expired => s.expired += 1,
            }
            crate::cost::watch::add_to_summary(&mut s, &job);
        }
        Ok(s)
    }

    /// Sends `BatchSettled` when no job of the batch is still on its way.
    pub(crate) fn settle(&self, batch_id: &str) {
        if let Ok(summary) = self.summary(batch_id)
            && summary.active == 0
        {
            self.events.send(JobEvent::BatchSettled { summary });
        }
    }

    /// The start of this installation's task ids (`{installation}-`).
    pub(crate) fn task_id_prefix(&self) -> String {
        format!("{}-", self.installation)
    }

    /// The bucket's copy of an export goes away (expired, or deleted after download). Best effort: a
    /// delete that fails is logged and tried again by the next clean-up round.
    pub(crate) async fn delete_export(&self, job: &Job) {
        let prefix = arke_export_contract::bucket::task_prefix(&job.task_id);
        if let Err(e) = self.services.r2.delete_prefix(&prefix).await {
            tracing::warn!("could not delete the bucket's copy of {} (tried again later): {e}", job.id);
            self.cleanup.wake();
        }
    }

    /// The local time (ms), as this engine takes it.
    pub(crate) fn now(&self) -> i64 {
        now_ms().saturating_add(self.clock_skew_ms.load(std::sync::atomic::Ordering::Relaxed))
    }
}
