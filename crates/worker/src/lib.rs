//! The export machine: the program each ephemeral Fly machine runs.
//!
//! It reads record manifests from the Arke API and their components from IPFS,
//! writes MODS 3.8 XML and uploads the file, `progress.json` and `result.json`
//! to an S3-compatible bucket (Cloudflare R2 in production).

pub mod config;
pub mod contract;
pub mod options;
pub mod pi;
pub mod secret;

/// The worker's version, reported in `result.json`.
pub const WORKER_VERSION: &str = env!("CARGO_PKG_VERSION");
