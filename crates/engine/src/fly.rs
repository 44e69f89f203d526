//! The Fly Machines API client: paced at Fly's published limits, retried on 429 (honouring
//! `Retry-After`) and 5xx with backoff, and never creating the same machine twice.

use crate::error::ErrorCode;
use std::time::Duration;

use arke_fly_api::limits::{Action, RateLimits};
use arke_fly_api::secrets::{AppSecret, AppSecrets, SetAppSecretResponse};
use arke_fly_api::{CreateMachineRequest, ErrorResponse, Machine, MachineEvent};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::secrets::Secret;

/// What went wrong talking to Fly, with a hint a person can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FlyError {
    #[error("Fly rejected the API token ({0})")]
    Unauthorized(String),
    #[error("Fly app {0:?} not found")]
    AppNotFound(String),
    #[error("machine {0} not found (it may have been destroyed)")]
    MachineNotFound(String),
    #[error("Fly is rate-limiting us; retried and gave up: {0}")]
    RateLimited(String),
    #[error("Fly answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("could not reach Fly at {url}: {reason}")]
    Network { url: String, reason: String },
    #[error("Fly sent an answer we cannot read: {0}")]
    BadResponse(String),
}

impl FlyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            FlyError::Unauthorized(_) => ErrorCode::FlyUnauthorized,
            FlyError::AppNotFound(_) => ErrorCode::FlyAppNotFound,
            FlyError::MachineNotFound(_) => ErrorCode::FlyMachineNotFound,
            FlyError::RateLimited(_) => ErrorCode::FlyRateLimited,
            FlyError::Status { .. } => ErrorCode::FlyError,
            FlyError::Network { .. } => ErrorCode::FlyUnreachable,
            FlyError::BadResponse(_) => ErrorCode::FlyBadResponse,
        }
    }

    /// Worth another try later (the tracker keeps the job where it is).
    pub fn is_transient(&self) -> bool {
        matches!(self, FlyError::RateLimited(_) | FlyError::Network { .. })
            || matches!(self, FlyError::Status { status, .. } if *status >= 500)
    }
}

/// The most bytes of an answer read (a machine list of an app with many machines fits).
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// The most bytes of a machine's events read (Fly keeps a short history per machine).
pub const MAX_EVENTS_BYTES: usize = 256 * 1024;

