//! The Arke API stand-in: `GET /entities/{pi}` and `GET /ipfs/{cid}` over a catalog folder,
//! held in memory, with fault injection.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use tokio::sync::watch;

/// Faults the Arke API can be told to produce, keyed by PI or CID.
#[derive(Debug, Default)]
pub struct ArkeFaults {
    latency_us: AtomicU64,
    /// key → (status, remaining answers; `None` = forever)
    errors: Mutex<HashMap<String, (u16, Option<u32>)>>,
    requests: AtomicU64,
    /// Requests received so far, by PI (manifests) or CID (components).
    by_key: Mutex<HashMap<String, u64>>,
}

impl ArkeFaults {
    /// Every answer waits this long first.
    pub fn set_latency(&self, latency: Duration) {
        self.latency_us.store(latency.as_micros() as u64, Ordering::SeqCst);
    }
    /// `key` (a PI or CID) answers `status` the next `times` times (`None`: always).
    pub fn fail(&self, key: &str, status: u16, times: Option<u32>) {
        self.errors.lock().expect("fault table").insert(key.to_owned(), (status, times));
    }
    pub fn clear(&self) {
        self.errors.lock().expect("fault table").clear();
        self.set_latency(Duration::ZERO);
    }
    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
    /// Requests received so far for `key` (a PI's manifest or a CID's content).
    pub fn requests_for(&self, key: &str) -> u64 {
        self.by_key.lock().expect("request table").get(key).copied().unwrap_or(0)
    }
    /// Requests received so far, by key (PI or CID).
    pub fn requests_by_key(&self) -> HashMap<String, u64> {
        self.by_key.lock().expect("request table").clone()
    }
    fn injected(&self, key: &str) -> Option<u16> {
        let mut errors = self.errors.lock().expect("fault table");
        let (status, remaining) = errors.get_mut(key)?;
        let status = *status;
        match remaining {
            None => Some(status),
            Some(0) => None,
            Some(n) => {
                *n -= 1;
                Some(status)
            }
        }
    }
}

struct Catalog {
    entities: HashMap<String, Bytes>,
    blobs: HashMap<String, Bytes>,
    faults: Arc<ArkeFaults>,
}

fn load(dir: &Path, suffix: &str) -> std::io::Result<HashMap<String, Bytes>> {
    let mut map = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(map) };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(key) = name.strip_suffix(suffix) {
            map.insert(key.to_owned(), Bytes::from(std::fs::read(entry.path())?));
        }
    }
    Ok(map)
}

/// A running Arke API; stopped when dropped.
pub struct ArkeApi {
    /// Base URL of the API (`/entities/…`) and of the gateway (`/ipfs/…`): one server serves both.
    pub url: String,
    pub faults: Arc<ArkeFaults>,
    _stop: watch::Sender<bool>,
}

async fn answer(catalog: &Catalog, key: &str, from_blobs: bool) -> Response {
    catalog.faults.requests.fetch_add(1, Ordering::Relaxed);
    *catalog.faults.by_key.lock().expect("request table").entry(key.to_owned()).or_default() += 1;
    let latency = catalog.faults.latency_us.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_micros(latency)).await;
    }
    if let Some(status) = catalog.faults.injected(key) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, [(header::CONTENT_TYPE, "application/json")], format!("{{\"error\":\"injected {status}\"}}"))
            .into_response();
    }
    let (map, kind) =
        if from_blobs { (&catalog.blobs, "application/octet-stream") } else { (&catalog.entities, "application/json") };
    match map.get(key) {
        Some(body) => ([(header::CONTENT_TYPE, kind)], body.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "application/json")], "{\"error\":\"not found\"}")
            .into_response(),
    }
}

impl ArkeApi {
    /// Serves the catalog in `dir` (see [`crate::catalog`] for the layout) on 127.0.0.1 with a free port.
    pub async fn start(dir: &Path) -> std::io::Result<ArkeApi> {
        let faults = Arc::new(ArkeFaults::default());
        let catalog = Arc::new(Catalog {
            entities: load(&dir.join("entities"), ".json")?,
            blobs: load(&dir.join("ipfs"), "")?,
            faults: faults.clone(),
        });
        let app = Router::new()
            .route(
                "/entities/{pi}",
                get(|State(c): State<Arc<Catalog>>, UrlPath(pi): UrlPath<String>| async move {
                    answer(&c, &pi, false).await
                }),
            )
            .route(
                "/ipfs/{cid}",
                get(|State(c): State<Arc<Catalog>>, UrlPath(cid): UrlPath<String>| async move {
                    answer(&c, &cid, true).await
                }),
            )
            .with_state(catalog);
        let (url, stop_tx) = crate::serve::serve(app).await?;
        Ok(ArkeApi { url, faults, _stop: stop_tx })
    }
}
