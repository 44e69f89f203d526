//! The Fly Machines API stand-in: Fly's routes, auth, errors and rate limits, with machines
//! that run as local child processes. Sandbox-only extras live under `/sandbox/`.

pub mod faults;
pub mod ids;
pub mod machines;
mod process;
pub mod secrets;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use arke_fly_api::{CreateMachineRequest, ErrorResponse, state};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tokio::sync::watch;

use arke_fly_api::limits::Action;
pub use faults::{FaultRequest, MachineFault};
pub use machines::{Fleet, Images, Lookup};

struct Shared {
    fleet: Arc<Fleet>,
    token: String,
}

type AppState = Arc<Shared>;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(ErrorResponse { error: message.into() })).into_response()
}

fn not_found(lookup_app: bool) -> Response {
    if lookup_app {
        error(StatusCode::NOT_FOUND, "app not found")
    } else {
        error(StatusCode::NOT_FOUND, "machine not found")
    }
}

async fn auth(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == s.token);
    if ok {
        next.run(req).await
    } else {
        error(StatusCode::UNAUTHORIZED, "unauthorized: missing or invalid bearer token")
    }
}

fn limited(s: &Shared, app: &str, action: Action) -> Option<Response> {
    if !s.fleet.limits_on.load(Ordering::SeqCst) {
        return None;
    }
    let wait = s.fleet.limits.check(app, action).err()?;
    let mut resp = error(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded");
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
    Some(resp)
}

async fn create(State(s): State<AppState>, Path(app): Path<String>, body: Bytes) -> Response {
    if !s.fleet.has_app(&app) {
        return not_found(true);
    }
    if let Some(r) = limited(&s, &app, Action::Create) {
        return r;
    }
    if let Some(status) = s.fleet.take_create_failure() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return error(status, format!("injected failure: {status}"));
    }
    let req: CreateMachineRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid request body: {e}")),
    };
    s.fleet.log_create(serde_json::from_slice(&body).unwrap_or_default());
    if req.config.image.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "config.image is required");
    }
    if let Some(name) = req.name.as_deref().filter(|n| !n.is_empty())
        && s.fleet.list(&app, false, None).iter().any(|m| m.name == name)
    {
        return error(StatusCode::CONFLICT, format!("a machine named {name:?} already exists"));
    }
    axum::Json(s.fleet.create(&app, req)).into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    include_deleted: Option<bool>,
    region: Option<String>,
}

async fn list(State(s): State<AppState>, Path(app): Path<String>, Query(q): Query<ListQuery>) -> Response {
    if !s.fleet.has_app(&app) {
        return not_found(true);
    }
    if let Some(r) = limited(&s, &app, Action::Get) {
        return r;
    }
    if let Some(status) = s.fleet.take_list_failure() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut resp = error(status, format!("injected failure: {status}"));
        if status == StatusCode::TOO_MANY_REQUESTS {
            resp.headers_mut().insert(header::RETRY_AFTER, 1.into());
        }
        return resp;
    }
    axum::Json(s.fleet.list(&app, q.include_deleted.unwrap_or(false), q.region.as_deref())).into_response()
}

async fn show(State(s): State<AppState>, Path((app, id)): Path<(String, String)>) -> Response {
    if let Some(r) = limited(&s, &app, Action::Get).filter(|_| s.fleet.has_app(&app)) {
        return r;
    }
    match s.fleet.get(&app, &id) {
        Lookup::Found(m) => axum::Json(m).into_response(),
        Lookup::NoApp => not_found(true),
        Lookup::NoMachine => not_found(false),
    }
}

async fn events(State(s): State<AppState>, Path((app, id)): Path<(String, String)>) -> Response {
    if let Some(r) = limited(&s, &app, Action::Get).filter(|_| s.fleet.has_app(&app)) {
        return r;
    }
    match s.fleet.get(&app, &id) {
        Lookup::Found(m) => axum::Json(m.events).into_response(),
        Lookup::NoApp => not_found(true),
        Lookup::NoMachine => not_found(false),
    }
}

#[derive(Deserialize)]
struct WaitQuery {
    state: Option<String>,
    timeout: Option<u64>,
    instance_id: Option<String>,
}

async fn wait(
    State(s): State<AppState>,
    Path((app, id)): Path<(String, String)>,
    Query(q): Query<WaitQuery>,
) -> Response {
    let want = q.state.unwrap_or_else(|| state::STARTED.to_owned());
    if ![state::STARTED, state::STOPPED, state::DESTROYED].contains(&want.as_str()) {
        return error(StatusCode::BAD_REQUEST, format!("invalid state {want:?}: use started, stopped or destroyed"));
    }
    if want == state::STOPPED && q.instance_id.as_deref().is_none_or(str::is_empty) {
        return error(StatusCode::BAD_REQUEST, "instance_id is required when waiting for the stopped state");
    }
    if let Some(r) = limited(&s, &app, Action::Get).filter(|_| s.fleet.has_app(&app)) {
        return r;
    }
    let (mut rx, _instance) = match s.fleet.watch_state(&app, &id) {
        Lookup::Found(w) => w,
        Lookup::NoApp => return not_found(true),
        Lookup::NoMachine => return not_found(false),
    };
    let timeout = Duration::from_secs(q.timeout.unwrap_or(60).clamp(1, 60));
    // A destroyed machine has also stopped.
    let reached = |st: &str| st == want || (want == state::STOPPED && st == state::DESTROYED);
    let outcome = tokio::time::timeout(timeout, async {
        loop {
            if reached(rx.borrow_and_update().as_str()) {
                return true;
            }
            if rx.changed().await.is_err() {
                return false;
            }
        }
    })
    .await;
    match outcome {
        Ok(true) => axum::Json(serde_json::json!({"ok": true, "state": want})).into_response(),
        Ok(false) => not_found(false),
        Err(_) => {
            error(StatusCode::REQUEST_TIMEOUT, format!("deadline_exceeded: machine did not reach {want} in time"))
        }
    }
}

