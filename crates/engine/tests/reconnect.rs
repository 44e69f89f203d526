//! Re-attach runs in the background: with Fly out of reach (it accepts connections and never answers),
//! the engine starts at once, lists its jobs, and says it is reconnecting; dropped, it stops at once.

mod common;

use std::time::Duration;

use arke_export_engine::Engine;
use arke_export_engine::events::JobEvent;
use arke_export_engine::services::Services;
use common::External;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_starts_at_once_when_fly_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let ext = External::start(dir.path(), 10).await;
    // A Fly API that takes every connection and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let config = ext.config(&[("FLY_API_URL", url.clone())]);
    // The keyring holds the token for the sandbox's host; this Fly is on another port of the same host.
    let secrets = &ext.secrets;
    let fly = Some(url.as_str());
    let token = arke_export_engine::secrets::Secret::new("token".to_owned());
    secrets.set(arke_export_engine::secrets::SecretKind::FlyToken, fly, &token).unwrap();
    let services = Services::fly(&config, secrets).unwrap();
    let started =
        tokio::time::timeout(Duration::from_secs(5), Engine::start(config, services, &dir.path().join("data")))
            .await
            .expect("the engine waits for no answer from Fly before it starts")
            .unwrap();
    assert!(started.reconnecting(), "it says it is reconnecting");
    assert!(started.jobs().unwrap().is_empty());
    let mut events = started.events().subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(started.reconnecting(), "still reconnecting: Fly has not answered");
    assert!(!matches!(events.try_recv(), Ok(JobEvent::Reconnecting { active: false })));

    // Dropped (the app replaces its engine when settings change): the re-attach still waiting for Fly
    // lets go of it at once, so nothing of the old engine goes on with the old settings. Its events
    // end when the last of it is gone.
    drop(started);
    let gone = tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(events.recv().await, Err(tokio::sync::broadcast::error::RecvError::Closed)) {}
    })
    .await;
    assert!(gone.is_ok(), "a dropped engine was kept alive by its re-attach");
}
