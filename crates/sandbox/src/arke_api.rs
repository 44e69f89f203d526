//! The Arke API stand-in over a catalog folder, held in memory, with fault injection:
//! - `GET /entities/{pi}`: a manifest; `GET /ipfs/{cid}`: a component's bytes;
//! - `GET /arke`: the origin block (PI [`ORIGIN_PI`]), whose children are the catalog's top records;
//! - `GET /entities?limit=&cursor=[&include_metadata=true]`: every entity, by PI, a page at a time
//!   (`{entities: [{pi, tip}], limit, next_cursor}`; with metadata each entry adds
//!   `ver, ts, note, component_count, children_count`), as the Arke IPFS API documents it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use tokio::sync::watch;

use crate::catalog_store::{CatalogStore, ListQuery};

pub use crate::catalog_store::{DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, ORIGIN_PI};

/// Faults the Arke API can be told to produce, keyed by PI or CID, and what it has served.
#[derive(Debug, Default)]
pub struct ArkeFaults {
    latency_us: AtomicU64,
    /// key → (status, remaining answers; `None` = forever)
    errors: Mutex<HashMap<String, (u16, Option<u32>)>>,
    requests: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    /// Requests received so far, by PI (manifests), CID (components), `arke` or `entities` (listing).
    by_key: Mutex<HashMap<String, u64>>,
}

impl ArkeFaults {
    /// Every answer waits this long first.
    pub fn set_latency(&self, latency: Duration) {
        self.latency_us.store(latency.as_micros() as u64, Ordering::SeqCst);
    }
    /// `key` (a PI, a CID, `arke` or `entities`) answers `status` the next `times` times (`None`: always).
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
    /// The most requests that were being answered at the same moment since the last reset.
    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight.load(Ordering::SeqCst)
    }
    /// Starts counting [`ArkeFaults::max_in_flight`] afresh.
    pub fn reset_max_in_flight(&self) {
        self.max_in_flight.store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
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

/// Counts a request as in flight until dropped.
struct InFlight<'a>(&'a ArkeFaults);

impl<'a> InFlight<'a> {
    fn enter(faults: &'a ArkeFaults, key: &str) -> InFlight<'a> {
        faults.requests.fetch_add(1, Ordering::SeqCst);
        *faults.by_key.lock().expect("request table").entry(key.to_owned()).or_default() += 1;
        let now = faults.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        faults.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(faults)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Catalog {
    store: RwLock<CatalogStore>,
    faults: Arc<ArkeFaults>,
}

/// A running Arke API; stopped when dropped.
pub struct ArkeApi {
    /// Base URL of the API (`/entities/…`) and of the gateway (`/ipfs/…`): one server serves both.
    pub url: String,
    pub faults: Arc<ArkeFaults>,
    catalog: Arc<Catalog>,
    _stop: watch::Sender<bool>,
}

fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

enum Route {
    Entity(String),
    Blob(String),
    Origin,
    List(HashMap<String, String>),
}

impl Route {
    fn key(&self) -> &str {
        match self {
            Route::Entity(key) | Route::Blob(key) => key,
            Route::Origin => "arke",
            Route::List(_) => "entities",
        }
    }
}

async fn answer(catalog: &Catalog, route: Route) -> Response {
    let _in_flight = InFlight::enter(&catalog.faults, route.key());
    let latency = catalog.faults.latency_us.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_micros(latency)).await;
    }
    if let Some(status) = catalog.faults.injected(route.key()) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return json_error(status, &format!("injected {status}"));
    }
    let store = catalog.store.read().expect("catalog lock");
    let found = match &route {
        Route::Entity(pi) => store.manifest(pi).map(|body| (body, "application/json")),
        Route::Blob(cid) => store.blob(cid).map(|body| (body, "application/octet-stream")),
        Route::Origin => store.manifest(store.origin()).map(|body| (body, "application/json")),
        Route::List(params) => {
            return match ListQuery::parse(params) {
                Ok(query) => ([(header::CONTENT_TYPE, "application/json")], store.list(&query)).into_response(),
                Err(problem) => json_error(StatusCode::BAD_REQUEST, &problem),
            };
        }
    };
    match found {
        Some((body, kind)) => ([(header::CONTENT_TYPE, kind)], body).into_response(),
        None => json_error(StatusCode::NOT_FOUND, "not found"),
    }
}

impl ArkeApi {
    /// Serves the catalog in `dir` (see [`crate::catalog`] for the layout) on 127.0.0.1 with a free port.
    pub async fn start(dir: &Path) -> std::io::Result<ArkeApi> {
        type Shared = State<Arc<Catalog>>;
        let faults = Arc::new(ArkeFaults::default());
        let catalog = Arc::new(Catalog { store: RwLock::new(CatalogStore::load(dir)?), faults: faults.clone() });
        let app = Router::new()
            .route("/arke", get(|State(c): Shared| async move { answer(&c, Route::Origin).await }))
            .route(
                "/entities",
                get(|State(c): Shared, Query(q): Query<HashMap<String, String>>| async move {
                    answer(&c, Route::List(q)).await
                }),
            )
            .route(
                "/entities/{pi}",
                get(
                    |State(c): Shared, UrlPath(pi): UrlPath<String>| async move { answer(&c, Route::Entity(pi)).await },
                ),
            )
            .route(
                "/ipfs/{cid}",
                get(
                    |State(c): Shared, UrlPath(cid): UrlPath<String>| async move { answer(&c, Route::Blob(cid)).await },
                ),
            )
            .with_state(catalog.clone());
        let (url, stop_tx) = crate::serve::serve(app).await?;
        Ok(ArkeApi { url, faults, catalog, _stop: stop_tx })
    }

    /// The origin block's PI (`GET /arke`).
    pub fn origin(&self) -> String {
        self.catalog.store.read().expect("catalog lock").origin().to_owned()
    }

    /// Adds a collection of `children` items (deterministic for `seed`) under the origin block, in memory;
    /// returns its PI. The origin block gets a new version listing it.
    pub fn add_wide_collection(&self, children: usize, seed: u64) -> String {
        let mut store = self.catalog.store.write().expect("catalog lock");
        let wide = crate::wide::generate(children, seed, Some(store.origin()));
        let pi = wide.pi.clone();
        store.add_top_level(wide);
        pi
    }

    /// Adds (or replaces) one manifest and its components' bytes, in memory: for tests that need a record
    /// the generated catalog does not have.
    pub fn put_entity(&self, pi: &str, manifest: &serde_json::Value, blobs: Vec<(String, Bytes)>) {
        let mut store = self.catalog.store.write().expect("catalog lock");
        store.put(pi, Bytes::from(manifest.to_string()), blobs);
    }
}
