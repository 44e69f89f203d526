use clap::Parser;

/// Export Arke records as MODS 3.8 XML on ephemeral Fly.io machines.
#[derive(Parser)]
#[command(name = "arke-export", version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    println!("arke-export {}", env!("CARGO_PKG_VERSION"));
}
