//! What the worker writes into the bucket (`progress.json`, `result.json`); the engine reads them with
//! these same types. Where they live is [`crate::bucket`].

use serde::{Deserialize, Serialize};

/// `exports/{task_id}/progress.json`, rewritten at most every 2 s while the export runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub task_id: String,
    pub entities_done: u64,
    pub entities_failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities_total: Option<u64>,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    Success,
    Error,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub total_time_ms: u64,
    /// Records written to the file (failures are not counted).
    pub entities_exported: u64,
    pub entities_failed: u64,
    /// Records written as minimal records because pinax.json was missing or unreadable.
    #[serde(default)]
    pub entities_incomplete: u64,
    pub peak_memory_mb: f64,
}

/// A record that could not be exported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Failure {
    pub pi: String,
    pub error: String,
}

/// `exports/{task_id}/result.json`, written last: its presence means the task is over.
/// It is also the body POSTed to `CALLBACK_URL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub task_id: String,
    pub batch_id: String,
    pub status: ResultStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_r2_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_sha256: Option<String>,
    pub metrics: Metrics,
    #[serde(default)]
    pub failures: Vec<Failure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub worker_version: String,
}

/// Peak resident memory of this process in MB (Linux: VmHWM), 0 where unknown: [`Metrics::peak_memory_mb`].
pub fn peak_memory_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    (kb / 1024.0 * 10.0).round() / 10.0
}
