//! End-to-end export speed as production sees it (`cargo bench -p arke-export-worker --bench export_end_to_end`).
//!
//! Nothing is served from inside the measured processes: the catalog is served **from its files** by a
//! separate HTTP server process, and S3 (the sandbox's s3s-fs server) runs in another process; both are
//! this bench binary started again (`serve-catalog DIR`, `serve-s3 DIR`) and share the machine with the
//! worker, as the servers of a loaded production host would. Each case runs the real worker binary on a
//! recursive export of the generated catalog, **upload included**, and reports:
//! - entities/s from the worker's start to its exit (wall clock, so the upload counts);
//! - CPU per entity: the worker's (user + system), and the two servers' beside it;
//! - the worker's peak RSS (from its `result.json`);
//! - steal: the share of the time the machine's CPUs wanted to run that the hypervisor gave to other
//!   guests or the host during the run (for the median run and the slowest). A hint to whether the
//!   machine rather than the export was slow; no steal does not clear the machine (cache and memory
//!   contention, or the host's clock speed, never show as steal): for one worker build, the worker's
//!   CPU per entity rising is the surer sign, as its work per entity is fixed.
//!
//! Cases: `ARKE_BENCH_SIZES` (default 10000) × MODS alone and `mods,dc,marcxml`, each run
//! `ARKE_BENCH_REPEAT` times (default 3; the median is reported). `ARKE_BENCH_WORKERS=a,b` compares
//! worker binaries: their runs alternate, so that a shared machine's drift does not favour one.
//! `ARKE_BENCH_WORKER_CPUS=0` keeps the worker on one core, as on the default (1-CPU) Fly machine;
//! the servers still run on any core.
//!
//! `cargo bench -p arke-export-worker --bench export_end_to_end -- --serve` starts the two servers only
//! and prints the worker's environment, to run the worker by hand under a profiler (`perf record`).

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use arke_export_contract::result::TaskResult;
use arke_export_sandbox::{CatalogIndex, CatalogSpec, S3Server, catalog};
use proc_stat::{MachineTicks, children_cpu_seconds, cpu_seconds};

mod proc_stat;
#[path = "../shared/settings.rs"]
mod settings;

/// The servers allocate per request as the worker does per record: the same allocator, so that neither
/// pays glibc's locking where the other does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUCKET: &str = "bench";
/// Each case's name and `EXPORT_FORMAT`.
const CASES: [(&str, &str); 2] = [("MODS", "mods"), ("3 formats", "mods,dc,marcxml")];
const ACCESS_KEY: &str = "bench-access-key";
const SECRET_KEY: &str = "bench-secret-key";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Each server is one event loop on one thread, as a static file server's worker process is.
    let single = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    match args.get(1).map(String::as_str) {
        Some("serve-catalog") => return single().block_on(serve_catalog(PathBuf::from(&args[2]))),
        Some("serve-s3") => return single().block_on(serve_s3(PathBuf::from(&args[2]))),
        _ => {}
    }
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(bench(&args));
}

