//! Jobs and batches: what the store keeps, the UI shows and the tracker moves (through the
//! transitions in [`lifecycle`], the only code that changes a job's state).

mod lifecycle;

pub use lifecycle::JobAction;

use arke_export_contract::env::ExportFormat;
use arke_export_contract::options::ExportOptions;
use arke_export_contract::result::Failure;
use serde::{Deserialize, Serialize};

use crate::cost::{MachineSize, R2Requests};
use crate::error::ErrorCode;
use ts_rs::TS;

/// A job's state. `queued → spawning → running → ready → downloading → downloaded`,
/// or `failed` / `canceled` / `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum JobState {
    Queued,
    Spawning,
    Running,
    Ready,
    Downloading,
    Downloaded,
    Failed,
    Canceled,
    Expired,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Spawning => "spawning",
            JobState::Running => "running",
            JobState::Ready => "ready",
            JobState::Downloading => "downloading",
            JobState::Downloaded => "downloaded",
            JobState::Failed => "failed",
            JobState::Canceled => "canceled",
            JobState::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "spawning" => JobState::Spawning,
            "running" => JobState::Running,
            "ready" => JobState::Ready,
            "downloading" => JobState::Downloading,
            "downloaded" => JobState::Downloaded,
            "failed" => JobState::Failed,
            "canceled" => JobState::Canceled,
            "expired" => JobState::Expired,
            _ => return None,
        })
    }
    /// A machine may exist for the job.
    pub fn has_machine(self) -> bool {
        matches!(self, JobState::Spawning | JobState::Running)
    }
    /// Nothing more will happen by itself.
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Downloaded | JobState::Failed | JobState::Canceled | JobState::Expired)
    }
}

/// Records done so far, from the worker's progress marker (then from `result.json`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// One export file (one format), once the worker has uploaded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobOutput {
    /// MODS for outputs stored before formats existed.
    #[serde(default)]
    pub format: ExportFormat,
    pub key: String,
    pub file_name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Absent for the original worker image, which writes no result.json.
    pub sha256: Option<String>,
}

/// One machine's worth of record IDs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Job {
    pub id: String,
    pub batch_id: String,
    /// The machine's TASK_ID (and name) for the current attempt.
    pub task_id: String,
    pub pis: Vec<String>,
    pub options: ExportOptions,
    /// The formats the machine writes (`EXPORT_FORMAT`), the first being the main one; MODS alone for
    /// jobs stored before formats existed.
    #[serde(default = "mods_only")]
    pub formats: Vec<ExportFormat>,
    pub state: JobState,
    /// What the archivist may do now (follows `state`; set by every transition).
    #[serde(default)]
    pub actions: Vec<JobAction>,
    /// Why it failed, was canceled or expired, in plain words.
    pub reason: Option<String>,
    /// A stable code for `reason` (e.g. `run_timeout`, `worker_error`).
    pub reason_code: Option<ErrorCode>,
    pub machine_id: Option<String>,
    pub instance_id: Option<String>,
    pub region: Option<String>,
    pub exit_code: Option<i32>,
    pub progress: Option<JobProgress>,
    /// The first format's file (`outputs[0]`), as jobs stored before formats existed have it.
    pub output: Option<JobOutput>,
    /// Every file of the job, one per format, in the order requested (empty in jobs stored before
    /// formats existed: see [`Job::all_outputs`]).
    #[serde(default)]
    pub outputs: Vec<JobOutput>,
    pub failures: Vec<Failure>,
    /// Where the last file saved went.
    pub saved_to: Option<String>,
    /// The formats whose file has been saved (verified), in the order saved.
    #[serde(default)]
    pub saved_formats: Vec<ExportFormat>,
    pub attempt: u32,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    #[ts(type = "number | null")]
    pub finished_at: Option<i64>,
    /// When the bucket's copy goes away (ready jobs).
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    /// Whether every file of the job can be checked against the worker's SHA-256 when it is saved.
    /// `false` when the worker reported no result (the original worker image: its file is found in the
    /// bucket and saved unverified); the CLI and the UI say so.
    #[serde(default = "verified_by_default")]
    pub verified: bool,
    /// The machine's size, from the machine config the engine sent (recorded when it is created).
    #[serde(default)]
    pub guest: Option<MachineSize>,
    /// Seconds the machine ran, from Fly's events (each `start` to its `exit`); `None` until known.
    #[serde(default)]
    pub machine_seconds: Option<f64>,
    /// The job's R2 requests, estimated ([`crate::cost::requests`]); with `machine_seconds`.
    #[serde(default)]
    pub r2_requests: Option<R2Requests>,
    /// What the job cost, in USD: an estimate from the price table; `None` until its machine time is known.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// The first record's title, as the archive gave it at submit time (`None`: not known).
    #[serde(default)]
    pub title: Option<String>,
    /// The store row's version this copy was read at (compare-and-set saves); kept in its own column.
    #[serde(skip)]
    #[ts(skip)]
    pub version: i64,
}

