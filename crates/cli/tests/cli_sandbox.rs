//! `arke-export sandbox`: starts, prints working endpoints and credentials, stops cleanly on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_sandbox_command_serves_until_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_arke-export"))
        .args(["sandbox", "--size", "20", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    let value = |key: &str| -> String {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key} not printed:\n{text}"))
            .to_owned()
    };
    let (fly, app, token) = (value("ARKE_EXPORT_FLY_API_URL"), value("ARKE_EXPORT_FLY_APP"), value("FLY_API_TOKEN"));
    assert!(text.contains("whole tree (recursive)"), "sample IDs are printed:\n{text}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let url = format!("{fly}/v1/apps/{app}/machines");
        let ok = http.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        let refused = http.get(&url).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(refused.status(), 401);
        let arke = value("ARKE_EXPORT_ARKE_API_URL");
        let root =
            text.lines().find(|l| l.contains("whole tree")).unwrap().split_whitespace().last().unwrap().to_owned();
        let manifest = http.get(format!("{arke}/entities/{root}")).send().await.unwrap();
        assert_eq!(manifest.status(), 200);
    });

    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the sandbox did not stop after Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l == "Stopped."), "{rest:?}");
}
