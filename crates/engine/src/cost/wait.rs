//! Waiting for costs: a command that runs a batch to its end (the CLI's `export`) waits a little for
//! the last jobs' costs, which are read from their machines' events a poll after they end.

use std::time::{Duration, Instant};

use crate::error::EngineError;
use crate::job::Job;

impl crate::Engine {
    /// The jobs `ids` once each one that had a machine has its cost — or as they are after `timeout`.
    pub async fn wait_for_costs(&self, ids: &[String], timeout: Duration) -> Result<Vec<Job>, EngineError> {
        let deadline = Instant::now() + timeout;
        loop {
            let jobs: Vec<Job> = ids.iter().map(|id| self.job(id)).collect::<Result<_, _>>()?;
            let waiting = jobs.iter().any(|j| j.machine_id.is_some() && j.cost_usd.is_none());
            if !waiting || Instant::now() >= deadline {
                return Ok(jobs);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
