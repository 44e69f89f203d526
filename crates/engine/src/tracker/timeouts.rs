//! Ending what took too long: machines that did not start or finish in time, and ready exports
//! whose time in the bucket is over.

use std::collections::HashMap;

use super::machines::check_machine;
use super::poll::PollState;
use super::unless_moved;
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::job::{Job, JobState, now_ms};
use crate::r2::ObjectInfo;

/// The limit that applies to the job now, in seconds, and the code for exceeding it.
fn limit(inner: &Inner, job: &Job) -> (ErrorCode, u32) {
    if job.state == JobState::Spawning {
        (ErrorCode::SpawnTimeout, inner.config.spawn_timeout_s)
    } else {
        (ErrorCode::RunTimeout, inner.config.run_timeout_s)
    }
}

/// Has the job been starting or running longer than its limit?
pub(super) fn overdue(inner: &Inner, job: &Job, now: i64) -> bool {
    let started = job.started_at.unwrap_or(job.created_at);
    now.saturating_sub(started) > i64::from(limit(inner, job).1) * 1000
}

/// Ends an overdue job: its machine's own answer first (it may have just finished), else destroyed.
pub(super) async fn time_out(
    inner: &Inner,
    job: &mut Job,
    listing: &HashMap<String, ObjectInfo>,
) -> Result<(), EngineError> {
    if job.machine_id.is_some() {
        check_machine(inner, job, listing).await?;
        if !job.state.has_machine() {
            return Ok(());
        }
    }
    let (code, limit) = limit(inner, job);
    if let Some(id) = &job.machine_id
        && let Err(e) = inner.services.fly.destroy(id).await
    {
        tracing::warn!("could not destroy machine {id} of timed-out job {}: {e}", job.id);
    }
    let what = if code == ErrorCode::SpawnTimeout { "did not start" } else { "did not finish" };
    let reason = format!("the machine {what} within {limit} s and was destroyed");
    let detail = format!("timed out after {limit} s; machine destroyed");
    unless_moved(inner.transition(job, Some(&detail), |j| j.fail(code, reason.clone(), now_ms())))?;
    inner.settle(&job.batch_id);
    Ok(())
}

/// How long to wait before asking the bucket again when it could not say how old an export is.
const EXPIRY_RETRY_MS: i64 = 60_000;

/// Ready jobs past their retention expire; the bucket's copy goes too (a lifecycle rule may have
/// removed it already). The local clock only says when to look: the bucket's own clock decides (the
/// file's `Last-Modified` against the time the bucket answers), so a local clock that is wrong — a day
/// fast — expires nothing early. One HEAD per job whose local time is up, and none again before the
/// bucket's clock says its time can be over.
pub(super) async fn expire_ready(inner: &Inner, now: i64, ps: &mut PollState) -> Result<(), EngineError> {
    let retention = inner.config.retention_ms();
    for mut job in inner.store.jobs_in(&[JobState::Ready])? {
        if job.expires_at.is_none_or(|t| t > now) || ps.expiry_checked.get(&job.id).is_some_and(|t| *t > now) {
            continue;
        }
        let times = match job.output_of(None) {
            Some(output) => inner.services.r2.server_times(&output.key).await,
            None => Ok(None),
        };
        match times {
            Err(e) => {
                tracing::warn!("could not ask the bucket how old the export of {} is: {e}", job.id);
                ps.expiry_checked.insert(job.id.clone(), now.saturating_add(EXPIRY_RETRY_MS));
                continue;
            }
            Ok(Some(t)) if t.age_ms() < retention => {
                let left = retention - t.age_ms();
                tracing::info!("job {}: the local clock says expired, the bucket's says {left} ms left", job.id);
                ps.expiry_checked.insert(job.id.clone(), now.saturating_add(left));
                continue;
            }
            // Gone from the bucket already, or old enough by its clock.
            Ok(_) => {}
        }
        ps.expiry_checked.remove(&job.id);
        inner.delete_export(&job).await;
        let reason = format!("the export was kept {} h in the bucket and has been removed", inner.config.retention_h);
        unless_moved(inner.transition(&mut job, Some("expired"), |j| j.expire(reason.clone(), now)))?;
    }
    Ok(())
}
