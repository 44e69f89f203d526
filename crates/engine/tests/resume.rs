//! A resumed download checks what it got: a server that ignores `Range` (200, the whole object)
//! makes the download start over — not append the whole object to the partial file, nor fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use arke_export_contract::secret::Secret;
use arke_export_contract::storage::StorageConfig;
use arke_export_engine::download::{DownloadSpec, download, part_path};
use arke_export_engine::r2::R2Store;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP server that answers every GET with the whole `body` (200), whatever range was asked;
/// counts the requests that asked for one.
async fn ignoring_range(body: Vec<u8>) -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let ranged = Arc::new(AtomicU32::new(0));
    let counter = ranged.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let (body, counter) = (body.clone(), counter.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n @ 1..) = socket.read(&mut buf).await else { return };
                    request.extend_from_slice(&buf[..n]);
                }
                if String::from_utf8_lossy(&request).to_ascii_lowercase().contains("\r\nrange: bytes=") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    (url, ranged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_range_makes_the_download_start_over() {
    let content: Vec<u8> = (0..40_000u32).flat_map(u32::to_le_bytes).collect();
    let (endpoint, ranged) = ignoring_range(content.clone()).await;
    let r2 = R2Store::new(&StorageConfig {
        endpoint,
        bucket: "bucket".into(),
        access_key_id: "key".into(),
        secret_access_key: Secret::new("secret"),
    });
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.xml");
    // What an earlier, interrupted attempt left.
    std::fs::write(part_path(&target), &content[..1000]).unwrap();
    let sha = hex::encode(Sha256::digest(&content));
    let spec = DownloadSpec {
        key: "exports/t/x.xml",
        size: content.len() as u64,
        sha256: Some(&sha),
        target: &target,
        replace: false,
    };
    download(&r2, &spec, |_, _| {}).await.unwrap();
    assert_eq!(ranged.load(Ordering::SeqCst), 1, "the resume asked for the rest");
    assert_eq!(std::fs::read(&target).unwrap(), content, "the file is the object, once");
    assert!(!part_path(&target).exists());
}
