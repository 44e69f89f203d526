//! Local stand-ins for the services Arke Export talks to: an Arke API over a generated
//! sample catalog and an embedded S3 server (R2), all on 127.0.0.1 with free ports.
//! The engine and the worker talk to them over HTTP exactly as to the real services.

pub mod arke_api;
pub mod catalog;
mod rng;
pub mod s3;
pub mod validate;

pub use arke_api::{ArkeApi, ArkeFaults};
pub use catalog::{CatalogIndex, CatalogSpec};
pub use s3::{S3Faults, S3Server};
