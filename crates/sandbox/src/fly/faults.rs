//! Faults the Fly stand-in can be told to produce.

use std::time::Duration;

use serde::Deserialize;

/// What a machine does instead of (or before) running its image.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineFault {
    /// The process cannot start: the machine stops at once with exit code 127.
    CrashAtStart,
    /// The machine starts and exits with this code without running its image.
    ExitWith(i32),
    /// The machine starts and never exits until it is stopped or destroyed.
    Hang,
    /// The machine starts, then disappears: every later call about it answers 404.
    Vanish,
    /// The machine takes this many milliseconds to start, then runs normally.
    SlowStartMs(u64),
}

impl MachineFault {
    pub fn slow_start(&self) -> Option<Duration> {
        match self {
            MachineFault::SlowStartMs(ms) => Some(Duration::from_millis(*ms)),
            _ => None,
        }
    }
}

/// The body of `POST /sandbox/faults` (each field optional).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FaultRequest {
    /// Fail the next `count` creates with `status` (429, 500 or 503).
    #[serde(default)]
    pub fail_creates: Option<FailCreates>,
    /// Fail the next `count` machine listings with `status` (a 429 carries `Retry-After: 1`).
    #[serde(default)]
    pub fail_lists: Option<FailCreates>,
    /// Apply `fault` to the next machine created (or to the next one with this `name`).
    #[serde(default)]
    pub machine: Option<MachineFaultRequest>,
    /// Turn Fly's rate limits on or off.
    #[serde(default)]
    pub rate_limits: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FailCreates {
    pub count: u32,
    pub status: u16,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MachineFaultRequest {
    #[serde(default)]
    pub name: Option<String>,
    pub fault: MachineFault,
}
