//! The tracker: moves jobs along without anyone asking. Five small units:
//! [`spawn`] creates machines for queued jobs (paced by Fly's limits and `MAX_RUNNING`),
//! [`poll`] reads every active job's progress and results from one bucket listing,
//! [`machines`] looks at a few machines per poll for exits and disappearance,
//! [`timeouts`] ends what took too long (and expires old exports),
//! [`reattach`] picks everything up again after a restart.

mod machines;
mod poll;
mod reattach;
mod spawn;
mod timeouts;

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::core::Inner;
use crate::events::JobEvent;

pub(crate) use poll::{PollState, poll_once};
pub(crate) use spawn::spawn_jobs;

use crate::error::EngineError;

/// A change the job no longer allows, once read again after a lost race (canceled meanwhile, or moved
/// on by another process), is nothing left to do: `None`.
pub(super) fn unless_moved<T>(result: Result<T, EngineError>) -> Result<Option<T>, EngineError> {
    match result {
        Ok(out) => Ok(Some(out)),
        Err(EngineError::WrongState { job, state, .. }) => {
            tracing::debug!("job {job} is {} now; left as it is", state.as_str());
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Starts the re-attach (in the background), the spawner and the poller; they stop when the engine is
/// dropped.
pub(crate) fn start(inner: &Arc<Inner>) {
    // The sweep after a start: the bucket's folders of this installation that nothing needs.
    inner.cleanup.wake();
    if let Err(e) = reattach::recover_downloads(inner) {
        tracing::warn!("making interrupted downloads downloadable again: {e}");
    }
    let weak = Arc::downgrade(inner);
    // In the background: a Fly that is slow or out of reach holds up neither the window nor the list.
    inner.reconnecting.store(true, std::sync::atomic::Ordering::SeqCst);
    inner.events.send(JobEvent::Reconnecting { active: true });
    tokio::spawn(reattach_in_background(weak.clone()));
    tokio::spawn(spawner(weak.clone()));
    tokio::spawn(poller(weak));
}

async fn reattach_in_background(inner: Weak<Inner>) {
    let Some(inner) = inner.upgrade() else { return };
    tokio::select! {
        done = reattach::reattach(&inner) => {
            if let Err(e) = done {
                tracing::warn!("re-attaching jobs after start: {e}");
            }
        }
        () = inner.until_stopped() => return,
    }
    inner.reconnecting.store(false, std::sync::atomic::Ordering::SeqCst);
    inner.events.send(JobEvent::Reconnecting { active: false });
}

async fn spawner(inner: Weak<Inner>) {
    loop {
        let Some(inner) = inner.upgrade().filter(|i| !i.is_stopped()) else { return };
        let progressed = spawn::spawn_next(&inner).await.unwrap_or_else(|e| {
            tracing::warn!("spawning: {e}");
            false
        });
        if !progressed {
            let wake = inner.wake.clone();
            drop(inner);
            let _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
        }
    }
}

/// Polls every interval. Supervised: each round runs as a task of its own, so an error or even a
/// panic in one round is logged and the next round runs.
async fn poller(inner: Weak<Inner>) {
    let mut state = PollState::tracking();
    loop {
        let Some(inner) = inner.upgrade().filter(|i| !i.is_stopped()) else { return };
        let interval = Duration::from_secs(u64::from(inner.config.poll_interval_s));
        let round = tokio::spawn(async move {
            let result = poll_once(&inner, &mut state).await;
            (state, result)
        });
        state = match round.await {
            Ok((state, Ok(()))) => state,
            Ok((state, Err(e))) => {
                tracing::warn!("polling: {e}");
                state
            }
            Err(e) => {
                tracing::error!("a poll stopped unexpectedly ({e}); the next one runs");
                PollState::tracking()
            }
        };
        tokio::time::sleep(interval).await;
    }
}
