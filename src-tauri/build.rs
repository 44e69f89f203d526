/// The app's own commands. Each gets an `allow-<name>` permission, and the capability in
/// `capabilities/default.json` grants exactly these: nothing else is callable from the UI.
const COMMANDS: &[&str] = &[
    "app_info",
    "parse_ids",
    "sample_ids",
    "read_ids_file",
    "choose_ids_file",
    "submit",
    "list_jobs",
    "timeline",
    "download",
    "download_batch",
    "show_in_folder",
    "cancel",
    "retry",
    "remove",
    "settings_get",
    "settings_save",
    "secret_clear",
    "test_fly",
    "test_r2",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step failed");
}
