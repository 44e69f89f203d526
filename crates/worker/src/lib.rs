//! The export machine: the program each ephemeral Fly machine runs.
//!
//! It reads record manifests from the Arke API and their components from IPFS,
//! writes MODS 3.8 XML and uploads the file, `progress.json` and `result.json`
//! to an S3-compatible bucket (Cloudflare R2 in production).
//!
//! Data flow: [`config`] (environment) → [`export`] (traversal, using [`fetch`] and [`source`])
//! → [`mods`] (the crosswalk) → a temp file → [`storage`] (upload) → [`run`] (result and callback).

pub mod config;
pub mod contract;
pub mod export;
pub mod fetch;
pub mod model;
pub mod mods;
pub mod options;
pub mod pi;
pub mod progress;
pub mod retry;
pub mod run;
pub mod secret;
pub mod source;
pub mod storage;

/// An error and all its causes on one line ("a: b: c"), for messages a person reads.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// The worker's version, reported in `result.json`.
pub const WORKER_VERSION: &str = env!("CARGO_PKG_VERSION");
