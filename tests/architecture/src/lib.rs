//! No code: see `tests/dependencies.rs`, which reads the allowed arrows from ARCHITECTURE.md and
//! checks them against `cargo metadata`.
