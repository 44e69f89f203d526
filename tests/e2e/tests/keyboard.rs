//! The keyboard-only path, from a fresh window and without a single pointer event: Tab to the
//! list, type record IDs, Ctrl+Enter exports, the arrow keys move through the job rows, Enter opens
//! a job's details and Escape closes them (focus back on the row), Tab and Enter download a file,
//! Settings opens with Enter and closes with Escape, focus going back to where it was.

use std::time::{Duration, Instant};

use arke_export_e2e::App;
use arke_export_e2e::a11y::key;

/// Counts pointer events (none may happen: the whole path is the keyboard's).
const COUNT_POINTER: &str = "window.__pointerEvents = 0; \
    for (const t of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) \
      window.addEventListener(t, () => (window.__pointerEvents += 1), true); return true;";

/// Waits (reading the DOM only: no tab is clicked) until `ok` holds for the job rows.
async fn wait_rows(
    app: &App,
    secs: u64,
    ok: impl Fn(&[(String, String, String)]) -> bool,
) -> Vec<(String, String, String)> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let rows = app.rows().await;
        if ok(&rows) {
            return rows;
        }
        assert!(Instant::now() < deadline, "the job rows never became as expected; last: {rows:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_export_navigate_details_download_settings() {
    let app = App::launch().await;
    app.wait_text("mode-badge", |t| t == "Sandbox").await;
    app.js(COUNT_POINTER).await;
    // The sandbox's catalog is generated the same way every time: its first items exist.
    let index = arke_export_sandbox::catalog::generate(
        &app.home.path().join("catalog-copy"),
        arke_export_sandbox::CatalogSpec::default(),
    )
    .unwrap();
    let ids: Vec<String> = index.items.iter().take(3).cloned().collect();

    // Focus the list (Tab from the fresh window), type the IDs, Ctrl+Enter.
    app.tab_until(false, 10, |f| f == "ids-input").await;
    app.type_text(&ids.join("\n")).await;
    app.wait_text("ids-summary", |t| t.starts_with("3 records ready")).await;
    app.chord(key::CONTROL, key::ENTER).await;
    let rows = wait_rows(&app, 30, |rows| rows.len() == 3).await;

    // Tab into the jobs list: one stop for the rows; the arrows move between them.
    let first = app.tab_until(false, 60, |f| f.starts_with("job:")).await;
    assert_eq!(first, format!("job:{}", rows[0].0), "the list's Tab stop is its first row");
    app.press(&[key::ARROW_DOWN]).await;
    assert_eq!(app.focused().await, format!("job:{}", rows[1].0));
    app.press(&[key::ARROW_DOWN, key::ARROW_DOWN]).await;
    assert_eq!(app.focused().await, format!("job:{}", rows[2].0), "the last row stays the last");
    app.press(&[key::ARROW_UP, key::ARROW_UP]).await;
    assert_eq!(app.focused().await, first);

    // Enter opens the row's details; Escape closes them, focus back on the row.
    app.press(&[key::ENTER]).await;
    app.wait_text_css("section.details:not([hidden]) h3", |t| t.contains(&rows[0].0)).await;
    app.press(&[key::ESCAPE]).await;
    app.wait_js("the details to close", 10, "return document.querySelector('section.details').hidden;", |h: &bool| *h)
        .await;
    assert_eq!(app.focused().await, first, "Escape gives focus back to the row");

    // Download: once the job is ready, Tab reaches its Download… button; Enter saves the file.
    wait_rows(&app, 90, |rows| rows.iter().any(|r| format!("job:{}", r.0) == first && r.1 == "ready")).await;
    app.wait_focus(10, |f| f == first).await;
    app.tab_until(false, 5, |f| f == "download-button").await;
    app.press(&[key::ENTER]).await;
    wait_rows(&app, 60, |rows| rows.iter().any(|r| format!("job:{}", r.0) == first && r.1 == "downloaded")).await;
    let files: Vec<_> = std::fs::read_dir(app.save_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // The row was redrawn (its state changed) under the focus: focus is on the row, not lost.
    app.wait_focus(10, |f| f == first).await;

    // Settings: Shift+Tab back to its button, Enter opens it (focus inside), Escape closes it.
    app.tab_until(true, 80, |f| f == "settings-button").await;
    app.press(&[key::ENTER]).await;
    app.wait_for("dialog.settings[open]").await;
    app.wait_js(
        "focus inside Settings",
        10,
        "return !!document.activeElement?.closest('dialog.settings');",
        |inside: &bool| *inside,
    )
    .await;
    app.press(&[key::ESCAPE]).await;
    app.wait_js("Settings to close", 10, "return !document.querySelector('dialog.settings').open;", |c: &bool| *c)
        .await;
    assert_eq!(app.focused().await, "settings-button", "Escape gives focus back to the Settings button");

    let pointer = app.js("return window.__pointerEvents;").await;
    assert_eq!(pointer, 0, "the keyboard-only path saw pointer events");
    app.close().await;
}
