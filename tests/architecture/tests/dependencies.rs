//! The dependency direction is part of the design: ARCHITECTURE.md's "Allowed dependencies" table
//! is the source, and this test holds the workspace to it (`cargo metadata`, normal and build
//! dependencies, transitively where it matters).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// `crate → crates it may depend on`, from the table under "## Allowed dependencies".
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = doc.split("## Allowed dependencies").nth(1).expect("an 'Allowed dependencies' section");
    let names = |cell: &str| -> BTreeSet<String> { cell.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.contains("---"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let from = names(cells.get(1)?).into_iter().next()?;
            Some((from, names(cells.get(2)?)))
        })
        .collect()
}

struct Workspace {
    /// package name → its workspace dependencies (normal and build, not dev).
    direct: BTreeMap<String, BTreeSet<String>>,
    /// package name → every package it links, transitively (normal and build), any source.
    all: BTreeMap<String, BTreeSet<String>>,
}

/// The host's target triple (the graph is resolved for the platform we build on).
fn host() -> String {
    let out = Command::new("rustc").arg("-vV").output().expect("rustc runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").to_owned()
}

fn workspace() -> Workspace {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--filter-platform", &host()])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let members: BTreeSet<&str> =
        meta["workspace_members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap();
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].as_str() != Some("dev")));
        edges.entry(id).or_default().extend(deps.map(|d| d["pkg"].as_str().unwrap()));
    }
    let mut ws = Workspace { direct: BTreeMap::new(), all: BTreeMap::new() };
    for &member in &members {
        let name = name_of[member].to_owned();
        let direct = edges[member].iter().filter(|d| members.contains(*d)).map(|d| name_of[d].to_owned()).collect();
        let mut seen = BTreeSet::new();
        let mut stack = vec![member];
        while let Some(id) = stack.pop() {
            for &dep in edges.get(id).into_iter().flatten() {
                if seen.insert(dep) {
                    stack.push(dep);
                }
            }
        }
        ws.all.insert(name.clone(), seen.iter().map(|id| name_of[id].to_owned()).collect());
        ws.direct.insert(name, direct);
    }
    ws
}

#[test]
fn every_crate_depends_only_on_what_architecture_md_allows() {
    let allowed = allowed();
    let ws = workspace();
    for (krate, deps) in &ws.direct {
        let Some(may) = allowed.get(krate) else {
            panic!("{krate} is not in ARCHITECTURE.md's 'Allowed dependencies' table: add its row");
        };
        for dep in deps {
            assert!(may.contains(dep), "{krate} depends on {dep}, which ARCHITECTURE.md does not allow");
        }
    }
    for krate in allowed.keys() {
        assert!(ws.direct.contains_key(krate), "ARCHITECTURE.md lists {krate}, which is not a workspace member");
    }
}

#[test]
fn the_machine_program_is_a_leaf_and_the_app_is_thin() {
    let ws = workspace();
    for (krate, all) in &ws.all {
        assert!(!all.contains("arke-export-worker"), "{krate} links the worker; run it as a program instead");
    }
    let worker = &ws.all["arke-export-worker"];
    for forbidden in ["arke-export-engine", "arke-export-sandbox", "tauri"] {
        assert!(!worker.contains(forbidden), "the worker links {forbidden}");
    }
    // The crosswalk only reads records and writes XML: no Fly, no engine, no shell.
    let crosswalk = &ws.all["arke-export-crosswalk"];
    for forbidden in ["arke-fly-api", "arke-export-engine", "arke-export-sandbox", "tauri", "clap"] {
        assert!(!crosswalk.contains(forbidden), "the crosswalk links {forbidden}");
    }
    let desktop = &ws.all["arke-export-desktop"];
    // (tracing-subscriber still arrives through s3s-fs, the sandbox's S3 server, not through a CLI.)
    for forbidden in ["clap", "indicatif", "rpassword", "arke-export-cli"] {
        assert!(!desktop.contains(forbidden), "the desktop app links {forbidden}");
    }
    let engine = &ws.all["arke-export-engine"];
    for forbidden in ["tauri", "arke-export-desktop", "arke-export-cli", "clap"] {
        assert!(!engine.contains(forbidden), "the engine links {forbidden}");
    }
}
