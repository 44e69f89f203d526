//! One download per job at a time, and one machine creation per job at a time. A job being downloaded
//! (or getting its machine) holds a lock: an entry in this process's set and an OS lock on
//! `<data>/downloads/<job>.lock` (`<data>/spawning/<job>.lock`), which another process on the same
//! store sees too and which the OS lets go when the process quits or crashes. So a job left
//! `downloading` whose lock nobody holds was interrupted, and is made downloadable again; a job left
//! `spawning` without a machine whose lock nobody holds is looked up on Fly by name again.

use std::collections::HashSet;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Mutex;

pub(crate) struct JobLocks {
    dir: PathBuf,
    held: Mutex<HashSet<String>>,
}

/// Held for as long as the job's download (or machine creation) runs.
pub(crate) struct JobGuard<'a> {
    locks: &'a JobLocks,
    job_id: String,
    /// Holds the OS lock until dropped.
    #[allow(dead_code, reason = "held, never read")]
    file: Option<File>,
}

impl Drop for JobGuard<'_> {
    fn drop(&mut self) {
        self.locks.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.job_id);
    }
}

impl JobLocks {
    /// The locks of downloads.
    pub(crate) fn downloads(data_dir: &std::path::Path) -> JobLocks {
        JobLocks { dir: data_dir.join("downloads"), held: Mutex::default() }
    }

    /// The locks of machine creations.
    pub(crate) fn spawns(data_dir: &std::path::Path) -> JobLocks {
        JobLocks { dir: data_dir.join("spawning"), held: Mutex::default() }
    }

    fn file(&self, job_id: &str) -> Option<File> {
        std::fs::create_dir_all(&self.dir).ok()?;
        let path = self.dir.join(format!("{job_id}.lock"));
        File::options().create(true).truncate(false).write(true).open(path).ok()
    }

    /// Takes the job's lock; `None` while it is held here or in another process. (Without a usable
    /// lock folder only this process's holders are seen.)
    pub(crate) fn acquire(&self, job_id: &str) -> Option<JobGuard<'_>> {
        if !self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(job_id.to_owned()) {
            return None;
        }
        // Dropped on the way out when the OS lock is taken: the set forgets the job again.
        let mut guard = JobGuard { locks: self, job_id: job_id.to_owned(), file: None };
        if let Some(file) = self.file(job_id) {
            file.try_lock().ok()?;
            guard.file = Some(file);
        }
        Some(guard)
    }

    /// Deletes the lock file of a job that is gone, unless someone holds its lock right now.
    pub(crate) fn forget(&self, job_id: &str) {
        if let Some(_guard) = self.acquire(job_id) {
            let _ = std::fs::remove_file(self.dir.join(format!("{job_id}.lock")));
        }
    }

    /// Whether the job's lock is held now (here or in another process).
    pub(crate) fn busy(&self, job_id: &str) -> bool {
        self.acquire(job_id).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_downloads_once_at_a_time_across_processes() {
        let dir = tempfile::tempdir().unwrap();
        let (here, other_process) = (JobLocks::downloads(dir.path()), JobLocks::downloads(dir.path()));
        let guard = here.acquire("job_1").unwrap();
        assert!(here.acquire("job_1").is_none() && here.busy("job_1"));
        assert!(other_process.busy("job_1"), "the OS lock is seen from another store");
        assert!(!here.busy("job_2"));
        drop(guard);
        assert!(!here.busy("job_1") && !other_process.busy("job_1"));
    }

    #[test]
    fn a_forgotten_job_leaves_no_lock_file_unless_its_lock_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let locks = JobLocks::spawns(dir.path());
        let file = dir.path().join("spawning").join("job_1.lock");
        let guard = locks.acquire("job_1").unwrap();
        locks.forget("job_1");
        assert!(file.exists(), "held: kept");
        drop(guard);
        locks.forget("job_1");
        assert!(!file.exists());
    }
}
