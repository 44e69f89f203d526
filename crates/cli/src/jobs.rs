//! `export`, `jobs`, `status`, `download`, `cancel`, `retry`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use arke_export_contract::env::ExportFormat;
use arke_export_contract::options::{CheimarrosMode, ExportOptions};
use arke_export_engine::config::{Config, Mode};
use arke_export_engine::ids::{parse_ids, read_ids_file};
use arke_export_engine::job::{Job, JobState};
use arke_export_engine::secrets::Secrets;
use arke_export_engine::{Engine, EngineError, startup};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::output;
use crate::verbs::EXIT_FAILURE;

#[derive(Args)]
#[allow(clippy::struct_excessive_bools, reason = "each bool is a command-line flag")]
pub(crate) struct ExportArgs {
    /// The list of record IDs: one per line, or CSV (first column or a column named pi/id); `-` reads stdin.
    #[arg(long)]
    ids: String,
    /// Export each record's whole subtree.
    #[arg(long)]
    recursive: bool,
    /// Deepest level exported with --recursive (root = 0).
    #[arg(long, default_value_t = 5)]
    max_depth: u32,
    /// Leave OCR text out.
    #[arg(long)]
    no_ocr: bool,
    /// How much of the knowledge graph to include.
    #[arg(long, value_enum, default_value = "full")]
    cheimarros: Cheimarros,
    /// The formats to write, comma-separated, all in one pass: mods, dc (Dublin Core), marcxml. The
    /// first is each job's main file.
    #[arg(long = "format", value_name = "FORMATS", default_value = "mods", value_parser = parse_formats)]
    formats: Formats,
    /// Record IDs per machine (default: the PER_MACHINE setting).
    #[arg(long)]
    per_machine: Option<u32>,
    /// Wait until every job is ready or failed (always on with --sandbox).
    #[arg(long)]
    wait: bool,
    /// Download every ready file into this folder (implies --wait).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Send records the archive answers 404 for anyway (by default they are left out and listed).
    #[arg(long)]
    include_missing: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Cheimarros {
    Full,
    Minimal,
    Skip,
}

/// A `--format` list, in the order given.
#[derive(Clone, Debug)]
pub(crate) struct Formats(pub(crate) Vec<ExportFormat>);

pub(crate) fn parse_formats(list: &str) -> Result<Formats, String> {
    ExportFormat::parse_list(list).map(Formats).map_err(|e| e.replace("EXPORT_FORMAT", "--format"))
}

/// One `--format` of `download`.
pub(crate) fn parse_format(name: &str) -> Result<ExportFormat, String> {
    match parse_formats(name)?.0.as_slice() {
        [one] => Ok(*one),
        _ => Err("name one format: mods, dc or marcxml".into()),
    }
}

async fn engine(config: Config) -> Result<Engine, EngineError> {
    startup::start(config, &Secrets::default()).await
}

/// The engine for a command that only looks: no spawner, poller, re-attach or clean-up of its own
/// (the app may be running them on the same store).
async fn looking(config: Config) -> Result<Engine, EngineError> {
    startup::open(config, &Secrets::default()).await
}

/// The ID list: standard input for `-`, else a list file (the engine's rules: extension, size).
fn read_ids(source: &str) -> Result<String, EngineError> {
    if source != "-" {
        return read_ids_file(Path::new(source));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| EngineError::Input { what: "the ID list -".into(), reason: e.to_string() })?;
    Ok(text)
}

pub(crate) async fn export(config: Config, args: ExportArgs) -> Result<i32, EngineError> {
    let text = read_ids(&args.ids)?;
    let parsed = parse_ids(&text);
    for bad in &parsed.invalid {
        eprintln!("line {}: {:?} skipped: {}", bad.line, bad.text, output::escape(&bad.reason));
    }
    if parsed.invalid_count as usize > parsed.invalid.len() {
        eprintln!("… and {} more invalid lines skipped", parsed.invalid_count as usize - parsed.invalid.len());
    }
    let wait = args.wait || args.out.is_some() || config.mode == Mode::Sandbox;
    let options = ExportOptions {
        recursive: args.recursive,
        max_depth: args.max_depth,
        include_ocr: !args.no_ocr,
        cheimarros_mode: match args.cheimarros {
            Cheimarros::Full => CheimarrosMode::Full,
            Cheimarros::Minimal => CheimarrosMode::Minimal,
            Cheimarros::Skip => CheimarrosMode::Skip,
        },
        ..ExportOptions::default()
    };
    // Without --wait only this batch's machines are created here: no poller, no re-attach, no clean-up.
    let engine = if wait { engine(config).await? } else { looking(config).await? };
    let submitted =
        engine.submit_checked(&text, options, &args.formats.0, args.per_machine, args.include_missing).await;
    let submitted = match submitted {
        Ok(submitted) => submitted,
        Err(e) => {
            engine.shutdown().await;
            return Err(e);
        }
    };
    for pi in &submitted.left_out {
        eprintln!("{pi}: not in the archive (it answers 404), left out; --include-missing sends it anyway");
    }
    let (batch, jobs) = (submitted.batch, submitted.jobs);
    if !args.json {
        eprintln!(
            "batch {}: {} records in {} jobs ({} duplicates removed, {} invalid lines)",
            batch.id,
            batch.record_count,
            jobs.len(),
            parsed.duplicates,
            parsed.invalid_count
        );
    }
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    if !wait {
        // Back only once every machine of the batch exists on Fly (or its creation failed for good):
        // a rate limit is waited out, so the export never waits for some later command to start it.
        if !args.json {
            eprintln!("creating {} machines on Fly…", ids.len());
        }
        let jobs = engine.spawn_jobs(&ids).await?;
        return Ok(finish(&jobs, args.json, false));
    }
    let bar = (!args.json).then(|| {
        let bar = ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} jobs finished  {msg}").expect("valid template"),
        );
        bar
    });
    let jobs = loop {
        let jobs: Vec<Job> = ids.iter().map(|id| engine.job(id)).collect::<Result<_, _>>()?;
        let settled = jobs.iter().filter(|j| j.state == JobState::Ready || j.state.is_final()).count();
        if let Some(bar) = &bar {
            let running = jobs.iter().filter(|j| j.state.has_machine()).count();
            let failed = jobs.iter().filter(|j| j.state == JobState::Failed).count();
            bar.set_position(settled as u64);
            bar.set_message(format!("{running} running, {failed} failed"));
        }
        if settled == jobs.len() {
            break jobs;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Each job's cost is read from its machine's events a poll after it ends.
    let mut jobs = engine.wait_for_costs(&ids, COST_WAIT).await.unwrap_or(jobs);
    if let Some(dir) = &args.out {
        let downloaded = engine.download_batch(&batch.id, dir).await?;
        for failure in &downloaded.failed {
            eprintln!("{}: download failed: {}", failure.job_id, output::escape(&failure.message));
        }
        for saved in downloaded.saved {
            if let Some(job) = jobs.iter_mut().find(|j| j.id == saved.id) {
                *job = saved;
            }
        }
    }
    engine.shutdown().await;
    Ok(finish(&jobs, args.json, args.out.is_some()))
}

/// How long `export` waits for the last jobs' costs (their machines' events) before printing.
const COST_WAIT: Duration = Duration::from_secs(20);

/// Prints the jobs; exit 1 when any failed (or, with `--out`, any was not saved).
fn finish(jobs: &[Job], json: bool, expect_saved: bool) -> i32 {
    if json {
        println!("{}", serde_json::to_string_pretty(jobs).expect("jobs serialise"));
    } else {
        output::table(jobs);
    }
    let failed = jobs.iter().any(|j| matches!(j.state, JobState::Failed | JobState::Canceled | JobState::Expired));
    let unsaved = expect_saved && jobs.iter().any(|j| j.state == JobState::Ready);
    if failed || unsaved { EXIT_FAILURE } else { 0 }
}

pub(crate) async fn list(config: Config, json: bool) -> Result<i32, EngineError> {
    let jobs = match config.mode {
        // In Fly mode, look at the bucket once so the list is current.
        Mode::Fly => {
            let engine = looking(config).await?;
            engine.poll_now().await?;
            engine.jobs()?
        }
        Mode::Sandbox => startup::open_store(&config)?.jobs()?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&jobs).expect("jobs serialise"));
    } else if jobs.is_empty() {
        println!("No jobs yet. Start one with: arke-export export --ids FILE");
    } else {
        output::table(&jobs);
    }
    Ok(0)
}

