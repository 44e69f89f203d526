//! Machine time from Fly's events: each `start` to the `exit` after it, summed (a machine restarted by
//! its policy runs more than once). An `exit` without a `start` before it (a crash at start) adds
//! nothing; a `start` without its `exit` yet runs until `until`, and the time is not complete.

use arke_fly_api::MachineEvent;
use arke_fly_api::events::kind;

/// A machine's time so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MachineTime {
    /// Seconds it ran (millisecond precision, as Fly's timestamps).
    pub seconds: f64,
    /// Every `start` has its `exit`: Fly will add nothing to it.
    pub complete: bool,
}

/// The most machine time one job is taken to have used: 30 days.
pub const MAX_MACHINE_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// The time of a machine whose events (in any order; Fly sends them newest first) are `events`;
/// `None` when there are none. A run still open at the end is counted to `until_ms` (if given).
pub fn machine_time(events: &[MachineEvent], until_ms: Option<i64>) -> Option<MachineTime> {
    if events.is_empty() {
        return None;
    }
    let mut ordered: Vec<&MachineEvent> = events.iter().collect();
    // Oldest first; on equal timestamps, a start before an exit (Fly's order within one millisecond).
    ordered.reverse();
    ordered.sort_by_key(|e| e.timestamp);
    let mut total_ms: i64 = 0;
    let mut running_since: Option<i64> = None;
    for event in ordered {
        if event.is(kind::START) {
            running_since.get_or_insert(event.timestamp);
        } else if event.is(kind::EXIT)
            && let Some(since) = running_since.take()
        {
            total_ms = total_ms.saturating_add(event.timestamp.saturating_sub(since).max(0));
        }
    }
    let complete = running_since.is_none();
    if let (Some(since), Some(until)) = (running_since, until_ms) {
        total_ms = total_ms.saturating_add(until.saturating_sub(since).max(0));
    }
    // Timestamps come from Fly: nonsense ones (an exit in the year 292 million) cost at most this much.
    Some(MachineTime { seconds: total_ms.min(MAX_MACHINE_MS) as f64 / 1000.0, complete })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, timestamp: i64) -> MachineEvent {
        MachineEvent {
            id: String::new(),
            kind: kind.into(),
            status: String::new(),
            source: "flyd".into(),
            timestamp,
            request: None,
        }
    }

    /// Fly's order: newest first.
    fn newest_first(mut events: Vec<MachineEvent>) -> Vec<MachineEvent> {
        events.reverse();
        events
    }

    #[test]
    fn start_to_exit_in_seconds_with_milliseconds() {
        let events = newest_first(vec![
            event("launch", 1_000),
            event("start", 1_250),
            event("exit", 42_501),
            event("destroy", 42_900),
        ]);
        assert_eq!(machine_time(&events, None), Some(MachineTime { seconds: 41.251, complete: true }));
    }

    #[test]
    fn restarts_add_up_and_a_crash_at_start_adds_nothing() {
        let events = newest_first(vec![
            event("launch", 0),
            event("exit", 100),
            event("start", 1_000),
            event("exit", 3_000),
            event("start", 10_000),
            event("exit", 10_500),
        ]);
        assert_eq!(machine_time(&events, None), Some(MachineTime { seconds: 2.5, complete: true }));
        assert_eq!(machine_time(&[], Some(5)), None, "no events: unknown, not zero");
        let crashed = newest_first(vec![event("launch", 0), event("exit", 100)]);
        assert_eq!(machine_time(&crashed, None), Some(MachineTime { seconds: 0.0, complete: true }));
    }

    #[test]
    fn a_run_still_open_counts_until_the_given_time_and_is_not_complete() {
        let events = newest_first(vec![event("launch", 0), event("start", 2_000)]);
        assert_eq!(machine_time(&events, Some(7_000)), Some(MachineTime { seconds: 5.0, complete: false }));
        assert_eq!(machine_time(&events, None), Some(MachineTime { seconds: 0.0, complete: false }));
        let same_ms = vec![event("exit", 5_000), event("start", 5_000)];
        assert_eq!(machine_time(&same_ms, None), Some(MachineTime { seconds: 0.0, complete: true }));
    }

    #[test]
    fn nonsense_timestamps_are_capped_not_trusted() {
        let events = newest_first(vec![event("start", i64::MIN), event("exit", i64::MAX)]);
        let capped = MAX_MACHINE_MS as f64 / 1000.0;
        assert_eq!(machine_time(&events, None), Some(MachineTime { seconds: capped, complete: true }));
    }
}