async fn stop(State(s): State<AppState>, Path((app, id)): Path<(String, String)>) -> Response {
    match s.fleet.stop(&app, &id) {
        Lookup::Found(_) => axum::Json(serde_json::json!({"ok": true})).into_response(),
        Lookup::NoApp => not_found(true),
        Lookup::NoMachine => not_found(false),
    }
}

#[derive(Deserialize)]
struct DeleteQuery {
    force: Option<bool>,
}

async fn destroy(
    State(s): State<AppState>,
    Path((app, id)): Path<(String, String)>,
    Query(q): Query<DeleteQuery>,
) -> Response {
    match s.fleet.destroy(&app, &id, q.force.unwrap_or(false)) {
        Lookup::Found(true) => axum::Json(serde_json::json!({"ok": true})).into_response(),
        Lookup::Found(false) => error(
            StatusCode::PRECONDITION_FAILED,
            "failed_precondition: machine still active, refusing to destroy (use force=true)",
        ),
        Lookup::NoApp => not_found(true),
        Lookup::NoMachine => not_found(false),
    }
}

async fn logs(State(s): State<AppState>, Path((app, id)): Path<(String, String)>) -> Response {
    match s.fleet.logs(&app, &id) {
        Lookup::Found(text) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        Lookup::NoApp => not_found(true),
        Lookup::NoMachine => not_found(false),
    }
}

async fn faults(State(s): State<AppState>, axum::Json(req): axum::Json<FaultRequest>) -> Response {
    apply_faults(&s.fleet, req);
    axum::Json(serde_json::json!({"ok": true})).into_response()
}

/// Applies a fault request (the admin endpoint and the Rust API share this).
pub fn apply_faults(fleet: &Fleet, req: FaultRequest) {
    if let Some(f) = req.fail_creates {
        *fleet.fail_creates.lock().expect("faults") = (f.count, f.status);
    }
    if let Some(f) = req.fail_lists {
        *fleet.fail_lists.lock().expect("faults") = (f.count, f.status);
    }
    if let Some(m) = req.machine {
        fleet.inject(m.name, m.fault);
    }
    if let Some(on) = req.rate_limits {
        fleet.limits_on.store(on, Ordering::SeqCst);
    }
}

/// Settings of a Fly stand-in. `Debug` hides the token.
#[derive(Clone)]
pub struct FlyOptions {
    pub apps: Vec<String>,
    pub token: String,
    pub region: String,
    pub images: Images,
    pub rate_limits: bool,
}

impl std::fmt::Debug for FlyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlyOptions")
            .field("apps", &self.apps)
            .field("token", &arke_fly_api::secrets::REDACTED)
            .field("region", &self.region)
            .field("images", &self.images)
            .field("rate_limits", &self.rate_limits)
            .finish()
    }
}

/// A running Fly Machines API stand-in; its machines are killed when it is dropped.
pub struct FlyApi {
    /// The API base, as `https://api.machines.dev` is for Fly (paths start with `/v1/`).
    pub url: String,
    pub token: String,
    pub fleet: Arc<Fleet>,
    _stop: watch::Sender<bool>,
}

impl FlyApi {
    pub async fn start(options: FlyOptions) -> std::io::Result<FlyApi> {
        let fleet = Arc::new(Fleet::new(options.apps, options.region, options.images));
        fleet.limits_on.store(options.rate_limits, Ordering::SeqCst);
        let shared = Arc::new(Shared { fleet: fleet.clone(), token: options.token.clone() });
        let fly = Router::new()
            .route("/v1/apps/{app}/machines", get(list).post(create))
            .route("/v1/apps/{app}/machines/{id}", get(show).delete(destroy))
            .route("/v1/apps/{app}/machines/{id}/wait", get(wait))
            .route("/v1/apps/{app}/machines/{id}/stop", post(stop))
            .route("/v1/apps/{app}/machines/{id}/events", get(events))
            .route("/v1/apps/{app}/secrets", get(secrets::list))
            .route("/v1/apps/{app}/secrets/{name}", get(secrets::show).post(secrets::set).delete(secrets::delete))
            .route("/sandbox/apps/{app}/machines/{id}/logs", get(logs))
            .route("/sandbox/faults", post(faults))
            .route_layer(middleware::from_fn_with_state(shared.clone(), auth))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
            .with_state(shared);
        let (url, stop_tx) = crate::serve::serve(fly).await?;
        Ok(FlyApi { url, token: options.token, fleet, _stop: stop_tx })
    }

    /// Stops every machine and waits until their processes have exited.
    pub async fn shutdown(&self) {
        self.fleet.shutdown().await;
    }
}

impl Drop for FlyApi {
    fn drop(&mut self) {
        self.fleet.abort_all();
    }
}
