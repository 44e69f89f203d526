//! The preview is the export: for every record of the sample catalog, the `<mods>` element the engine
//! previews is byte for byte the one a machine wrote into that record's exported file.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::job::JobState;
use common::{ids, sandbox_engine, settled, wait_for};

/// The `<mods>` element of a single-record MODS file.
fn mods_element(file: &str) -> &str {
    let start = file.find("<mods").expect("a mods element");
    let end = file.rfind("</mods>").expect("its end") + "</mods>".len();
    &file[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_of_every_record_is_the_mods_element_its_export_writes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let index = engine.services().sandbox.as_ref().unwrap().index.clone().unwrap();
    // Every record: complete ones, a collection (its own record only), no pinax.json, bad JSON, hostile
    // metadata, very long fields, a cycle.
    let all = index.all.join("\n");
    let (_, jobs) = engine.submit(&all, ExportOptions::default(), Some(1)).unwrap();
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(4), settled).await;
    let out = dir.path().join("out");
    let mut incomplete = 0;
    for job in &jobs {
        assert_eq!(job.state, JobState::Ready, "{job:?}");
        let pi = &job.pis[0];
        let saved = engine.download_to_dir(&job.id, &out).await.unwrap();
        let file = std::fs::read_to_string(saved.saved_to.as_deref().unwrap()).unwrap();
        let preview = engine.preview_record(pi).await.unwrap();
        assert_eq!(&preview.pi, pi);
        assert_eq!(preview.xml, mods_element(&file), "record {pi}");
        if preview.incomplete.is_some() {
            incomplete += 1;
        }
    }
    assert_eq!(jobs.len(), index.all.len());
    assert_eq!(incomplete, 2, "no pinax.json and unreadable pinax.json are flagged");

    let collection = engine.preview_record(&index.root).await.unwrap();
    assert_eq!(collection.xml.matches("<mods ").count(), 1, "a collection's own record, not its descendants");
    assert!(collection.xml.contains("<titleInfo>"), "{}", collection.xml);
    let missing = engine.preview_record(index.not_found.as_deref().unwrap()).await.unwrap_err();
    assert_eq!(missing.code().as_str(), "record_not_found");
    engine.shutdown().await;
}
