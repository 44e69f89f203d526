//! Recording each job's cost once its machine is done. The tracker's poll hands this watch the jobs
//! active in that poll; a job that was active in the last poll and is not now has left running (ready,
//! failed, canceled, timed out): its machine's events are read (once; again on a later poll only while
//! its `exit` has not arrived yet, at most [`MAX_TRIES`] times) and its machine time, R2 requests and
//! cost are saved with it. The watch also counts each active job's share of the bucket listings. After a
//! restart (or for the CLI's single poll) the jobs ended in the last hour without a cost are picked up.

use std::collections::{HashMap, HashSet, VecDeque};

use super::machine_time::machine_time;
use super::requests::{self, JobActivity};
use super::{MachineSize, R2Requests, cost_of};
use crate::config::Config;
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::fly::FlyError;
use crate::job::{BatchSummary, Job, JobState};

/// Event reads per poll, at most (Fly allows 5 gets/s; the machine checks use some).
const READS_PER_POLL: usize = 4;
/// Polls a job waits for its machine's `exit` event before its time is counted to when it ended.
const MAX_TRIES: u32 = 10;
/// How far back a fresh watch looks for ended jobs without a cost.
const CATCH_UP_MS: i64 = 3_600_000;

#[derive(Debug)]
struct Pending {
    job_id: String,
    tries: u32,
}

/// What the watch remembers between polls (part of the poller's state).
#[derive(Debug, Default)]
pub(crate) struct CostWatch {
    caught_up: bool,
    /// The jobs active in the last poll.
    active: HashSet<String>,
    /// Each job's share of the listings so far (a listing serves every active job).
    listings: HashMap<String, f64>,
    /// Jobs that left running and wait for their cost.
    pending: VecDeque<Pending>,
}

enum Outcome {
    Done,
    NotYet,
}

impl CostWatch {
    /// One poll: `active` are the jobs it found spawning or running (it lists the bucket once for them
    /// when there are any). Never fails the poll: a problem is logged.
    pub(crate) async fn poll(&mut self, inner: &Inner, active: &[Job]) {
        if !self.caught_up {
            self.caught_up = true;
            if let Err(e) = self.catch_up(inner, active) {
                tracing::warn!("looking for jobs without a cost: {e}");
            }
        }
        let now_active: HashSet<String> = active.iter().map(|j| j.id.clone()).collect();
        let left: Vec<String> = self.active.difference(&now_active).cloned().collect();
        for job_id in left {
            self.queue(job_id);
        }
        if !active.is_empty() {
            let share = 1.0 / active.len() as f64;
            for job in active {
                *self.listings.entry(job.id.clone()).or_default() += share;
            }
        }
        self.active = now_active;
        self.record_some(inner).await;
    }

    fn queue(&mut self, job_id: String) {
        if !self.pending.iter().any(|p| p.job_id == job_id) {
            self.pending.push_back(Pending { job_id, tries: 0 });
        }
    }

    fn catch_up(&mut self, inner: &Inner, active: &[Job]) -> Result<(), EngineError> {
        let since = inner.now() - CATCH_UP_MS;
        let ended = inner.store.jobs_in(&[
            JobState::Ready,
            JobState::Downloading,
            JobState::Downloaded,
            JobState::Failed,
            JobState::Canceled,
        ])?;
        for job in ended {
            if job.machine_id.is_some() && job.cost_usd.is_none() && job.finished_at.is_some_and(|at| at >= since) {
                self.queue(job.id);
            }
        }
        self.active = active.iter().map(|j| j.id.clone()).collect();
        Ok(())
    }

    async fn record_some(&mut self, inner: &Inner) {
        for _ in 0..READS_PER_POLL.min(self.pending.len()) {
            let Some(mut pending) = self.pending.pop_front() else { break };
            let last_try = pending.tries >= MAX_TRIES;
            let listings = self.listings.get(&pending.job_id).copied();
            match record(inner, &pending.job_id, listings, last_try).await {
                Ok(Outcome::NotYet) => {
                    pending.tries += 1;
                    self.pending.push_back(pending);
                }
                Ok(Outcome::Done) => {
                    self.listings.remove(&pending.job_id);
                }
                Err(e) => {
                    tracing::warn!("could not record the cost of job {}: {e}", pending.job_id);
                    self.listings.remove(&pending.job_id);
                }
            }
        }
    }
}

