//! Find records, not IDs, in the real window: Browse the archive from its origin, open the sample
//! collection, tick a sub-collection and three items (in another collection, so the ticks outlive
//! navigation), see their titles in the list, preview one (its `<title>` is there), paste an ID the
//! archive does not have (flagged before export), Export MODS, see titles on the job rows, download,
//! get valid MODS — and no machine was ever created for the missing record: the sandbox's own create
//! log says so. The app runs in Fly mode against a sandbox this test starts, so that log is at hand.

use std::path::Path;

use arke_export_e2e::{App, BrowseRow, app_binary};
use arke_export_sandbox::{CatalogIndex, Sandbox, SandboxOptions, worker_binary_near};

/// Fly-mode settings (and the two secrets, from the environment) pointing the app at `sandbox`.
fn fly_mode_env(sandbox: &Sandbox) -> Vec<(String, String)> {
    let e = sandbox.endpoints();
    let mut settings = e.fly_mode_settings("registry.fly.io/arke-export-worker:e2e");
    settings.push(("POLL_INTERVAL_S", "1".to_owned()));
    let mut env: Vec<(String, String)> = settings.into_iter().map(|(k, v)| (format!("ARKE_EXPORT_{k}"), v)).collect();
    env.push(("FLY_API_TOKEN".to_owned(), e.fly_api_token));
    env.push(("R2_SECRET_ACCESS_KEY".to_owned(), e.r2_secret_access_key));
    env
}

/// The title a record's pinax.json gives it, read from the catalog folder the sandbox serves.
fn catalog_title(catalog: &Path, pi: &str) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(catalog.join("entities").join(format!("{pi}.json"))).unwrap()).unwrap();
    let cid = manifest["components"]["pinax.json"].as_str().unwrap();
    let pinax: serde_json::Value =
        serde_json::from_slice(&std::fs::read(catalog.join("ipfs").join(cid)).unwrap()).unwrap();
    pinax["title"].as_str().unwrap().to_owned()
}

fn row<'a>(rows: &'a [BrowseRow], pi: &str) -> Option<&'a BrowseRow> {
    rows.iter().find(|r| r.pi == pi)
}

fn browse_row_css(pi: &str) -> String {
    format!("[data-testid=\"browse-row\"][data-pi=\"{pi}\"]")
}