pub(crate) async fn status(config: Config, id: &str, json: bool) -> Result<i32, EngineError> {
    let engine = looking(config).await?;
    engine.poll_now().await?;
    let job = engine.job(id)?;
    let timeline = engine.timeline(&job.id)?;
    if json {
        let value = serde_json::json!({
            "job": job, "title": job.title, "timeline": timeline,
            "machine_seconds": job.machine_seconds, "cost_usd": job.cost_usd,
        });
        println!("{}", serde_json::to_string_pretty(&value).expect("serialises"));
    } else {
        output::details(&job, &timeline);
    }
    Ok(if job.state == JobState::Failed { EXIT_FAILURE } else { 0 })
}

/// Into a folder (a free name there): the `--format` file, or every file of the job; or to the file
/// `--out` names (kept if it exists, unless `--overwrite`): the `--format` file, or the first format's.
/// Prints each path saved.
pub(crate) async fn download(
    config: Config,
    id: &str,
    out: Option<PathBuf>,
    format: Option<ExportFormat>,
    overwrite: bool,
) -> Result<i32, EngineError> {
    // Only the download (and a fresh look at the bucket): no spawner, poller or clean-up of its own.
    let engine = looking(config).await?;
    engine.poll_now().await?;
    let out = out.unwrap_or_else(|| PathBuf::from("."));
    if !out.is_dir() {
        let job = engine.download_format(id, format, &out, overwrite).await?;
        println!("{}", output::escape(&job.saved_to.unwrap_or_default()));
        return Ok(0);
    }
    let job = engine.job(id)?;
    let formats = match format {
        Some(f) => vec![f],
        None => job.all_outputs().iter().map(|o| o.format).collect(),
    };
    // A file that fails does not stop the others; the first error is the command's, the rest are shown.
    let mut first_error = None;
    for f in formats {
        match engine.download_format_to_dir(&job.id, Some(f), &out).await {
            Ok(saved) => println!("{}", output::escape(&saved.saved_to.unwrap_or_default())),
            Err(e) if first_error.is_none() => first_error = Some(e),
            Err(e) => eprintln!("arke-export: {f}: {} [{}]", output::escape(&e.to_string()), e.code().as_str()),
        }
    }
    first_error.map_or(Ok(0), Err)
}

pub(crate) async fn cancel(config: Config, id: &str) -> Result<i32, EngineError> {
    // Only the cancel (its machine destroyed): nothing else is started.
    let job = looking(config).await?.cancel(id).await?;
    println!("{} canceled", job.id);
    Ok(0)
}

pub(crate) async fn retry(config: Config, id: &str) -> Result<i32, EngineError> {
    // Only this job's machine is created here (no poller, re-attach or clean-up of its own).
    let engine = looking(config).await?;
    let job = engine.retry(id)?;
    let job = engine.spawn_jobs(std::slice::from_ref(&job.id)).await?.remove(0);
    match &job.reason {
        Some(reason) if job.state.is_final() => {
            println!("{} {}: {}", job.id, job.state.as_str(), output::escape(reason));
        }
        _ => println!("{} queued again (attempt {})", job.id, job.attempt),
    }
    Ok(if job.state == JobState::Failed { EXIT_FAILURE } else { 0 })
}
