//! The verbs of `arke-export` (an external contract: keep their names and flags).

mod sandbox;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit codes: 0 ok, 1 failure, 2 usage (clap's own).
pub const EXIT_FAILURE: i32 = 1;

/// Export Arke records as MODS 3.8 XML on ephemeral Fly.io machines.
#[derive(Parser)]
#[command(name = "arke-export", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the local stand-ins for Fly, R2 and the Arke API in the foreground (Ctrl-C stops them).
    Sandbox {
        /// Where the sandbox keeps its catalog and bucket (default: <data dir>/sandbox).
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
    },
}

pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Sandbox { dir, catalog, size, no_rate_limits } => {
            sandbox::run(sandbox::Args { dir, catalog, size, rate_limits: !no_rate_limits }).await
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("arke-export: {e}");
            EXIT_FAILURE
        }
    }
}
