//! The engine: submit, list, cancel, retry, remove, download — and a tracker running behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arke_export_contract::env::ExportFormat;
use arke_export_contract::options::ExportOptions;

use crate::config::Config;
use crate::core::Inner;
use crate::download::{self, DownloadError, DownloadSpec};
use crate::error::EngineError;
use crate::events::{Events, JobEvent};
use crate::file_name;
use crate::ids::parse_ids;
use crate::job::JobAction;
use crate::job::{Batch, BatchSummary, Job, JobState, TimelineEntry, new_id, now_ms};
use crate::services::Services;
use crate::store::{Store, StoreError};

/// A running engine. Clones share it; the tracker stops when the last clone is dropped.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
    /// Shared by the clones: dropped with the last one, it stops the tracker.
    _stop: Arc<StopOnDrop>,
}

/// Tells the tracker's tasks to stop when dropped (see [`Inner::stopped`]).
struct StopOnDrop(std::sync::Weak<Inner>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(inner) = self.0.upgrade() {
            inner.stopped.send_replace(true);
        }
    }
}

impl Engine {
    /// Opens the store in `data_dir` and starts the tracker. Re-attaching unfinished jobs runs in the
    /// background (Fly may be slow or out of reach): [`Engine::reconnecting`] is true, and the event
    /// `Reconnecting` says when it begins and ends.
    #[allow(clippy::unused_async, reason = "it spawns the tracker's tasks: it must be called on a tokio runtime")]
    pub async fn start(config: Config, services: Services, data_dir: &Path) -> Result<Engine, EngineError> {
        let engine = Engine::open(config, services, data_dir)?;
        crate::tracker::start(&engine.inner);
        Ok(engine)
    }

