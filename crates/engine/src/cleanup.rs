//! The bucket does not grow forever. When a job is done with its files in the bucket (failed, canceled,
//! expired, removed, or downloaded with `DELETE_AFTER_DOWNLOAD`), its task folder `exports/{task}/`
//! goes. Clean-up rounds run in the poller, only when something may be left to delete (a job ended, a
//! delete failed, the engine just started): from the poll's own listing of this installation's tasks
//! when there is one, else from one listing of them. So a quiet poll costs nothing more.
//!
//! A round deletes the folders of this installation's tasks (`exports/{installation}-…`, never another
//! installation's) whose job is done with them, those of a job's earlier attempts, those of jobs
//! removed here, and — the sweep after a start — those that belong to no job and were last written
//! longer ago than the retention. An R2 lifecycle rule on `exports/` is the safety net (README).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use arke_export_contract::bucket::EXPORTS_PREFIX;

use crate::core::Inner;
use crate::error::EngineError;
use crate::job::{Job, JobState};
use crate::r2::ObjectInfo;

/// What is left to delete.
#[derive(Default)]
pub(crate) struct Cleanup {
    /// A round may find something to delete (a job ended, a delete failed, the engine started).
    due: AtomicBool,
    /// Task ids of jobs removed by this process (their folders go whatever their age).
    forgotten: Mutex<HashSet<String>>,
}

impl Cleanup {
    /// Asks for a clean-up round (a job ended, or a delete failed and is to be tried again).
    pub(crate) fn wake(&self) {
        self.due.store(true, Ordering::SeqCst);
    }

    /// A removed job's task: its folder goes in the next round.
    pub(crate) fn forget(&self, task_id: &str) {
        self.forgotten.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(task_id.to_owned());
        self.wake();
    }

    /// Whether a round is due; the request is taken (a round that fails asks again).
    pub(crate) fn take_due(&self) -> bool {
        self.due.swap(false, Ordering::SeqCst)
    }

    fn forgotten(&self, task_id: &str) -> bool {
        self.forgotten.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(task_id)
    }

    fn done(&self, task_id: &str) {
        self.forgotten.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(task_id);
    }
}

/// Whether a job is done with its files in the bucket.
fn done_with_files(inner: &Inner, job: &Job) -> bool {
    match job.state {
        JobState::Failed | JobState::Canceled | JobState::Expired => true,
        JobState::Downloaded => {
            inner.config.delete_after_download
                && job.all_outputs().iter().all(|o| job.saved_formats.contains(&o.format))
        }
        _ => false,
    }
}

/// The keys of a listing by task id, for this installation's tasks only.
fn own_tasks<'a>(inner: &Inner, listing: &'a HashMap<String, ObjectInfo>) -> HashMap<&'a str, Vec<&'a String>> {
    let own = inner.task_id_prefix();
    let mut tasks: HashMap<&str, Vec<&String>> = HashMap::new();
    for key in listing.keys() {
        let Some((task, _)) = key.strip_prefix(EXPORTS_PREFIX).and_then(|k| k.split_once('/')) else { continue };
        if task.starts_with(&own) {
            tasks.entry(task).or_default().push(key);
        }
    }
    tasks
}

/// Whether the folder of `task` (objects `keys`) may go.
fn may_delete(inner: &Inner, task: &str, keys: &[&String], listing: &HashMap<String, ObjectInfo>, now: i64) -> bool {
    // `{installation}-{job id}` or `{installation}-{job id}-r{attempt}`; job ids hold no `-`.
    let job_id = task.strip_prefix(&inner.task_id_prefix()).and_then(|rest| rest.split('-').next()).unwrap_or("");
    match inner.store.job(job_id) {
        Ok(Some(job)) if job.task_id == task => done_with_files(inner, &job),
        // An earlier attempt of a job that was retried (it had failed, been canceled or expired).
        Ok(Some(_)) => true,
        Ok(None) if inner.cleanup.forgotten(task) => true,
        // Nobody's job here: gone once it is older than the retention (by its newest object).
        Ok(None) => {
            let newest = keys.iter().filter_map(|k| listing.get(*k)?.last_modified_ms).max();
            newest.is_some_and(|at| now.saturating_sub(at) > inner.config.retention_ms())
        }
        Err(e) => {
            tracing::warn!("clean-up: could not read job {job_id}: {e}");
            false
        }
    }
}

/// One clean-up round over a listing of this installation's tasks. Failures are logged and the next
/// round tries again. Returns how many task folders were deleted.
pub(crate) async fn clean(inner: &Inner, listing: &HashMap<String, ObjectInfo>, now: i64) -> usize {
    let mut keys = Vec::new();
    let mut tasks = Vec::new();
    for (task, task_keys) in own_tasks(inner, listing) {
        if may_delete(inner, task, &task_keys, listing, now) {
            keys.extend(task_keys.into_iter().cloned());
            tasks.push(task);
        }
    }
    if keys.is_empty() {
        return 0;
    }
    match inner.services.r2.delete_keys(&keys).await {
        Ok(()) => {
            for task in &tasks {
                inner.cleanup.done(task);
            }
            tracing::info!("clean-up: deleted {} task folders ({} objects) from the bucket", tasks.len(), keys.len());
            tasks.len()
        }
        Err(e) => {
            tracing::warn!("clean-up: could not delete {} task folders (tried again next round): {e}", tasks.len());
            inner.cleanup.wake();
            0
        }
    }
}

/// A clean-up round when one is due: over `listing` (the poll's, of this installation's tasks) when
/// given, else over a listing of its own.
pub(crate) async fn clean_if_due(
    inner: &Inner,
    listing: Option<&HashMap<String, ObjectInfo>>,
    now: i64,
) -> Result<(), EngineError> {
    if !inner.cleanup.take_due() {
        return Ok(());
    }
    if let Some(listing) = listing {
        clean(inner, listing, now).await;
        return Ok(());
    }
    let prefix = format!("{EXPORTS_PREFIX}{}", inner.task_id_prefix());
    match inner.services.r2.list(&prefix).await {
        Ok(listing) => {
            clean(inner, &listing, now).await;
        }
        Err(e) => {
            inner.cleanup.wake();
            return Err(e.into());
        }
    }
    Ok(())
}
