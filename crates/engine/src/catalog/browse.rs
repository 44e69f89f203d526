//! Opening a collection: its record, its ancestors (breadcrumbs) and its children's PIs. Children's
//! titles are looked up apart, as they come into view.

use std::collections::HashSet;

use arke_export_contract::pi::Pi;

use super::lookup::error_of;
use super::{BrowseNode, Catalog, CatalogError, MAX_ANCESTORS, MAX_CHILDREN, RecordInfo, RecordStatus};
use crate::store::Store;

impl Catalog {
    /// `pi`, or the archive's origin when `None`.
    pub(crate) async fn browse(&self, store: &Store, pi: Option<&str>, now: i64) -> Result<BrowseNode, CatalogError> {
        let (pi, manifest) = match pi {
            None => self.origin().await?,
            Some(text) => {
                let pi =
                    Pi::parse(text).map_err(|e| CatalogError::BadId(text.chars().take(40).collect(), e.to_string()))?;
                let manifest = self.source.manifest(&pi).await.map_err(|e| error_of(pi.as_str(), &e))?;
                (pi, manifest)
            }
        };
        let known = self.known_from_manifest(store, &pi, &manifest, now).await;
        let mut seen = HashSet::new();
        let children: Vec<String> = manifest
            .children_pi
            .iter()
            .filter_map(|c| Pi::parse(c).ok())
            .map(|c| c.as_str().to_owned())
            .filter(|c| seen.insert(c.clone()))
            .take(MAX_CHILDREN)
            .collect();
        let ancestors = self.ancestors(store, &pi, known.parent.clone(), now).await;
        Ok(BrowseNode { record: known.info, ancestors, children })
    }

    /// The chain of parents up to the top (and the origin above it), root first.
    async fn ancestors(&self, store: &Store, pi: &Pi, mut parent: Option<String>, now: i64) -> Vec<RecordInfo> {
        let mut chain: Vec<RecordInfo> = Vec::new();
        let mut seen = HashSet::from([pi.as_str().to_owned()]);
        while let Some(p) = parent.take() {
            if chain.len() >= MAX_ANCESTORS || !seen.insert(p.clone()) {
                break;
            }
            let known = self.lookup(store, &p, now).await;
            parent = known.parent;
            chain.push(known.info);
        }
        chain.reverse();
        let top_is_origin = chain.first().map_or(pi.as_str(), |r| r.pi.as_str()) == self.origin_pi;
        if !top_is_origin && chain.len() < MAX_ANCESTORS {
            let origin = self.lookup(store, &self.origin_pi, now).await;
            if origin.info.status == RecordStatus::Found {
                chain.insert(0, origin.info);
            }
        }
        chain
    }
}
