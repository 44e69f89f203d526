//! The archive made visible: what a record is called (title, kind, children), a collection opened for
//! browsing, and the MODS record an export will write for it — read from the Arke API with the very
//! crosswalk code the worker runs ([`arke_export_crosswalk`]), never more than `browse_concurrency`
//! requests in flight, titles cached in SQLite by PI and manifest version.
//!
//! Nothing here blocks an export: an archive that cannot be reached makes records `unavailable`.

mod api;
mod browse;
pub(crate) mod cache;
mod info;
mod lookup;
mod origin;
mod preview;

use std::sync::Arc;

use arke_export_contract::env::SourceConfig;
use arke_export_crosswalk::source::Source;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use api::Submitted;
pub use info::MAX_TITLE_CHARS;
pub use origin::DEFAULT_ORIGIN_PI;

/// The most PIs one `lookup_records` call may ask about.
pub const MAX_LOOKUP: usize = 200;
/// The most child PIs a [`BrowseNode`] lists.
pub const MAX_CHILDREN: usize = 100_000;
/// The most ancestors a [`BrowseNode`] lists (breadcrumbs).
pub const MAX_ANCESTORS: usize = 32;

/// What the archive said about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RecordStatus {
    /// The archive has it.
    Found,
    /// The archive answered 404: no machine should be spent on it.
    Missing,
    /// Offline, an API error or unreadable data: nothing is known (never blocks an export).
    Unavailable,
}

/// A collection (has children) or an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum RecordKind {
    Collection,
    Item,
}

/// What the archive says about one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordInfo {
    pub pi: String,
    pub status: RecordStatus,
    /// From pinax.json: whitespace collapsed, at most [`MAX_TITLE_CHARS`] characters.
    pub title: Option<String>,
    pub kind: Option<RecordKind>,
    #[ts(type = "number | null")]
    pub children_count: Option<u64>,
    /// The PINAX date (`created`), else the manifest's time.
    pub date: Option<String>,
    /// The manifest version (with `pi`, the cache key).
    pub version: Option<String>,
}

impl RecordInfo {
    pub(crate) fn without(pi: &str, status: RecordStatus) -> RecordInfo {
        RecordInfo {
            pi: pi.to_owned(),
            status,
            title: None,
            kind: None,
            children_count: None,
            date: None,
            version: None,
        }
    }
}

/// A collection opened in Browse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BrowseNode {
    pub record: RecordInfo,
    /// Root first, at most [`MAX_ANCESTORS`], for breadcrumbs.
    pub ancestors: Vec<RecordInfo>,
    /// Every child PI from the manifest (at most [`MAX_CHILDREN`]), in order; titles come from lookups.
    pub children: Vec<String>,
}

/// The MODS record an export writes for one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RecordPreview {
    pub pi: String,
    /// The `<mods>` element exactly as a single-record export writes it.
    pub xml: String,
    /// Why the record is incomplete (e.g. "no pinax.json"), when it is.
    pub incomplete: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{0:?} is not a record ID: {1}")]
    BadId(String, String),
    #[error("ask about at most {MAX_LOOKUP} records at once (asked about {0})")]
    TooMany(usize),
    #[error("the archive has no record {0}")]
    Missing(String),
    #[error("the archive could not be read: {0}")]
    Unavailable(String),
}

/// The engine's window on the archive: one HTTP client whose requests in flight are capped.
pub(crate) struct Catalog {
    source: Source,
    /// The same cap for the one request the crosswalk's client does not make (`GET /arke`).
    origin_slots: Arc<tokio::sync::Semaphore>,
    origin_pi: String,
    http: reqwest::Client,
}

impl Catalog {
    pub(crate) fn new(source: SourceConfig, concurrency: usize, origin_pi: &str) -> Catalog {
        let concurrency = concurrency.clamp(1, 64);
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("the HTTP client's settings are valid");
        Catalog {
            source: Source::new(source, concurrency),
            origin_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            origin_pi: origin_pi.to_owned(),
            http,
        }
    }
}

impl CatalogError {
    pub fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            CatalogError::BadId(..) => ErrorCode::InvalidRecordId,
            CatalogError::TooMany(_) => ErrorCode::TooManyRecords,
            CatalogError::Missing(_) => ErrorCode::RecordNotFound,
            CatalogError::Unavailable(_) => ErrorCode::ArchiveUnavailable,
        }
    }
}
