//! `progress.json`: written when the export starts, then at most every 2 s while counts change;
//! with it, the progress marker (see [`MarkerCounts`]), the previous one removed once the new one exists.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;

use crate::export::Counters;
use crate::storage::Bucket;
use arke_export_contract::bucket::{MarkerCounts, progress_key};
use arke_export_contract::result::Progress;

pub const INTERVAL: Duration = Duration::from_secs(2);

/// RFC 3339 UTC time, e.g. `2026-11-28T17:30:00Z`.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn snapshot(task_id: &str, c: &Counters) -> Progress {
    let total = c.total.load(Ordering::Relaxed);
    Progress {
        task_id: task_id.to_owned(),
        entities_done: c.done.load(Ordering::Relaxed),
        entities_failed: c.failed.load(Ordering::Relaxed),
        entities_total: (total > 0).then_some(total),
        updated_at: now_rfc3339(),
    }
}

/// Runs until `stop` changes, then removes its marker (result.json, written next, has the final counts).
/// A failed write is logged and never fails the export.
pub async fn report(bucket: Bucket, task_id: String, counters: Arc<Counters>, mut stop: watch::Receiver<bool>) {
    let key = progress_key(&task_id);
    let mut last: Option<MarkerCounts> = None;
    loop {
        let p = snapshot(&task_id, &counters);
        let current = MarkerCounts { done: p.entities_done, failed: p.entities_failed, total: p.entities_total };
        if last != Some(current) {
            let body = serde_json::to_vec(&p).expect("progress serialises");
            let written = match bucket.put_bytes(&key, body, "application/json").await {
                Ok(()) => bucket.put_bytes(&current.key(&task_id), Vec::new(), "application/octet-stream").await,
                Err(e) => Err(e),
            };
            match written {
                Ok(()) => {
                    if let Some(previous) = last.replace(current) {
                        remove_marker(&bucket, &task_id, previous).await;
                    }
                }
                Err(e) => tracing::warn!("could not write progress: {e}"),
            }
        }
        tokio::select! {
            () = tokio::time::sleep(INTERVAL) => {}
            _ = stop.changed() => break,
        }
    }
    if let Some(previous) = last {
        remove_marker(&bucket, &task_id, previous).await;
    }
}

async fn remove_marker(bucket: &Bucket, task_id: &str, counts: MarkerCounts) {
    if let Err(e) = bucket.delete(&counts.key(task_id)).await {
        tracing::warn!("could not remove an old progress marker: {e}");
    }
}
