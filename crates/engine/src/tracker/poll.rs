//! One poll: one bucket listing for every active job, then only the reads and checks that changed.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use arke_export_contract::bucket::{EXPORTS_PREFIX, result_key, task_prefix};
use arke_export_contract::env::ExportFormat;
use arke_export_contract::result::{ResultStatus, TaskResult};

use super::{machines, timeouts, unless_moved};
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::file_name::{for_display, remote_text};
use crate::job::{Job, JobOutput, JobProgress, JobState, now_ms};
use crate::listing::progress_markers;
use crate::r2::R2Error;

/// Machine look-ups per poll, at most (Fly allows 5 gets/s; the rest of the budget is for waits).
const MACHINE_CHECKS_PER_POLL: usize = 3;

/// What the poller remembers between polls.
#[derive(Default)]
pub(crate) struct PollState {
    /// When each job's machine was last looked at (ms).
    machine_checked_at: HashMap<String, i64>,
    /// Ready jobs the bucket's clock said are not old enough yet: when to ask again (local ms).
    pub(super) expiry_checked: HashMap<String, i64>,
    /// The tracker's own poller (not a one-off poll of a command): it also picks up creations left
    /// behind by another process and cleans the bucket up.
    tracking: bool,
    /// Jobs whose machine time and cost are still to be recorded.
    cost: crate::cost::watch::CostWatch,
}

impl PollState {
    /// The state of the tracker's poller.
    pub(super) fn tracking() -> PollState {
        PollState { tracking: true, ..PollState::default() }
    }
}

pub(crate) async fn poll_once(inner: &Inner, ps: &mut PollState) -> Result<(), EngineError> {
    let injected = inner.poll_panics.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    assert!(injected.is_err(), "a poll round panicked (injected by a test)");
    let now = inner.now();
    // A download another process left behind (a CLI stopped with Ctrl-C) is ready again, not stuck.
    if let Err(e) = super::reattach::recover_downloads(inner) {
        tracing::warn!("recovering interrupted downloads: {e}");
    }
    timeouts::expire_ready(inner, now, ps).await?;
    if ps.tracking {
        // A machine creation another process began and left (it quit): looked up by name, or queued.
        if let Err(e) = super::reattach::adopt_stranded(inner, None).await {
            tracing::warn!("picking up machine creations left behind: {e}");
        }
    }
    let active = inner.store.jobs_in(&[JobState::Spawning, JobState::Running])?;
    // The jobs that left running since the last poll get their machine time and cost.
    ps.cost.poll(inner, &active).await;
    if active.is_empty() {
        if ps.tracking {
            crate::cleanup::clean_if_due(inner, None, now).await?;
        }
        return Ok(());
    }
    // Progress comes from the markers' names: the listing is the only bucket request of a quiet poll.
    // Only this installation's tasks (`exports/{installation}-`), unless a job from before task ids
    // carried the installation is still active.
    let own = inner.task_id_prefix();
    let prefix = if active.iter().all(|j| j.task_id.starts_with(&own)) {
        format!("{EXPORTS_PREFIX}{own}")
    } else {
        EXPORTS_PREFIX.to_owned()
    };
    let listing = inner.services.r2.list(&prefix).await?;
    let progress = progress_markers(&listing);
    let mut machine_candidates = Vec::new();
    for mut job in active {
        if listing.contains_key(&result_key(&job.task_id)) {
            // One job's unreadable result.json (refused, or failing on every read) holds up no other job.
            if let Err(e) = finish_from_result(inner, &mut job).await {
                tracing::warn!("could not read the result of job {}: {e}", job.id);
            }
            continue;
        }
        // A creation still under way (its lock held, here or in another process) is waited for.
        let creating = job.machine_id.is_none() && inner.spawns.busy(&job.id);
        if !creating && timeouts::overdue(inner, &job, now) {
            timeouts::time_out(inner, &mut job, &listing).await?;
            continue;
        }
        if let Some(counts) = progress.get(job.task_id.as_str()) {
            let first = job.state == JobState::Spawning;
            let p = JobProgress { done: counts.done, failed: counts.failed, total: counts.total };
            // Saved only if no one changed the job since this poll read it: a cancel stays a cancel.
            if job.clone().running(Some(p))? {
                let detail = first.then_some("the worker started exporting");
                if unless_moved(inner.transition(&mut job, detail, |j| j.running(Some(p))))?.is_none() {
                    continue;
                }
            }
        }
        if job.machine_id.is_some() {
            machine_candidates.push((ps.machine_checked_at.get(&job.id).copied().unwrap_or(0), job));
        }
    }
    machine_candidates.sort_by_key(|(at, _)| *at);
    for (_, mut job) in machine_candidates.into_iter().take(MACHINE_CHECKS_PER_POLL) {
        ps.machine_checked_at.insert(job.id.clone(), now);
        machines::check_machine(inner, &mut job, &listing).await?;
    }
    if ps.tracking {
        crate::cleanup::clean_if_due(inner, Some(&listing), now).await?;
    }
    Ok(())
}

