//! Serving an axum router on 127.0.0.1 with a free port until the returned sender is dropped.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::watch;

/// Starts `router`; returns its base URL and a sender whose drop stops the server gracefully.
pub(crate) async fn serve(router: axum::Router) -> std::io::Result<(String, watch::Sender<bool>)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let (stop_tx, mut stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.changed().await;
            })
            .await;
    });
    Ok((format!("http://{addr}"), stop_tx))
}
