//! The price table: USD per second of each CPU kind's vCPU and of a GB of memory (Fly), per million
//! R2 requests of class A and B, per GB-month of R2 storage — and the date those prices are from. The
//! keys and their defaults are the settings' (`PRICE_*`, `PRICES_AS_OF` in [`crate::config::KEYS`]);
//! every value is editable there, since prices differ by region and change.
//!
//! The defaults, from Fly's and Cloudflare's public pricing pages (as of 2025-01, in `PRICES_AS_OF`):
//! Fly bills a machine per second as its vCPUs plus its memory — shared vCPU $0.69/month, performance
//! vCPU $21/month, memory $5/GB-month, on 30-day months (so shared-cpu-1x with 256 MB is $1.94/month,
//! ≈ $0.00000075/s; performance-1x with 2 GB $31/month). R2: class A (writes, lists) $4.50 per million,
//! class B (reads) $0.36 per million, storage $0.015 per GB-month; free allowances not subtracted.

use serde::Serialize;

use super::{MachineSize, PERFORMANCE};

/// Seconds in the month Fly prices by (30 days).
pub const FLY_MONTH_SECONDS: f64 = 30.0 * 24.0 * 3600.0;
/// Hours in the month R2 storage is priced by (a year's twelfth).
pub const R2_MONTH_HOURS: f64 = 730.0;

/// The prices in force (validated: finite, never negative).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceTable {
    /// USD per second of one shared vCPU (`PRICE_FLY_SHARED_CPU_S`).
    pub shared_cpu_s: f64,
    /// USD per second of one performance vCPU (`PRICE_FLY_PERFORMANCE_CPU_S`).
    pub performance_cpu_s: f64,
    /// USD per second of one GB (1,024 MB) of machine memory (`PRICE_FLY_MEMORY_GB_S`).
    pub memory_gb_s: f64,
    /// USD per million R2 class A requests: writes, lists (`PRICE_R2_CLASS_A_PER_MILLION`).
    pub r2_class_a_per_million: f64,
    /// USD per million R2 class B requests: reads (`PRICE_R2_CLASS_B_PER_MILLION`).
    pub r2_class_b_per_million: f64,
    /// USD per GB (10⁹ bytes) stored for a month (`PRICE_R2_STORAGE_GB_MONTH`).
    pub r2_storage_gb_month: f64,
    /// When these prices were read off the pricing pages (`PRICES_AS_OF`, `YYYY-MM` or `YYYY-MM-DD`).
    pub as_of: String,
}

/// A problem with one price.
pub fn price_problem(value: &str) -> Option<&'static str> {
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => None,
        _ => Some("a price in USD: a number, 0 or more"),
    }
}

/// A problem with the prices' date.
pub fn date_problem(value: &str) -> Option<&'static str> {
    let parts: Vec<&str> = value.trim().split('-').collect();
    let number = |s: &str, len: usize, range: std::ops::RangeInclusive<u32>| {
        s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) && s.parse().is_ok_and(|n| range.contains(&n))
    };
    let ok = match parts.as_slice() {
        [y, m] => number(y, 4, 2000..=2999) && number(m, 2, 1..=12),
        [y, m, d] => number(y, 4, 2000..=2999) && number(m, 2, 1..=12) && number(d, 2, 1..=31),
        _ => false,
    };
    if ok { None } else { Some("a date: YYYY-MM or YYYY-MM-DD") }
}

