//! The worker binary end to end: real S3 server, Arke API over a generated catalog,
//! every output validated against the MODS 3.8 schema.

mod common;

use arke_export_contract::result::ResultStatus;
use common::{World, assert_valid, sha256_hex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_record_is_one_valid_mods_with_a_matching_result() {
    let w = World::new(40).await;
    let pi = w.index.items[0].clone();
    let run = w.run("single_1", &[("PI", &pi)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let file = run.file(&format!("{pi}.xml"));
    assert_valid(&file);
    let xml = run.xml(&format!("{pi}.xml"));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mods "), "root is a single mods record");
    assert!(xml.contains(" xmlns=\"http://www.loc.gov/mods/v3\""));
    assert!(!xml.contains("<modsCollection"));
    let r = run.result();
    assert_eq!(r.status, ResultStatus::Success);
    assert_eq!(r.batch_id, "single");
    assert_eq!(r.output_r2_key.as_deref(), Some(format!("exports/single_1/{pi}.xml").as_str()));
    assert_eq!(r.output_file_size, Some(std::fs::metadata(&file).unwrap().len()));
    assert_eq!(r.output_sha256.as_deref(), Some(sha256_hex(&file).as_str()));
    assert_eq!(r.outputs.len(), 1, "MODS alone by default");
    assert_eq!(r.outputs[0].file_name, format!("{pi}.xml"));
    assert_eq!((r.metrics.entities_exported, r.metrics.entities_failed), (1, 0));
    assert!(r.metrics.peak_memory_mb > 0.0);
    let progress: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.file("progress.json")).unwrap()).unwrap();
    assert_eq!(progress["task_id"], "single_1");
    assert!(!run.stderr().contains(common::SECRET), "the secret must never be printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recursive_export_covers_the_tree_survives_the_cycle_and_records_the_404() {
    let w = World::new(120).await;
    let root = w.index.root.clone();
    let opts = r#"{"recursive": true, "maxDepth": 10, "parallelBatchSize": 4}"#;
    let run = w.run("rec_1", &[("PI", &root), ("EXPORT_OPTIONS", opts), ("BATCH_ID", "b1")]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let name = format!("{root}-collection.xml");
    assert_valid(&run.file(&name));
    let xml = run.xml(&name);
    assert!(xml.contains("<modsCollection"));
    let r = run.result();
    // Every entity once (the cycle visits nobody twice), the missing child as the one failure.
    assert_eq!(r.metrics.entities_exported, 120);
    assert_eq!(xml.matches("<mods ").count(), 120);
    assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
    assert_eq!(r.failures[0].pi, w.index.not_found.clone().unwrap());
    assert!(r.failures[0].error.contains("404"), "{}", r.failures[0].error);
    assert_eq!(r.metrics.entities_incomplete, 2, "missing and unreadable pinax.json give minimal records");
    assert_eq!(r.batch_id, "b1");
    assert!(xml.contains("[Incomplete Record: "));
    assert!(xml.contains(&format!("ID=\"entity-{root}\"")));
    assert!(xml.contains("depth: 0, path: /"));

    // Deterministic order whatever the timing: a second run with more parallelism gives the same bytes.
    let opts = r#"{"recursive": true, "maxDepth": 10, "parallelBatchSize": 32}"#;
    let again = w.run("rec_2", &[("PI", &root), ("EXPORT_OPTIONS", opts), ("BATCH_ID", "b1")]).await;
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert_eq!(again.xml(&name), xml, "the same tree must give the same file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_depth_is_respected() {
    let w = World::new(120).await;
    let run =
        w.run("depth_1", &[("PI", &w.index.root), ("EXPORT_OPTIONS", r#"{"recursive": true, "maxDepth": 1}"#)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let r = run.result();
    // The root and its 8 children; the 9th child is the missing one.
    assert_eq!(r.metrics.entities_exported, 9);
    assert!(!run.xml(&format!("{}-collection.xml", w.index.root)).contains("depth: 2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_pis_make_one_collection_named_after_the_task() {
    let w = World::new(40).await;
    let ids = format!("{}, {}\n{}", w.index.items[0], w.index.items[1], w.index.items[2]);
    let run = w.run("multi_1", &[("PIS", &ids)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_valid(&run.file("multi_1-collection.xml"));
    let xml = run.xml("multi_1-collection.xml");
    assert_eq!(xml.matches("<mods ").count(), 3);
    let first = xml.find(w.index.items[0].as_str()).unwrap();
    let third = xml.find(w.index.items[2].as_str()).unwrap();
    assert!(first < third, "records follow the order of PIS");
    assert_eq!(run.result().metrics.entities_exported, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_unreadable_pinax_give_valid_minimal_records() {
    let w = World::new(40).await;
    for (task, pi) in
        [("missing_1", w.index.missing_pinax.clone().unwrap()), ("badjson_1", w.index.bad_json.clone().unwrap())]
    {
        let run = w.run(task, &[("PI", &pi)]).await;
        assert_eq!(run.code(), 0, "{}", run.stderr());
        let name = format!("{pi}.xml");
        assert_valid(&run.file(&name));
        let xml = run.xml(&name);
        assert!(xml.contains(&format!("[Incomplete Record: {pi}]")));
        assert!(xml.contains(&format!("{}/entities/{pi}", w.arke.url)), "links point at the endpoint really read");
        assert_eq!(run.result().metrics.entities_incomplete, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_record_fails_the_task_with_a_result_and_no_export() {
    let w = World::new(40).await;
    let pi = w.index.not_found.clone().unwrap();
    let run = w.run("nf_1", &[("PI", &pi)]).await;
    assert_eq!(run.code(), 1);
    let r = run.result();
    assert_eq!(r.status, ResultStatus::Error);
    assert!(r.error.as_deref().unwrap().contains("404"), "{:?}", r.error);
    assert_eq!(r.metrics.entities_exported, 0);
    assert!(!run.file(&format!("{pi}.xml")).exists(), "never upload an empty or invalid export");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_are_a_clear_error_in_result_json() {
    let w = World::new(10).await;
    let run = w.run("opts_1", &[("PI", &w.index.root), ("EXPORT_OPTIONS", r#"{"recursive":"yes"}"#)]).await;
    assert_eq!(run.code(), 1);
    let err = run.result().error.unwrap();
    assert!(err.contains("EXPORT_OPTIONS") && err.contains("invalid type"), "{err}");
    assert!(run.stderr().contains("EXPORT_OPTIONS"));
    assert!(!run.stderr().contains(common::SECRET));

    let run = w.run("fmt_1", &[("PI", &w.index.root), ("EXPORT_FORMAT", "marc21")]).await;
    assert_eq!(run.code(), 1);
    assert!(run.result().error.unwrap().contains("EXPORT_FORMAT"));

    let run = w.run("badpi_1", &[("PI", "not-a-ulid")]).await;
    assert_eq!(run.code(), 1);
    assert!(run.result().error.unwrap().contains("not a record ID"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_and_give_up_after_three_attempts() {
    let w = World::new(40).await;
    let pi = w.index.items[0].clone();
    w.arke.faults.fail(&pi, 500, Some(2));
    let run = w.run("retry_1", &[("PI", &pi)]).await;
    assert_eq!(run.code(), 0, "two 500s then success: {}", run.stderr());
    assert_valid(&run.file(&format!("{pi}.xml")));

    w.arke.faults.fail(&pi, 503, Some(3));
    let run = w.run("retry_2", &[("PI", &pi)]).await;
    assert_eq!(run.code(), 1, "three failures: give up");
    assert!(run.result().error.unwrap().contains("503"));

    w.arke.faults.fail(&pi, 404, Some(1));
    let before = w.arke.faults.requests();
    let run = w.run("retry_3", &[("PI", &pi)]).await;
    assert_eq!(run.code(), 1, "404 is final");
    assert_eq!(w.arke.faults.requests() - before, 1, "a 404 is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_huge_metadata_still_validates() {
    let w = World::new(40).await;
    for (task, pi) in
        [("hostile_1", w.index.hostile.clone().unwrap()), ("long_1", w.index.long_fields.clone().unwrap())]
    {
        let run = w.run(task, &[("PI", &pi)]).await;
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert_valid(&run.file(&format!("{pi}.xml")));
    }
    let xml = w.run("hostile_2", &[("PI", w.index.hostile.as_deref().unwrap())]).await;
    let xml = xml.xml(&format!("{}.xml", w.index.hostile.as_deref().unwrap()));
    assert!(xml.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"Ledger\""));
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'));
    assert!(xml.contains("<namePart>42</namePart>"), "numbers in a creator list are kept as text");
    assert!(!xml.contains("javascript:"), "an unusable access_url never becomes a link");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_control_ocr_and_the_knowledge_graph() {
    let w = World::new(40).await;
    let root = w.index.root.clone();
    let full = w.run("ocr_on", &[("PI", &root)]).await.xml(&format!("{root}.xml"));
    assert!(full.contains("type=\"ocr\"") && full.contains("type=\"cheimarros-relation\""));
    assert!(full.contains("<languageTerm type=\"code\" authority=\"iso639-2b\">"));
    let run = w
        .run("ocr_off", &[("PI", &root), ("EXPORT_OPTIONS", r#"{"includeOcr": false, "cheimarrosMode": "minimal"}"#)])
        .await;
    let xml = run.xml(&format!("{root}.xml"));
    assert_valid(&run.file(&format!("{root}.xml")));
    assert!(!xml.contains("type=\"ocr\""));
    assert!(!xml.contains("cheimarros-relation") && xml.contains("Knowledge Graph"));
    let run = w.run("graph_skip", &[("PI", &root), ("EXPORT_OPTIONS", r#"{"cheimarrosMode": "skip"}"#)]).await;
    assert!(!run.xml(&format!("{root}.xml")).contains("Knowledge Graph"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_storage_endpoint_fails_cleanly_and_leaves_no_temp_file() {
    let w = World::new(10).await;
    let run = w.run("dead_1", &[("PI", &w.index.root), ("R2_ENDPOINT", "http://127.0.0.1:9")]).await;
    assert_eq!(run.code(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("dead_1-"))
        .collect();
    assert!(leftovers.is_empty(), "the temp file is removed in every case");
}

/// `parallelBatchSize` entities at once, two requests each: with a slow archive the worker keeps
/// exactly that many requests in flight, never more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_twice_the_parallel_batch_size() {
    let world = World::new(80).await;
    world.arke.faults.set_latency(std::time::Duration::from_millis(20));
    let run = world
        .run(
            "inflight",
            &[
                ("PI", &world.index.root),
                ("EXPORT_OPTIONS", r#"{"recursive": true, "maxDepth": 50, "parallelBatchSize": 3}"#),
            ],
        )
        .await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.result().metrics.entities_exported >= 80);
    assert_eq!(world.arke.faults.max_in_flight(), 6);
}