/// The most bytes of an error answer read.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The body of an answer, refused once it is longer than `limit` bytes.
async fn read_bounded(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, FlyError> {
    let too_long = || FlyError::BadResponse(format!("the answer is longer than {limit} bytes"));
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_long());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| FlyError::BadResponse(e.to_string()))? {
        if body.len() + chunk.len() > limit {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Attempts per call, the first included.
pub const ATTEMPTS: u32 = 4;

/// The retry table: what to do after attempt `attempt` failed with `status` (None: no answer).
pub fn retry_delay(status: Option<u16>, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
    if attempt >= ATTEMPTS {
        return None;
    }
    match status {
        Some(429) => Some(retry_after.unwrap_or(Duration::from_secs(1)).min(Duration::from_secs(30))),
        Some(s) if s >= 500 => Some(Duration::from_millis(250 * 2u64.pow(attempt))),
        None => Some(Duration::from_millis(250 * 2u64.pow(attempt))),
        Some(_) => None,
    }
}

/// A client for one Fly app.
#[derive(Clone)]
pub struct FlyClient {
    http: reqwest::Client,
    base: String,
    app: String,
    token: Secret,
    limits: std::sync::Arc<RateLimits>,
}

impl FlyClient {
    pub fn new(base: &str, app: &str, token: Secret) -> FlyClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(75))
            .user_agent(concat!("arke-export/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("valid HTTP client settings");
        FlyClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            app: app.to_owned(),
            token,
            limits: std::sync::Arc::default(),
        }
    }

    pub fn app(&self) -> &str {
        &self.app
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/apps/{}{path}", self.base, self.app)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        action: Action,
        body: Option<&serde_json::Value>,
    ) -> Result<T, FlyError> {
        self.call_bounded(method, path, action, body, MAX_ANSWER_BYTES).await
    }

    /// [`FlyClient::call`] reading at most `limit` bytes of the answer (a longer one is `BadResponse`).
    async fn call_bounded<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        action: Action,
        body: Option<&serde_json::Value>,
        limit: usize,
    ) -> Result<T, FlyError> {
        let url = self.url(path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.limits.acquire(&self.app, action).await;
            let mut req = self.http.request(method.clone(), &url).bearer_auth(self.token.expose());
            if let Some(body) = body {
                req = req.json(body);
            }
            let (status, error, retry_after) = match req.send().await {
                Ok(resp) if resp.status().is_success() => {
                    let bytes = read_bounded(resp, limit).await?;
                    let bytes: &[u8] = if bytes.trim_ascii().is_empty() { b"null" } else { &bytes };
                    return serde_json::from_slice(bytes).map_err(|e| FlyError::BadResponse(e.to_string()));
                }
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let message = read_bounded(resp, MAX_ERROR_BYTES)
                        .await
                        .ok()
                        .and_then(|body| serde_json::from_slice::<ErrorResponse>(&body).ok())
                        .map_or_else(|| status.canonical_reason().unwrap_or("").to_owned(), |e| e.error);
                    let error = match status {
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => FlyError::Unauthorized(message),
                        StatusCode::NOT_FOUND if message.contains("app") => FlyError::AppNotFound(self.app.clone()),
                        StatusCode::NOT_FOUND => FlyError::MachineNotFound(path.to_owned()),
                        StatusCode::TOO_MANY_REQUESTS => FlyError::RateLimited(message),
                        s => FlyError::Status { status: s.as_u16(), message },
                    };
                    (Some(status.as_u16()), error, retry_after)
                }
                Err(e) => (None, FlyError::Network { url: self.base.clone(), reason: e.to_string() }, None),
            };
            match retry_delay(status, attempt, retry_after) {
                Some(wait) => {
                    tracing::debug!(%url, ?status, attempt, ?wait, "retrying a Fly call");
                    tokio::time::sleep(wait).await;
                    // A create that may have reached Fly is looked up before it is sent again.
                    if method == Method::POST
                        && path == "/machines"
                        && status != Some(429)
                        && let Some(name) = body.and_then(|b| b.get("name")).and_then(|n| n.as_str())
                        && let Some(existing) = Box::pin(self.find_by_name(name)).await?
                    {
                        return serde_json::from_value(serde_json::to_value(existing).expect("machine serialises"))
                            .map_err(|e| FlyError::BadResponse(e.to_string()));
                    }
                }
                None => return Err(error),
            }
        }
    }

    /// Creates a machine; if one with the request's name exists already, returns it instead.
    pub async fn create(&self, request: &CreateMachineRequest) -> Result<Machine, FlyError> {
        if let Some(name) = request.name.as_deref()
            && let Some(existing) = self.find_by_name(name).await?
        {
            return Ok(existing);
        }
        let body = serde_json::to_value(request).expect("request serialises");
        match self.call(Method::POST, "/machines", Action::Create, Some(&body)).await {
            // Another process created it between our look-up and our create: use that one.
            Err(FlyError::Status { status: 409, .. }) if request.name.is_some() => {
                let name = request.name.as_deref().unwrap_or_default();
                self.find_by_name(name).await?.ok_or_else(|| FlyError::Status {
                    status: 409,
                    message: format!("a machine named {name:?} exists but cannot be found"),
                })
            }
            other => other,
        }
    }

    pub async fn get(&self, id: &str) -> Result<Machine, FlyError> {
        self.call(Method::GET, &format!("/machines/{id}"), Action::Get, None).await
    }

    /// A machine's events, newest first (`GET /machines/{id}/events`; at most [`MAX_EVENTS_BYTES`] read).
    pub async fn events(&self, id: &str) -> Result<Vec<MachineEvent>, FlyError> {
        let path = format!("/machines/{id}/events");
        self.call_bounded(Method::GET, &path, Action::Get, None, MAX_EVENTS_BYTES).await
    }

    pub async fn list(&self) -> Result<Vec<Machine>, FlyError> {
        self.call(Method::GET, "/machines", Action::Get, None).await
    }
    async fn find_by_name(&self, name: &str) -> Result<Option<Machine>, FlyError> {
        Ok(self.list().await?.into_iter().find(|m| m.name == name))
    }

    /// The app's secrets: names and digests (Fly never lists values).
    pub async fn secrets(&self) -> Result<Vec<AppSecret>, FlyError> {
        Ok(self.call::<AppSecrets>(Method::GET, "/secrets", Action::Get, None).await?.secrets)
    }

    /// Whether the app has a secret called `name`.
    pub async fn has_secret(&self, name: &str) -> Result<bool, FlyError> {
        Ok(self.secrets().await?.iter().any(|s| s.name == name))
    }

    /// Sets the app secret `name` (Fly puts it into every machine of the app as an environment variable).
    pub async fn set_secret(&self, name: &str, value: &Secret) -> Result<SetAppSecretResponse, FlyError> {
        let body = serde_json::json!({ "value": value.expose() });
        self.call(Method::POST, &format!("/secrets/{name}"), Action::Other, Some(&body)).await
    }

    /// Deletes the app secret `name`; one that does not exist is not an error.
    pub async fn delete_secret(&self, name: &str) -> Result<(), FlyError> {
        match self.call::<serde_json::Value>(Method::DELETE, &format!("/secrets/{name}"), Action::Other, None).await {
            Ok(_) | Err(FlyError::MachineNotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Destroys a machine (forced: it may still run). A machine already gone is not an error.
    pub async fn destroy(&self, id: &str) -> Result<(), FlyError> {
        match self
            .call::<serde_json::Value>(Method::DELETE, &format!("/machines/{id}?force=true"), Action::Other, None)
            .await
        {
            Ok(_) | Err(FlyError::MachineNotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_table() {
        let s = Duration::from_secs;
        assert_eq!(retry_delay(Some(429), 1, Some(s(3))), Some(s(3)), "Retry-After is honoured");
        assert_eq!(retry_delay(Some(429), 1, None), Some(s(1)));
        assert_eq!(retry_delay(Some(429), 1, Some(s(999))), Some(s(30)), "capped");
        assert_eq!(retry_delay(Some(503), 1, None), Some(Duration::from_millis(500)));
        assert_eq!(retry_delay(Some(500), 3, None), Some(s(2)));
        assert_eq!(retry_delay(None, 2, None), Some(s(1)), "network errors are retried");
        assert_eq!(retry_delay(Some(500), ATTEMPTS, None), None, "until the attempts run out");
        for status in [400, 401, 403, 404, 409, 412] {
            assert_eq!(retry_delay(Some(status), 1, None), None, "{status} is final");
        }
    }
}
