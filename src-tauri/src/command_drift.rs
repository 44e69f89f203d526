//! The command list (`command_list.rs`) is the one declaration of the app's commands: the invoke
//! handler, the permissions and the capability are generated from it. What cannot be generated — the
//! UI's `invoke("…")` calls in ui/src/api.ts — is checked here, both ways.

use std::collections::BTreeSet;
use std::path::Path;

/// Expands the command list into the commands' paths (`commands :: jobs :: submit`).
macro_rules! app_commands {
    ($($($segment:ident)::+),* $(,)?) => {
        &[$(stringify!($($segment)::+)),*]
    };
}

const COMMAND_PATHS: &[&str] = include!("command_list.rs");

fn declared() -> BTreeSet<&'static str> {
    COMMAND_PATHS.iter().map(|path| path.rsplit("::").next().unwrap_or(path).trim()).collect()
}

/// The names in `invoke("name"` and `invoke<Type>("name"` calls.
fn invoked(source: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for (at, _) in source.match_indices("invoke") {
        let mut rest = source[at + "invoke".len()..].trim_start();
        if rest.starts_with('<') {
            let mut depth = 0;
            let Some(end) = rest.find(|c| {
                depth += match c {
                    '<' => 1,
                    '>' => -1,
                    _ => 0,
                };
                depth == 0
            }) else {
                continue;
            };
            rest = rest[end + 1..].trim_start();
        }
        let Some(quoted) = rest.strip_prefix('(').map(str::trim_start) else { continue };
        let Some(quote) = quoted.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else { continue };
        if let Some(name) = quoted[1..].split(quote).next() {
            names.insert(name);
        }
    }
    names
}

#[test]
fn the_ui_invokes_exactly_the_declared_commands() {
    let api_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/api.ts");
    let api = std::fs::read_to_string(&api_path).unwrap_or_else(|e| panic!("{}: {e}", api_path.display()));
    let (declared, invoked) = (declared(), invoked(&api));
    let mut drift = Vec::new();
    for name in declared.difference(&invoked) {
        drift.push(format!("`{name}` is declared in src-tauri/src/command_list.rs but ui/src/api.ts never invokes it"));
    }
    for name in invoked.difference(&declared) {
        drift.push(format!("ui/src/api.ts invokes `{name}`, which src-tauri/src/command_list.rs does not declare"));
    }
    assert!(drift.is_empty(), "the command list drifted:\n{}", drift.join("\n"));
}

#[test]
fn invoke_calls_are_found_with_or_without_a_type() {
    let source = r#"import { invoke } from "x";
        a: () => invoke<Job | null>("download", { jobId }),
        b: () => invoke<Map<string, number[]>>( 'timeline'),
        c: () => invoke("app_info"),"#;
    assert_eq!(invoked(source), BTreeSet::from(["download", "timeline", "app_info"]));
}
