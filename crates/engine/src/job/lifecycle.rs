//! The job lifecycle, in one place: every state change is a method here that checks the change is
//! legal and stamps the job's times. Nothing else assigns `Job::state`.
//!
//! ```text
//! queued → spawning → running → ready → downloading → downloaded
//!    ↑        │  ↑        │        │          │ (a failed download goes back)
//!    └────────┘  └ attach │        └→ expired
//!   (waiting, never created)       failed / canceled (from queued, spawning, running)
//! failed / canceled / expired → queued (retry, a new attempt)
//! ```

use arke_export_contract::env::ExportFormat;
use arke_fly_api::Machine;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Job, JobOutput, JobProgress, JobState};
use crate::error::{EngineError, ErrorCode};

/// What a person may do with a job in its current state. The UI shows exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobAction {
    Download,
    Retry,
    Cancel,
    Remove,
}

impl JobState {
    /// The actions this state allows: the one table the engine checks and the UI shows.
    pub fn actions(self) -> &'static [JobAction] {
        use JobAction::{Cancel, Download, Remove, Retry};
        match self {
            JobState::Queued => &[Cancel, Remove],
            JobState::Spawning | JobState::Running => &[Cancel],
            JobState::Ready | JobState::Downloaded => &[Download, Remove],
            JobState::Downloading => &[],
            JobState::Failed | JobState::Canceled | JobState::Expired => &[Retry, Remove],
        }
    }

    pub fn allows(self, action: JobAction) -> bool {
        self.actions().contains(&action)
    }
}

impl JobAction {
    /// Which states allow it, in words, for the error when one does not.
    fn allowed_in(self) -> &'static str {
        match self {
            JobAction::Download => "only ready or downloaded jobs can be downloaded",
            JobAction::Retry => "only failed, canceled or expired jobs can be retried",
            JobAction::Cancel => "only waiting or running jobs can be canceled",
            JobAction::Remove => "only jobs without a running machine or download can be removed; cancel it first",
        }
    }
}

fn wrong(job: &Job, allowed: &'static str) -> EngineError {
    EngineError::WrongState { job: job.id.clone(), state: job.state, allowed }
}

impl Job {
    /// Fails unless the job's state allows `action`.
    pub fn check(&self, action: JobAction) -> Result<(), EngineError> {
        if self.state.allows(action) { Ok(()) } else { Err(wrong(self, action.allowed_in())) }
    }

    fn expect(&self, from: &[JobState], what: &'static str) -> Result<(), EngineError> {
        if from.contains(&self.state) { Ok(()) } else { Err(wrong(self, what)) }
    }

    fn enter(&mut self, state: JobState) {
        self.state = state;
        self.actions = state.actions().to_vec();
    }

    fn end(&mut self, state: JobState, code: ErrorCode, reason: String, now: i64) {
        self.enter(state);
        self.reason_code = Some(code);
        self.reason = Some(reason);
        self.finished_at = Some(now);
    }

    /// queued → spawning, written before the machine is created.
    pub fn spawning(&mut self, now: i64) -> Result<(), EngineError> {
        self.expect(&[JobState::Queued], "only a queued job can start")?;
        self.enter(JobState::Spawning);
        self.reason = None;
        self.started_at = Some(now);
        Ok(())
    }

    /// Records the job's machine (created, or found again by name after a restart).
    pub fn attach(&mut self, machine: &Machine) -> Result<(), EngineError> {
        self.expect(&[JobState::Spawning, JobState::Running], "only a starting or running job has a machine")?;
        self.machine_id = Some(machine.id.clone());
        self.instance_id = Some(machine.instance_id.clone());
        self.region = Some(machine.region.clone());
        self.guest = machine.config.guest.as_ref().map(crate::cost::MachineSize::from_guest);
        Ok(())
    }

    /// spawning → queued: the machine could not be created yet (or never was), try again later.
    pub fn requeue(&mut self, reason: Option<String>) -> Result<(), EngineError> {
        self.expect(&[JobState::Spawning], "only a starting job can wait again")?;
        self.enter(JobState::Queued);
        self.reason = reason;
        Ok(())
    }

    /// spawning|running → running, with the latest progress. `true` if anything changed.
    pub fn running(&mut self, progress: Option<JobProgress>) -> Result<bool, EngineError> {
        self.expect(&[JobState::Spawning, JobState::Running], "only a starting or running job can run")?;
        let changed = self.state != JobState::Running || (progress.is_some() && progress != self.progress);
        self.enter(JobState::Running);
        if progress.is_some() {
            self.progress = progress;
        }
        Ok(changed)
    }

