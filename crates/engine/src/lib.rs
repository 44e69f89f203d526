//! The headless heart of Arke Export: everything the desktop app does, without a window.
//!
//! Data flow: [`ids`] parses a list → [`engine::Engine::submit`] writes a batch to the [`store`]
//! → the [`tracker`] creates machines through [`fly`] and polls [`r2`] → [`download`] saves the
//! file. [`events`] tell watchers (the app, the CLI) about every change.

pub mod app_info;
pub mod batch_download;
pub mod catalog;
pub mod checks;
mod cleanup;
pub mod config;
mod core;
pub mod cost;
pub mod download;
mod download_lock;
pub mod endpoint;
pub mod engine;
pub mod error;
pub mod events;
pub mod file_name;
pub mod fly;
pub mod ids;
pub mod installation;
pub mod job;
pub mod listing;
pub mod r2;
pub mod secrets;
pub mod services;
pub mod settings_view;
pub mod startup;
pub mod store;
mod tracker;
pub mod worker_secret;

pub use engine::Engine;
pub use error::{EngineError, ErrorPayload};
