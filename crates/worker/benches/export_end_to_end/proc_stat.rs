//! CPU time from `/proc`: the processes' own, and the share the hypervisor took from the machine.

use tokio::process::Child;

/// User + system CPU seconds of a running process (`/proc/{pid}/stat`, in clock ticks of 10 ms).
pub(crate) fn cpu_seconds(child: &Child) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id().unwrap())).unwrap_or_default();
    ticks(&stat, 11..13)
}

/// CPU seconds of this process's children that have exited and been waited for (the worker runs).
pub(crate) fn children_cpu_seconds() -> f64 {
    ticks(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default(), 13..15)
}

/// Sum of the stat fields `range` (counted after the command name), in seconds.
fn ticks(stat: &str, range: std::ops::Range<usize>) -> f64 {
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    range.filter_map(|i| fields.get(i)?.parse::<u64>().ok()).sum::<u64>() as f64 / 100.0
}

/// The machine's CPU time so far, all cores (the `cpu` line of `/proc/stat`, in clock ticks).
#[derive(Clone, Copy)]
pub(crate) struct MachineTicks {
    /// Time the CPUs were running something or wanted to: user, nice, system, irq, softirq (guest
    /// time is already inside user and nice) and steal; idle and iowait are left out.
    wanted: u64,
    /// Time a virtual CPU was ready to run but the hypervisor ran another guest or the host instead;
    /// `None` when the kernel does not report it.
    steal: Option<u64>,
}

impl MachineTicks {
    pub(crate) fn now() -> MachineTicks {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cpu = stat.lines().find(|l| l.starts_with("cpu ")).unwrap_or_default();
        let fields: Vec<u64> = cpu.split_whitespace().skip(1).take(8).filter_map(|f| f.parse().ok()).collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal
        let steal = fields.get(7).copied();
        MachineTicks { wanted: field(0) + field(1) + field(2) + field(5) + field(6) + steal.unwrap_or(0), steal }
    }

    /// The share of the time the machine's CPUs wanted to run since `earlier` that the hypervisor took
    /// (0–1; idle cores do not dilute it); `None` when the kernel does not report steal or no tick passed.
    pub(crate) fn steal_since(self, earlier: MachineTicks) -> Option<f64> {
        let wanted = self.wanted.checked_sub(earlier.wanted).filter(|&w| w > 0)?;
        Some(self.steal?.saturating_sub(earlier.steal?) as f64 / wanted as f64)
    }
}
