//! The desktop shell: thin wiring from UI commands to the engine, and engine events back.

mod bridge;
#[cfg(test)]
mod command_drift;
mod commands;
mod dialogs;
mod grants;
#[cfg(test)]
mod permissions;
mod state;
mod updates;

use tauri::Manager;

/// Expands the command list (`command_list.rs`) into the invoke handler.
macro_rules! app_commands {
    ($($($segment:ident)::+),* $(,)?) => {
        tauri::generate_handler![$($($segment)::+),*]
    };
}

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
        // Checks and installs are the app's own commands (`update_check`, `update_install`); the
        // webview is granted none of the plugin's.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            app.manage(state::AppState::new());
            app.manage(updates::Pending::default());
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
        // Files dropped on the window: the native event names them, so the UI may have them read.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                window.state::<state::AppState>().file_grants.grant(paths.iter().cloned());
            }
        })
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                webview.state::<state::AppState>().file_grants.grant(paths.iter().cloned());
            }
        })
        .invoke_handler(include!("command_list.rs"))
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
