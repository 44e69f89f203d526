use clap::Parser;

/// Export Arke records as MODS 3.8 XML and upload them to R2.
///
/// Configured only through the environment (the machine contract).
#[derive(Parser)]
#[command(name = "arke-export-worker", version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    eprintln!("arke-export-worker {}: nothing to export yet", arke_export_worker::WORKER_VERSION);
    std::process::exit(1);
}