/// Reads the machine's events of a job that left running and saves its cost.
async fn record(inner: &Inner, job_id: &str, listings: Option<f64>, last_try: bool) -> Result<Outcome, EngineError> {
    let mut job = match inner.reread(job_id) {
        Ok(job) => job,
        Err(EngineError::NoSuchJob(_)) => return Ok(Outcome::Done),
        Err(e) => return Err(e),
    };
    // Retried meanwhile (a new attempt, a new machine: counted when it ends), or counted already.
    let Some(machine_id) = job.machine_id.clone() else { return Ok(Outcome::Done) };
    if matches!(job.state, JobState::Queued | JobState::Spawning | JobState::Running) || job.cost_usd.is_some() {
        return Ok(Outcome::Done);
    }
    let events = match inner.services.fly.events(&machine_id).await {
        Ok(events) => events,
        // Fly keeps no events of a machine it no longer knows: the cost stays unknown.
        Err(FlyError::MachineNotFound(_)) => return Ok(Outcome::Done),
        Err(e) if e.is_transient() && !last_try => return Ok(Outcome::NotYet),
        Err(e) => return Err(e.into()),
    };
    let until = job.finished_at.unwrap_or_else(|| inner.now());
    let Some(time) = machine_time(&events, Some(until)) else {
        return Ok(if last_try { Outcome::Done } else { Outcome::NotYet });
    };
    if !time.complete && !last_try {
        return Ok(Outcome::NotYet);
    }
    let size = job.guest.clone().unwrap_or_else(|| MachineSize::from_guest(inner.services.guest()));
    let cost = JobCost::of(&inner.config, size, &job, time.seconds, listings);
    let saved = inner.transition(&mut job, None, |j| {
        if j.machine_id.as_deref() == Some(machine_id.as_str()) && j.cost_usd.is_none() {
            cost.apply(j);
        }
        Ok(())
    });
    match saved {
        // Moved on meanwhile in a way that allows no save: nothing to record.
        Ok(()) | Err(EngineError::WrongState { .. }) => Ok(Outcome::Done),
        Err(e) => Err(e),
    }
}

/// A job's cost, ready to be saved with it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobCost {
    pub(crate) size: MachineSize,
    pub(crate) machine_seconds: f64,
    pub(crate) requests: R2Requests,
    pub(crate) usd: f64,
}

impl JobCost {
    /// The cost of `job` whose machine of `size` ran `machine_seconds`; `listings` is its share of the
    /// bucket listings if the watch counted it (else one listing per poll interval of its run).
    pub(crate) fn of(
        config: &Config,
        size: MachineSize,
        job: &Job,
        machine_seconds: f64,
        listings: Option<f64>,
    ) -> JobCost {
        let outputs = job.all_outputs();
        let run_ms = match (job.started_at, job.finished_at) {
            (Some(start), Some(end)) => (end - start).max(0),
            _ => 0,
        };
        let activity = JobActivity {
            records: job.progress.map_or(0, |p| p.done.saturating_add(p.failed)),
            machine_seconds,
            file_sizes: outputs.iter().map(|o| o.size).collect(),
            has_result: !outputs.is_empty() || job.reason_code == Some(ErrorCode::WorkerError),
            listings: listings.unwrap_or(run_ms as f64 / (f64::from(config.poll_interval_s.max(1)) * 1000.0)),
        };
        let requests = requests::estimate(&activity);
        let stored_bytes = outputs.iter().map(|o| o.size).sum();
        let stored_hours = if outputs.is_empty() { 0.0 } else { f64::from(config.retention_h) };
        let usd = cost_of(&config.prices, &size, machine_seconds, requests, stored_bytes, stored_hours).total();
        JobCost { size, machine_seconds, requests, usd }
    }

