//! The desktop shell: thin wiring from UI commands to the engine, and engine events back.

mod bridge;
mod commands;
mod state;

use tauri::Manager;

/// Builds and runs the app until its last window closes.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_log::Builder::new().level(tauri_plugin_log::log::LevelFilter::Info).build())
        .plugin(tauri_plugin_window_state::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let data_dir = arke_export_engine::app_info::default_data_dir(app.path().data_dir().ok());
            app.manage(state::AppState::new(data_dir));
            // Start the engine (and, in sandbox mode, the local stand-ins) before the UI asks for it.
            let handle = app.handle().clone();
            tauri::async_runtime::block_on(async move {
                let state = handle.state::<state::AppState>();
                match state.restart_engine().await {
                    Ok(engine) => bridge::forward(handle.clone(), &engine),
                    Err(e) => tracing::warn!("the engine did not start: {}", e.message),
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::files::parse_ids,
            commands::files::read_ids_file,
            commands::files::choose_ids_file,
            commands::jobs::sample_ids,
            commands::jobs::submit,
            commands::jobs::list_jobs,
            commands::jobs::timeline,
            commands::jobs::download,
            commands::jobs::download_batch,
            commands::jobs::show_in_folder,
            commands::jobs::cancel,
            commands::jobs::retry,
            commands::jobs::remove,
            commands::settings::settings_get,
            commands::settings::settings_save,
            commands::settings::secret_clear,
            commands::settings::test_fly,
            commands::settings::test_r2,
        ])
        .build(tauri::generate_context!())
        .expect("the Tauri runtime failed to start")
        .run(|app, event| {
            // Quitting stops the sandbox's machine processes cleanly.
            if let tauri::RunEvent::ExitRequested { .. } = event {
                let state = app.state::<state::AppState>();
                tauri::async_runtime::block_on(async {
                    if let Some(engine) = state.engine.write().await.take() {
                        engine.shutdown().await;
                    }
                });
            }
        });
}
