//! The export machine: the program each ephemeral Fly machine runs.
//!
//! It reads record manifests from the Arke API and their components from IPFS, writes MODS 3.8,
//! Dublin Core and/or MARCXML, and uploads the files, `progress.json` and `result.json` to an
//! S3-compatible bucket (Cloudflare R2 in production).
//!
//! Data flow: the environment ([`arke_export_contract::env::MachineEnv`]) → [`export`] (one traversal,
//! using [`fetch`] and [`source`]) → [`describe`] (the PINAX crosswalk, once per entity) → [`mods`],
//! [`dc`], [`marc`] (one writer per format, [`output`]) → temp files → [`storage`] (upload) →
//! [`run`] (result and callback).

pub mod dc;
pub mod describe;
pub mod export;
pub mod fetch;
pub mod marc;
pub mod model;
pub mod mods;
pub mod output;
pub mod progress;
pub mod retry;
pub mod run;
pub mod source;
pub mod storage;
pub mod xml;

/// The worker's version, reported in `result.json`.
pub const WORKER_VERSION: &str = env!("CARGO_PKG_VERSION");
