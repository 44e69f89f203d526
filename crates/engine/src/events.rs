//! What the engine tells its watchers: the app turns these into UI updates, the CLI into
//! progress bars.

use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::job::{BatchSummary, Job};

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum JobEvent {
    /// A job changed (state, progress, machine, …): here it is as it is now.
    Changed { job: Box<Job> },
    /// A job was removed from the list.
    Removed { job_id: String },
    /// Bytes of a download (sent at most ~10 times a second per download).
    Download {
        job_id: String,
        #[ts(type = "number")]
        bytes: u64,
        #[ts(type = "number")]
        total: u64,
    },
    /// Every job of a batch has reached ready, downloaded or a final state.
    BatchSettled { summary: BatchSummary },
    /// A machine that belongs to no unfinished job was found (and destroyed).
    Orphan { machine_id: String, detail: String },
    /// Re-attaching to the jobs of an earlier run began (`active`), or is over: until then the list may
    /// show jobs as they were when the app last saw them.
    Reconnecting { active: bool },
}

/// A broadcast of events; slow watchers miss old events, never block the engine.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<JobEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Events { tx: broadcast::channel(4096).0 }
    }
}

impl Events {
    pub fn send(&self, event: JobEvent) {
        let _ = self.tx.send(event);
    }
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.tx.subscribe()
    }
}