    fn apply(&self, job: &mut Job) {
        job.guest = Some(self.size.clone());
        job.machine_seconds = Some(self.machine_seconds);
        job.r2_requests = Some(self.requests);
        job.cost_usd = Some(self.usd);
    }
}

/// Adds a job to its batch's cost totals.
pub(crate) fn add_to_summary(summary: &mut BatchSummary, job: &Job) {
    match job.cost_usd {
        Some(usd) => {
            summary.cost_usd = Some(summary.cost_usd.unwrap_or(0.0) + usd);
            summary.machine_seconds = Some(summary.machine_seconds.unwrap_or(0.0) + job.machine_seconds.unwrap_or(0.0));
        }
        None if job.machine_id.is_some() => summary.cost_unknown += 1,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingsFile;
    use crate::job::{JobOutput, JobProgress};

    fn config() -> Config {
        Config::resolve(&SettingsFile::default(), |_| None).unwrap()
    }

    fn finished_job(seconds_run: i64) -> Job {
        let mut job = Job::queued("b", vec![], arke_export_contract::options::ExportOptions::default(), 0);
        job.machine_id = Some("m1".into());
        job.started_at = Some(1_000);
        job.finished_at = Some(1_000 + seconds_run * 1000);
        job.progress = Some(JobProgress { done: 1, failed: 0, total: Some(1) });
        job.outputs = vec![JobOutput { size: 12_000, ..JobOutput::default() }];
        job
    }

    #[test]
    fn a_jobs_cost_sums_its_machine_its_requests_and_its_storage() {
        let config = config();
        let job = finished_job(45);
        let cost = JobCost::of(&config, MachineSize::default(), &job, 41.0, Some(13.4));
        assert_eq!(cost.requests, R2Requests { class_a: 19, class_b: 2 });
        let p = &config.prices;
        let expected = 41.0 * p.machine_per_second(&cost.size)
            + 19.0 * 4.5 / 1e6
            + 2.0 * 0.36 / 1e6
            + 12_000.0 / 1e9 * (24.0 / 730.0) * 0.015;
        assert!((cost.usd - expected).abs() < 1e-15, "{} vs {expected}", cost.usd);
        assert!((cost.usd - 0.000_116_9).abs() < 0.000_000_1, "≈ $0.00012: {}", cost.usd);
        let unlisted = JobCost::of(&config, MachineSize::default(), &job, 41.0, None);
        assert_eq!(unlisted.requests.class_a, 6 + 15, "one listing per 3 s poll of its 45 s run");
    }

    #[test]
    fn a_batch_total_sums_the_known_costs_and_counts_the_unknown() {
        let mut summary = BatchSummary::default();
        let mut a = finished_job(10);
        a.cost_usd = Some(0.000_1);
        a.machine_seconds = Some(10.5);
        let mut b = a.clone();
        b.cost_usd = Some(0.000_25);
        b.machine_seconds = Some(20.0);
        let unknown = finished_job(3);
        let mut queued = finished_job(0);
        queued.machine_id = None;
        for job in [&a, &b, &unknown, &queued] {
            add_to_summary(&mut summary, job);
        }
        assert!((summary.cost_usd.unwrap() - 0.000_35).abs() < 1e-18);
        assert_eq!(summary.machine_seconds, Some(30.5));
        assert_eq!(summary.cost_unknown, 1, "the job whose machine time is not known yet");
        let mut none = BatchSummary::default();
        add_to_summary(&mut none, &queued);
        assert_eq!((none.cost_usd, none.cost_unknown), (None, 0));
    }

    #[test]
    fn a_thousand_small_costs_add_up_without_drift() {
        let mut summary = BatchSummary::default();
        let mut job = finished_job(1);
        job.cost_usd = Some(0.000_000_748_5);
        job.machine_seconds = Some(1.0);
        for _ in 0..1_000 {
            add_to_summary(&mut summary, &job);
        }
        assert!((summary.cost_usd.unwrap() - 0.000_748_5).abs() < 1e-15);
        assert_eq!(crate::cost::text::format_usd(summary.cost_usd.unwrap()), "$0.00075");
    }
}