    /// Opens the store in `data_dir` without the tracker: no spawner, no poller, no re-attach and no
    /// clean-up — for commands that only look (`jobs`, `status`); [`Engine::poll_now`] still brings the
    /// jobs' states up to date.
    pub fn open(config: Config, services: Services, data_dir: &Path) -> Result<Engine, EngineError> {
        let store = Store::open(data_dir)?;
        // Housekeeping of a cache: a store that refuses it now still opens (the next start tries again).
        if let Err(e) = crate::catalog::cache::open_for(&store, &config.arke_api_url, now_ms()) {
            tracing::warn!("readying the title cache: {e}");
        }
        let installation = crate::installation::load_or_create(data_dir)?;
        let downloads = crate::download_lock::JobLocks::downloads(data_dir);
        let spawns = crate::download_lock::JobLocks::spawns(data_dir);
        let events = Events::default();
        let catalog = crate::catalog::Catalog::new(
            services.source().clone(),
            config.browse_concurrency as usize,
            &config.origin_pi,
        );
        let inner = Arc::new(Inner {
            store,
            config,
            services,
            events,
            wake: Arc::default(),
            installation,
            downloads,
            spawns,
            cleanup: crate::cleanup::Cleanup::default(),
            clock_skew_ms: std::sync::atomic::AtomicI64::new(0),
            poll_panics: std::sync::atomic::AtomicU32::new(0),
            reconnecting: std::sync::atomic::AtomicBool::new(false),
            catalog,
            stopped: tokio::sync::watch::Sender::new(false),
        });
        let stop = Arc::new(StopOnDrop(Arc::downgrade(&inner)));
        Ok(Engine { inner, _stop: stop })
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

    /// Whether the re-attach after a start is still running (Fly not reached yet).
    pub fn reconnecting(&self) -> bool {
        self.inner.reconnecting.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// This installation's id: its task ids start with it, its machines carry it.
    pub fn installation(&self) -> &str {
        &self.inner.installation
    }

    /// Submits a MODS batch: the IDs are split into jobs of `per_machine` records and queued.
    pub fn submit(
        &self,
        ids_text: &str,
        options: ExportOptions,
        per_machine: Option<u32>,
    ) -> Result<(Batch, Vec<Job>), EngineError> {
        self.submit_formats(ids_text, options, &[ExportFormat::Mods], per_machine)
    }

    /// Submits a batch whose machines write every format of `formats` (in that order, duplicates
    /// dropped; MODS alone when empty) in one pass: the IDs are split into jobs of `per_machine` records
    /// and queued.
    pub fn submit_formats(
        &self,
        ids_text: &str,
        options: ExportOptions,
        formats: &[ExportFormat],
        per_machine: Option<u32>,
    ) -> Result<(Batch, Vec<Job>), EngineError> {
        self.submit_titled(ids_text, options, formats, per_machine, &std::collections::HashMap::new())
    }

    /// [`Engine::submit_formats`], each job carrying the title its first record has in `titles`.
    pub(crate) fn submit_titled(
        &self,
        ids_text: &str,
        options: ExportOptions,
        formats: &[ExportFormat],
        per_machine: Option<u32>,
        titles: &std::collections::HashMap<String, String>,
    ) -> Result<(Batch, Vec<Job>), EngineError> {
        let mut formats = formats.iter().fold(Vec::new(), |mut all, &f| {
            if !all.contains(&f) {
                all.push(f);
            }
            all
        });
        if formats.is_empty() {
            formats.push(ExportFormat::Mods);
        }
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
            formats: formats.clone(),
            per_machine,
            record_count: parsed.ids.len() as u32,
        };
        let jobs: Vec<Job> = parsed
            .ids
            .chunks(per_machine as usize)
            .map(|pis| {
                let mut job = Job::queued(&batch.id, pis.to_vec(), options.clone(), now);
                job.formats.clone_from(&formats);
                job.title = pis.first().and_then(|pi| titles.get(pi)).cloned();
                job.task_id = format!("{}{}", self.inner.task_id_prefix(), job.id);
                job
            })
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

    /// Destroys the job's machine, then saves it canceled. When the job changed meanwhile (its machine
    /// was just created, or the poller moved it), it is read again and decided anew: a machine that
    /// appeared is destroyed too, a job that finished meanwhile is not canceled.
    pub async fn cancel(&self, id: &str) -> Result<Job, EngineError> {
        let mut job = self.job(id)?;
        let mut destroyed = None;
        loop {
            job.check(JobAction::Cancel)?;
            if let Some(machine) = job.machine_id.clone()
                && destroyed.as_ref() != Some(&machine)
            {
                self.inner.services.fly.destroy(&machine).await?;
                destroyed = Some(machine);
            }
            job.cancel(now_ms())?;
            match self.inner.save_one(&mut job, "canceled; its machine was destroyed") {
                Err(EngineError::Store(StoreError::Conflict(_))) => job = self.inner.reread(&job.id)?,
                saved => {
                    saved?;
                    // Whatever its machine wrote goes too (best effort; a clean-up round retries).
                    self.inner.delete_export(&job).await;
                    return Ok(job);
                }
            }
        }
    }

    pub fn retry(&self, id: &str) -> Result<Job, EngineError> {
        let mut job = self.job(id)?;
        let detail = format!("queued again (attempt {})", job.attempt + 1);
        self.inner.transition(&mut job, Some(&detail), Job::retry)?;
        self.inner.wake.notify_one();
        Ok(job)
    }

    /// Forgets a job that is not running (its file in the bucket is left to expire).
    pub fn remove(&self, id: &str) -> Result<(), EngineError> {
        let mut job = self.job(id)?;
        let mut attempts = 0;
        loop {
            job.check(JobAction::Remove)?;
            // Only the job as checked: one another process moved on meanwhile is read and checked again.
            match self.inner.store.remove(&job.id, job.version) {
                Err(StoreError::Conflict(_)) if attempts < 5 => {
                    attempts += 1;
                    job = self.inner.reread(&job.id)?;
                }
                removed => break removed?,
            }
        }
        // Its folder in the bucket goes in the next clean-up round (or, after a restart, once it is
        // older than the retention).
        self.inner.cleanup.forget(&job.task_id);
        // Its lock files go too (nothing takes a removed job's locks again).
        self.inner.downloads.forget(&job.id);
        self.inner.spawns.forget(&job.id);
        self.inner.events.send(JobEvent::Removed { job_id: job.id });
        Ok(())
    }

    /// The local file name of a job's main export (its first format): made from the record ID (or task
    /// id), the format and `-collection`, never from the bucket ([`file_name::job_file_name`]).
    pub fn default_file_name(job: &Job) -> String {
        let format = Services::formats(job).first().copied().unwrap_or_default();
        file_name::job_file_name(job, format)
    }

    /// Downloads a ready job's main file (its first format) to `target` (a file path). Verified, atomic,
    /// resumable; a file already at `target` is never replaced (the `file_exists` error, and the job
    /// stays ready).
    pub async fn download(&self, id: &str, target: &Path) -> Result<Job, EngineError> {
        self.download_format(id, None, target, false).await
    }

    /// [`Engine::download`] to a path the person chose knowing it may replace a file there (the save
    /// dialog asked; `--overwrite`).
    pub async fn download_replacing(&self, id: &str, target: &Path) -> Result<Job, EngineError> {
        self.download_format(id, None, target, true).await
    }

    /// Downloads the file of `format` (the first one when `None`) to `target`, verified by that file's
    /// own SHA-256; `replace` as in [`Engine::download_replacing`]. A format the job did not write is
    /// the `no_such_format` error.
    pub async fn download_format(
        &self,
        id: &str,
        format: Option<ExportFormat>,
        target: &Path,
        replace: bool,
    ) -> Result<Job, EngineError> {
        let target = &std::path::absolute(target).unwrap_or_else(|_| target.to_owned());
        let mut job = self.job(id)?;
        // One download of a job at a time (here or in another process): never two writers on one `.part`.
        let _lock = self.inner.downloads.acquire(&job.id).ok_or_else(|| EngineError::DownloadBusy(job.id.clone()))?;
        job.check(JobAction::Download)?;
        let output = job.output_of(format).ok_or_else(|| no_such_format(&job, format))?;
        if !replace && std::fs::symlink_metadata(target).is_ok() {
            return Err(DownloadError::Exists { path: target.display().to_string() }.into());
        }
        let label = format_label(output.format);
        // Another download of this job (here or in another process) has moved it to downloading.
        let detail = format!("downloading {label} to {}", target.display());
        let previous = self.inner.transition(&mut job, Some(&detail), Job::start_download)?;
        let events = self.inner.events.clone();
        let mut last = std::time::Instant::now().checked_sub(std::time::Duration::from_secs(1)).unwrap();
        let job_id = job.id.clone();
        let spec =
            DownloadSpec { key: &output.key, size: output.size, sha256: output.sha256.as_deref(), target, replace };
        let result = download::download(&self.inner.services.r2, &spec, |bytes, total| {
            if last.elapsed() >= std::time::Duration::from_millis(100) || bytes == total {
                last = std::time::Instant::now();
                events.send(JobEvent::Download { job_id: job_id.clone(), bytes, total });
            }
        })
        .await;
        match result {
            Ok(()) => {
                let checked = if output.sha256.is_some() { "checksum verified" } else { "unverified: no checksum" };
                let detail = format!("{label} saved to {} ({checked})", target.display());
                let path = target.display().to_string();
                self.inner.transition(&mut job, Some(&detail), |j| j.finish_download(output.format, path.clone()))?;
                // The bucket's copy goes once every file of the job is saved.
                let all_saved = job.all_outputs().iter().all(|o| job.saved_formats.contains(&o.format));
                if self.inner.config.delete_after_download && all_saved {
                    self.inner.delete_export(&job).await;
                }
                self.inner.settle(&job.batch_id);
                Ok(job)
            }
            Err(e) => {
                let e = EngineError::from(e);
                let detail = format!("download failed: {e}");
                self.inner.transition(&mut job, Some(&detail), |j| j.download_failed(previous, &e))?;
                Err(e)
            }
        }
    }

    /// Downloads every file of a job (one per format) into a folder, each under its own file name
    /// ([`file_name::job_file_name`]); a name already taken there gets ` (2)`, ` (3)`, … — nothing in
    /// the folder is ever replaced. Goes on after a file fails, then returns the first error.
    pub async fn download_to_dir(&self, id: &str, dir: &Path) -> Result<Job, EngineError> {
        let job = self.job(id)?;
        job.check(JobAction::Download)?;
        let formats: Vec<ExportFormat> = job.all_outputs().iter().map(|o| o.format).collect();
        if formats.is_empty() {
            return Err(no_such_format(&job, None));
        }
        let mut outcome: Option<Result<Job, EngineError>> = None;
        for format in formats {
            let result = self.download_format_to_dir(&job.id, Some(format), dir).await;
            match (&outcome, result) {
                (Some(Err(_)), _) => {}
                (_, result) => outcome = Some(result),
            }
        }
        outcome.expect("at least one format")
    }

    /// Downloads the file of `format` (the first one when `None`) into a folder under its own file name,
    /// as [`Engine::download_to_dir`] names it.
    pub async fn download_format_to_dir(
        &self,
        id: &str,
        format: Option<ExportFormat>,
        dir: &Path,
    ) -> Result<Job, EngineError> {
        let job = self.job(id)?;
        let output = job.output_of(format).ok_or_else(|| no_such_format(&job, format))?;
        let name = file_name::job_file_name(&job, output.format);
        let mut attempts = 0;
        loop {
            let taken = || DownloadError::Exists { path: dir.join(&name).display().to_string() };
            let target: PathBuf = file_name::free_path(dir, &name).ok_or_else(taken)?;
            match self.download_format(&job.id, Some(output.format), &target, false).await {
                // Taken between the look and the move: the next free name.
                Err(EngineError::Download(DownloadError::Exists { .. })) if attempts < 3 => attempts += 1,
                other => return other,
            }
        }
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
        crate::tracker::poll_once(&self.inner, &mut crate::tracker::PollState::default()).await
    }

    /// Creates the machines of these jobs (and of no other): returns when each has its machine on Fly,
    /// or no longer waits for one (its creation failed for good and the job says why, or it was
    /// canceled). A rate limit or an unreachable Fly is waited out. For a command that acts without
    /// a tracker of its own (`export` without `--wait`, `retry`). Returns the jobs as they are then.
    pub async fn spawn_jobs(&self, ids: &[String]) -> Result<Vec<Job>, EngineError> {
        crate::tracker::spawn_jobs(&self.inner, ids).await
    }

    /// Pretends the local clock is off by `ms` (tests of a wrong clock; 0 in real use).
    #[doc(hidden)]
    pub fn set_clock_skew_ms(&self, ms: i64) {
        self.inner.clock_skew_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Makes the next `rounds` poll rounds panic (tests of the poller's supervision; never in real use).
    #[doc(hidden)]
    pub fn inject_poll_panics(&self, rounds: u32) {
        self.inner.poll_panics.store(rounds, std::sync::atomic::Ordering::SeqCst);
    }

    /// Waits until no job is queued (every job has its machine, or has failed).
    pub async fn wait_spawned(&self) -> Result<(), EngineError> {
        while !self.inner.store.jobs_in(&[JobState::Queued])?.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        Ok(())
    }

    /// Stops the tracker (even while other handles of this engine are still around: the app replacing
    /// its engine), and every sandbox machine, waiting for them (sandbox mode).
    pub async fn shutdown(&self) {
        self.inner.stopped.send_replace(true);
        if let Some(sandbox) = &self.inner.services.sandbox {
            sandbox.fly.shutdown().await;
        }
    }
}

/// How a format is named to the archivist: `MODS`, `DC`, `MARCXML`.
pub fn format_label(format: ExportFormat) -> String {
    format.as_str().to_ascii_uppercase()
}

fn no_such_format(job: &Job, format: Option<ExportFormat>) -> EngineError {
    let has = job.all_outputs().iter().map(|o| format_label(o.format)).collect::<Vec<_>>().join(", ");
    let wanted = format.map_or_else(|| "a file".to_owned(), |f| format!("a {} file", format_label(f)));
    let has = if has.is_empty() { "none".to_owned() } else { has };
    EngineError::NoSuchFormat(format!("job {} has no {wanted} (its files: {has})", job.id))
}