async fn bench(args: &[String]) {
    if args.iter().any(|a| a == "--serve") {
        return serve_for_profiling().await;
    }
    // `cargo test` runs bench targets without `--bench`; only measure under `cargo bench`.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let sizes = settings::sizes("10000");
    let repeat = settings::repeat();
    // `ARKE_BENCH_WORKERS=a,b`: compare worker binaries (e.g. a copy of the previous build), run in
    // turn; a relative path is from the workspace root (`cargo bench` runs this in crates/worker).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workers: Vec<PathBuf> = std::env::var("ARKE_BENCH_WORKERS").map_or_else(
        |_| vec![PathBuf::from(env!("CARGO_BIN_EXE_arke-export-worker"))],
        |list| list.split(',').map(|p| root.join(p.trim())).collect(),
    );
    let s3_dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    let mut ratio_rows = Vec::new();
    for &size in &sizes {
        let (dir, index) = generated_catalog(size);
        let servers = Servers::start(&dir, s3_dir.path()).await;
        // runs[case][worker], one of each per round (workers in turn, their order reversed every other
        // round): a machine whose speed drifts treats them alike.
        let mut runs: Vec<Vec<Vec<Measured>>> =
            CASES.iter().map(|_| workers.iter().map(|_| Vec::new()).collect()).collect();
        for n in 0..repeat {
            let mut order: Vec<usize> = (0..workers.len()).collect();
            if n % 2 == 1 {
                order.reverse();
            }
            // The cases' order alternates too, so that the ratio's pairs carry no order bias.
            let cases: Vec<usize> =
                if n % 2 == 1 { (0..CASES.len()).rev().collect() } else { (0..CASES.len()).collect() };
            for c in cases {
                let formats = CASES[c].1;
                for &w in &order {
                    let worker = &workers[w];
                    let task = format!("bench-{size}-{}-{n}-{w}", formats.replace(',', "-"));
                    runs[c][w].push(servers.run(worker, &task, &index.root, formats).await);
                }
            }
        }
        for (w, _) in workers.iter().enumerate() {
            // 3 formats ÷ MODS, each pair from the same round.
            let mut ratios: Vec<f64> =
                runs[1][w].iter().zip(&runs[0][w]).map(|(three, mods)| three.seconds / mods.seconds).collect();
            ratios.sort_by(f64::total_cmp);
            ratio_rows.push((size, w, ratios));
        }
        for (c, per_worker) in runs.into_iter().enumerate() {
            for (w, mut runs) in per_worker.into_iter().enumerate() {
                runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
                let name = CASES[c].0;
                let label = if workers.len() > 1 {
                    format!("{size}, {name} [{}]", w + 1)
                } else {
                    format!("{size} entities, {name}")
                };
                rows.push((label, runs));
            }
        }
    }
    for (w, worker) in workers.iter().enumerate().filter(|_| workers.len() > 1) {
        println!("[{}] {}", w + 1, worker.display());
    }
    println!("{repeat} runs per case: median (slowest–fastest); CPU in ms per entity; upload included");
    println!("steal %: the median run's (the slowest run's); – where the kernel does not report steal");
    println!(
        "{:<28} {:>8} {:>21} {:>8} {:>8} {:>8} {:>9} {:>8} {:>13}",
        "case", "entities", "entities/s", "worker", "catalog", "S3", "peak RSS", "file MB", "steal %"
    );
    for (label, runs) in rows {
        let (slowest, median, fastest) = (&runs[0], &runs[runs.len() / 2], &runs[runs.len() - 1]);
        let peak = runs.iter().map(|r| r.peak_mb).fold(0.0, f64::max);
        let per_entity = |s: f64| s * 1000.0 / median.entities as f64;
        println!(
            "{:<28} {:>8} {:>7.0} ({:>5.0}–{:>5.0}) {:>8.3} {:>8.3} {:>8.3} {:>6.1} MB {:>8.1} {:>5} ({:>5})",
            label,
            median.entities,
            median.rate(),
            slowest.rate(),
            fastest.rate(),
            per_entity(median.worker_cpu),
            per_entity(median.catalog_cpu),
            per_entity(median.s3_cpu),
            peak,
            median.bytes as f64 / 1e6,
            percent(median.steal),
            percent(slowest.steal),
        );
    }
    for (size, w, ratios) in ratio_rows {
        let worker = if workers.len() > 1 { format!(" [{}]", w + 1) } else { String::new() };
        println!(
            "{size}, 3 formats ÷ MODS time{worker}: median {:.2} ({:.2}–{:.2}), each pair from the same round",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}

/// A share (0–1) as a percentage with one decimal, or `–` when unknown.
fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), |s| format!("{:.1}", s * 100.0))
}

fn generated_catalog(size: usize) -> (PathBuf, CatalogIndex) {
    let dir = std::env::temp_dir().join(format!("arke-bench-catalog-{size}"));
    let index = match CatalogIndex::read(&dir) {
        Ok(index) => index,
        Err(_) => catalog::generate(&dir, CatalogSpec { size, seed: 9 }).unwrap(),
    };
    (dir, index)
}

struct Measured {
    entities: u64,
    seconds: f64,
    worker_cpu: f64,
    catalog_cpu: f64,
    s3_cpu: f64,
    peak_mb: f64,
    bytes: u64,
    /// The share of the machine's CPU time stolen by the hypervisor during the run (0–1), if reported.
    steal: Option<f64>,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.entities as f64 / self.seconds
    }
}

/// The two server processes; they stop when this is dropped (their standard input closes).
struct Servers {
    catalog: Child,
    catalog_url: String,
    s3: Child,
    s3_url: String,
    s3_dir: PathBuf,
}

impl Servers {
    async fn start(catalog_dir: &Path, s3_dir: &Path) -> Servers {
        let (catalog, catalog_url) = spawn_server("serve-catalog", catalog_dir).await;
        let (s3, s3_url) = spawn_server("serve-s3", s3_dir).await;
        Servers { catalog, catalog_url, s3, s3_url, s3_dir: s3_dir.to_owned() }
    }

    fn worker_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("R2_ENDPOINT", self.s3_url.clone()),
            ("R2_BUCKET", BUCKET.to_owned()),
            ("R2_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("R2_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("ARKE_API_URL", self.catalog_url.clone()),
            ("ARKE_IPFS_GATEWAY", self.catalog_url.clone()),
        ]
    }

    async fn run(&self, worker: &Path, task: &str, root: &str, formats: &str) -> Measured {
        let servers_before = (cpu_seconds(&self.catalog), cpu_seconds(&self.s3));
        let children_before = children_cpu_seconds();
        let machine_before = MachineTicks::now();
        let started = Instant::now();
        let out = worker_command(worker)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.worker_env())
            .env("TASK_ID", task)
            .env("PI", root)
            .env("EXPORT_OPTIONS", r#"{"recursive": true, "maxDepth": 50, "parallelBatchSize": 10}"#)
            .env("EXPORT_FORMAT", formats)
            .env("ARKE_EXPORT_LOG", "warn")
            .output()
            .await
            .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let steal = MachineTicks::now().steal_since(machine_before);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let worker_cpu = children_cpu_seconds() - children_before;
        let task_dir = self.s3_dir.join(BUCKET).join("exports").join(task);
        let result: TaskResult = serde_json::from_slice(&std::fs::read(task_dir.join("result.json")).unwrap()).unwrap();
        let _ = std::fs::remove_dir_all(&task_dir);
        Measured {
            entities: result.metrics.entities_exported,
            seconds,
            worker_cpu,
            catalog_cpu: cpu_seconds(&self.catalog) - servers_before.0,
            s3_cpu: cpu_seconds(&self.s3) - servers_before.1,
            peak_mb: result.metrics.peak_memory_mb,
            bytes: result.outputs.iter().map(|o| o.size).sum(),
            steal,
        }
    }
}

