//! The desktop shell: thin wiring from UI commands to the engine.

mod commands;

use tauri::Manager;

/// Builds and runs the app until its last window closes.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let data_dir = arke_export_engine::app_info::default_data_dir(app.path().data_dir().ok());
            app.manage(commands::AppState { data_dir });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed to start");
}
