//! Opening a 10,000-child collection on the sandbox (`cargo bench -p arke-export-engine --bench browse`):
//! the time to the collection (its manifest: every child PI), to the first screen of titles (the first 50
//! looked up), requests in flight at most, and requests in all; then the whole collection looked up
//! the way the UI pages through it (calls of 200, four at a time), and a second opening (the cache).
//!
//! Sizes: `ARKE_BENCH_CHILDREN` (default 10000), `ARKE_BENCH_LATENCY_MS` (the API's latency per
//! request, default 0 — the sandbox on this computer; try 20 for a distant API).

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use arke_export_engine::Engine;
use arke_export_engine::catalog::RecordStatus;
use arke_export_engine::config::{Config, SettingsFile};
use arke_export_engine::services::Services;
use arke_export_sandbox::{CatalogSource, CatalogSpec, SandboxOptions};

const FIRST_SCREEN: usize = 50;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let children = env_number("ARKE_BENCH_CHILDREN", 10_000) as usize;
    let latency = Duration::from_millis(env_number("ARKE_BENCH_LATENCY_MS", 0));
    let dir = tempfile::tempdir().unwrap();
    let options = SandboxOptions {
        catalog: CatalogSource::Generate(CatalogSpec { size: 12, seed: 1 }),
        worker_command: vec!["true".into()],
        rate_limits: false,
    };
    let services = Services::sandbox(&dir.path().join("sandbox"), options).await.unwrap();
    let arke = &services.sandbox.as_ref().unwrap().arke;
    let started = Instant::now();
    let wide = arke.add_wide_collection(children, 1);
    println!("generated a collection of {children} children in memory in {:?}", started.elapsed());
    arke.faults.set_latency(latency);
    let faults = arke.faults.clone();
    let env: HashMap<String, String> = HashMap::from([("ARKE_EXPORT_MODE".to_owned(), "sandbox".to_owned())]);
    let config = Config::resolve(&SettingsFile::default(), |k| env.get(k).cloned()).unwrap();
    let concurrency = config.browse_concurrency;
    let engine = Engine::start(config, services, &dir.path().join("data")).await.unwrap();
    println!("API latency {latency:?}, BROWSE_CONCURRENCY {concurrency}");

    // 1. Opening: the collection, then its first screen of titles.
    faults.reset_max_in_flight();
    let before = faults.requests();
    let opened = Instant::now();
    let node = engine.browse_open(Some(&wide)).await.unwrap();
    let to_children = opened.elapsed();
    let first: Vec<String> = node.children[..FIRST_SCREEN.min(node.children.len())].to_vec();
    let infos = engine.lookup_records(&first).await.unwrap();
    let to_first_screen = opened.elapsed();
    assert!(infos.iter().all(|i| i.status == RecordStatus::Found && i.title.is_some()));
    println!(
        "open: {} child PIs in {to_children:?}; first screen ({} titles) at {to_first_screen:?}; \
         {} requests, at most {} in flight",
        node.children.len(),
        first.len(),
        faults.requests() - before,
        faults.max_in_flight()
    );

    // 2. Every child, as the UI pages: calls of 200, four at a time.
    faults.reset_max_in_flight();
    let before = faults.requests();
    let all = Instant::now();
    for group in node.children.chunks(800) {
        let calls = group.chunks(200).map(|chunk| engine.lookup_records(chunk));
        for answer in futures::future::join_all(calls).await {
            assert!(answer.unwrap().iter().all(|i| i.status == RecordStatus::Found));
        }
    }
    println!(
        "all {} titles in {:?}: {} requests, at most {} in flight",
        node.children.len(),
        all.elapsed(),
        faults.requests() - before,
        faults.max_in_flight()
    );

    // 3. Opened again: the titles come from the cache.
    let before = faults.requests();
    let again = Instant::now();
    let node = engine.browse_open(Some(&wide)).await.unwrap();
    engine.lookup_records(&node.children[..FIRST_SCREEN]).await.unwrap();
    println!(
        "opened again: first screen at {:?}, {} requests (the collection's manifest only)",
        again.elapsed(),
        faults.requests() - before
    );
    engine.shutdown().await;
}