    /// spawning|running → ready: the export's files (one per format, the first being the main one) are
    /// in the bucket until `expires_at`.
    pub fn mark_ready(&mut self, outputs: Vec<JobOutput>, now: i64, retention_ms: i64) -> Result<(), EngineError> {
        self.expect(&[JobState::Spawning, JobState::Running], "only a running job can finish")?;
        self.enter(JobState::Ready);
        self.verified = outputs.iter().all(|o| o.sha256.is_some());
        self.output = outputs.first().cloned();
        self.outputs = outputs;
        self.finished_at = Some(now);
        self.expires_at = Some(now.saturating_add(retention_ms));
        Ok(())
    }

    /// A running (or waiting) job failed.
    pub fn fail(&mut self, code: ErrorCode, reason: String, now: i64) -> Result<(), EngineError> {
        self.expect(&[JobState::Queued, JobState::Spawning, JobState::Running], "only an unfinished job can fail")?;
        self.end(JobState::Failed, code, reason, now);
        Ok(())
    }

    /// The archivist canceled it (its machine is destroyed by the caller).
    pub fn cancel(&mut self, now: i64) -> Result<(), EngineError> {
        self.check(JobAction::Cancel)?;
        self.end(JobState::Canceled, ErrorCode::Canceled, "canceled by you".into(), now);
        Ok(())
    }

    /// ready → expired: the bucket's copy is gone.
    pub fn expire(&mut self, reason: String, now: i64) -> Result<(), EngineError> {
        self.expect(&[JobState::Ready], "only a ready job can expire")?;
        self.end(JobState::Expired, ErrorCode::Expired, reason, now);
        Ok(())
    }

    /// failed|canceled|expired → queued: a new attempt with a new task id, everything of the old one cleared.
    pub fn retry(&mut self) -> Result<(), EngineError> {
        self.check(JobAction::Retry)?;
        let mut fresh =
            Job::queued(&self.batch_id, std::mem::take(&mut self.pis), self.options.clone(), self.created_at);
        fresh.formats = std::mem::take(&mut self.formats);
        let attempt = self.attempt + 1;
        // The installation's part of the task id (before the job id) stays.
        let installation = self.task_id.find(&self.id).map_or("", |at| &self.task_id[..at]);
        let task_id = format!("{installation}{}-r{attempt}", self.id);
        *self = Job { id: self.id.clone(), task_id, attempt, version: self.version, ..fresh };
        Ok(())
    }

    /// ready|downloaded → downloading. Returns the state to go back to if the download fails.
    pub fn start_download(&mut self) -> Result<JobState, EngineError> {
        self.check(JobAction::Download)?;
        if self.all_outputs().is_empty() {
            return Err(wrong(self, JobAction::Download.allowed_in()));
        }
        let previous = self.state;
        self.enter(JobState::Downloading);
        Ok(previous)
    }

    /// downloading → downloaded, the file of `format` saved (and verified) at `path`.
    pub fn finish_download(&mut self, format: ExportFormat, path: String) -> Result<(), EngineError> {
        self.expect(&[JobState::Downloading], "only a downloading job can finish its download")?;
        self.enter(JobState::Downloaded);
        self.saved_to = Some(path);
        if !self.saved_formats.contains(&format) {
            self.saved_formats.push(format);
        }
        self.reason = None;
        self.reason_code = None;
        Ok(())
    }

    /// downloading → ready (downloaded, when it had been saved before): a download cut short by a quit or
    /// a crash. Its `.part` file stays, so the next download resumes.
    pub fn download_interrupted(&mut self) -> Result<(), EngineError> {
        self.expect(&[JobState::Downloading], "only a downloading job can have its download interrupted")?;
        self.enter(if self.saved_to.is_some() { JobState::Downloaded } else { JobState::Ready });
        Ok(())
    }

