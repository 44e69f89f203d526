//! The engine: submit, list, cancel, retry, remove, download — and a tracker running behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arke_export_contract::options::ExportOptions;

use crate::config::Config;
use crate::core::Inner;
use crate::download::{self, DownloadSpec};
use crate::error::EngineError;
use crate::events::{Events, JobEvent};
use crate::ids::parse_ids;
use crate::job::JobAction;
use crate::job::{Batch, BatchSummary, Job, JobState, TimelineEntry, new_id, now_ms};
use crate::services::Services;
use crate::store::Store;

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
            return Err(EngineError::NoRecords(why));
        }
        options.validate()?;
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
        job.check(JobAction::Cancel)?;
        if let Some(machine) = job.machine_id.clone() {
            self.inner.services.fly.destroy(&machine).await?;
        }
        job.cancel(now_ms())?;
        self.inner.save_one(&mut job, "canceled; its machine was destroyed")?;
        Ok(job)
    }

    pub fn retry(&self, id: &str) -> Result<Job, EngineError> {
        let mut job = self.job(id)?;
        job.retry()?;
        let detail = format!("queued again (attempt {})", job.attempt);
        self.inner.save_one(&mut job, &detail)?;
        self.inner.wake.notify_one();
        Ok(job)
    }

    /// Forgets a job that is not running (its file in the bucket is left to expire).
    pub fn remove(&self, id: &str) -> Result<(), EngineError> {
        let job = self.job(id)?;
        job.check(JobAction::Remove)?;
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
        let previous = job.start_download()?;
        let output = job.output.clone().expect("a downloadable job has its output");
        self.inner.save_one(&mut job, &format!("downloading to {}", target.display()))?;
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
                job.finish_download(target.display().to_string())?;
                self.inner.save_one(&mut job, &format!("saved to {} (checksum verified)", target.display()))?;
                if self.inner.config.delete_after_download {
                    self.inner.delete_export(&job).await;
                }
                self.inner.settle(&job.batch_id);
                Ok(job)
            }
            Err(e) => {
                let e = EngineError::from(e);
                job.download_failed(previous, &e)?;
                self.inner.save_one(&mut job, &format!("download failed: {e}"))?;
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