/// The worker's command: on the cores `ARKE_BENCH_WORKER_CPUS` lists (a `taskset` list, `0` for one
/// core as on a default Fly machine), or on any.
fn worker_command(worker: &Path) -> Command {
    match std::env::var("ARKE_BENCH_WORKER_CPUS") {
        Ok(cpus) if !cpus.trim().is_empty() => {
            // taskset execs the worker: the child measured is still the worker itself.
            let mut command = Command::new("taskset");
            command.arg("-c").arg(cpus.trim()).arg(worker);
            command
        }
        _ => Command::new(worker),
    }
}

/// Starts this binary as `mode DIR`; returns it and the base URL it prints.
async fn spawn_server(mode: &str, dir: &Path) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg(mode)
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next_line().await.unwrap().expect("the server prints its URL");
    (child, url)
}

/// Runs until standard input closes (the bench ended or was killed).
async fn stdin_closed() {
    let _ = tokio::task::spawn_blocking(|| std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())).await;
}

/// A plain static file server over a catalog folder: `/entities/{PI}` → `entities/{PI}.json`,
/// `/ipfs/{CID}` → `ipfs/{CID}`, read from disk on every request. Plain hyper (HTTP/1.1 keep-alive, one
/// task per connection), as lean per request as a static file server's worker process.
async fn serve_catalog(dir: PathBuf) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("http://{}", listener.local_addr().unwrap());
    let dir = Arc::new(dir);
    let accept = async {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors, say: wait rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let dir = dir.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    std::future::ready(Ok::<_, std::convert::Infallible>(catalog_file(&dir, req.uri().path())))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    tokio::select! {
        () = accept => {}
        () = stdin_closed() => {}
    }
}

/// The answer to `GET path` from the catalog folder `dir`.
fn catalog_file(dir: &Path, path: &str) -> Response<Full<Bytes>> {
    let found = if let Some(pi) = path.strip_prefix("/entities/") {
        file(&dir.join("entities"), pi, ".json").map(|body| (body, "application/json"))
    } else if let Some(cid) = path.strip_prefix("/ipfs/") {
        file(&dir.join("ipfs"), cid, "").map(|body| (body, "application/octet-stream"))
    } else {
        None
    };
    let mut response = Response::new(Full::new(found.as_ref().map_or_else(Bytes::new, |(b, _)| b.clone())));
    match found {
        Some((_, content_type)) => {
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        None => *response.status_mut() = StatusCode::NOT_FOUND,
    }
    response
}

/// `dir/{name}{extension}`, for a plain alphanumeric name only. Read as a static file server reads a
/// small file: open, one `read` into a reused buffer, close (`std::fs::read` also asks for the size and
/// reads again to see the end: two more system calls a request); a larger file is read to its end.
fn file(dir: &Path, name: &str, extension: &str) -> Option<Bytes> {
    use std::io::Read;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 64 * 1024]);
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut file = std::fs::File::open(dir.join(format!("{name}{extension}"))).ok()?;
    BUFFER.with_borrow_mut(|buffer| {
        let read = file.read(buffer).ok()?;
        if read < buffer.len() {
            // A regular file reads short only at its end.
            return Some(Bytes::copy_from_slice(&buffer[..read]));
        }
        let mut whole = buffer.clone();
        file.read_to_end(&mut whole).ok()?;
        Some(Bytes::from(whole))
    })
}

async fn serve_s3(dir: PathBuf) {
    let s3 = S3Server::start(&dir, BUCKET, ACCESS_KEY, SECRET_KEY).await.unwrap();
    println!("{}", s3.endpoint);
    stdin_closed().await;
}

async fn serve_for_profiling() {
    let size = std::env::var("ARKE_BENCH_SIZES").ok().and_then(|s| s.split(',').next()?.trim().parse().ok());
    let (dir, index) = generated_catalog(size.unwrap_or(10_000));
    let s3_dir = tempfile::tempdir().unwrap();
    let servers = Servers::start(&dir, s3_dir.path()).await;
    for (name, value) in servers.worker_env() {
        println!("export {name}={value}");
    }
    println!("export PI={} TASK_ID=profile EXPORT_FORMAT=mods", index.root);
    println!(r#"export EXPORT_OPTIONS='{{"recursive": true, "maxDepth": 50, "parallelBatchSize": 10}}'"#);
    println!("# then: perf record -g target/release/arke-export-worker   (Ctrl-C here stops the servers)");
    let _ = tokio::signal::ctrl_c().await;
    drop(servers);
}
