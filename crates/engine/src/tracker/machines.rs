//! Looking at a job's machine: gone, or exited without a result, ends the job.

use std::collections::HashMap;

use arke_export_contract::env::ExportFormat;
use arke_fly_api::state;

use super::poll::finish_from_result;
use super::unless_moved;
use crate::core::Inner;
use crate::error::{EngineError, ErrorCode};
use crate::fly::FlyError;
use crate::job::{Job, JobOutput, JobState, now_ms};
use crate::listing::export_object;
use crate::r2::ObjectInfo;

/// Gone or exited without a result means the job failed (or, for the original worker image,
/// exit 0 plus an export object means it is ready).
pub(super) async fn check_machine(
    inner: &Inner,
    job: &mut Job,
    listing: &HashMap<String, ObjectInfo>,
) -> Result<(), EngineError> {
    let Some(id) = job.machine_id.clone() else { return Ok(()) };
    let machine = match inner.services.fly.get(&id).await {
        Ok(m) => Some(m),
        Err(FlyError::MachineNotFound(_)) => None,
        Err(e) if e.is_transient() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let exited = machine.as_ref().is_none_or(|m| matches!(m.state.as_str(), state::STOPPED | state::DESTROYED));
    if let Some(m) = &machine
        && m.state == state::STARTED
        && job.state == JobState::Spawning
    {
        unless_moved(inner.transition(job, Some(&format!("machine {id} started")), |j| j.running(None)))?;
    }
    if !exited {
        return Ok(());
    }
    // The worker writes result.json before it exits: read it now, the listing may predate it.
    if finish_from_result(inner, job).await? {
        return Ok(());
    }
    let code = machine.as_ref().and_then(arke_fly_api::Machine::exit_code);
    let now = now_ms();
    let saved = match (code, export_object(listing, &job.task_id)) {
        (Some(0), Some((key, info))) => {
            let file_name = crate::file_name::for_display(key.rsplit('/').next().unwrap_or(key));
            // The original worker image: MODS alone, no checksum.
            let output =
                JobOutput { format: ExportFormat::Mods, key: key.clone(), file_name, size: info.size, sha256: None };
            let detail = "machine exited 0 and its export is in the bucket (no result.json)";
            inner.transition(job, Some(detail), |j| {
                j.mark_ready(vec![output.clone()], now, inner.config.retention_ms())?;
                j.exit_code = code;
                Ok(())
            })
        }
        (Some(code), _) => {
            let reason = format!("the machine stopped with exit code {code} without reporting a result");
            inner.transition(job, Some(&format!("machine exited with code {code}")), |j| {
                j.fail(ErrorCode::MachineExit, reason.clone(), now)?;
                j.exit_code = Some(code);
                Ok(())
            })
        }
        (None, _) => inner.transition(job, Some("machine vanished"), |j| {
            j.fail(ErrorCode::MachineVanished, "the machine disappeared before it reported a result".into(), now)
        }),
    };
    unless_moved(saved)?;
    inner.settle(&job.batch_id);
    Ok(())
}
