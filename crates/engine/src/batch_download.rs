//! "Download all": every ready job of a batch into one folder. One job failing does not stop the
//! others; each failure is reported with its job. The app and the CLI both download batches here.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::Engine;
use crate::error::{EngineError, ErrorCode};
use crate::job::{Job, JobState};

/// What a batch download did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BatchDownload {
    /// The jobs saved, as they are now (`downloaded`, with `saved_to`).
    pub saved: Vec<Job>,
    /// The ready jobs that could not be saved (they stay ready, to try again).
    pub failed: Vec<DownloadFailure>,
}

/// One job of a batch download that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DownloadFailure {
    pub job_id: String,
    pub code: ErrorCode,
    pub message: String,
}

impl DownloadFailure {
    fn new(job_id: String, e: &EngineError) -> DownloadFailure {
        DownloadFailure { job_id, code: e.code(), message: e.to_string() }
    }
}

impl Engine {
    /// Downloads every file (every format) of every ready job of `batch_id` into `dir`, each under its
    /// own file name, going on after a failure. Errs only when the batch's jobs cannot be listed.
    pub async fn download_batch(&self, batch_id: &str, dir: &Path) -> Result<BatchDownload, EngineError> {
        let mut outcome = BatchDownload { saved: Vec::new(), failed: Vec::new() };
        for job in self.inner.store.batch_jobs(batch_id)?.into_iter().filter(|j| j.state == JobState::Ready) {
            match self.download_to_dir(&job.id, dir).await {
                Ok(saved) => outcome.saved.push(saved),
                Err(e) => outcome.failed.push(DownloadFailure::new(job.id, &e)),
            }
        }
        Ok(outcome)
    }
}
