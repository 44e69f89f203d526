//! A job's R2 requests, as far as the engine can know them. Nobody counts them for us (R2 bills the
//! account, not the object), so they are estimated from what the job did:
//!
//! - class A (writes and lists), by the worker: one PUT of `result.json`; per file, one PUT — or,
//!   above [`MULTIPART_PART_BYTES`], a multipart upload: create, one per part, complete; and its
//!   progress: `progress.json` plus its marker (two PUTs) each time the counts changed, at most every
//!   [`PROGRESS_INTERVAL_S`] seconds (so at most once per record, plus the first); deletes are free.
//! - class A, by the engine: its share of the bucket listings made while the job was active (each
//!   listing serves every active job; the tracker counts the share, or — when it did not see the job
//!   run — one listing per poll interval of the job's run).
//! - class B (reads), by the engine: `result.json` once, and each file downloaded once.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The worker's multipart threshold and part size (`arke-export-worker`'s `MULTIPART_PART_BYTES`).
pub const MULTIPART_PART_BYTES: u64 = 8 * 1024 * 1024;
/// The worker's progress interval (`arke-export-worker`'s `progress::INTERVAL`).
pub const PROGRESS_INTERVAL_S: f64 = 2.0;

/// R2 requests by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct R2Requests {
    /// Writes and lists.
    #[ts(type = "number")]
    pub class_a: u64,
    /// Reads.
    #[ts(type = "number")]
    pub class_b: u64,
}

impl R2Requests {
    pub fn total(self) -> u64 {
        self.class_a.saturating_add(self.class_b)
    }
}

impl std::ops::Add for R2Requests {
    type Output = R2Requests;
    fn add(self, other: R2Requests) -> R2Requests {
        R2Requests {
            class_a: self.class_a.saturating_add(other.class_a),
            class_b: self.class_b.saturating_add(other.class_b),
        }
    }
}

/// What the requests of one job are estimated from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobActivity {
    /// Records exported or failed (children included).
    pub records: u64,
    /// Seconds its machine ran.
    pub machine_seconds: f64,
    /// The size of each file it wrote.
    pub file_sizes: Vec<u64>,
    /// Whether it wrote a `result.json` (and the engine read it).
    pub has_result: bool,
    /// Its share of the engine's bucket listings (fractional: a listing serves every active job).
    pub listings: f64,
}

/// PUTs of one file of `size` bytes: one, or a multipart upload's create + parts + complete.
pub fn upload_requests(size: u64) -> u64 {
    if size <= MULTIPART_PART_BYTES { 1 } else { size.div_ceil(MULTIPART_PART_BYTES) + 2 }
}

/// Progress PUTs: `progress.json` and its marker per change of the counts, at most one change per
/// interval and per record (the first snapshot included).
pub fn progress_requests(records: u64, machine_seconds: f64) -> u64 {
    // `as` saturates (and NaN is 0): remote or typed numbers can be anything.
    let snapshots_by_time = ((machine_seconds.max(0.0) / PROGRESS_INTERVAL_S).floor() as u64).saturating_add(1);
    snapshots_by_time.min(records.saturating_add(1)).saturating_mul(2)
}

/// The estimate for one job.
pub fn estimate(activity: &JobActivity) -> R2Requests {
    let files = activity.file_sizes.iter().fold(0u64, |n, s| n.saturating_add(upload_requests(*s)));
    let result = u64::from(activity.has_result);
    let worker =
        files.saturating_add(result).saturating_add(progress_requests(activity.records, activity.machine_seconds));
    let listings = activity.listings.max(0.0).round() as u64;
    R2Requests {
        class_a: worker.saturating_add(listings),
        class_b: result.saturating_add(activity.file_sizes.len() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonsense_numbers_saturate_instead_of_panicking() {
        assert_eq!(progress_requests(u64::MAX, f64::MAX), u64::MAX);
        assert_eq!(progress_requests(3, f64::NAN), 2, "NaN seconds: one snapshot");
        let activity = JobActivity {
            records: u64::MAX,
            machine_seconds: f64::INFINITY,
            file_sizes: vec![u64::MAX, u64::MAX],
            has_result: true,
            listings: f64::MAX,
        };
        assert_eq!(estimate(&activity).class_a, u64::MAX);
    }

    #[test]
    fn uploads_are_one_put_or_a_multipart_upload() {
        assert_eq!(upload_requests(0), 1);
        assert_eq!(upload_requests(MULTIPART_PART_BYTES), 1, "8 MiB exactly is one PUT");
        assert_eq!(upload_requests(MULTIPART_PART_BYTES + 1), 4, "create, 2 parts, complete");
        assert_eq!(upload_requests(20 * MULTIPART_PART_BYTES), 22);
    }

    #[test]
    fn progress_is_bounded_by_time_and_by_records() {
        assert_eq!(progress_requests(0, 30.0), 2, "one snapshot when nothing changes");
        assert_eq!(progress_requests(1, 41.0), 4, "the first snapshot and one change");
        assert_eq!(progress_requests(1_000, 41.0), 42, "21 snapshots in 41 s");
        assert_eq!(progress_requests(5, -1.0), 2);
    }

    #[test]
    fn a_one_record_job_with_one_file() {
        let activity = JobActivity {
            records: 1,
            machine_seconds: 41.0,
            file_sizes: vec![12_000],
            has_result: true,
            listings: 13.4,
        };
        // worker: file 1 + result 1 + progress 4; engine: 13 listings; reads: result + 1 download.
        assert_eq!(estimate(&activity), R2Requests { class_a: 19, class_b: 2 });
        assert_eq!(estimate(&activity).total(), 21);
        let failed = JobActivity { has_result: false, file_sizes: vec![], ..activity };
        assert_eq!(estimate(&failed), R2Requests { class_a: 17, class_b: 0 });
        assert_eq!(estimate(&failed) + R2Requests { class_a: 1, class_b: 1 }, R2Requests { class_a: 18, class_b: 1 });
    }
}