impl Job {
    /// A new queued job of `batch_id` for `pis` (first attempt).
    pub fn queued(batch_id: &str, pis: Vec<String>, options: ExportOptions, now: i64) -> Job {
        let id = new_id("job");
        Job {
            task_id: id.clone(),
            id,
            batch_id: batch_id.to_owned(),
            pis,
            options,
            formats: mods_only(),
            state: JobState::Queued,
            reason: None,
            reason_code: None,
            machine_id: None,
            instance_id: None,
            region: None,
            exit_code: None,
            progress: None,
            output: None,
            outputs: Vec::new(),
            failures: Vec::new(),
            saved_to: None,
            saved_formats: Vec::new(),
            actions: JobState::Queued.actions().to_vec(),
            attempt: 1,
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
            expires_at: None,
            guest: None,
            machine_seconds: None,
            r2_requests: None,
            cost_usd: None,
            title: None,
            verified: true,
            version: 0,
        }
    }

    /// Every file of a ready (or downloaded) job, one per format: `outputs`, or the single `output` of a
    /// job stored before formats existed.
    pub fn all_outputs(&self) -> Vec<JobOutput> {
        if self.outputs.is_empty() { self.output.iter().cloned().collect() } else { self.outputs.clone() }
    }

    /// The file of `format`, or the first one when `format` is `None`.
    pub fn output_of(&self, format: Option<ExportFormat>) -> Option<JobOutput> {
        let all = self.all_outputs();
        match format {
            None => all.into_iter().next(),
            Some(f) => all.into_iter().find(|o| o.format == f),
        }
    }
}

/// Jobs stored before `verified` existed had their files from a result.json (as nearly all have).
fn verified_by_default() -> bool {
    true
}

/// What a job or batch from before formats existed exports: MODS alone.
pub fn mods_only() -> Vec<ExportFormat> {
    vec![ExportFormat::Mods]
}

/// One step in a job's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimelineEntry {
    #[ts(type = "number")]
    pub at: i64,
    pub state: JobState,
    pub detail: String,
}

/// A set of jobs submitted together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Batch {
    pub id: String,
    #[ts(type = "number")]
    pub created_at: i64,
    pub options: ExportOptions,
    /// The formats every job of the batch writes (MODS alone for batches stored before formats existed).
    #[serde(default = "mods_only")]
    pub formats: Vec<ExportFormat>,
    pub per_machine: u32,
    pub record_count: u32,
}

/// Counts by state, for a batch summary, and what the batch cost so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct BatchSummary {
    pub batch_id: String,
    pub jobs: u32,
    pub active: u32,
    pub ready: u32,
    pub downloaded: u32,
    pub failed: u32,
    pub canceled: u32,
    pub expired: u32,
    /// The sum over the jobs whose cost is known (`None` when none is yet).
    pub machine_seconds: Option<f64>,
    pub cost_usd: Option<f64>,
    /// Jobs that had a machine but whose cost is not known (yet): the totals leave them out.
    pub cost_unknown: u32,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A new job or batch id: a prefix and a time-ordered random suffix (valid as a TASK_ID).
pub fn new_id(prefix: &str) -> String {
    let uuid = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{:x}_{}", now_ms(), &uuid[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_stored_before_formats_reads_as_mods_with_its_one_file() {
        let mut job = Job::queued("batch_1", vec!["01HZX3K9Q4M8V2T6R5N7P0W1YB".into()], ExportOptions::default(), 1);
        job.output =
            Some(JobOutput { key: "exports/t/x.xml".into(), file_name: "x.xml".into(), ..JobOutput::default() });
        let mut old = serde_json::to_value(&job).unwrap();
        let fields = old.as_object_mut().unwrap();
        for new in ["formats", "outputs", "saved_formats", "guest", "machine_seconds", "r2_requests", "cost_usd"] {
            fields.remove(new).unwrap();
        }
        fields["output"].as_object_mut().unwrap().remove("format").unwrap();
        let read: Job = serde_json::from_value(old).unwrap();
        assert_eq!(read.formats, [ExportFormat::Mods]);
        assert_eq!(read.all_outputs(), vec![job.output.clone().unwrap()]);
        assert_eq!(read.output_of(None), job.output);
        assert_eq!(read.output_of(Some(ExportFormat::Mods)), job.output);
        assert_eq!(read.output_of(Some(ExportFormat::Dc)), None);
    }
}
