//! The settings both bench binaries read from the environment (each includes this file).

/// `ARKE_BENCH_SIZES`: catalog sizes, comma-separated (unparsable entries are skipped); `default` if unset.
pub(crate) fn sizes(default: &str) -> Vec<usize> {
    std::env::var("ARKE_BENCH_SIZES")
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// `ARKE_BENCH_REPEAT`: runs per case, at least one (default 3; the median is reported).
pub(crate) fn repeat() -> usize {
    std::env::var("ARKE_BENCH_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(1)
}
