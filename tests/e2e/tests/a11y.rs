//! Accessibility, measured: axe-core on each main state of the real window — a new export with a
//! parsed list and errors, jobs mid-batch, the details drawer, Settings, Browse — in the light and
//! the dark theme, failing on any serious or critical violation; and screenshots (light, dark,
//! 200 % text at 1280×800) in the artifacts folder, with a check that nothing in a job row is cut
//! at 200 % text.

use arke_export_e2e::App;

/// Runs axe on the window now in both themes (ending in the light one); adds what blocks to `found`.
async fn check_both_themes(app: &App, state: &str, found: &mut Vec<String>) {
    for theme in ["dark", "light"] {
        app.set_theme(theme).await;
        found.extend(app.blocking_violations(&format!("{state} ({theme} theme)")).await);
    }
}

/// Elements in a job row whose box sticks out of the row (cut off, or over the next row).
const CUT_IN_ROWS: &str = r"
const cut = [];
for (const row of document.querySelectorAll('[data-testid=job-row]')) {
  const r = row.getBoundingClientRect();
  for (const el of row.querySelectorAll('*')) {
    const b = el.getBoundingClientRect();
    if (b.height > 0 && (b.top < r.top - 1 || b.bottom > r.bottom + 1)) cut.push(el.className + ': ' + el.textContent.slice(0, 40));
  }
}
return cut;
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_state_passes_axe_in_both_themes_and_text_scales() {
    let app = App::launch().await;
    app.wait_text("mode-badge", |t| t == "Sandbox").await;

    // A new export with a parsed list and an error (an invalid line).
    app.click("sample-ids").await;
    app.wait_text("ids-summary", |t| t.starts_with("3 records ready")).await;
    let input = app.wait_for("[data-testid=\"ids-input\"]").await;
    input.send_keys("\u{E007}not-a-record-id").await.unwrap();
    app.wait_text("ids-summary", |t| t.contains("1 invalid")).await;
    app.wait_list_rows(30, |rows| rows.len() == 3).await;
    let mut found = Vec::new();
    check_both_themes(&app, "new export", &mut found).await;
    app.screenshot("a11y-01-new-export-light").await;
    app.set_theme("dark").await;
    app.screenshot("a11y-01-new-export-dark").await;
    app.set_theme("light").await;

    // Jobs mid-batch.
    app.click("export-button").await;
    app.wait_rows("current", 30, |rows| rows.len() == 3).await;
    check_both_themes(&app, "jobs mid-batch", &mut found).await;

    // The details drawer of a job.
    let rows = app.wait_rows("current", 90, |rows| rows.len() == 3 && rows.iter().all(|r| r.1 == "ready")).await;
    app.click_css(&format!("[data-job-id=\"{}\"]", rows[0].0)).await;
    app.wait_for("section.details:not([hidden]) h3").await;
    check_both_themes(&app, "details drawer", &mut found).await;
    app.screenshot("a11y-02-jobs-details-light").await;
    app.set_theme("dark").await;
    app.screenshot("a11y-02-jobs-details-dark").await;
    app.set_theme("light").await;

    // 200 % text at 1280×800: nothing in a job row is cut or runs over the next.
    app.set_text_size(200).await;
    app.wait_rows("current", 10, |rows| rows.len() == 3).await;
    let cut: Vec<String> = serde_json::from_value(app.js(CUT_IN_ROWS).await).unwrap_or_default();
    app.screenshot("a11y-03-jobs-200-percent-text").await;
    if !cut.is_empty() {
        found.push(format!("at 200 % text, these stick out of their job row: {cut:#?}"));
    }
    found.extend(app.blocking_violations("jobs at 200 % text").await);
    app.set_text_size(100).await;

    // Settings.
    app.click("settings-button").await;
    app.wait_for("dialog.settings[open]").await;
    check_both_themes(&app, "settings", &mut found).await;
    app.screenshot("a11y-04-settings-light").await;
    app.click_css("dialog.settings .actions button[type=\"button\"]").await;

    // Browse.
    app.click("browse-button").await;
    app.wait_browse_rows(30, |rows| rows.iter().any(|r| !r.title.is_empty())).await;
    check_both_themes(&app, "browse", &mut found).await;
    app.screenshot("a11y-05-browse-light").await;
    app.close().await;
    assert!(found.is_empty(), "axe found serious or critical violations:\n{}", found.join("\n"));
}
