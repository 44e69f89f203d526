//! The download request against a real S3 server: ranged reads, and errors that say what is wrong
//! without ever carrying the presigned URL's signature or the secret.

use arke_export_contract::secret::Secret;
use arke_export_contract::storage::StorageConfig;
use arke_export_engine::r2::{R2Error, R2Store};
use arke_export_sandbox::S3Server;
use futures::TryStreamExt;

const SECRET: &str = "r2-download-test-secret-0123456789";

fn store(endpoint: &str, secret: &str) -> R2Store {
    R2Store::new(&StorageConfig {
        endpoint: endpoint.to_owned(),
        bucket: "test-bucket".into(),
        access_key_id: "ak".into(),
        secret_access_key: Secret::new(secret.to_owned()),
    })
}

async fn read_all(stream: arke_export_engine::r2::BodyStream) -> Vec<u8> {
    stream
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap()
}

fn assert_no_secret(e: &R2Error) {
    let text = format!("{e} {e:?}");
    for leak in [SECRET, "X-Amz-Signature", "X-Amz-Credential"] {
        assert!(!text.contains(leak), "{leak} leaked into: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_reads_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = S3Server::start(dir.path(), "test-bucket", "ak", SECRET).await.unwrap();
    let object = dir.path().join("test-bucket/exports/t/x.xml");
    std::fs::create_dir_all(object.parent().unwrap()).unwrap();
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&object, &body).unwrap();

    let r2 = store(&s3.endpoint, SECRET);
    let (stream, total) = r2.get_from("exports/t/x.xml", 0).await.unwrap();
    let all = read_all(stream).await;
    assert_eq!((total, all.len()), (100_000, 100_000));
    assert_eq!(all, body);
    let (stream, total) = r2.get_from("exports/t/x.xml", 99_000).await.unwrap();
    let tail = read_all(stream).await;
    assert_eq!(total, 100_000, "the total size, not the size of the range");
    assert_eq!(&tail[..], &body[99_000..]);

    let missing = r2.get_from("exports/t/gone.xml", 0).await.err().expect("a missing object is an error");
    assert!(missing.to_string().contains("no longer in the bucket"), "{missing}");
    assert_no_secret(&missing);

    let denied = store(&s3.endpoint, "not-the-secret").get_from("exports/t/x.xml", 0).await.err().unwrap();
    assert_eq!(denied.code(), arke_export_engine::error::ErrorCode::R2Denied, "{denied}");
    assert_no_secret(&denied);

    // Port 9 (discard) on loopback: nothing listens there.
    let down = store("http://127.0.0.1:9", SECRET).get_from("exports/t/x.xml", 0).await.err().unwrap();
    assert_eq!(down.code(), arke_export_engine::error::ErrorCode::R2Unreachable, "{down}");
    assert_no_secret(&down);
}
