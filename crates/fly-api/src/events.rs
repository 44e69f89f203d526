//! Machine events, as `GET /v1/apps/{app}/machines/{id}/events` and a machine's `events` carry them
//! (newest first): `launch` when created, `start` when its process started, `exit` when it stopped
//! (with `request.exit_event`), `destroy`. `timestamp` is Unix time in milliseconds.

use serde::{Deserialize, Serialize};

/// Event types (`MachineEvent.type`) Arke Export reads.
pub mod kind {
    pub const LAUNCH: &str = "launch";
    pub const START: &str = "start";
    pub const EXIT: &str = "exit";
    pub const DESTROY: &str = "destroy";
}

/// `MachineEvent`. `request` carries `exit_event` on `exit` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineEvent {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    /// `user` for what the API was asked to do, `flyd` for what the machine did.
    #[serde(default)]
    pub source: String,
    /// Unix time in milliseconds.
    #[serde(default)]
    pub timestamp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<serde_json::Value>,
}

/// The exit details of an `exit` event (`request.exit_event`). Fly's own client marks every field
/// `omitempty`, so each one may be missing (an exit code of 0 among them): all default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitEvent {
    #[serde(default)]
    pub exit_code: i32,
    #[serde(default)]
    pub guest_exit_code: i32,
    #[serde(default)]
    pub guest_signal: i32,
    #[serde(default)]
    pub signal: i32,
    #[serde(default)]
    pub oom_killed: bool,
    #[serde(default)]
    pub requested_stop: bool,
    #[serde(default)]
    pub restarting: bool,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exited_at: Option<String>,
}

impl ExitEvent {
    /// The `request` of an `exit` event carrying these details.
    pub fn to_request(&self, restart_count: u32) -> serde_json::Value {
        serde_json::json!({ "exit_event": self, "restart_count": restart_count })
    }
}

impl MachineEvent {
    /// The exit details, when this is an `exit` event that has them.
    pub fn exit_event(&self) -> Option<ExitEvent> {
        let v = self.request.as_ref()?.get("exit_event")?;
        serde_json::from_value(v.clone()).ok()
    }

    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exit_event_without_its_zero_fields_reads_as_exit_0() {
        let e: MachineEvent = serde_json::from_value(serde_json::json!({
            "id": "01H", "type": "exit", "status": "stopped", "source": "flyd", "timestamp": 1_700_000_041_000_i64,
            "request": {"exit_event": {"exited_at": "2023-11-14T22:14:01.000Z"}, "restart_count": 0}
        }))
        .unwrap();
        let exit = e.exit_event().unwrap();
        assert_eq!((exit.exit_code, exit.requested_stop), (0, false));
        assert_eq!(exit.exited_at.as_deref(), Some("2023-11-14T22:14:01.000Z"));
        let again = ExitEvent { exit_code: 3, ..ExitEvent::default() }.to_request(0);
        assert_eq!(again["exit_event"]["exit_code"], 3);
    }
}
