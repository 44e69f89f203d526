//! The worker under faults of its own bucket and of hostile input: a `result.json` that cannot be
//! written makes the machine exit non-zero; a file larger than one part is uploaded in parts while it
//! is written and arrives whole; behind a proxy, the archive is read through it.

mod common;

use arke_export_contract::result::ResultStatus;
use arke_export_sandbox::{ArkeApi, CatalogSpec, S3Server, catalog};
use common::{BUCKET, World, sha256_hex};
use serde_json::json;

const HOSTILE_PI: &str = "01J0000000000000000000000H";

/// A catalog whose record [`HOSTILE_PI`] lists 30 `.ref.json` components of 6 MiB of OCR text each:
/// each under the per-component cap, 180 MiB together (almost three times the record's budget).
async fn world_with_a_hostile_manifest() -> World {
    let dir = tempfile::tempdir().unwrap();
    let catalog_dir = dir.path().join("catalog");
    let index = catalog::generate(&catalog_dir, CatalogSpec { size: 20, seed: 42 }).unwrap();
    let mut components = serde_json::Map::new();
    for i in 0..30 {
        let ocr = format!("{i} ").repeat(3 * 1024 * 1024);
        let bytes = serde_json::to_vec(&json!({"url": "https://cdn.arke.institute/x", "ocr": ocr})).unwrap();
        let cid = catalog::cid_of(&bytes);
        std::fs::write(catalog_dir.join("ipfs").join(&cid), bytes).unwrap();
        components.insert(format!("page{i}.ref.json"), json!(cid));
    }
    let manifest = json!({"pi": HOSTILE_PI, "ver": 1, "ts": "2026-03-04T05:06:07Z", "components": components});
    std::fs::write(catalog_dir.join("entities").join(format!("{HOSTILE_PI}.json")), manifest.to_string()).unwrap();
    let arke = ArkeApi::start(&catalog_dir).await.unwrap();
    let s3 = S3Server::start(&dir.path().join("s3"), BUCKET, "sandbox-access-key", common::SECRET).await.unwrap();
    World { dir, index, arke, s3 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_manifest_fails_its_record_not_the_machine() {
    let w = world_with_a_hostile_manifest().await;
    let good = w.index.items[0].clone();
    let pis = format!("{HOSTILE_PI},{good}");
    let run = w.run("hostile_1", &[("PIS", &pis)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let r = run.result();
    assert_eq!(r.status, ResultStatus::Success);
    assert_eq!((r.metrics.entities_exported, r.metrics.entities_failed), (1, 1));
    assert_eq!(r.failures[0].pi, HOSTILE_PI);
    assert!(r.failures[0].error.contains("together weigh more than"), "{}", r.failures[0].error);
    // Reading all 180 MiB would need more than that; the record's 64 MiB budget (held once as bytes,
    // once as parsed text at worst) keeps the machine well under 2 × 64 MiB.
    assert!(r.metrics.peak_memory_mb < 128.0, "peak {} MB", r.metrics.peak_memory_mb);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_json_the_bucket_refuses_makes_the_machine_exit_non_zero() {
    let w = World::new(20).await;
    let pi = w.index.items[0].clone();
    // The S3 server stores objects as files: a folder where result.json would go makes it refuse that
    // PUT (and only that one: the export file and progress.json are written as usual).
    let blocked = w.dir.path().join("s3").join(BUCKET).join("exports").join("refused_1").join("result.json");
    std::fs::create_dir_all(blocked.join("occupied")).unwrap();
    std::fs::write(blocked.join("occupied").join("x"), b"x").unwrap();
    let run = w.run("refused_1", &[("PI", &pi)]).await;
    assert!(run.file(&format!("{pi}.xml")).is_file(), "the export itself was uploaded: {}", run.stderr());
    assert_eq!(run.code(), 1, "result.json was not written, so the machine must fail: {}", run.stderr());
    assert!(run.stderr().contains("result.json"), "{}", run.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_larger_than_a_part_is_uploaded_in_parts_while_written_and_arrives_whole() {
    let w = World::new(2_500).await;
    let root = w.index.root.clone();
    let run =
        w.run("multipart_1", &[("PI", &root), ("EXPORT_OPTIONS", r#"{"recursive": true, "maxDepth": 50}"#)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let r = run.result();
    assert_eq!(r.status, ResultStatus::Success);
    let file = run.file(&format!("{root}-collection.xml"));
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > arke_export_worker::upload::MULTIPART_PART_BYTES, "the file must need parts: {size} bytes");
    assert_eq!(r.output_file_size, Some(size));
    assert_eq!(r.output_sha256.as_deref(), Some(sha256_hex(&file).as_str()), "the parts arrived in order, whole");
    common::assert_valid(&file);
}

/// Behind a proxy (`HTTP_PROXY`), records are read through it. Here the archive's own address does
/// not resolve, and the proxy is the sandbox's Arke API itself (it answers an absolute-form request
/// by its path), so the export succeeds only if every request went through the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_records_are_read_through_it() {
    let w = World::new(20).await;
    let env = [
        ("PI", w.index.root.as_str()),
        ("EXPORT_OPTIONS", r#"{"recursive": true, "maxDepth": 1}"#),
        ("ARKE_API_URL", "http://arke.invalid"),
        ("ARKE_IPFS_GATEWAY", "http://arke.invalid"),
        ("HTTP_PROXY", w.arke.url.as_str()),
        ("NO_PROXY", "127.0.0.1,localhost"),
    ];
    let run = w.run("proxied", &env).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let result = run.result();
    assert_eq!(result.metrics.entities_failed, 1, "only the catalog's missing record fails: {:?}", result.failures);
    assert!(result.metrics.entities_exported >= 9);
    assert!(w.arke.faults.requests() >= 20, "the records came through the proxy");
}
