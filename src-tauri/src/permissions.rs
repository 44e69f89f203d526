//! The webview's powers stay what they are today: the capability grants the two event permissions and
//! one `allow-<command>` per declared command — no plugin permission (dialog, fs, opener, shell, http,
//! notification, …), no other window, no remote URL — and the CSP is unchanged. Widening either must
//! be a deliberate edit of this test.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

/// Expands the command list into the commands' paths (`commands :: jobs :: submit`).
macro_rules! app_commands {
    ($($($segment:ident)::+),* $(,)?) => {
        &[$(stringify!($($segment)::+)),*]
    };
}

const COMMAND_PATHS: &[&str] = include!("command_list.rs");

/// The only permissions that are not one of the app's own commands.
const EVENT_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

fn read_json(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_webview_is_granted_its_commands_and_events_only() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(files, ["default.json"], "one capability file, written by build.rs");
    let capability = read_json("capabilities/default.json");
    assert_eq!(capability["windows"], json!(["main"]), "the main window only");
    assert!(capability.get("remote").is_none() && capability.get("webviews").is_none(), "{capability:#}");
    let commands =
        COMMAND_PATHS.iter().map(|p| format!("allow-{}", p.rsplit("::").next().unwrap().trim().replace('_', "-")));
    let allowed: BTreeSet<String> = EVENT_PERMISSIONS.iter().map(|p| (*p).to_owned()).chain(commands).collect();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap_or_else(|| panic!("a permission with a scope: {p}")).to_owned())
        .collect();
    let extra: Vec<&String> = granted.difference(&allowed).collect();
    assert!(extra.is_empty(), "the webview is granted more than its commands and events: {extra:?}");
    assert_eq!(granted, allowed, "every command is granted");
}

#[test]
fn the_csp_and_security_settings_stay_strict() {
    let conf = read_json("tauri.conf.json");
    let security = &conf["app"]["security"];
    assert_eq!(
        security["csp"],
        json!({
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "connect-src": "ipc: http://ipc.localhost",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'none'",
            "frame-ancestors": "'none'"
        })
    );
    assert_eq!(security["freezePrototype"], true);
    for loosening in ["dangerousDisableAssetCspModification", "capabilities", "assetProtocol", "devCsp"] {
        assert!(security.get(loosening).is_none(), "app.security.{loosening} is set");
    }
    assert_ne!(conf["app"]["withGlobalTauri"], true, "no global __TAURI__ object");
}
