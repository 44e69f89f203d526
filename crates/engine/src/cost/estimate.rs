//! Before an export: what a batch will cost, from its number of records (and, for recursive exports,
//! the child counts the catalog reports) and the throughput measured on this installation's earlier
//! jobs — machine seconds as a start-up time per machine plus a time per record, fitted by least
//! squares on the newest [`SAMPLE`] jobs whose cost is known ([`DEFAULT_STARTUP_S`] and
//! [`DEFAULT_PER_RECORD_S`] before there are any). An estimate, and it says so.

use serde::Serialize;
use ts_rs::TS;

use super::requests::{self, JobActivity};
use super::{MachineSize, R2Requests, cost_of};
use crate::config::Config;
use crate::error::EngineError;
use crate::job::Job;

/// Seconds a machine takes to start and finish around its records, before any job was measured.
pub const DEFAULT_STARTUP_S: f64 = 5.0;
/// Seconds per record (Arke API and IPFS reads, the files written), before any job was measured.
pub const DEFAULT_PER_RECORD_S: f64 = 1.0;
/// Earlier jobs the throughput is measured on, newest first.
pub const SAMPLE: usize = 200;

/// What a batch will cost, estimated.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ExportEstimate {
    #[ts(type = "number")]
    pub records: u64,
    /// Records with their children (what the machines export).
    #[ts(type = "number")]
    pub entities: u64,
    #[ts(type = "number")]
    pub machines: u64,
    pub machine_seconds: f64,
    pub r2_requests: R2Requests,
    pub cost_usd: f64,
    pub size: MachineSize,
    /// The throughput used: seconds per machine, and per record.
    pub startup_seconds: f64,
    pub seconds_per_record: f64,
    /// Earlier jobs it was measured on (0: the defaults).
    pub measured_jobs: u32,
    pub prices_as_of: String,
}

/// Seconds per machine and per record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    pub startup_s: f64,
    pub per_record_s: f64,
    pub measured_jobs: u32,
}

impl Default for Throughput {
    fn default() -> Throughput {
        Throughput { startup_s: DEFAULT_STARTUP_S, per_record_s: DEFAULT_PER_RECORD_S, measured_jobs: 0 }
    }
}

/// The throughput measured on `history` (any jobs; those with a known machine time and records count).
pub fn throughput(history: &[Job]) -> Throughput {
    let mut measured: Vec<(i64, f64, f64)> = history
        .iter()
        .filter_map(|j| {
            let seconds = j.machine_seconds.filter(|s| s.is_finite() && *s > 0.0)?;
            let records = j.progress.map_or(0, |p| p.done.saturating_add(p.failed));
            (records > 0).then_some((j.finished_at.unwrap_or(0), records as f64, seconds))
        })
        .collect();
    measured.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
    measured.truncate(SAMPLE);
    let n = measured.len() as f64;
    if measured.is_empty() {
        return Throughput::default();
    }
    let measured_jobs = measured.len() as u32;
    let (sum_x, sum_y) = measured.iter().fold((0.0, 0.0), |(x, y), (_, r, s)| (x + r, y + s));
    let (mean_x, mean_y) = (sum_x / n, sum_y / n);
    let var: f64 = measured.iter().map(|(_, r, _)| (r - mean_x).powi(2)).sum();
    let cov: f64 = measured.iter().map(|(_, r, s)| (r - mean_x) * (s - mean_y)).sum();
    if var > 0.0 {
        let per_record_s = cov / var;
        let startup_s = mean_y - per_record_s * mean_x;
        if per_record_s >= 0.0 && startup_s >= 0.0 {
            return Throughput { startup_s, per_record_s, measured_jobs };
        }
    }
    // Every job the same size (or a fit that makes no sense): time per record, start-up included.
    Throughput { startup_s: 0.0, per_record_s: sum_y / sum_x, measured_jobs }
}

