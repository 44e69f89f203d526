//! The archive on the command line: `export` leaves out (and lists) records the archive answers 404
//! for, `--include-missing` sends them anyway, `jobs`/`status` show titles, `preview` prints MODS.

use std::path::Path;
use std::process::Output;

use arke_export_sandbox::{CatalogIndex, CatalogSpec};

mod common;

use common::text;

fn cli(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    common::run(home, args, stdin, &[])
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// The sample catalog the CLI's sandbox serves (it is seeded: the same IDs).
fn catalog(home: &Path) -> CatalogIndex {
    arke_export_sandbox::catalog::generate(&home.join("catalog"), CatalogSpec::default()).unwrap()
}

#[test]
fn export_leaves_out_records_the_archive_does_not_have_and_jobs_show_titles() {
    let home = tempfile::tempdir().unwrap();
    let index = catalog(home.path());
    let missing = index.not_found.clone().unwrap();
    let ids = format!("{}\n{missing}\n", index.items[0]);
    let run = cli(home.path(), &["--sandbox", "export", "--ids", "-", "--json"], Some(&ids));
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(&missing) && stderr.contains("not in the archive"), "{stderr}");
    let jobs = json(&run);
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 1, "no job for the missing record");
    assert_eq!(jobs[0]["pis"], serde_json::json!([index.items[0]]));
    let title = jobs[0]["title"].as_str().unwrap().to_owned();
    assert!(title.contains(", no. "), "{title}");

    let listed = json(&cli(home.path(), &["--sandbox", "jobs", "--json"], None));
    assert_eq!(listed[0]["title"], title.as_str());
    let id = jobs[0]["id"].as_str().unwrap();
    let status = json(&cli(home.path(), &["--sandbox", "status", id, "--json"], None));
    assert_eq!(status["title"], title.as_str());
    assert_eq!(status["job"]["title"], title.as_str());
    let table = cli(home.path(), &["--sandbox", "jobs"], None);
    assert!(String::from_utf8_lossy(&table.stdout).contains(&title), "{}", text(&table));
    let details = cli(home.path(), &["--sandbox", "status", id], None);
    assert!(String::from_utf8_lossy(&details.stdout).contains(&format!("title      {title}")), "{}", text(&details));
}

#[test]
fn nothing_left_is_a_failure_unless_the_archivist_insists() {
    let home = tempfile::tempdir().unwrap();
    let index = catalog(home.path());
    let missing = index.not_found.clone().unwrap();
    let refused = cli(home.path(), &["--sandbox", "export", "--ids", "-"], Some(&missing));
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains(&missing) && text(&refused).contains("[no_records]"), "{}", text(&refused));
    let none = json(&cli(home.path(), &["--sandbox", "jobs", "--json"], None));
    assert_eq!(none.as_array().unwrap().len(), 0, "no job was made");

    // Sent anyway: its machine runs, and fails on the 404 (exit 1 for a failed job).
    let forced =
        cli(home.path(), &["--sandbox", "export", "--ids", "-", "--include-missing", "--json"], Some(&missing));
    assert_eq!(forced.status.code(), Some(1), "{}", text(&forced));
    let jobs = json(&forced);
    assert_eq!(jobs[0]["pis"], serde_json::json!([missing]));
    assert_eq!(jobs[0]["state"], "failed");
    assert!(jobs[0]["title"].is_null());
}

#[test]
fn preview_prints_the_mods_record_of_one_record() {
    let home = tempfile::tempdir().unwrap();
    let index = catalog(home.path());
    let shown = cli(home.path(), &["--sandbox", "preview", &index.items[0]], None);
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown));
    let xml = String::from_utf8_lossy(&shown.stdout);
    assert!(xml.starts_with("<mods ") && xml.trim_end().ends_with("</mods>"), "{xml}");
    assert!(xml.contains("<title>"), "{xml}");

    let incomplete = cli(home.path(), &["--sandbox", "preview", index.missing_pinax.as_deref().unwrap()], None);
    assert_eq!(incomplete.status.code(), Some(0), "{}", text(&incomplete));
    assert!(String::from_utf8_lossy(&incomplete.stderr).contains("incomplete: no pinax.json"), "{}", text(&incomplete));

    let missing = cli(home.path(), &["--sandbox", "preview", index.not_found.as_deref().unwrap()], None);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(text(&missing).contains("[record_not_found]"), "{}", text(&missing));
    let bad = cli(home.path(), &["--sandbox", "preview", "not-an-id"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("[invalid_record_id]"), "{}", text(&bad));
}
