//! Looking at a job's machine: gone, or exited without a result, ends the job.

use std::collections::HashMap;

use arke_export_contract::bucket::result_key;
use arke_export_contract::result::TaskResult;
use arke_fly_api::state;

use super::poll::finish_from_result;
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
        job.running(None)?;
        inner.save_one(job, &format!("machine {id} started"))?;
    }
    if !exited {
        return Ok(());
    }
    // The worker writes result.json before it exits: read it now, the listing may predate it.
    if inner.services.r2.get_json::<TaskResult>(&result_key(&job.task_id)).await?.is_some() {
        return finish_from_result(inner, job).await;
    }
    let code = machine.as_ref().and_then(arke_fly_api::Machine::exit_code);
    job.exit_code = code;
    let now = now_ms();
    match (code, export_object(listing, &job.task_id)) {
        (Some(0), Some((key, info))) => {
            let file_name = key.rsplit('/').next().unwrap_or(key).to_owned();
            let output = JobOutput { key: key.clone(), file_name, size: info.size, sha256: None };
            job.mark_ready(output, now, inner.config.retention_ms())?;
            inner.save_one(job, "machine exited 0 and its export is in the bucket (no result.json)")?;
        }
        (Some(code), _) => {
            let reason = format!("the machine stopped with exit code {code} without reporting a result");
            job.fail(ErrorCode::MachineExit, reason, now)?;
            inner.save_one(job, &format!("machine exited with code {code}"))?;
        }
        (None, _) => {
            job.fail(ErrorCode::MachineVanished, "the machine disappeared before it reported a result".into(), now)?;
            inner.save_one(job, "machine vanished")?;
        }
    }
    inner.settle(&job.batch_id);
    Ok(())
}