/// The estimate for `records` (with `children` in all) in machines of `per_machine` records, each
/// writing `formats` files.
pub fn estimate(
    config: &Config,
    size: MachineSize,
    throughput: Throughput,
    records: u64,
    children: u64,
    per_machine: u32,
    formats: u32,
) -> ExportEstimate {
    let entities = records.saturating_add(children);
    let machines = records.div_ceil(u64::from(per_machine.max(1)));
    let machine_seconds = machines as f64 * throughput.startup_s + entities as f64 * throughput.per_record_s;
    let requests = if machines == 0 {
        R2Requests::default()
    } else {
        // Every machine alike; its listings shared with the machines running beside it.
        let per = |n: f64| n / machines as f64;
        let seconds = per(machine_seconds);
        let running_together = machines.min(u64::from(config.max_running.max(1))) as f64;
        let one = requests::estimate(&JobActivity {
            records: per(entities as f64).ceil() as u64,
            machine_seconds: seconds,
            file_sizes: vec![0; formats.max(1) as usize],
            has_result: true,
            listings: seconds / f64::from(config.poll_interval_s.max(1)) / running_together,
        });
        R2Requests { class_a: one.class_a.saturating_mul(machines), class_b: one.class_b.saturating_mul(machines) }
    };
    let cost_usd = cost_of(&config.prices, &size, machine_seconds, requests, 0, 0.0).total();
    ExportEstimate {
        records,
        entities,
        machines,
        machine_seconds,
        r2_requests: requests,
        cost_usd,
        size,
        startup_seconds: throughput.startup_s,
        seconds_per_record: throughput.per_record_s,
        measured_jobs: throughput.measured_jobs,
        prices_as_of: config.prices.as_of.clone(),
    }
}

impl crate::Engine {
    /// What exporting `records` IDs (with `children` children in all, for a recursive export) in
    /// machines of `per_machine` records (the setting when `None`), writing `formats` files each, will
    /// cost, measured on this installation's earlier jobs.
    pub fn estimate_export(
        &self,
        records: u64,
        children: Option<u64>,
        per_machine: Option<u32>,
        formats: Option<u32>,
    ) -> Result<ExportEstimate, EngineError> {
        let config = &self.inner.config;
        let history = self.inner.store.jobs()?;
        let size = MachineSize::from_guest(self.inner.services.guest());
        Ok(estimate(
            config,
            size,
            throughput(&history),
            records,
            children.unwrap_or(0),
            per_machine.unwrap_or(config.per_machine).clamp(1, 10_000),
            formats.unwrap_or(1).clamp(1, 16),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingsFile;
    use crate::job::JobProgress;

    fn config() -> Config {
        Config::resolve(&SettingsFile::default(), |_| None).unwrap()
    }

    fn measured(records: u64, seconds: f64, at: i64) -> Job {
        let mut job = Job::queued("b", vec![], arke_export_contract::options::ExportOptions::default(), 0);
        job.progress = Some(JobProgress { done: records, failed: 0, total: Some(records) });
        job.machine_seconds = Some(seconds);
        job.finished_at = Some(at);
        job
    }

    #[test]
    fn the_defaults_before_any_job() {
        assert_eq!(throughput(&[]), Throughput::default());
        let e = estimate(&config(), MachineSize::default(), Throughput::default(), 10, 0, 1, 1);
        assert_eq!((e.machines, e.entities, e.measured_jobs), (10, 10, 0));
        assert!((e.machine_seconds - (10.0 * 5.0 + 10.0)).abs() < 1e-9, "{}", e.machine_seconds);
        assert!(e.cost_usd > 0.0 && e.cost_usd < 0.01, "{}", e.cost_usd);
        assert_eq!(e.prices_as_of, "2025-01");
    }

    #[test]
    fn startup_and_time_per_record_are_fitted_on_earlier_jobs() {
        // 3 s per machine + 0.5 s per record, exactly.
        let history: Vec<Job> = [1, 4, 10, 20].iter().map(|&r| measured(r, 3.0 + 0.5 * r as f64, 1)).collect();
        let t = throughput(&history);
        assert!((t.startup_s - 3.0).abs() < 1e-9 && (t.per_record_s - 0.5).abs() < 1e-9, "{t:?}");
        assert_eq!(t.measured_jobs, 4);
        let e = estimate(&config(), MachineSize::default(), t, 100, 50, 10, 2);
        assert_eq!((e.machines, e.entities), (10, 150));
        assert!((e.machine_seconds - (10.0 * 3.0 + 150.0 * 0.5)).abs() < 1e-9);
        assert_eq!(e.r2_requests.class_b, 10 * 3, "a result and two files read per machine");
    }

    #[test]
    fn jobs_all_the_same_size_give_a_time_per_record() {
        let history = vec![measured(1, 8.0, 2), measured(1, 6.0, 1), measured(0, 100.0, 3)];
        let t = throughput(&history);
        assert_eq!((t.startup_s, t.per_record_s, t.measured_jobs), (0.0, 7.0, 2), "the job of no records is left out");
        let only_newest: Vec<Job> =
            (0..SAMPLE as i64 + 5).map(|i| measured(1, if i < 5 { 100.0 } else { 2.0 }, i)).collect();
        assert!(
            (throughput(&only_newest).per_record_s - 2.0).abs() < 1e-12,
            "the oldest beyond the sample are left out"
        );
    }
}
