//! The machine contract: everything the export machine (`arke-export-worker`) and the app that
//! starts it (the engine) must agree on, in one place.
//!
//! - [`env`]: the machine's environment, written by the engine ([`env::MachineEnv::to_env`]) and read
//!   by the worker ([`env::MachineEnv::from_env`]);
//! - [`pi`] record IDs and [`options`] export options, which the environment carries;
//! - [`bucket`]: where a task's objects live; [`result`]: what `progress.json` and `result.json` hold;
//! - [`storage`]: the bucket's address and credentials, and the S3 client both sides use;
//! - [`secret`]: a wrapper that keeps secrets out of logs and `Debug`.

pub mod bucket;
pub mod env;
pub mod options;
pub mod pi;
pub mod result;
pub mod secret;
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
