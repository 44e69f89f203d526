//! What an export cost, and what one will cost: an estimate, and it says so.
//!
//! A job's cost is its machine time (Fly's own events: each `start` to its `exit`, [`machine_time`])
//! priced by the size its machine ran with ([`MachineSize`], from the machine config the engine sent),
//! plus its R2 requests ([`requests`]: estimated from what the worker wrote and the engine read) and the
//! storage of its files, all priced by the [`prices::PriceTable`] of the settings. [`watch`] records it
//! once a job's machine is done; [`estimate`] predicts a batch's from this installation's earlier jobs.
//! Free allowances (R2's free tier, Fly's monthly credits) are left out: costs are upper bounds.

pub mod estimate;
pub mod machine_time;
pub mod prices;
pub mod requests;
pub mod text;
mod wait;
pub(crate) mod watch;

use arke_fly_api::Guest;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use estimate::ExportEstimate;
pub use prices::PriceTable;
pub use requests::R2Requests;

/// Fly's CPU kinds.
pub const SHARED: &str = "shared";
pub const PERFORMANCE: &str = "performance";

/// The size a machine ran with (`config.guest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MachineSize {
    /// `shared` or `performance`.
    pub cpu_kind: String,
    pub cpus: u32,
    pub memory_mb: u32,
}

impl Default for MachineSize {
    /// Fly's default guest: shared-cpu-1x with 256 MB.
    fn default() -> MachineSize {
        MachineSize { cpu_kind: SHARED.to_owned(), cpus: 1, memory_mb: 256 }
    }
}

impl MachineSize {
    /// The size of a machine config's guest (Fly's defaults for what it leaves out).
    pub fn from_guest(guest: &Guest) -> MachineSize {
        let default = MachineSize::default();
        MachineSize {
            cpu_kind: guest.cpu_kind.clone().filter(|k| !k.is_empty()).unwrap_or(default.cpu_kind),
            cpus: guest.cpus.filter(|n| *n > 0).unwrap_or(default.cpus),
            memory_mb: guest.memory_mb.filter(|n| *n > 0).unwrap_or(default.memory_mb),
        }
    }

    /// Fly's name for it: `shared-cpu-1x 256 MB`, `performance-2x 4096 MB`.
    pub fn label(&self) -> String {
        let cpu = if self.cpu_kind == SHARED { "shared-cpu" } else { self.cpu_kind.as_str() };
        format!("{cpu}-{}x {} MB", self.cpus, self.memory_mb)
    }
}

/// A job's cost, part by part, in USD.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostBreakdown {
    pub machine: f64,
    pub class_a: f64,
    pub class_b: f64,
    pub storage: f64,
}

impl CostBreakdown {
    pub fn total(&self) -> f64 {
        self.machine + self.class_a + self.class_b + self.storage
    }
}

/// The cost of `machine_seconds` on `size`, `requests` and `stored_bytes` kept `stored_hours`.
pub fn cost_of(
    prices: &PriceTable,
    size: &MachineSize,
    machine_seconds: f64,
    requests: R2Requests,
    stored_bytes: u64,
    stored_hours: f64,
) -> CostBreakdown {
    CostBreakdown {
        machine: machine_seconds.max(0.0) * prices.machine_per_second(size),
        class_a: requests.class_a as f64 * prices.r2_class_a_per_million / 1e6,
        class_b: requests.class_b as f64 * prices.r2_class_b_per_million / 1e6,
        storage: prices.storage_cost(stored_bytes, stored_hours),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print_as_fly_names_them() {
        let guest = Guest { cpu_kind: Some("performance".into()), cpus: Some(2), memory_mb: Some(4096) };
        assert_eq!(MachineSize::from_guest(&guest).label(), "performance-2x 4096 MB");
        assert_eq!(MachineSize::from_guest(&Guest::default()).label(), "shared-cpu-1x 256 MB", "Fly's defaults");
    }

    #[test]
    fn a_job_costs_its_machine_time_its_requests_and_its_storage() {
        let prices = PriceTable::defaults();
        let size = MachineSize::default();
        let requests = R2Requests { class_a: 20, class_b: 3 };
        let c = cost_of(&prices, &size, 41.0, requests, 2_000_000_000, 730.0);
        assert!((c.machine - 41.0 * prices.machine_per_second(&size)).abs() < 1e-15);
        assert!((c.class_a - 20.0 * 4.5e-6).abs() < 1e-15, "{}", c.class_a);
        assert!((c.class_b - 3.0 * 0.36e-6).abs() < 1e-15, "{}", c.class_b);
        assert!((c.storage - 0.03).abs() < 1e-12, "2 GB for a month: {}", c.storage);
        assert!((c.total() - (c.machine + c.class_a + c.class_b + c.storage)).abs() < 1e-18);
        assert!(
            cost_of(&prices, &size, -5.0, R2Requests::default(), 0, 0.0).total().abs() < f64::EPSILON,
            "never negative"
        );
    }
}
