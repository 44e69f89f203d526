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

/// Progress also lives in the *name* of one empty object, `exports/{task_id}/progress/{done}-{failed}-{total}`
/// (`total` 0 while unknown), written with each progress.json and removed before result.json. A watcher of
/// many tasks then reads every task's progress from one listing, without a request per task.
pub const PROGRESS_MARKERS: &str = "progress/";

/// Counts carried by a progress marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkerCounts {
    pub done: u64,
    pub failed: u64,
    pub total: Option<u64>,
}

impl MarkerCounts {
    /// The marker's key for `task_id`.
    pub fn key(&self, task_id: &str) -> String {
        format!("{}{PROGRESS_MARKERS}{}-{}-{}", task_prefix(task_id), self.done, self.failed, self.total.unwrap_or(0))
    }

    /// Reads a marker key of `task_id`; `None` for any other key.
    pub fn parse(task_id: &str, key: &str) -> Option<MarkerCounts> {
        MarkerCounts::from_name(key.strip_prefix(&task_prefix(task_id))?)
    }

    /// Reads a key relative to its task's prefix (`progress/{done}-{failed}-{total}`).
    pub fn from_name(name: &str) -> Option<MarkerCounts> {
        let name = name.strip_prefix(PROGRESS_MARKERS)?;
        let mut parts = name.split('-').map(|n| n.parse::<u64>().ok());
        let (Some(Some(done)), Some(Some(failed)), Some(Some(total)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(MarkerCounts { done, failed, total: (total > 0).then_some(total) })
    }
}
pub const RESULT_FILE: &str = "result.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_marker_round_trips_through_its_key() {
        let counts = MarkerCounts { done: 120, failed: 3, total: Some(500) };
        assert_eq!(counts.key("t-1"), "exports/t-1/progress/120-3-500");
        assert_eq!(MarkerCounts::parse("t-1", &counts.key("t-1")), Some(counts));
        let unknown = MarkerCounts { done: 7, failed: 0, total: None };
        assert_eq!(MarkerCounts::parse("t-1", &unknown.key("t-1")), Some(unknown));
    }

    #[test]
    fn other_keys_are_not_markers() {
        for key in [
            "exports/t-1/progress.json",
            "exports/t-1/result.json",
            "exports/t-2/progress/1-0-0",
            "exports/t-1/progress/1-0",
            "exports/t-1/progress/1-0-0-0",
            "exports/t-1/progress/a-0-0",
            "exports/t-1/progress/-1-0-0",
        ] {
            assert_eq!(MarkerCounts::parse("t-1", key), None, "{key}");
        }
    }
}
