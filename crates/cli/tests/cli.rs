//! The `arke-export` command line: verbs, flags, exit codes (0 ok, 1 failure, 2 usage), `--json`.

use std::path::Path;
use std::process::{Command, Output};

use arke_export_sandbox::CatalogSpec;

fn cli(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_arke-export"));
    cmd.args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("FLY_API_TOKEN", "token-from-the-environment")
        .env("R2_SECRET_ACCESS_KEY", "secret-from-the-environment")
        .env("ARKE_EXPORT_WORKER_BIN", arke_export_sandbox::default_worker_binary())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn export_in_the_sandbox_downloads_valid_files_and_lists_them() {
    let home = tempfile::tempdir().unwrap();
    let first = cli(home.path(), &["--sandbox", "jobs"], None);
    assert!(text(&first).contains("No jobs yet"), "{}", text(&first));
    // The sample catalog is seeded: generating it here gives the IDs the CLI's sandbox serves.
    let index = arke_export_sandbox::catalog::generate(&home.path().join("catalog"), CatalogSpec::default()).unwrap();
    let ids = format!("pi,title\n{},a\n{},b\n{},dup\n", index.items[0], index.items[1], index.items[0]);
    let out = home.path().join("out");
    let run =
        cli(home.path(), &["--sandbox", "export", "--ids", "-", "--out", out.to_str().unwrap(), "--json"], Some(&ids));
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let jobs: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 2, "the duplicate was removed");
    for job in jobs.as_array().unwrap() {
        assert_eq!(job["state"], "downloaded");
        arke_export_xml_check::validate_mods(Path::new(job["saved_to"].as_str().unwrap())).unwrap();
    }
    let list = cli(home.path(), &["--sandbox", "jobs", "--json"], None);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&list.stdout).unwrap().as_array().unwrap().len(), 2);
    let id = jobs[0]["id"].as_str().unwrap();
    let status = cli(home.path(), &["--sandbox", "status", &id[..22]], None);
    assert!(status.status.success(), "{}", text(&status));
    assert!(text(&status).contains("checksum verified"), "{}", text(&status));
}

#[test]
fn bad_input_and_usage_have_their_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    let bad = cli(home.path(), &["--sandbox", "export", "--ids", "-"], Some("nope\n"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("line 1") && text(&bad).contains("not a record ID"), "{}", text(&bad));
    let sheet = home.path().join("ids.xlsx");
    std::fs::write(&sheet, "01HZX3K9Q4M8V2T6R5N7P0W1YB\n").unwrap();
    let not_a_list = cli(home.path(), &["--sandbox", "export", "--ids", sheet.to_str().unwrap()], None);
    assert_eq!(not_a_list.status.code(), Some(1));
    assert!(text(&not_a_list).contains("[invalid_file]"), "{}", text(&not_a_list));
    let usage = cli(home.path(), &["export", "--bogus"], None);
    assert_eq!(usage.status.code(), Some(2));
    let missing = cli(home.path(), &["--sandbox", "status", "job_nothing"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("no_such_job"));
}

#[test]
fn config_and_token_status() {
    let home = tempfile::tempdir().unwrap();
    let set = cli(home.path(), &["config", "set", "max_running", "4"], None);
    assert!(set.status.success(), "{}", text(&set));
    let show = cli(home.path(), &["config", "show"], None);
    assert!(
        text(&show).contains("MAX_RUNNING") && text(&show).contains('4') && text(&show).contains("[file]"),
        "{}",
        text(&show)
    );
    let saved = std::fs::read_to_string(home.path().join("config/arke-export/config.toml")).unwrap();
    assert!(saved.contains("max_running = \"4\""));
    let refused = cli(home.path(), &["config", "set", "max_running", "many"], None);
    assert_eq!(refused.status.code(), Some(1));
    let status = cli(home.path(), &["token", "status"], None);
    assert!(status.status.success(), "{}", text(&status));
    assert!(text(&status).contains("set (from FLY_API_TOKEN)"));
    assert!(!text(&status).contains("token-from-the-environment"), "a secret is never printed");
}
