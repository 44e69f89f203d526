//! The verbs of `arke-export` (an external contract: keep their names and flags).

use std::path::PathBuf;

use arke_export_contract::env::ExportFormat;
use arke_export_engine::EngineError;
use arke_export_engine::app_info::data_dir;
use arke_export_engine::config::Config;
use clap::{Parser, Subcommand};

use crate::{jobs, sandbox, settings};

/// Exit codes: 0 ok, 1 failure, 2 usage (clap's own).
pub(crate) const EXIT_FAILURE: i32 = 1;

/// Export Arke records as MODS 3.8 XML on ephemeral Fly.io machines.
#[derive(Parser)]
#[command(name = "arke-export", version)]
pub(crate) struct Cli {
    /// Run against an in-process sandbox (local stand-ins for Fly, R2 and the Arke API).
    #[arg(long, global = true)]
    sandbox: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Export the records listed in a file (or `-` for standard input).
    Export(jobs::ExportArgs),
    /// List the jobs.
    Jobs {
        #[arg(long)]
        json: bool,
    },
    /// Show one job (an id or a unique prefix) and its timeline.
    Status {
        job: String,
        #[arg(long)]
        json: bool,
    },
    /// Download a ready job's files (to PATH, a file or a folder; default: this folder). Into a folder:
    /// every format the job wrote (one file each), or only --format's; to a file: --format's file, or
    /// the first format's. In a folder a name already taken gets " (2)"; an existing file named by
    /// --out is kept unless --overwrite. Each file is checked against its own SHA-256.
    Download {
        job: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// The one format to download: mods, dc or marcxml (default: all into a folder, the first to a file).
        #[arg(long, value_parser = crate::jobs::parse_format)]
        format: Option<ExportFormat>,
        /// Replace the file --out names if it exists.
        #[arg(long)]
        overwrite: bool,
    },
    /// Cancel a waiting or running job (its machine is destroyed).
    Cancel { job: String },
    /// Queue a failed, canceled or expired job again.
    Retry { job: String },
    /// Print the MODS record an export writes for one record (a collection: its own record).
    Preview { id: String },
    /// Store, inspect or clear the Fly token and the R2 secret (read from standard input).
    Token {
        #[command(subcommand)]
        action: settings::TokenAction,
    },
    /// Show or change the settings.
    Config {
        #[command(subcommand)]
        action: settings::ConfigAction,
    },
    /// Run the local stand-ins for Fly, R2 and the Arke API in the foreground (Ctrl-C stops them).
    Sandbox {
        /// Where the sandbox keeps its catalog and bucket (default: <data dir>/sandbox-server).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Serve this catalog folder instead of generating the sample one (layout in the README).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Entities in the generated sample catalog.
        #[arg(long, default_value_t = 500)]
        size: usize,
        /// Turn off Fly's rate limits (on by default, as on Fly).
        #[arg(long)]
        no_rate_limits: bool,
        /// Also serve a collection of this many records under the archive's origin (to try large ones).
        #[arg(long, default_value_t = 0)]
        wide: usize,
    },
}

/// The settings, with `--sandbox` forcing sandbox mode.
fn config(sandbox: bool) -> Result<Config, EngineError> {
    let mut config = Config::load()?;
    if sandbox {
        config.mode = arke_export_engine::config::Mode::Sandbox;
    }
    Ok(config)
}

/// Runs the verb; on failure prints `arke-export: <message> [<code>]` and a hint for the terminal.
pub(crate) async fn run(cli: Cli) -> i32 {
    match dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("arke-export: {} [{}]", crate::output::escape(&e.to_string()), e.code().as_str());
            if let Some(hint) = e.hint(arke_export_engine::error::Surface::Cli) {
                eprintln!("  hint: {}", crate::output::escape(&hint));
            }
            EXIT_FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> Result<i32, EngineError> {
    match cli.command {
        Command::Sandbox { dir, catalog, size, no_rate_limits, wide } => {
            let dir = match dir {
                Some(dir) => dir,
                None => data_dir(&Config::load()?).join("sandbox-server"),
            };
            sandbox::run(sandbox::Args { dir, catalog, size, rate_limits: !no_rate_limits, wide })
                .await
                .map_err(|reason| EngineError::Sandbox { dir: "its folder".into(), reason })
        }
        Command::Token { action } => settings::token(action).await,
        Command::Config { action } => settings::config(action),
        Command::Export(args) => jobs::export(config(cli.sandbox)?, args).await,
        Command::Jobs { json } => jobs::list(config(cli.sandbox)?, json).await,
        Command::Status { job, json } => jobs::status(config(cli.sandbox)?, &job, json).await,
        Command::Download { job, out, format, overwrite } => {
            jobs::download(config(cli.sandbox)?, &job, out, format, overwrite).await
        }
        Command::Cancel { job } => jobs::cancel(config(cli.sandbox)?, &job).await,
        Command::Retry { job } => jobs::retry(config(cli.sandbox)?, &job).await,
        Command::Preview { id } => crate::catalog::preview(config(cli.sandbox)?, &id).await,
    }
}
