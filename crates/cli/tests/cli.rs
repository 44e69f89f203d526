//! The `arke-export` command line: verbs, flags, exit codes (0 ok, 1 failure, 2 usage), `--json`.

use std::path::Path;
use std::process::Output;

use arke_export_sandbox::CatalogSpec;

mod common;

use common::text;

fn cli(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    cli_with(home, args, stdin, &[])
}

/// [`cli`] with more environment variables (they win over the defaults).
fn cli_with(home: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let defaults =
        [("FLY_API_TOKEN", "token-from-the-environment"), ("R2_SECRET_ACCESS_KEY", "secret-from-the-environment")];
    common::run(home, args, stdin, &[&defaults[..], env].concat())
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

    // A file is never replaced without --overwrite; in a folder a taken name gets " (2)".
    let saved = jobs[0]["saved_to"].as_str().unwrap();
    std::fs::write(saved, "the archivist's edits").unwrap();
    let kept = cli(home.path(), &["--sandbox", "download", id, "--out", saved], None);
    assert_eq!(kept.status.code(), Some(1), "{}", text(&kept));
    assert!(text(&kept).contains("[file_exists]") && text(&kept).contains("--overwrite"), "{}", text(&kept));
    assert_eq!(std::fs::read_to_string(saved).unwrap(), "the archivist's edits");
    let beside = cli(home.path(), &["--sandbox", "download", id, "--out", out.to_str().unwrap()], None);
    assert!(beside.status.success(), "{}", text(&beside));
    assert!(String::from_utf8_lossy(&beside.stdout).trim().ends_with(" (2).xml"), "{}", text(&beside));
    let replaced = cli(home.path(), &["--sandbox", "download", id, "--out", saved, "--overwrite"], None);
    assert!(replaced.status.success(), "{}", text(&replaced));
    arke_export_xml_check::validate_mods(Path::new(saved)).unwrap();
}

#[test]
fn export_in_several_formats_downloads_each_file() {
    let home = tempfile::tempdir().unwrap();
    let index = arke_export_sandbox::catalog::generate(&home.path().join("catalog"), CatalogSpec::default()).unwrap();
    let pi = index.items[0].as_str();
    let out = home.path().join("out");
    let args = ["--sandbox", "export", "--ids", "-", "--format", "mods,dc,marcxml", "--out", out.to_str().unwrap()];
    let run = cli(home.path(), &[&args[..], &["--json"]].concat(), Some(pi));
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let jobs: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let job = &jobs[0];
    assert_eq!(job["formats"], serde_json::json!(["mods", "dc", "marcxml"]));
    assert_eq!(job["saved_formats"], job["formats"], "every file saved");
    arke_export_xml_check::validate_mods(&out.join(format!("{pi}.xml"))).unwrap();
    arke_export_xml_check::validate_dc(&out.join(format!("{pi}-dc.xml"))).unwrap();
    arke_export_xml_check::validate_marc(&out.join(format!("{pi}-marc.xml"))).unwrap();

    // `status --json` lists every file; `download --format` saves one, to a file or into a folder.
    let id = job["id"].as_str().unwrap();
    let status = cli(home.path(), &["--sandbox", "status", id, "--json"], None);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let formats: Vec<&str> =
        status["job"]["outputs"].as_array().unwrap().iter().map(|o| o["format"].as_str().unwrap()).collect();
    assert_eq!(formats, ["mods", "dc", "marcxml"]);
    let dc = home.path().join("chosen.xml");
    let one = cli(home.path(), &["--sandbox", "download", id, "--format", "dc", "--out", dc.to_str().unwrap()], None);
    assert!(one.status.success(), "{}", text(&one));
    arke_export_xml_check::validate_dc(&dc).unwrap();
    let all = cli(home.path(), &["--sandbox", "download", id, "--out", out.to_str().unwrap()], None);
    let printed = String::from_utf8_lossy(&all.stdout).into_owned();
    assert_eq!(printed.lines().count(), 3, "one path per file: {}", text(&all));
    assert!(printed.contains(&format!("{pi}-marc (2).xml")), "nothing replaced: {printed}");
    let unknown = cli(home.path(), &["--sandbox", "export", "--ids", "-", "--format", "mods,json"], Some(pi));
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("\"json\" is not supported"), "{}", text(&unknown));
}

#[test]
fn the_machines_r2_secret_is_set_and_cleared_on_the_fly_app() {
    let home = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let options = arke_export_sandbox::SandboxOptions {
        catalog: arke_export_sandbox::CatalogSource::Generate(CatalogSpec { size: 5, seed: 1 }),
        ..arke_export_sandbox::SandboxOptions::default()
    };
    let sandbox = runtime.block_on(arke_export_sandbox::Sandbox::start_with(&home.path().join("sb"), options)).unwrap();
    let e = sandbox.endpoints();
    let fleet = &sandbox.fly.fleet;
    fleet.delete_secret(&e.fly_app, "R2_SECRET_ACCESS_KEY");
    let env = [
        ("ARKE_EXPORT_FLY_API_URL", e.fly_api_url.as_str()),
        ("ARKE_EXPORT_FLY_APP", e.fly_app.as_str()),
        ("FLY_API_TOKEN", e.fly_api_token.as_str()),
    ];
    let run = |args: &[&str], stdin| cli_with(home.path(), args, stdin, &env);
    let old_way = run(&["token", "status"], None);
    assert!(text(&old_way).contains("(the old way)") && text(&old_way).contains("warning:"), "{}", text(&old_way));

    let set = run(&["token", "set", "r2", "--on-fly"], Some("machines-secret-value\n"));
    assert!(set.status.success(), "{}", text(&set));
    let secrets = fleet.secrets(&e.fly_app).unwrap();
    assert_eq!(secrets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["R2_SECRET_ACCESS_KEY"]);
    let status = run(&["token", "status"], None);
    assert!(text(&status).contains("on the Fly app") && !text(&status).contains("warning"), "{}", text(&status));
    assert!(!text(&status).contains("machines-secret-value") && !text(&set).contains("machines-secret-value"));

    let clear = run(&["token", "clear", "r2", "--on-fly"], None);
    assert!(clear.status.success(), "{}", text(&clear));
    assert!(fleet.secrets(&e.fly_app).unwrap().is_empty());
    let usage = run(&["token", "set", "fly", "--on-fly"], Some("x\n"));
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage));
    drop(sandbox);
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
