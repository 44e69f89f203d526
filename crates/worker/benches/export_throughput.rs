//! Export throughput and peak memory of the real worker binary (`cargo bench -p arke-export-worker`).
//!
//! A generated catalog is served from memory on loopback (the sandbox's Arke stand-in) and the
//! export goes to the embedded S3 server. Reports entities/s and peak RSS for 1,000 and 10,000
//! entities (memory must stay flat in catalog size), each for MODS alone and for all three formats
//! in one pass (`mods,dc,marcxml`: at most 1.5× the time of MODS alone, peak RSS ≤ 40 MB), then
//! 10,000 with 20 ms added per request.
//! Sizes: `ARKE_BENCH_SIZES=1000,10000` (each run `ARKE_BENCH_REPEAT=3` times, the median reported); the latency case: `ARKE_BENCH_LATENCY_SIZE=10000` (0 skips it).

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use arke_export_contract::result::TaskResult;
use arke_export_sandbox::{ArkeApi, CatalogSpec, S3Server, catalog};

#[path = "shared/settings.rs"]
mod settings;

struct Row {
    label: String,
    entities: u64,
    seconds: f64,
    peak_mb: f64,
    bytes: u64,
    requests: u64,
}

impl Row {
    fn rate(&self) -> f64 {
        self.entities as f64 / self.seconds
    }
}

async fn run(label: &str, size: usize, latency: Duration, parallel: u32, formats: &str) -> Row {
    let dir = std::env::temp_dir().join(format!("arke-bench-catalog-{size}"));
    if !dir.join("index.json").exists() {
        catalog::generate(&dir, CatalogSpec { size, seed: 9 }).unwrap();
    }
    let index = arke_export_sandbox::CatalogIndex::read(&dir).unwrap();
    let arke = ArkeApi::start(&dir).await.unwrap();
    arke.faults.set_latency(latency);
    let s3dir = tempfile::tempdir().unwrap();
    let s3 = S3Server::start(s3dir.path(), "bench", "bench-ak", "bench-sk").await.unwrap();
    let options = format!(r#"{{"recursive": true, "maxDepth": 50, "parallelBatchSize": {parallel}}}"#);
    let started = Instant::now();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_arke-export-worker"))
        .env_clear()
        .env("TASK_ID", "bench")
        .env("PI", &index.root)
        .env("EXPORT_OPTIONS", options)
        .env("EXPORT_FORMAT", formats)
        .env("R2_ENDPOINT", &s3.endpoint)
        .env("R2_BUCKET", "bench")
        .env("R2_ACCESS_KEY_ID", "bench-ak")
        .env("R2_SECRET_ACCESS_KEY", "bench-sk")
        .env("ARKE_API_URL", &arke.url)
        .env("ARKE_IPFS_GATEWAY", &arke.url)
        .env("ARKE_EXPORT_LOG", "warn")
        .output()
        .await
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: TaskResult =
        serde_json::from_slice(&std::fs::read(s3dir.path().join("bench/exports/bench/result.json")).unwrap()).unwrap();
    let m = &result.metrics;
    let _ = wall;
    Row {
        requests: arke.faults.requests(),
        label: label.to_owned(),
        entities: m.entities_exported,
        seconds: m.total_time_ms as f64 / 1000.0,
        peak_mb: m.peak_memory_mb,
        bytes: result.outputs.iter().map(|o| o.size).sum(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo test` runs bench targets with `--bench` absent; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes = settings::sizes("1000,10000");
    let repeat = settings::repeat();
    let mut rows = Vec::new();
    for &size in &sizes {
        for (name, formats) in [("MODS", "mods"), ("3 formats", "mods,dc,marcxml")] {
            let mut runs = Vec::new();
            for _ in 0..repeat {
                let label = format!("{size} entities, {name}, loopback");
                runs.push(run(&label, size, Duration::ZERO, 10, formats).await);
            }
            rows.push(runs);
        }
    }
    let slow: usize = std::env::var("ARKE_BENCH_LATENCY_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    if slow > 0 {
        let label = format!("{slow} entities, MODS, +20 ms/request");
        rows.push(vec![run(&label, slow, Duration::from_millis(20), 10, "mods").await]);
    }
    println!("{repeat} runs per loopback case: median entities/s (slowest–fastest), highest peak RSS");
    println!(
        "{:<44} {:>9} {:>22} {:>10} {:>9} {:>10}",
        "case", "entities", "entities/s", "peak RSS", "file MB", "Arke req/s"
    );
    for mut runs in rows {
        runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        let (slowest, median, fastest) = (&runs[0], &runs[runs.len() / 2], &runs[runs.len() - 1]);
        let peak = runs.iter().map(|r| r.peak_mb).fold(0.0, f64::max);
        println!(
            "{:<44} {:>9} {:>8.0} ({:>5.0}–{:>5.0}) {:>7.1} MB {:>9.1} {:>10.0}",
            median.label,
            median.entities,
            median.rate(),
            slowest.rate(),
            fastest.rate(),
            peak,
            median.bytes as f64 / 1e6,
            median.requests as f64 / median.seconds
        );
    }
}
