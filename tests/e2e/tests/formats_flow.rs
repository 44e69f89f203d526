//! Several formats in the real window: MODS + DC checked, the button names both, the job's one
//! Download… saves both files (the save dialog's test seam: into the save folder), each valid.

use arke_export_e2e::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_in_mods_and_dc_downloads_both_files() {
    let app = App::launch().await;
    app.wait_text("mode-badge", |t| t == "Sandbox").await;

    // One sample record.
    app.click("sample-ids").await;
    app.wait_text("ids-summary", |t| t.starts_with("3 records ready")).await;
    let input = app.wait_for("[data-testid=\"ids-input\"]").await;
    let samples = input.prop("value").await.unwrap().unwrap_or_default();
    let pi = samples.lines().next().unwrap().trim().to_owned();
    input.clear().await.unwrap();
    input.send_keys(&pi).await.unwrap();
    app.wait_text("ids-summary", |t| t == "1 record ready").await;

    // MODS is checked by default; checking DC renames the button.
    assert_eq!(app.wait_text("export-button", |t| !t.is_empty()).await, "Export MODS");
    app.click("format-dc").await;
    app.wait_text("export-button", |t| t == "Export MODS + DC").await;
    app.screenshot("10-formats-chosen").await;
    app.click("export-button").await;

    let ready = app.wait_rows("current", 90, |rows| rows.len() == 1 && rows[0].1 == "ready").await;
    let id = &ready[0].0;
    assert!(ready[0].2.contains("MODS + DC ready"), "the row says which formats are ready: {:?}", ready[0].2);
    app.click_css(&format!("[data-job-id=\"{id}\"] [data-testid=\"download-button\"]")).await;
    // The job is downloaded once its first file is saved; both are saved when the row says so.
    app.wait_rows("current", 60, |rows| {
        rows.len() == 1 && rows[0].1 == "downloaded" && rows[0].2.contains("MODS + DC saved")
    })
    .await;
    app.screenshot("11-formats-downloaded").await;

    let mut files: Vec<String> = std::fs::read_dir(app.save_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, [format!("{pi}-dc.xml"), format!("{pi}.xml")]);
    arke_export_xml_check::validate_mods(&app.save_dir().join(format!("{pi}.xml"))).unwrap();
    arke_export_xml_check::validate_dc(&app.save_dir().join(format!("{pi}-dc.xml"))).unwrap();
    app.close().await;
}
