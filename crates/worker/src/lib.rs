//! The export machine: the program each ephemeral Fly machine runs.
//!
//! It reads record manifests from the Arke API and their components from IPFS,
//! writes MODS 3.8 XML and uploads the file, `progress.json` and `result.json`
//! to an S3-compatible bucket (Cloudflare R2 in production).
//!
//! Data flow: the environment ([`arke_export_contract::env::MachineEnv`]) → [`export`] (traversal,
//! using [`fetch`] and [`source`]) → [`mods`] (the crosswalk) → a temp file → [`storage`] (upload) → [`run`] (result and callback).

pub mod export;
pub mod fetch;
pub mod model;
pub mod mods;
pub mod progress;
pub mod retry;
pub mod run;
pub mod source;
pub mod storage;

/// The worker's version, reported in `result.json`.
pub const WORKER_VERSION: &str = env!("CARGO_PKG_VERSION");
