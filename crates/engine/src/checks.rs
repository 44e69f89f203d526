//! "Test connection" for Fly and R2, with precise results.

use arke_export_contract::storage::StorageConfig;
use serde::Serialize;
use ts_rs::TS;

use crate::config::Config;
use crate::fly::FlyClient;
use crate::r2::R2Store;
use crate::secrets::{SecretKind, Secrets};
use crate::worker_secret::WORKER_SECRET;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckResult {
    pub ok: bool,
    pub message: String,
}

fn fail(message: impl Into<String>) -> CheckResult {
    CheckResult { ok: false, message: message.into() }
}

/// Lists the app's machines: proves the URL, the token and the app name; then says whether the app
/// holds the machines' R2 secret.
pub async fn check_fly(config: &Config, secrets: &Secrets) -> CheckResult {
    let Some(app) = &config.fly_app else { return fail("Set the Fly app name first.") };
    let token = match secrets.get(SecretKind::FlyToken, SecretKind::FlyToken.endpoint(config)) {
        Ok(Some(t)) => t,
        Ok(None) => return fail("Set the Fly API token (for this Fly API URL) first."),
        Err(e) => return fail(e.to_string()),
    };
    let client = FlyClient::new(&config.fly_api_url, app, token);
    let machines = match client.list().await {
        Ok(machines) => machines.len(),
        Err(e) => return fail(e.to_string()),
    };
    let secret = match client.has_secret(WORKER_SECRET).await {
        Ok(true) => format!("It has the app secret {WORKER_SECRET}: machine configs carry no secret."),
        Ok(false) => format!(
            "It has no app secret {WORKER_SECRET}: machines get the desktop's R2 secret in their config (the old \
             way); store the machines' own R2 secret on Fly."
        ),
        Err(e) => format!("Its secrets could not be listed: {e}."),
    };
    CheckResult { ok: true, message: format!("Fly app {app:?} answered: {machines} machine(s) exist now. {secret}") }
}

/// Lists one key of the bucket: proves the endpoint, the credentials and the bucket name.
pub async fn check_r2(config: &Config, secrets: &Secrets) -> CheckResult {
    let Some(endpoint) = &config.r2_endpoint else { return fail("Set the R2 endpoint or account ID first.") };
    let Some(key_id) = &config.r2_access_key_id else { return fail("Set the R2 access key ID first.") };
    let secret = match secrets.get(SecretKind::R2Secret, Some(endpoint)) {
        Ok(Some(s)) => s,
        Ok(None) => return fail("Set the R2 secret access key (for this endpoint) first."),
        Err(e) => return fail(e.to_string()),
    };
    let storage = StorageConfig {
        endpoint: endpoint.clone(),
        bucket: config.r2_bucket.clone(),
        access_key_id: key_id.clone(),
        secret_access_key: secret,
    };
    match R2Store::new(&storage).check().await {
        Ok(()) => CheckResult {
            ok: true,
            message: format!("Bucket {:?} at {endpoint} is reachable and the credentials work.", config.r2_bucket),
        },
        Err(e) => fail(e.to_string()),
    }
}