/// A lifecycle change decided from a result.json.
type Change = Box<dyn Fn(&mut Job) -> Result<(), EngineError> + Send + Sync>;

/// Reads result.json and moves the job to ready or failed; `false` when there is none yet. A result.json
/// that is not what the worker writes (malformed, too large, naming an object outside the task's
/// folder) fails its job and no other.
pub(super) async fn finish_from_result(inner: &Inner, job: &mut Job) -> Result<bool, EngineError> {
    let result = match inner.services.r2.get_json::<TaskResult>(&result_key(&job.task_id)).await {
        Ok(Some(result)) => result,
        Ok(None) => return Ok(false),
        Err(e @ R2Error::BadObject { .. }) => {
            let detail = Some("its result.json is not what the worker writes");
            unless_moved(inner.transition(job, detail, |j| j.fail(ErrorCode::ResultInvalid, e.to_string(), now_ms())))?;
            inner.settle(&job.batch_id);
            return Ok(true);
        }
        Err(e) => return Err(e.into()),
    };
    let m = &result.metrics;
    let progress = Some(JobProgress {
        done: m.entities_exported,
        failed: m.entities_failed,
        total: Some(m.entities_exported.saturating_add(m.entities_failed)),
    });
    let now = now_ms();
    // The change is decided on the job as stored (see `Inner::transition`); the result's details go
    // with it only when the lifecycle allowed it.
    let (detail, change): (String, Change) = match (result.status, result_outputs(&result)) {
        (ResultStatus::Success, Some(outputs)) if outputs.iter().any(|o| !in_task_folder(&o.key, &job.task_id)) => {
            let bad = outputs.iter().find(|o| !in_task_folder(&o.key, &job.task_id)).map_or("", |o| o.key.as_str());
            let reason = format!("its result.json names {:?}, which is not in the task's folder", for_display(bad));
            let change = move |j: &mut Job| j.fail(ErrorCode::R2BadObject, reason.clone(), now);
            ("its result.json names another object".into(), Box::new(change))
        }
        (ResultStatus::Success, Some(outputs)) => {
            let retention = inner.config.retention_ms();
            let change = move |j: &mut Job| j.mark_ready(outputs.clone(), now, retention);
            // The worker lists at most 1,000 failures; its metrics count them all.
            let failed = match m.entities_failed.max(result.failures.len() as u64) {
                0 => String::new(),
                n => format!(", {n} failed"),
            };
            (format!("exported {} records{failed}", m.entities_exported), Box::new(change))
        }
        _ => {
            let error = remote_text(result.error.as_deref().unwrap_or("the worker reported an error"));
            let change = move |j: &mut Job| j.fail(ErrorCode::WorkerError, error.clone(), now);
            ("the worker reported an error".into(), Box::new(change))
        }
    };
    let saved = inner.transition(job, Some(&detail), |j| {
        change(j)?;
        j.failures.clone_from(&result.failures);
        j.progress = progress;
        Ok(())
    });
    unless_moved(saved)?;
    inner.settle(&job.batch_id);
    Ok(true)
}

