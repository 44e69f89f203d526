//! The export machine: the program each ephemeral Fly machine runs.
//!
//! It reads record manifests from the Arke API and their components from IPFS, writes MODS 3.8,
//! Dublin Core and/or MARCXML, and uploads the files, `progress.json` and `result.json` to an
//! S3-compatible bucket (Cloudflare R2 in production).
//!
//! Data flow: the environment ([`arke_export_contract::env::MachineEnv`]) → [`export`] (one traversal,
//! reading records through `arke_export_crosswalk::{source, fetch}`) → (several formats, with a second
//! core: handed in batches to a second thread, [`sink_thread`]) → the crosswalk's `describe` (once per
//! entity) and its MODS, Dublin Core and MARC writers ([`output`], one file per format) → temp files,
//! each uploaded while it is written ([`upload`], over [`storage`]) → [`run`] (result and callback).

pub mod export;
pub mod output;
pub mod progress;
pub mod run;
pub mod sink_thread;
pub mod storage;
pub mod upload;

/// The worker's version, reported in `result.json`.
pub const WORKER_VERSION: &str = env!("CARGO_PKG_VERSION");
