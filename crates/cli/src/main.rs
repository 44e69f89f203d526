//! `arke-export`: the command line. It only parses arguments and wires engine calls.
// Standard output is this program's interface (tables, `--json`, paths).
#![allow(clippy::print_stdout)]

mod catalog;
mod jobs;
mod output;
mod sandbox;
mod settings;
mod verbs;

use clap::Parser;

fn main() {
    let args = verbs::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARKE_EXPORT_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    std::process::exit(runtime.block_on(verbs::run(args)));
}
