//! What the engine and its tracker share: the store, the settings, the services, the event
//! channel, and the one path by which a changed job is saved and announced.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Config;
use crate::error::EngineError;
use crate::events::{Events, JobEvent};
use crate::job::{BatchSummary, Job, JobState, now_ms};
use crate::services::Services;
use crate::store::Store;

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) config: Config,
    pub(crate) services: Services,
    pub(crate) events: Events,
    /// Wakes the spawner (a batch was submitted, a job retried).
    pub(crate) wake: Arc<Notify>,
}

impl Inner {
    /// Saves changed jobs in one transaction (a timeline entry for each `detail`), then tells the
    /// watchers. The only way a job change reaches the store.
    pub(crate) fn save(&self, changes: &mut [(&mut Job, Option<&str>)]) -> Result<(), EngineError> {
        let now = now_ms();
        for (job, _) in changes.iter_mut() {
            job.updated_at = now;
        }
        self.store.save(&changes.iter().map(|(j, d)| (&**j, *d)).collect::<Vec<_>>())?;
        for (job, _) in changes.iter() {
            self.events.send(JobEvent::Changed { job: Box::new((**job).clone()) });
        }
        Ok(())
    }

    /// Saves one changed job with its timeline entry.
    pub(crate) fn save_one(&self, job: &mut Job, detail: &str) -> Result<(), EngineError> {
        self.save(&mut [(job, Some(detail))])
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

    /// The bucket's copy of an export goes away (expired, or deleted after download).
    pub(crate) async fn delete_export(&self, job: &Job) {
        let prefix = arke_export_contract::bucket::task_prefix(&job.task_id);
        if let Err(e) = self.services.r2.delete_prefix(&prefix).await {
            tracing::warn!("could not delete the bucket's copy of {}: {e}", job.id);
        }
    }
}
