//! Wire types of the Fly Machines API (the subset Arke Export uses), following Fly's OpenAPI
//! spec (`tests/specs/fly-machines-openapi.yaml`). The engine's client sends and reads them;
//! the sandbox's stand-in reads and sends them. Unknown fields are ignored, absent ones omitted.

pub mod events;
pub mod limits;
pub mod secrets;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use events::{ExitEvent, MachineEvent};

/// `api.MachineGuest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
}

/// `api.MachineRestart`: `policy` is `no`, `always` or `on-failure`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
}

/// `api.MachineConfig` (the fields Arke Export sets). `Debug` hides the values of secret-looking
/// `env` keys ([`secrets::looks_secret`]).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineConfig {
    #[serde(default)]
    pub image: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<Guest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_destroy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<Restart>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl std::fmt::Debug for MachineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: BTreeMap<&str, &str> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), if secrets::looks_secret(k) { secrets::REDACTED } else { v.as_str() }))
            .collect();
        f.debug_struct("MachineConfig")
            .field("image", &self.image)
            .field("env", &env)
            .field("guest", &self.guest)
            .field("auto_destroy", &self.auto_destroy)
            .field("restart", &self.restart)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// `CreateMachineRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateMachineRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub config: MachineConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_launch: Option<bool>,
}

/// `ImageRef`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    #[serde(default)]
    pub registry: String,
    #[serde(default)]
    pub repository: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub digest: String,
}

/// `Machine`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub instance_id: String,
    #[serde(default)]
    pub private_ip: String,
    #[serde(default)]
    pub config: MachineConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<ImageRef>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    /// Newest first.
    #[serde(default)]
    pub events: Vec<MachineEvent>,
}

impl Machine {
    /// The exit code from the newest `exit` event, if the machine has exited.
    pub fn exit_code(&self) -> Option<i32> {
        self.events.iter().find(|e| e.kind == "exit").and_then(MachineEvent::exit_event).map(|e| e.exit_code)
    }
}

/// `ErrorResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    #[serde(default)]
    pub error: String,
}

/// `StopRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

/// Machine states, as Fly names them.
pub mod state {
    pub const CREATED: &str = "created";
    pub const STARTING: &str = "starting";
    pub const STARTED: &str = "started";
    pub const STOPPING: &str = "stopping";
    pub const STOPPED: &str = "stopped";
    pub const DESTROYING: &str = "destroying";
    pub const DESTROYED: &str = "destroyed";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_exit_code_from_the_newest_exit_event() {
        let m: Machine = serde_json::from_value(serde_json::json!({
            "id": "3d8d9e1b2c4f60", "state": "stopped",
            "events": [
                {"type": "exit", "status": "stopped", "timestamp": 2,
                 "request": {"exit_event": {"exit_code": 1, "oom_killed": false, "requested_stop": false}}},
                {"type": "start", "status": "started", "timestamp": 1}
            ],
            "config": {"image": "x", "unknown_field": true}
        }))
        .unwrap();
        assert_eq!(m.exit_code(), Some(1));
    }

    #[test]
    fn debug_hides_secret_looking_env_values() {
        let mut config = MachineConfig { image: "img:1".into(), ..MachineConfig::default() };
        for (k, v) in [
            ("R2_SECRET_ACCESS_KEY", "hunter2-r2"),
            ("FLY_API_TOKEN", "hunter2-fly"),
            ("DB_PASSWORD", "hunter2-db"),
            ("R2_ACCESS_KEY_ID", "AKID-shown"),
            ("TASK_ID", "t-shown"),
        ] {
            config.env.insert(k.into(), v.into());
        }
        let request = CreateMachineRequest { config, ..CreateMachineRequest::default() };
        let text = format!("{request:?} {request:#?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("AKID-shown") && text.contains("t-shown") && text.contains("[redacted]"), "{text}");
    }
}