/// The files a result names, one per format: its `outputs`, or — written by a worker from before
/// formats existed — its single `output_*` fields (MODS). `None` when it names none. The worker's file
/// names are only shown; local names are made by the engine. At most one file per format.
fn result_outputs(result: &TaskResult) -> Option<Vec<JobOutput>> {
    if result.outputs.is_empty() {
        let key = result.output_r2_key.clone()?;
        return Some(vec![JobOutput {
            format: ExportFormat::Mods,
            key,
            file_name: for_display(result.output_file_name.as_deref().unwrap_or_default()),
            size: result.output_file_size.unwrap_or(0),
            sha256: result.output_sha256.clone(),
        }]);
    }
    // One file per format (a result naming a format twice keeps its first).
    let mut seen = Vec::new();
    Some(
        result
            .outputs
            .iter()
            .filter(|o| {
                let first = !seen.contains(&o.format);
                seen.push(o.format);
                first
            })
            .map(|o| JobOutput {
                format: o.format,
                key: o.r2_key.clone(),
                file_name: for_display(&o.file_name),
                size: o.size,
                sha256: Some(o.sha256.clone()),
            })
            .collect(),
    )
}

/// True when `key` is an object of the task's own folder (`exports/{task_id}/…`, no `..` or empty part).
fn in_task_folder(key: &str, task_id: &str) -> bool {
    key.strip_prefix(&task_prefix(task_id))
        .is_some_and(|rest| !rest.is_empty() && rest.split('/').all(|part| !matches!(part, "" | "." | "..")))
}

#[cfg(test)]
mod tests {
    use super::{in_task_folder, result_outputs};
    use arke_export_contract::env::ExportFormat;
    use arke_export_contract::result::{Output, TaskResult};

    fn result(json: &str) -> TaskResult {
        let base = r#""task_id":"t","batch_id":"b","status":"success","worker_version":"0.1.0",
            "metrics":{"total_time_ms":1,"entities_exported":1,"entities_failed":0,"peak_memory_mb":1.0}"#;
        serde_json::from_str(&format!("{{{base}{json}}}")).unwrap()
    }

    #[test]
    fn every_output_of_a_result_becomes_a_file_of_the_job() {
        let legacy = result(r#","output_r2_key":"exports/t/x.xml","output_file_name":"x.xml","output_file_size":3"#);
        let files = result_outputs(&legacy).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(
            (files[0].format, files[0].key.as_str(), files[0].sha256.as_deref()),
            (ExportFormat::Mods, "exports/t/x.xml", None)
        );
        assert!(result_outputs(&result("")).is_none(), "a result naming no file");

        let mut both = legacy.clone();
        both.outputs = [(ExportFormat::Mods, "x.xml"), (ExportFormat::Dc, "x-dc.xml"), (ExportFormat::Mods, "y.xml")]
            .map(|(format, name)| Output {
                format,
                r2_key: format!("exports/t/{name}"),
                file_name: name.into(),
                size: 5,
                sha256: "ab".into(),
            })
            .to_vec();
        let files = result_outputs(&both).unwrap();
        let shown: Vec<_> = files.iter().map(|f| (f.format, f.key.as_str(), f.sha256.as_deref())).collect();
        assert_eq!(
            shown,
            [(ExportFormat::Mods, "exports/t/x.xml", Some("ab")), (ExportFormat::Dc, "exports/t/x-dc.xml", Some("ab"))],
            "one file per format, the first named"
        );
    }

    #[test]
    fn only_the_tasks_own_objects_are_downloaded() {
        assert!(in_task_folder("exports/t1/01HZX3K9Q4M8V2T6R5N7P0W1YB.xml", "t1"));
        for key in ["exports/t2/x.xml", "exports/t1/", "exports/t1/../t2/x.xml", "exports/t1//x", "x.xml", "/etc/x"] {
            assert!(!in_task_folder(key, "t1"), "{key}");
        }
    }
}
