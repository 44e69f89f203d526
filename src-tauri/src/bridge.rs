//! Engine events → UI events (`job-event`) and desktop notifications.

use arke_export_engine::Engine;
use arke_export_engine::events::JobEvent;
use arke_export_engine::job::JobState;
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;

/// Forwards the engine's events until the engine goes away.
pub(crate) fn forward(app: AppHandle, engine: &Engine) {
    let mut rx = engine.events().subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    notify(&app, &event);
                    let _ = app.emit("job-event", &event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Too many at once: the UI reloads the whole list.
                    let _ = app.emit("jobs-reload", ());
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

fn notify(app: &AppHandle, event: &JobEvent) {
    let (title, body) = match event {
        JobEvent::BatchSettled { summary } => (
            "Export finished".to_owned(),
            format!("{} of {} ready; {} failed.", summary.ready + summary.downloaded, summary.jobs, summary.failed),
        ),
        JobEvent::Changed { job } if job.state == JobState::Failed => (
            "An export failed".to_owned(),
            format!("{}: {}", job.pis.first().cloned().unwrap_or_default(), job.reason.clone().unwrap_or_default()),
        ),
        _ => return,
    };
    // No notification daemon (e.g. a headless session) is not an error worth showing.
    let _ = app.notification().builder().title(title).body(body).show();
}
