//! The real app in a real WebKit window: the first command round-trip works; the data folder is in
//! Settings › About.

use arke_export_e2e::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_shows_version_and_settings_show_the_data_dir_from_rust() {
    let app = App::launch().await;

    let name = app.wait_text("app-name", |t| !t.is_empty()).await;
    assert_eq!(name, "Arke Export");

    // Filled in by the `app_info` command: the placeholder "…" is gone only after the round-trip.
    let version = app.wait_text("app-version", |t| t != "…").await;
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")));
    let shot = app.screenshot("01-start").await;
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1000));

    // The data folder is developer information: in Settings › About, not the header.
    assert!(app.client.find(fantoccini::Locator::Css("header [data-testid=\"data-dir\"]")).await.is_err());
    app.click("settings-button").await;
    app.wait_for("dialog.settings[open]").await;
    let data_dir = app.wait_text("data-dir", |t| t != "…").await;
    let expected = app.home.path().join("data").join("arke-export");
    assert_eq!(data_dir, expected.display().to_string(), "the app must keep its data under XDG_DATA_HOME");
    app.close().await;
}
