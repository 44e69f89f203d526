//! The catalog's part of the [`Engine`]: titles, Browse, previews, the export that leaves out records
//! the archive does not have, and the folder the save dialog opens in.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use arke_export_contract::env::ExportFormat;
use arke_export_contract::options::ExportOptions;
use serde::Serialize;
use ts_rs::TS;

use super::preview::today_utc;
use super::{BrowseNode, MAX_LOOKUP, RecordInfo, RecordPreview, RecordStatus, cache};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::parse_ids;
use crate::job::{Batch, Job, now_ms};

/// How long an export waits for its records to be looked up (see [`Engine::submit_checked`]).
const SUBMIT_LOOKUP_LIMIT: Duration = Duration::from_secs(15);

/// How long Browse and Preview wait for the archive in all (each request has its own, shorter limit;
/// a chain of them, e.g. a deep collection's ancestors, has this one).
const OPEN_LIMIT: Duration = Duration::from_secs(45);

async fn within_limit<T>(call: impl Future<Output = Result<T, super::CatalogError>>) -> Result<T, EngineError> {
    match tokio::time::timeout(OPEN_LIMIT, call).await {
        Ok(answer) => Ok(answer?),
        Err(_) => Err(super::CatalogError::Unavailable(format!("no answer within {} s", OPEN_LIMIT.as_secs())).into()),
    }
}

/// The `app_state` key of the folder the last download went to.
const LAST_DOWNLOAD_DIR: &str = "last_download_dir";

/// A submitted batch, and the records left out of it because the archive does not have them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Submitted {
    pub batch: Batch,
    pub jobs: Vec<Job>,
    /// PIs the archive answered 404 for, not sent to a machine (empty with `include_missing`).
    pub left_out: Vec<String>,
}

impl Engine {
    /// What the archive says about each of `pis` (at most [`MAX_LOOKUP`]), in order: cached by PI and
    /// manifest version, never more than `browse_concurrency` requests in flight. One record that cannot
    /// be read is `unavailable`; the call fails only when it asks about too many.
    pub async fn lookup_records(&self, pis: &[String]) -> Result<Vec<RecordInfo>, EngineError> {
        Ok(self.inner.catalog.lookup_many(&self.inner.store, pis, now_ms()).await?)
    }

    /// A collection for Browse: `None` opens the archive's origin (`GET /arke`, or the `ORIGIN_PI` record).
    /// An archive that has not answered within [`OPEN_LIMIT`] is `unavailable`.
    pub async fn browse_open(&self, pi: Option<&str>) -> Result<BrowseNode, EngineError> {
        within_limit(self.inner.catalog.browse(&self.inner.store, pi, now_ms())).await
    }

    /// The `<mods>` element a single-record export of `pi` writes, made by the worker's own crosswalk
    /// (within [`OPEN_LIMIT`]).
    pub async fn preview_record(&self, pi: &str) -> Result<RecordPreview, EngineError> {
        within_limit(self.inner.catalog.preview(pi, &today_utc(now_ms()))).await
    }

    /// [`Engine::submit_formats`] after looking every ID up: those the archive answers 404 for are left
    /// out (unless `include_missing`), and each job carries its first record's title. An archive that
    /// cannot be reached, or does not answer within [`SUBMIT_LOOKUP_LIMIT`], leaves the rest in. Fails with `no_records` when nothing is left.
    pub async fn submit_checked(
        &self,
        ids_text: &str,
        options: ExportOptions,
        formats: &[ExportFormat],
        per_machine: Option<u32>,
        include_missing: bool,
    ) -> Result<Submitted, EngineError> {
        let ids = parse_ids(ids_text).ids;
        // Refused options are refused before the archive is asked anything.
        options.validate()?;
        let mut infos = Vec::with_capacity(ids.len());
        let lookups = async {
            for chunk in ids.chunks(MAX_LOOKUP) {
                infos.extend(self.lookup_records(chunk).await?);
            }
            Ok::<(), EngineError>(())
        };
        // A slow archive delays the export by at most this much: what was not looked up by then is kept.
        if let Ok(looked_up) = tokio::time::timeout(SUBMIT_LOOKUP_LIMIT, lookups).await {
            looked_up?;
        } else {
            tracing::warn!("the archive was slow: {} of {} records looked up before export", infos.len(), ids.len());
        }
        let titles: HashMap<String, String> =
            infos.iter().filter_map(|i| Some((i.pi.clone(), i.title.clone()?))).collect();
        let left_out: Vec<String> = if include_missing {
            Vec::new()
        } else {
            infos.iter().filter(|i| i.status == RecordStatus::Missing).map(|i| i.pi.clone()).collect()
        };
        let missing: HashSet<&String> = left_out.iter().collect();
        let kept: Vec<&String> = ids.iter().filter(|pi| !missing.contains(pi)).collect();
        if kept.is_empty() && !ids.is_empty() {
            return Err(EngineError::NoRecords(format!(
                "the archive has none of them: {}",
                left_out.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        let text = if ids.is_empty() {
            ids_text.to_owned()
        } else {
            kept.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
        };
        let (batch, jobs) = self.submit_titled(&text, options, formats, per_machine, &titles)?;
        Ok(Submitted { batch, jobs, left_out })
    }

    /// The folder a save dialog opens in: the one the last download went to while it still exists,
    /// else the user's Downloads folder (else the home folder).
    pub fn download_dir(&self) -> PathBuf {
        let remembered = cache::state(&self.inner.store, LAST_DOWNLOAD_DIR).ok().flatten().map(PathBuf::from);
        remembered
            .filter(|dir| dir.is_absolute() && dir.is_dir())
            .or_else(dirs::download_dir)
            .or_else(dirs::home_dir)
            .unwrap_or_else(std::env::temp_dir)
    }

    /// Remembers the folder of a file just saved (or a folder chosen for a batch).
    pub fn remember_download_dir(&self, saved: &Path) -> Result<(), EngineError> {
        let dir = if saved.is_dir() { saved } else { saved.parent().unwrap_or(saved) };
        if dir.is_absolute() {
            cache::set_state(&self.inner.store, LAST_DOWNLOAD_DIR, &dir.to_string_lossy())?;
        }
        Ok(())
    }
}
