//! App secrets of the Fly stand-in: `GET /v1/apps/{app}/secrets` (names and digests, never values),
//! `GET|POST|DELETE /v1/apps/{app}/secrets/{name}`. As on Fly, every app secret is put into the
//! environment of every machine process of the app (over the machine config's `env` of the same name).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use arke_fly_api::secrets::{
    AppSecret, AppSecrets, DeleteAppSecretResponse, SetAppSecretRequest, SetAppSecretResponse, valid_secret_name,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::ids::{now_ms, rfc3339};
use super::machines::{Fleet, Lookup};
use super::{Shared, error, not_found};

struct Stored {
    value: String,
    digest: String,
    created_at: String,
    updated_at: String,
}

/// Every app's secrets, and the secrets version (raised by each change, as on Fly).
#[derive(Default)]
pub struct SecretStore {
    apps: Mutex<HashMap<String, BTreeMap<String, Stored>>>,
    version: AtomicU64,
}

impl SecretStore {
    fn public(name: &str, s: &Stored) -> AppSecret {
        AppSecret {
            name: name.to_owned(),
            digest: s.digest.clone(),
            created_at: s.created_at.clone(),
            updated_at: s.updated_at.clone(),
        }
    }
}

impl Fleet {
    /// Sets (or replaces) an app secret. `None` when there is no such app.
    pub fn set_secret(&self, app: &str, name: &str, value: &str) -> Option<SetAppSecretResponse> {
        if !self.has_app(app) {
            return None;
        }
        let now = rfc3339(now_ms());
        let digest = hex::encode(&Sha256::digest(value.as_bytes())[..8]);
        let mut apps = self.secrets.apps.lock().expect("secrets");
        let secrets = apps.entry(app.to_owned()).or_default();
        let created_at = secrets.get(name).map_or_else(|| now.clone(), |s| s.created_at.clone());
        let stored = Stored { value: value.to_owned(), digest, created_at, updated_at: now };
        let public = SecretStore::public(name, &stored);
        secrets.insert(name.to_owned(), stored);
        let version = self.secrets.version.fetch_add(1, Ordering::SeqCst) + 1;
        Some(SetAppSecretResponse {
            name: public.name,
            digest: public.digest,
            created_at: public.created_at,
            updated_at: public.updated_at,
            version,
        })
    }

    /// The app's secrets, by name, without their values.
    pub fn secrets(&self, app: &str) -> Option<Vec<AppSecret>> {
        if !self.has_app(app) {
            return None;
        }
        let apps = self.secrets.apps.lock().expect("secrets");
        Some(apps.get(app).map(|s| s.iter().map(|(n, s)| SecretStore::public(n, s)).collect()).unwrap_or_default())
    }

    /// Deletes an app secret: the new secrets version.
    pub fn delete_secret(&self, app: &str, name: &str) -> Lookup<u64> {
        if !self.has_app(app) {
            return Lookup::NoApp;
        }
        let removed = self.secrets.apps.lock().expect("secrets").get_mut(app).and_then(|s| s.remove(name));
        match removed {
            Some(_) => Lookup::Found(self.secrets.version.fetch_add(1, Ordering::SeqCst) + 1),
            None => Lookup::NoMachine,
        }
    }

    /// The environment every machine of `app` gets from the app's secrets.
    pub(super) fn secret_env(&self, app: &str) -> BTreeMap<String, String> {
        let apps = self.secrets.apps.lock().expect("secrets");
        apps.get(app).map(|s| s.iter().map(|(n, s)| (n.clone(), s.value.clone())).collect()).unwrap_or_default()
    }
}

fn no_secret(name: &str) -> Response {
    error(StatusCode::NOT_FOUND, format!("secret {name:?} not found"))
}

pub(super) async fn list(State(s): State<Arc<Shared>>, Path(app): Path<String>) -> Response {
    match s.fleet.secrets(&app) {
        Some(secrets) => axum::Json(AppSecrets { secrets }).into_response(),
        None => not_found(true),
    }
}

pub(super) async fn show(State(s): State<Arc<Shared>>, Path((app, name)): Path<(String, String)>) -> Response {
    match s.fleet.secrets(&app) {
        Some(secrets) => match secrets.into_iter().find(|x| x.name == name) {
            Some(secret) => axum::Json(secret).into_response(),
            None => no_secret(&name),
        },
        None => not_found(true),
    }
}

pub(super) async fn set(
    State(s): State<Arc<Shared>>,
    Path((app, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !valid_secret_name(&name) {
        return error(StatusCode::BAD_REQUEST, format!("invalid secret name {name:?}: use A-Z, 0-9 and _"));
    }
    let request: SetAppSecretRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid request body: {e}")),
    };
    if request.value.is_empty() {
        return error(StatusCode::BAD_REQUEST, "value is required");
    }
    match s.fleet.set_secret(&app, &name, &request.value) {
        Some(set) => (StatusCode::CREATED, axum::Json(set)).into_response(),
        None => not_found(true),
    }
}

pub(super) async fn delete(State(s): State<Arc<Shared>>, Path((app, name)): Path<(String, String)>) -> Response {
    match s.fleet.delete_secret(&app, &name) {
        Lookup::Found(version) => axum::Json(DeleteAppSecretResponse { version }).into_response(),
        Lookup::NoApp => not_found(true),
        Lookup::NoMachine => no_secret(&name),
    }
}
