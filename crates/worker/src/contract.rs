//! The objects the worker writes to the bucket. The engine reads them with these same types.

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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, export_to = "../../../ui/src/bindings/"))]
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

/// The bucket prefix of one task's objects.
pub fn task_prefix(task_id: &str) -> String {
    format!("exports/{task_id}/")
}

pub const PROGRESS_FILE: &str = "progress.json";
pub const RESULT_FILE: &str = "result.json";
