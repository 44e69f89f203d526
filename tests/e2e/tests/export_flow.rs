//! The archivist's path in the real app (sandbox mode, first run): paste sample IDs, Export MODS,
//! watch the jobs, download, get valid MODS on disk; a failing ID shows why; the jobs survive a
//! restart. Screenshots of each state go to the artifacts folder.

use arke_export_e2e::App;
use fantoccini::Locator;

/// Each current job row's `data-cost-usd` and its cost text.
const COSTS: &str = "return [...document.querySelectorAll('[data-testid=job-row]')].map((r) => \
    [r.dataset.costUsd || '', r.querySelector('[data-testid=job-cost]')?.textContent || '']);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_download_fail_and_restart() {
    let app = App::launch().await;
    let badge = app.wait_text("mode-badge", |t| t != "…").await;
    assert_eq!(badge, "Sandbox", "the first run is in sandbox mode");

    // Paste (here: the sample link fills the box) and see the list parsed as you type.
    app.click("sample-ids").await;
    app.wait_text("ids-summary", |t| t.starts_with("3 records ready")).await;
    let input = app.wait_for("[data-testid=\"ids-input\"]").await;
    let samples = input.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(samples.lines().count(), 3, "{samples:?}");
    input.clear().await.unwrap();
    // WebDriver types a new line as the Enter key (U+E007).
    let typed = format!("{samples}\nnot-a-record-id\n{}", samples.lines().next().unwrap());
    input.send_keys(&typed.replace('\n', "\u{E007}")).await.unwrap();
    // Parsed as you type: wait for the whole list.
    app.wait_text("ids-summary", |t| t == "3 records ready · 1 duplicate removed · 1 invalid").await;
    // Before export: an estimate for the batch, next to the button.
    app.wait_text("export-estimate", |t| t.starts_with("≈ $") && t.contains("estimate")).await;
    app.screenshot("02-new-export-parsed").await;

    app.click("export-button").await;
    let running = app.wait_rows("current", 30, |rows| rows.len() == 3).await;
    assert!(running.iter().all(|(id, _, _)| id.starts_with("job_")), "{running:?}");
    app.screenshot("03-jobs-mid-batch").await;

    // Every row reaches `ready`, and stays in the current view: the archivist still has to download.
    let ready = app.wait_rows("current", 90, |rows| rows.len() == 3 && rows.iter().all(|r| r.1 == "ready")).await;
    assert_eq!(ready.len(), 3);

    // Download… each (the save dialog's test seam puts the files in the save folder).
    for (id, _, _) in &ready {
        app.click_css(&format!("[data-job-id=\"{id}\"] [data-testid=\"download-button\"]")).await;
        app.wait_rows("current", 30, |rows| rows.iter().any(|r| &r.0 == id && r.1 != "ready")).await;
    }
    // Downloaded, the batch just started is still in sight (and in the history).
    app.wait_rows("current", 60, |rows| rows.len() == 3 && rows.iter().all(|r| r.1 == "downloaded")).await;
    app.wait_rows("history", 10, |rows| rows.len() == 3).await;
    // What each cost: machine time from the stand-in's events, priced by the table in Settings.
    let costs: Vec<(String, String)> = app
        .wait_js("a cost on every row", 30, COSTS, |c: &Vec<(String, String)>| {
            c.len() == 3 && c.iter().all(|(usd, _)| usd.parse::<f64>().is_ok_and(|v| v > 0.0))
        })
        .await;
    for (_, text) in &costs {
        assert!(text.contains("≈ $") && text.contains(" on shared-cpu-1x"), "the row says what it cost: {text}");
    }
    app.click("tab-current").await;
    app.wait_text("batch-cost", |t| t.contains('$')).await;
    app.screenshot("04-downloaded").await;
    let files: Vec<_> = std::fs::read_dir(app.save_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 3, "{files:?}");
    for file in &files {
        assert_eq!(file.extension().and_then(|e| e.to_str()), Some("xml"));
        arke_export_xml_check::validate_mods(file).unwrap();
    }

    // A record that does not exist: flagged before export and left out, unless the archivist insists;
    // then the job fails, and says why in plain words.
    let index = arke_export_sandbox::catalog::generate(
        &app.home.path().join("catalog-copy"),
        arke_export_sandbox::CatalogSpec::default(),
    )
    .unwrap();
    let missing = index.not_found.unwrap();
    let input = app.wait_for("[data-testid=\"ids-input\"]").await;
    input.clear().await.unwrap();
    input.send_keys(&missing).await.unwrap();
    app.wait_text("ids-summary", |t| t == "1 record ready").await;
    app.wait_text("ids-missing", |t| t.contains("not in the archive")).await;
    app.click("include-missing").await;
    app.click("export-button").await;
    let failed = app.wait_rows("failed", 60, |rows| rows.len() == 1 && rows[0].1 == "failed").await;
    assert!(failed[0].2.contains("404"), "the row says what went wrong: {:?}", failed[0].2);
    app.screenshot("05-failed").await;

    app.click("settings-button").await;
    app.wait_for("dialog.settings[open]").await;
    app.screenshot("06-settings").await;
    app.client.find(Locator::Css("dialog.settings button[type=\"button\"]")).await.unwrap();

    // Restart: the jobs are still listed.
    let home = app.close_keep_home().await;
    let app = App::launch_in(home).await;
    app.wait_text("mode-badge", |t| t == "Sandbox").await;
    app.wait_rows("history", 30, |rows| rows.len() == 4 && rows.iter().filter(|r| r.1 == "downloaded").count() == 3)
        .await;
    app.wait_rows("failed", 30, |rows| rows.len() == 1).await;
    app.screenshot("07-after-restart").await;
    app.close().await;
}
