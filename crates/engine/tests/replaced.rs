//! A resume asks for the same object it started (`If-Match` on its ETag): when the object was replaced
//! meanwhile (412 Precondition Failed), the download starts over from zero — the file is the new
//! object whole, never the old one's first bytes spliced onto the new one's rest.

use std::sync::{Arc, Mutex};

use arke_export_contract::secret::Secret;
use arke_export_contract::storage::StorageConfig;
use arke_export_engine::download::{DownloadSpec, download, part_path};
use arke_export_engine::r2::R2Store;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP server standing in for a bucket whose object is replaced during a download: the first GET
/// gets half of version 1 and is cut; a GET with `If-Match: "v1"` gets 412; any other gets version 2
/// whole. Records each request's `(range asked, if-match)`.
async fn replaced_midway(v1: Vec<u8>, v2: Vec<u8>) -> (String, Arc<Mutex<Vec<(bool, Option<String>)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let Ok(n @ 1..) = socket.read(&mut buf).await else { break };
                request.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
            let if_match =
                head.lines().find_map(|l| l.strip_prefix("if-match:")).map(|v| v.trim().trim_matches('"').to_owned());
            let first = log.lock().unwrap().is_empty();
            log.lock().unwrap().push((head.contains("\r\nrange: bytes="), if_match.clone()));
            let (status, etag, body, send) = match (first, if_match.as_deref()) {
                (true, _) => ("200 OK", "v1", &v1, v1.len() / 2),
                (false, Some("v1")) => ("412 Precondition Failed", "v2", &v2, 0),
                _ => ("200 OK", "v2", &v2, v2.len()),
            };
            let length = if send == 0 { 0 } else { body.len() };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {length}\r\nETag: \"{etag}\"\r\nConnection: close\r\n\r\n"
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body[..send]).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_replaced_mid_download_is_downloaded_again_from_zero() {
    let v1: Vec<u8> = (0..50_000u32).flat_map(u32::to_le_bytes).collect();
    let v2: Vec<u8> = (0..50_000u32).rev().flat_map(u32::to_le_bytes).collect();
    let (endpoint, seen) = replaced_midway(v1, v2.clone()).await;
    let r2 = R2Store::new(&StorageConfig {
        endpoint,
        bucket: "bucket".into(),
        access_key_id: "key".into(),
        secret_access_key: Secret::new("secret"),
    });
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.xml");
    let sha = hex::encode(Sha256::digest(&v2));
    let spec = DownloadSpec {
        key: "exports/t/x.xml",
        size: v2.len() as u64,
        sha256: Some(&sha),
        target: &target,
        replace: false,
    };
    download(&r2, &spec, |_, _| {}).await.unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), v2, "the file is the new object, whole");
    assert!(!part_path(&target).exists());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [(false, None), (true, Some("v1".to_owned())), (false, None)],
        "cut; resumed on the same object (refused: replaced); started over from zero"
    );
}