impl PriceTable {
    /// The table from a setting look-up (`lookup(key)`: the effective value, default included). A value
    /// that is missing or invalid reads as 0 (the settings refuse invalid ones before this).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> PriceTable {
        let price = |key: &str| {
            lookup(key).and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite() && *v >= 0.0).unwrap_or(0.0)
        };
        PriceTable {
            shared_cpu_s: price("PRICE_FLY_SHARED_CPU_S"),
            performance_cpu_s: price("PRICE_FLY_PERFORMANCE_CPU_S"),
            memory_gb_s: price("PRICE_FLY_MEMORY_GB_S"),
            r2_class_a_per_million: price("PRICE_R2_CLASS_A_PER_MILLION"),
            r2_class_b_per_million: price("PRICE_R2_CLASS_B_PER_MILLION"),
            r2_storage_gb_month: price("PRICE_R2_STORAGE_GB_MONTH"),
            as_of: lookup("PRICES_AS_OF").unwrap_or_default().trim().to_owned(),
        }
    }

    /// The defaults of the settings.
    pub fn defaults() -> PriceTable {
        PriceTable::from_lookup(|key| {
            crate::config::KEYS.iter().find(|(k, _, _)| *k == key).and_then(|(_, d, _)| d.map(str::to_owned))
        })
    }

    /// USD per second of a machine of `size`: its vCPUs of their kind plus its memory.
    pub fn machine_per_second(&self, size: &MachineSize) -> f64 {
        let cpu = if size.cpu_kind == PERFORMANCE { self.performance_cpu_s } else { self.shared_cpu_s };
        f64::from(size.cpus) * cpu + f64::from(size.memory_mb) / 1024.0 * self.memory_gb_s
    }

    /// USD for keeping `bytes` in R2 for `hours`.
    pub fn storage_cost(&self, bytes: u64, hours: f64) -> f64 {
        bytes as f64 / 1e9 * (hours.max(0.0) / R2_MONTH_HOURS) * self.r2_storage_gb_month
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(kind: &str, cpus: u32, memory_mb: u32) -> MachineSize {
        MachineSize { cpu_kind: kind.into(), cpus, memory_mb }
    }

    /// USD per 30-day month, as Fly's pricing page lists machines.
    fn monthly(prices: &PriceTable, s: &MachineSize) -> f64 {
        prices.machine_per_second(s) * FLY_MONTH_SECONDS
    }

    #[test]
    fn the_defaults_give_flys_monthly_prices() {
        let p = PriceTable::defaults();
        assert_eq!(p.as_of, "2025-01");
        for (s, usd) in [
            (size("shared", 1, 256), 1.94),
            (size("shared", 1, 512), 3.19),
            (size("shared", 1, 1024), 5.69),
            (size("shared", 2, 512), 3.88),
            (size("shared", 8, 2048), 15.52),
            (size("performance", 1, 2048), 31.0),
            (size("performance", 2, 4096), 62.0),
        ] {
            let got = monthly(&p, &s);
            assert!((got - usd).abs() < 0.01, "{} is ${got:.4}/month, Fly lists ${usd}", s.label());
        }
        let per_second = p.machine_per_second(&size("shared", 1, 256));
        assert!((per_second - 0.000_000_75).abs() < 0.000_000_01, "≈ $0.00000075/s: {per_second}");
        assert_eq!((p.r2_class_a_per_million, p.r2_class_b_per_million, p.r2_storage_gb_month), (4.5, 0.36, 0.015));
    }

    #[test]
    fn storage_is_priced_per_gb_month() {
        let p = PriceTable::defaults();
        assert!((p.storage_cost(1_000_000_000, R2_MONTH_HOURS) - 0.015).abs() < 1e-12);
        assert!((p.storage_cost(1_000_000_000, 24.0) - 0.015 * 24.0 / 730.0).abs() < 1e-12, "a day");
        assert!(p.storage_cost(5, -3.0).abs() < f64::EPSILON, "no negative time");
    }

    #[test]
    fn prices_are_finite_numbers_of_zero_or_more_and_the_date_a_date() {
        for ok in ["0", "4.50", "0.0000002662", "1e-7"] {
            assert_eq!(price_problem(ok), None, "{ok}");
        }
        for bad in ["-1", "NaN", "inf", "", "$4.50", "1e999"] {
            assert!(price_problem(bad).is_some(), "{bad}");
        }
        for ok in ["2025-01", "2025-01-31"] {
            assert_eq!(date_problem(ok), None, "{ok}");
        }
        for bad in ["2025", "2025-13", "25-01", "2025-1-1", "2025-01-32", "yesterday", "2025-01-01-01"] {
            assert!(date_problem(bad).is_some(), "{bad}");
        }
        let p = PriceTable::from_lookup(|k| (k == "PRICE_R2_CLASS_A_PER_MILLION").then(|| "-3".into()));
        assert!(p.r2_class_a_per_million.abs() < f64::EPSILON, "an invalid value never prices anything negative");
    }
}
