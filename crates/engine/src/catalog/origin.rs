//! The archive's origin block: `GET {api}/arke` (the Arke API's origin, PI `000…` by default), or the
//! record named by the `origin_pi` setting when it is another one.

use std::time::Duration;

use arke_export_contract::pi::Pi;
use arke_export_crosswalk::model::Manifest;

use super::lookup::error_of;
use super::{Catalog, CatalogError};

/// The Arke API's own origin PI.
pub const DEFAULT_ORIGIN_PI: &str = "00000000000000000000000000";
/// The most bytes the origin block may weigh.
const MAX_ORIGIN_BYTES: usize = 8 * 1024 * 1024;

impl Catalog {
    /// The origin's PI and manifest.
    pub(crate) async fn origin(&self) -> Result<(Pi, Manifest), CatalogError> {
        let configured =
            Pi::parse(&self.origin_pi).map_err(|e| CatalogError::BadId(self.origin_pi.clone(), e.to_string()))?;
        if configured.as_str() == DEFAULT_ORIGIN_PI {
            match self.arke_block().await {
                Ok(Some(manifest)) => {
                    let pi = manifest.pi.as_deref().and_then(|p| Pi::parse(p).ok()).unwrap_or(configured);
                    return Ok((pi, manifest));
                }
                // An API without `/arke`: its origin is an entity like any other.
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }
        let manifest = self.source.manifest(&configured).await.map_err(|e| error_of(configured.as_str(), &e))?;
        Ok((configured, manifest))
    }

    /// `GET /arke`: `None` when the API has no such route (404).
    async fn arke_block(&self) -> Result<Option<Manifest>, CatalogError> {
        let _one = self.origin_slots.acquire().await.expect("the semaphore is never closed");
        let url = format!("{}/arke", self.source.config().api_url);
        let unavailable = |e: String| CatalogError::Unavailable(format!("the archive's origin ({url}): {e}"));
        let mut response = self
            .http
            .get(&url)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| unavailable(arke_export_contract::error_chain(&e)))?;
        if response.status().as_u16() == 404 {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(unavailable(format!("the server answered {}", response.status().as_u16())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unavailable(e.to_string()))? {
            if body.len() + chunk.len() > MAX_ORIGIN_BYTES {
                return Err(unavailable(format!("larger than {} MiB", MAX_ORIGIN_BYTES >> 20)));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map(Some).map_err(|e| unavailable(format!("not a manifest: {e}")))
    }
}
