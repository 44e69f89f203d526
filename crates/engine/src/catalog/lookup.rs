//! Looking records up: the cache first, then the manifest (and pinax.json only when the manifest's
//! version is not cached). A record that cannot be read is `unavailable`, one the API answers 404 for
//! is `missing`; neither fails the others.

use arke_export_contract::pi::Pi;
use arke_export_crosswalk::model::{Manifest, Pinax};
use arke_export_crosswalk::source::FetchError;
use futures::future::join_all;

use super::cache::{self, Known};
use super::info::record_info;
use super::{Catalog, CatalogError, MAX_LOOKUP, RecordInfo, RecordStatus};
use crate::store::Store;

/// What a failed manifest read means for the record.
pub(crate) fn status_of(error: &FetchError) -> RecordStatus {
    match error {
        FetchError::Status { status: 404 | 410, .. } => RecordStatus::Missing,
        _ => RecordStatus::Unavailable,
    }
}

pub(crate) fn error_of(pi: &str, error: &FetchError) -> CatalogError {
    match status_of(error) {
        RecordStatus::Missing => CatalogError::Missing(pi.to_owned()),
        _ => CatalogError::Unavailable(error.to_string()),
    }
}

impl Catalog {
    /// Looks up every PI of `pis` (at most [`MAX_LOOKUP`]), in order.
    pub(crate) async fn lookup_many(
        &self,
        store: &Store,
        pis: &[String],
        now: i64,
    ) -> Result<Vec<RecordInfo>, CatalogError> {
        if pis.len() > MAX_LOOKUP {
            return Err(CatalogError::TooMany(pis.len()));
        }
        Ok(join_all(pis.iter().map(|pi| async move { self.lookup(store, pi, now).await.info })).await)
    }

    /// One record: from the cache when it was looked at within [`cache::FRESH_MS`], else from the archive.
    pub(crate) async fn lookup(&self, store: &Store, pi: &str, now: i64) -> Known {
        let Ok(parsed) = Pi::parse(pi) else {
            let shown: String = pi.chars().take(40).collect();
            return Known { info: RecordInfo::without(&shown, RecordStatus::Unavailable), parent: None };
        };
        match cache::latest(store, parsed.as_str()) {
            Ok(Some((known, checked_at))) if now.saturating_sub(checked_at) < cache::FRESH_MS => return known,
            Ok(_) => {}
            Err(e) => tracing::debug!("title cache: {e}"),
        }
        match self.source.manifest(&parsed).await {
            Ok(manifest) => self.known_from_manifest(store, &parsed, &manifest, now).await,
            Err(e) => {
                tracing::debug!("lookup of {parsed}: {e}");
                Known { info: RecordInfo::without(parsed.as_str(), status_of(&e)), parent: None }
            }
        }
    }

    /// A found record from its manifest: pinax.json is read only when this version is not cached.
    pub(crate) async fn known_from_manifest(&self, store: &Store, pi: &Pi, manifest: &Manifest, now: i64) -> Known {
        let parent = manifest.parent_pi.as_deref().and_then(|p| Pi::parse(p).ok()).map(|p| p.as_str().to_owned());
        let cached = manifest.version().and_then(|v| cache::at_version(store, pi.as_str(), &v).ok().flatten());
        if let Some(mut known) = cached {
            known.parent = parent;
            let _ = cache::put(store, &known, now);
            return known;
        }
        // A pinax.json that could not be fetched (not one that is absent or unreadable) is not cached:
        // the next look tries again.
        let (pinax, settled) = match manifest.components.get("pinax.json") {
            None => (None, true),
            Some(cid) => match self.source.component(cid).await {
                Ok(bytes) => (Pinax::from_json(&bytes).ok(), true),
                Err(e) => {
                    tracing::debug!("pinax.json of {pi}: {e}");
                    (None, false)
                }
            },
        };
        let known = Known { info: record_info(pi.as_str(), manifest, pinax.as_ref()), parent };
        if settled && let Err(e) = cache::put(store, &known, now) {
            tracing::debug!("title cache: {e}");
        }
        known
    }
}
