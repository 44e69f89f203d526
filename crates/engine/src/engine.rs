//! The engine: submit, list, cancel, retry, remove, download — and a tracker running behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arke_export_contract::options::ExportOptions;
use tokio::sync::Notify;

use crate::config::Config;
use crate::download::{self, DownloadSpec};
use crate::error::EngineError;
use crate::events::{Events, JobEvent};
use crate::ids::parse_ids;
use crate::job::{Batch, BatchSummary, Job, JobState, TimelineEntry, new_id, now_ms};
use crate::services::Services;
use crate::store::Store;

pub(crate) struct Inner {
    pub store: Store,
    pub config: Config,
    pub services: Services,
    pub events: Events,
    pub wake: Arc<Notify>,
}

impl Inner {
    /// Saves a job (with a timeline entry when `detail` is given) and tells the watchers.
    pub fn save(&self, job: &mut Job, detail: Option<&str>) -> Result<(), EngineError> {
        job.updated_at = now_ms();
        self.store.save(job, detail)?;
        self.events.send(JobEvent::Changed { job: Box::new(job.clone()) });
        Ok(())
    }

    /// Saves jobs that changed in one poll, in one transaction, then tells watchers.
    pub fn save_all(&self, jobs: &mut [(Job, Option<&str>)]) -> Result<(), EngineError> {
        let now = now_ms();
        for (job, _) in jobs.iter_mut() {
            job.updated_at = now;
        }
        self.store.save_all(&jobs.iter().map(|(j, d)| (j, *d)).collect::<Vec<_>>())?;
        for (job, _) in jobs.iter() {
            self.events.send(JobEvent::Changed { job: Box::new(job.clone()) });
        }
        Ok(())
    }

    pub fn summary(&self, batch_id: &str) -> Result<BatchSummary, EngineError> {
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
}

/// A running engine. Clones share it; the tracker stops when the last clone is dropped.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    /// Opens the store in `data_dir` and starts the tracker (which first re-attaches unfinished jobs).
    pub async fn start(config: Config, services: Services, data_dir: &Path) -> Result<Engine, EngineError> {
        let store = Store::open(data_dir)?;
        let inner = Arc::new(Inner { store, config, services, events: Events::default(), wake: Arc::default() });
        crate::tracker::start(&inner).await;
        Ok(Engine { inner })
    }

    /// The engine's events (subscribe to follow every job change).
    pub fn events(&self) -> &Events {
        &self.inner.events
    }

