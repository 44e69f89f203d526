use clap::Parser;

use arke_export_contract::env::{MachineEnv, var};
use arke_export_contract::result::ResultStatus;

const CONTRACT: &str = "\
Configured only through the environment (the machine contract):

  TASK_ID               required; 1-128 characters of A-Z a-z 0-9 - _
  PI | PIS              one record ID, or several separated by commas or white space
                        (26-character Crockford ULIDs)
  EXPORT_FORMAT         mods (default), dc, marcxml, or a comma list of them (mods,dc,marcxml):
                        one traversal writes every format listed, each to its own file
  EXPORT_OPTIONS        JSON: {\"recursive\": false, \"maxDepth\": 5, \"parallelBatchSize\": 10,
                        \"includeOcr\": true, \"cheimarrosMode\": \"full\"|\"minimal\"|\"skip\"}
  BATCH_ID              echoed in result.json (default: single)
  CALLBACK_URL          optional; result.json is POSTed there (a failed callback never fails the task)
  FLY_MACHINE_ID        set by Fly (default: local)
  R2_ACCESS_KEY_ID      required
  R2_SECRET_ACCESS_KEY  required (never printed)
  R2_ENDPOINT           any S3-compatible URL, path-style; takes precedence over R2_ACCOUNT_ID
  R2_ACCOUNT_ID         → https://{id}.r2.cloudflarestorage.com
  R2_BUCKET             default: arke-exports
  ARKE_API_URL          default: https://api.arke.institute (manifests at /entities/{PI})
  ARKE_IPFS_GATEWAY     default: https://ipfs.arke.institute (components at /ipfs/{CID})

Outputs, under exports/{TASK_ID}/ in the bucket:
  {PI}.xml | {PI}-collection.xml | {TASK_ID}-collection.xml   MODS 3.8 (mods / modsCollection)
  the same names with -dc before .xml     simple Dublin Core (oai_dc:dc / srw_dc:dcCollection)
  the same names with -marc before .xml   MARC 21 in MARCXML (marc:record / marc:collection)
  progress.json   while running, at most every 2 s
  progress/{done}-{failed}-{total}   an empty object whose name carries the same counts
                  (total 0 while unknown), replaced with progress.json, removed before result.json
  result.json     written last: its presence means the task is over; \"outputs\" lists every file
                  (format, r2_key, file_name, size, sha256), and output_* describe the first one

Exit code: 0 success, 1 error (including a task that exported no record, and result.json not written).";

/// Export Arke records as MODS 3.8, Dublin Core and/or MARCXML and upload them to R2 (runs on an
/// ephemeral Fly machine).
#[derive(Parser)]
#[command(name = "arke-export-worker", version, after_long_help = CONTRACT, after_help = CONTRACT)]
struct Cli {}

/// mimalloc: the export allocates and frees small buffers for every record (answers, parsed fields, XML
/// text); with glibc's allocator that was a tenth of the worker's CPU (see the `export_end_to_end` bench).
/// Version 2 (`v2`), which gives freed memory back after 10 ms (100 ms for blocks of 32 MiB and more;
/// version 3 waits a second: a hostile record's 64 MiB read and dropped then still counts, and
/// `robustness.rs` holds the peak under 2 × 64 MiB); no transparent huge pages (`no_thp`: with them the peak RSS doubled, to 51 MB).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARKE_EXPORT_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    // One runtime thread: a record's requests and answers never wait for another thread to wake (on
    // a machine's shared vCPUs a wake-up costs more than the work it hands over). One format is
    // described and written on it too; several, on a machine with a second core, go to a writing
    // thread in batches (`sink_thread`). The uploads' file reads run on the blocking pool.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    std::process::exit(runtime.block_on(run()));
}

async fn run() -> i32 {
    let config = match MachineEnv::from_env() {
        Ok(config) => config,
        Err(e) => {
            tracing::error!("{e}");
            if let Some((task_id, batch_id, storage)) = e.reportable.as_deref() {
                arke_export_worker::run::report_config_error(task_id, batch_id, storage, &e.to_string()).await;
            }
            return 1;
        }
    };
    let machine = std::env::var(var::FLY_MACHINE_ID).unwrap_or_else(|_| "local".to_owned());
    tracing::info!(
        machine = %machine, task = %config.task_id, records = config.pis.len(),
        recursive = config.options.recursive,
        formats = %arke_export_contract::env::ExportFormat::list_to_string(&config.formats), "export starting"
    );
    let finished = arke_export_worker::run::run(config).await;
    let result = &finished.result;
    let m = &result.metrics;
    if !finished.result_written {
        tracing::error!("result.json could not be written: exiting with an error");
        return 1;
    }
    match result.status {
        ResultStatus::Success => {
            tracing::info!(
                key = result.output_r2_key.as_deref().unwrap_or(""),
                files = result.outputs.len(),
                bytes = result.output_file_size.unwrap_or(0),
                exported = m.entities_exported,
                failed = m.entities_failed,
                ms = m.total_time_ms,
                peak_mb = m.peak_memory_mb,
                "export done"
            );
            0
        }
        ResultStatus::Error => {
            tracing::error!("export failed: {}", result.error.as_deref().unwrap_or("unknown error"));
            1
        }
    }
}