/// Clicks a job's Download… until its row leaves `ready` (a click can land while the row is redrawn).
async fn download(app: &App, job_id: &str) {
    let button = format!("[data-job-id=\"{job_id}\"] [data-testid=\"download-button\"]");
    for _ in 0..5 {
        app.click_css(&button).await;
        let script = format!("return document.querySelector('[data-job-id=\"{job_id}\"]')?.dataset.state || '';");
        for _ in 0..50 {
            if app.js(&script).await.as_str().is_some_and(|s| !s.is_empty() && s != "ready") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    let toast = app.js("return document.querySelector('[data-testid=\"app-error\"]')?.innerText || '';").await;
    panic!("{job_id} was never downloaded; the app said: {toast}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_tick_preview_export_with_titles_and_no_machine_for_a_missing_record() {
    let services = tempfile::Builder::new().prefix("arke-e2e-services-").tempdir().unwrap();
    let options = SandboxOptions {
        worker_command: vec![worker_binary_near(Some(&app_binary())).display().to_string()],
        ..Default::default()
    };
    let sandbox = Sandbox::start_with(services.path(), options).await.unwrap();
    let index: CatalogIndex = sandbox.index.clone().unwrap();
    let catalog = sandbox.dir.join("catalog");
    // The generated tree: record i's children are records 8i+1 … 8i+8, so the root (0) holds the
    // collections 1–8 (and an ID that answers 404); 7 is a plain collection, 8 holds items 65–72.
    let root = index.root.clone();
    let sub_collection = index.all[7].clone();
    let items_collection = index.all[8].clone();
    let items: Vec<String> = index.all[65..68].to_vec();
    let missing = index.not_found.clone().unwrap();
    let mut chosen = vec![sub_collection.clone()];
    chosen.extend(items.iter().cloned());

    let app = App::launch_with_env(&fly_mode_env(&sandbox)).await;
    app.wait_text("mode-badge", |t| t == "Fly.io").await;

    // Browse opens at the archive's origin, whose child is the sample collection (with its title).
    app.click("browse-button").await;
    let rows = app.wait_browse_rows(30, |rows| row(rows, &root).is_some_and(|r| !r.title.is_empty())).await;
    let root_row = row(&rows, &root).unwrap();
    assert_eq!(root_row.title, catalog_title(&catalog, &root));
    assert_eq!(root_row.kind, "collection", "{root_row:?}");

    // Open it in place: its children, titles filled in; the ID the archive does not have says so.
    app.click_css(&format!("{} button.open", browse_row_css(&root))).await;
    let rows = app
        .wait_browse_rows(30, |rows| {
            rows.len() == 9
                && row(rows, &sub_collection).is_some_and(|r| !r.title.is_empty())
                && row(rows, &missing).is_some_and(|r| r.status == "missing")
        })
        .await;
    assert!(row(&rows, &missing).unwrap().text.contains("not in the archive"), "{rows:#?}");
    app.wait_text("browse-crumbs", |t| t.contains(&catalog_title(&catalog, &root))).await;
    app.screenshot("20-browse-sample-collection").await;

    // Tick a sub-collection here, then open another collection and tick three of its items.
    app.click_css(&format!("{} [data-testid=\"browse-check\"]", browse_row_css(&sub_collection))).await;
    app.click_css(&format!("{} button.open", browse_row_css(&items_collection))).await;
    app.wait_browse_rows(30, |rows| items.iter().all(|pi| row(rows, pi).is_some_and(|r| !r.title.is_empty()))).await;
    for pi in &items {
        app.click_css(&format!("{} [data-testid=\"browse-check\"]", browse_row_css(pi))).await;
    }
    app.wait_browse_rows(10, |rows| items.iter().all(|pi| row(rows, pi).is_some_and(|r| r.checked))).await;
    // Breadcrumbs go back up; the tick on the sub-collection is still there.
    app.click_css(&format!("[data-testid=\"browse-crumbs\"] button[data-pi=\"{root}\"]")).await;
    app.wait_browse_rows(30, |rows| row(rows, &sub_collection).is_some_and(|r| r.checked)).await;

    // The list shows the four records with their titles.
    app.wait_text("ids-summary", |t| t.starts_with("4 records ready")).await;
    let list = app
        .wait_list_rows(30, |rows| {
            rows.len() == 4 && chosen.iter().all(|pi| rows.iter().any(|r| &r.pi == pi && !r.title.is_empty()))
        })
        .await;
    for r in &list {
        assert_eq!(r.title, catalog_title(&catalog, &r.pi), "{r:?}");
        assert_eq!(r.status, "found");
    }
    app.screenshot("21-browse-ticked-list-titled").await;

    // Preview a record: the MODS the export will contain, with its title element.
    app.click_css(&format!("[data-testid=\"id-row\"][data-pi=\"{}\"] [data-testid=\"preview-button\"]", items[0]))
        .await;
    app.wait_for("dialog[data-testid=\"preview\"][open]").await;
    let title = catalog_title(&catalog, &items[0]);
    let xml = app.wait_text("preview-xml", |t| t.contains("<title>")).await;
    assert!(xml.contains(&format!("<title>{title}</title>")), "the preview shows the title element: {xml}");
    assert!(xml.contains("<mods"), "{xml}");
    app.screenshot("22-preview").await;
    app.click("preview-close").await;

    // An ID the archive does not have, pasted: flagged before export, and left out of it.
    // (Pasted at the end of the list, as a paste does: the box's input event follows.)
    let paste = format!(
        "const box = document.querySelector('[data-testid=\"ids-input\"]'); box.value += '{missing}\\n';\
         box.dispatchEvent(new Event('input')); return true;"
    );
    app.js(&paste).await;
    app.wait_text("ids-summary", |t| t.starts_with("5 records ready")).await;
    app.wait_list_rows(30, |rows| rows.iter().any(|r| r.pi == missing && r.status == "missing")).await;
    let note = app.wait_text("ids-missing", |t| t.contains("not in the archive")).await;
    assert!(note.contains("left out"), "{note}");
    app.screenshot("23-missing-flagged").await;

    app.click("export-button").await;
    // Four jobs (one record each): each row shows its record's title, the ID as secondary text.
    let jobs =
        app.wait_job_rows("current", 60, |rows| rows.len() == 4 && rows.iter().all(|r| !r.title.is_empty())).await;
    for pi in &chosen {
        let title = catalog_title(&catalog, pi);
        let job =
            jobs.iter().find(|j| j.title == title).unwrap_or_else(|| panic!("no row titled {title:?}: {jobs:#?}"));
        assert!(job.text.contains(&title) && job.text.contains(pi.as_str()), "{job:?}");
    }
    app.screenshot("24-jobs-with-titles").await;

    // Ready exports stay in the current view; downloaded, the batch just started is still in sight.
    let ready =
        app.wait_job_rows("current", 120, |rows| rows.len() == 4 && rows.iter().all(|r| r.state == "ready")).await;
    for job in &ready {
        download(&app, &job.id).await;
    }
    app.wait_job_rows("current", 60, |rows| rows.len() == 4 && rows.iter().all(|r| r.state == "downloaded")).await;
    let files: Vec<_> = std::fs::read_dir(app.save_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 4, "{files:?}");
    for file in &files {
        arke_export_xml_check::validate_mods(file).unwrap();
    }

    // The sandbox's create log: one machine per chosen record, none for the missing one.
    let log = sandbox.fly.fleet.create_log();
    assert_eq!(log.len(), 4, "{log:#?}");
    let mut sent: Vec<String> = log
        .iter()
        .map(|request| {
            let env = &request["config"]["env"];
            env["PI"].as_str().or_else(|| env["PIS"].as_str()).unwrap_or_default().to_owned()
        })
        .collect();
    sent.sort();
    let mut expected = chosen.clone();
    expected.sort();
    assert_eq!(sent, expected);
    assert!(!log.iter().any(|r| r.to_string().contains(&missing)), "a machine was created for the missing record");

    app.close().await;
    sandbox.shutdown().await;
}
