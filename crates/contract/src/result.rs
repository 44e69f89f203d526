//! What the worker writes into the bucket (`progress.json`, `result.json`); the engine reads them with
//! these same types. Where they live is [`crate::bucket`].

use serde::{Deserialize, Serialize};

use crate::env::ExportFormat;

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

/// One file the task wrote: one per requested format, in the order requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub format: ExportFormat,
    pub r2_key: String,
    pub file_name: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the object's bytes.
    pub sha256: String,
}

/// `exports/{task_id}/result.json`, written last: its presence means the task is over.
/// It is also the body POSTed to `CALLBACK_URL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub task_id: String,
    pub batch_id: String,
    pub status: ResultStatus,
    /// The first requested format's file (the same as `outputs[0]`), for readers that know one file only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_r2_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_sha256: Option<String>,
    /// Every file written, one per requested format, in the order requested (empty on error, and in
    /// results written before formats existed).
    #[serde(default)]
    pub outputs: Vec<Output>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_without_outputs_still_reads() {
        let old = r#"{"task_id":"t","batch_id":"b","status":"success","output_r2_key":"exports/t/x.xml",
            "output_file_name":"x.xml","output_file_size":3,"output_sha256":"ab","worker_version":"0.1.0",
            "metrics":{"total_time_ms":1,"entities_exported":1,"entities_failed":0,"peak_memory_mb":1.0}}"#;
        let r: TaskResult = serde_json::from_str(old).unwrap();
        assert!(r.outputs.is_empty());
        assert_eq!(r.output_file_name.as_deref(), Some("x.xml"));
    }

    #[test]
    fn outputs_carry_the_wire_name_of_their_format() {
        let o = Output {
            format: ExportFormat::Marcxml,
            r2_key: "exports/t/x-marc.xml".into(),
            file_name: "x-marc.xml".into(),
            size: 10,
            sha256: "00".into(),
        };
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["format"], "marcxml");
        assert_eq!(serde_json::from_value::<Output>(json).unwrap(), o);
    }
}