    /// downloading → the state before it, with why the download failed.
    pub fn download_failed(&mut self, previous: JobState, e: &EngineError) -> Result<(), EngineError> {
        self.expect(&[JobState::Downloading], "only a downloading job can fail its download")?;
        self.enter(previous);
        self.reason = Some(e.to_string());
        self.reason_code = Some(e.code());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arke_export_contract::options::ExportOptions;

    fn job() -> Job {
        Job::queued("batch_1", vec!["01HZX3K9Q4M8V2T6R5N7P0W1YB".into()], ExportOptions::default(), 1)
    }

    fn output() -> JobOutput {
        JobOutput { key: "exports/t/x.xml".into(), file_name: "x.xml".into(), size: 3, ..JobOutput::default() }
    }

    #[test]
    fn the_happy_path_moves_forward_and_stamps_times() {
        let mut j = job();
        j.spawning(10).unwrap();
        assert_eq!((j.state, j.started_at), (JobState::Spawning, Some(10)));
        assert!(j.running(Some(JobProgress { done: 1, failed: 0, total: None })).unwrap());
        assert!(!j.running(None).unwrap(), "no news is no change");
        j.mark_ready(vec![output()], 20, 1000).unwrap();
        assert_eq!((j.finished_at, j.expires_at), (Some(20), Some(1020)));
        assert_eq!(j.actions, vec![JobAction::Download, JobAction::Remove]);
        let previous = j.start_download().unwrap();
        j.finish_download(ExportFormat::Mods, "/tmp/x.xml".into()).unwrap();
        assert_eq!((previous, j.state), (JobState::Ready, JobState::Downloaded));
    }

    #[test]
    fn an_interrupted_download_goes_back_to_where_it_started() {
        let mut j = job();
        j.spawning(1).unwrap();
        j.mark_ready(vec![output()], 2, i64::MAX).unwrap();
        assert_eq!(j.expires_at, Some(i64::MAX), "no overflow");
        assert!(j.download_interrupted().is_err());
        j.start_download().unwrap();
        j.download_interrupted().unwrap();
        assert_eq!(j.state, JobState::Ready);
        j.start_download().unwrap();
        j.finish_download(ExportFormat::Mods, "/tmp/x.xml".into()).unwrap();
        j.start_download().unwrap();
        j.download_interrupted().unwrap();
        assert_eq!(j.state, JobState::Downloaded);
    }

    #[test]
    fn illegal_changes_are_refused_and_change_nothing() {
        let mut j = job();
        let before = j.clone();
        assert!(matches!(j.retry(), Err(EngineError::WrongState { .. })));
        assert!(j.start_download().is_err());
        assert!(j.mark_ready(vec![output()], 1, 1).is_err());
        assert!(j.expire("x".into(), 1).is_err());
        assert_eq!(j, before);
        j.cancel(5).unwrap();
        assert!(j.cancel(6).is_err(), "a canceled job stays canceled");
        assert!(j.running(None).is_err(), "a stale poll never revives a canceled job");
        assert_eq!(j.reason_code, Some(ErrorCode::Canceled));
    }

    #[test]
    fn retry_starts_a_clean_attempt_under_a_new_task_id() {
        let mut j = job();
        j.formats = vec![ExportFormat::Dc, ExportFormat::Mods];
        j.spawning(1).unwrap();
        j.fail(ErrorCode::RunTimeout, "slow".into(), 2).unwrap();
        j.retry().unwrap();
        assert_eq!(j.formats, [ExportFormat::Dc, ExportFormat::Mods], "a retry writes the same formats");
        assert_eq!((j.state, j.attempt), (JobState::Queued, 2));
        assert_eq!(j.task_id, format!("{}-r2", j.id));
        assert_eq!((j.reason.as_deref(), j.reason_code, j.started_at, j.finished_at), (None, None, None, None));
        assert_eq!(j.pis.len(), 1);
        j.task_id = format!("abc123-{}-r2", j.id);
        j.cancel(3).unwrap();
        j.retry().unwrap();
        assert_eq!(j.task_id, format!("abc123-{}-r3", j.id), "the installation's prefix stays");
    }

    #[test]
    fn every_state_offers_what_it_allows() {
        use JobState as S;
        let all = [
            S::Queued,
            S::Spawning,
            S::Running,
            S::Ready,
            S::Downloading,
            S::Downloaded,
            S::Failed,
            S::Canceled,
            S::Expired,
        ];
        for state in all {
            let waiting_or_running = matches!(state, S::Queued | S::Spawning | S::Running);
            assert_eq!(state.allows(JobAction::Cancel), waiting_or_running, "{state:?}");
            assert_eq!(state.allows(JobAction::Retry), matches!(state, S::Failed | S::Canceled | S::Expired));
            assert_eq!(state.allows(JobAction::Download), matches!(state, S::Ready | S::Downloaded));
            let busy = matches!(state, S::Spawning | S::Running | S::Downloading);
            assert_eq!(state.allows(JobAction::Remove), !busy, "{state:?}");
        }
    }
}
