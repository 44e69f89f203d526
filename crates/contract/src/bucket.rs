//! Where a task's objects live in the bucket: `exports/{TASK_ID}/…`.

/// Every task's objects are under this prefix.
pub const EXPORTS_PREFIX: &str = "exports/";

/// The bucket prefix of one task's objects.
pub fn task_prefix(task_id: &str) -> String {
    format!("{EXPORTS_PREFIX}{task_id}/")
}

/// `exports/{task_id}/result.json`: written last, its presence means the task is over.
pub fn result_key(task_id: &str) -> String {
    format!("{}{RESULT_FILE}", task_prefix(task_id))
}

/// `exports/{task_id}/progress.json`.
pub fn progress_key(task_id: &str) -> String {
    format!("{}{PROGRESS_FILE}", task_prefix(task_id))
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