    pub fn services(&self) -> &Services {
        &self.inner.services
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Submits a batch: the IDs are split into jobs of `per_machine` records and queued.
    pub fn submit(
        &self,
        ids_text: &str,
        options: ExportOptions,
        per_machine: Option<u32>,
    ) -> Result<(Batch, Vec<Job>), EngineError> {
        let parsed = parse_ids(ids_text);
        if parsed.ids.is_empty() {
            let why = match parsed.invalid.first() {
                Some(l) => format!("line {}: {:?} is {}", l.line, l.text, l.reason),
                None => "the list is empty".to_owned(),
            };
            return Err(EngineError::Invalid(format!("no valid record ID to export ({why})")));
        }
        options.validate().map_err(|e| EngineError::Invalid(e.to_string()))?;
        let per_machine = per_machine.unwrap_or(self.inner.config.per_machine).clamp(1, 10_000);
        let now = now_ms();
        let batch = Batch {
            id: new_id("batch"),
            created_at: now,
            options: options.clone(),
            per_machine,
            record_count: parsed.ids.len() as u32,
        };
        let jobs: Vec<Job> = parsed
            .ids
            .chunks(per_machine as usize)
            .map(|pis| Job::queued(&batch.id, pis.to_vec(), options.clone(), now))
            .collect();
        self.inner.store.insert_batch(&batch, &jobs)?;
        for job in &jobs {
            self.inner.events.send(JobEvent::Changed { job: Box::new(job.clone()) });
        }
        self.inner.wake.notify_one();
        Ok((batch, jobs))
    }

    pub fn jobs(&self) -> Result<Vec<Job>, EngineError> {
        Ok(self.inner.store.jobs()?)
    }

    pub fn batches(&self) -> Result<Vec<Batch>, EngineError> {
        Ok(self.inner.store.batches()?)
    }

    pub fn summary(&self, batch_id: &str) -> Result<BatchSummary, EngineError> {
        self.inner.summary(batch_id)
    }

    /// A job by id or unique id prefix.
    pub fn job(&self, id: &str) -> Result<Job, EngineError> {
        let mut found = self.inner.store.find(id)?;
        match found.len() {
            0 => Err(EngineError::NoSuchJob(id.to_owned())),
            1 => Ok(found.remove(0)),
            _ => Err(EngineError::Ambiguous(id.to_owned())),
        }
    }

    pub fn timeline(&self, id: &str) -> Result<Vec<TimelineEntry>, EngineError> {
        Ok(self.inner.store.timeline(&self.job(id)?.id)?)
    }

    pub async fn cancel(&self, id: &str) -> Result<Job, EngineError> {
        let mut job = self.job(id)?;
        if !job.state.can_cancel() {
            return Err(EngineError::Invalid(format!(
                "job {} is {}; only waiting or running jobs can be canceled",
                job.id,
                job.state.as_str()
            )));
        }
        if let Some(machine) = job.machine_id.clone() {
            self.inner.services.fly.destroy(&machine).await?;
        }
        job.state = JobState::Canceled;
        job.reason = Some("canceled by you".into());
        job.reason_code = Some("canceled".into());
        job.finished_at = Some(now_ms());
        self.inner.save(&mut job, Some("canceled; its machine was destroyed"))?;
        Ok(job)
    }

    pub fn retry(&self, id: &str) -> Result<Job, EngineError> {
        let mut job = self.job(id)?;
        if !job.state.can_retry() {
            return Err(EngineError::Invalid(format!(
                "job {} is {}; only failed, canceled or expired jobs can be retried",
                job.id,
                job.state.as_str()
            )));
        }
        job.attempt += 1;
        job.task_id = format!("{}-r{}", job.id, job.attempt);
        job.state = JobState::Queued;
        for field in [&mut job.reason, &mut job.reason_code, &mut job.machine_id, &mut job.instance_id, &mut job.region]
        {
            *field = None;
        }
        (job.exit_code, job.progress, job.output, job.started_at, job.finished_at, job.expires_at) =
            (None, None, None, None, None, None);
        job.failures.clear();
        let detail = format!("queued again (attempt {})", job.attempt);
        self.inner.save(&mut job, Some(&detail))?;
        self.inner.wake.notify_one();
        Ok(job)
    }

    /// Forgets a job that is not running (its file in the bucket is left to expire).
    pub fn remove(&self, id: &str) -> Result<(), EngineError> {
        let job = self.job(id)?;
        if job.state.has_machine() || job.state == JobState::Downloading {
            return Err(EngineError::Invalid(format!("job {} is {}; cancel it first", job.id, job.state.as_str())));
        }
        self.inner.store.remove(&job.id)?;
        self.inner.events.send(JobEvent::Removed { job_id: job.id });
        Ok(())
    }

    /// The file name a download should get by default.
    pub fn default_file_name(job: &Job) -> String {
        job.output.as_ref().map(|o| o.file_name.clone()).unwrap_or_else(|| format!("{}.xml", job.task_id))
    }

    /// Downloads a ready job to `target` (a file path). Verified, atomic, resumable.
    pub async fn download(&self, id: &str, target: &Path) -> Result<Job, EngineError> {
        let target = &std::path::absolute(target).unwrap_or_else(|_| target.to_owned());
        let mut job = self.job(id)?;
        let Some(output) = job.output.clone().filter(|_| matches!(job.state, JobState::Ready | JobState::Downloaded))
        else {
            return Err(EngineError::Invalid(format!(
                "job {} is {}; only ready jobs can be downloaded",
                job.id,
                job.state.as_str()
            )));
        };
        let previous = job.state;
        job.state = JobState::Downloading;
        job.bytes_downloaded = 0;
        self.inner.save(&mut job, Some(&format!("downloading to {}", target.display())))?;
        let events = self.inner.events.clone();
        let mut last = std::time::Instant::now() - std::time::Duration::from_secs(1);
        let job_id = job.id.clone();
        let spec = DownloadSpec { key: &output.key, size: output.size, sha256: output.sha256.as_deref(), target };
        let result = download::download(&self.inner.services.r2, &spec, |bytes, total| {
            if last.elapsed() >= std::time::Duration::from_millis(100) || bytes == total {
                last = std::time::Instant::now();
                events.send(JobEvent::Download { job_id: job_id.clone(), bytes, total });
            }
        })
        .await;
        match result {
            Ok(()) => {
                job.state = JobState::Downloaded;
                job.bytes_downloaded = output.size;
                job.saved_to = Some(target.display().to_string());
                job.reason = None;
                job.reason_code = None;
                self.inner.save(&mut job, Some(&format!("saved to {} (checksum verified)", target.display())))?;
                if self.inner.config.delete_after_download
                    && let Err(e) = self.inner.services.r2.delete_prefix(&arke_export_contract::bucket::task_prefix(&job.task_id)).await
                {
                    tracing::warn!("could not delete the bucket's copy of {}: {e}", job.id);
                }
                crate::tracker::settle(&self.inner, &job.batch_id);
                Ok(job)
            }
            Err(e) => {
                job.state = previous;
                let e = EngineError::from(e);
                job.reason = Some(e.to_string());
                job.reason_code = Some(e.code().to_owned());
                self.inner.save(&mut job, Some(&format!("download failed: {e}")))?;
                Err(e)
            }
        }
    }

    /// Downloads into a folder, under the export's own file name.
    pub async fn download_to_dir(&self, id: &str, dir: &Path) -> Result<Job, EngineError> {
        let job = self.job(id)?;
        let target: PathBuf = dir.join(Engine::default_file_name(&job));
        self.download(&job.id, &target).await
    }

    /// Record IDs of the sample catalog, to try (sandbox mode only; empty otherwise).
    pub fn sample_ids(&self, n: usize) -> Vec<String> {
        match self.inner.services.sandbox.as_ref().and_then(|s| s.index.as_ref()) {
            Some(index) => index.items.iter().take(n).cloned().collect(),
            None => Vec::new(),
        }
    }

    /// Runs one poll now (fresh states for the CLI's `jobs` and `status`).
    pub async fn poll_now(&self) -> Result<(), EngineError> {
        crate::tracker::poll_once(&self.inner, &mut Default::default()).await
    }

    /// Waits until no job is queued (every job has its machine, or has failed).
    pub async fn wait_spawned(&self) -> Result<(), EngineError> {
        while !self.inner.store.jobs_in(&[JobState::Queued])?.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        Ok(())
    }

    /// Stops every sandbox machine and waits for it (sandbox mode); a no-op in Fly mode.
    pub async fn shutdown(&self) {
        if let Some(sandbox) = &self.inner.services.sandbox {
            sandbox.fly.shutdown().await;
        }
    }
}
