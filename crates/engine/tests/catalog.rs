//! The catalog against the sandbox's Arke API: titles (found, missing, unavailable), the title cache,
//! Browse from the origin, bounded concurrency, and the export that sends no machine for a missing record.

mod common;

use std::time::Duration;

use arke_export_contract::options::ExportOptions;
use arke_export_engine::Engine;
use arke_export_engine::catalog::{RecordKind, RecordStatus};
use arke_export_sandbox::{ArkeFaults, CatalogIndex, ORIGIN_PI, Sandbox};
use common::{ids, sandbox_engine, wait_for};

fn sandbox(engine: &Engine) -> &Sandbox {
    engine.services().sandbox.as_ref().expect("sandbox mode")
}

fn faults(engine: &Engine) -> &ArkeFaults {
    &sandbox(engine).arke.faults
}

fn index(engine: &Engine) -> &CatalogIndex {
    sandbox(engine).index.as_ref().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_give_titles_flag_missing_records_and_cost_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 30, &[]).await;
    let index = index(&engine).clone();
    let missing = index.not_found.clone().unwrap();
    let mut pis: Vec<String> = index.items[..3].to_vec();
    pis.push(index.root.clone());
    pis.push(missing.clone());
    pis.push(index.missing_pinax.clone().unwrap());
    pis.push("not an id".to_owned());

    let before = faults(&engine).requests();
    let infos = engine.lookup_records(&pis).await.unwrap();
    let first_cost = faults(&engine).requests() - before;
    assert_eq!(infos.len(), pis.len(), "one answer per PI, in order");
    for info in &infos[..3] {
        assert_eq!(info.status, RecordStatus::Found, "{info:?}");
        assert!(info.title.as_deref().is_some_and(|t| t.contains(", no. ")), "{info:?}");
        assert_eq!((info.kind, info.children_count), (Some(RecordKind::Item), Some(0)));
        assert!(info.version.is_some() && info.date.is_some(), "{info:?}");
    }
    assert_eq!(infos[3].kind, Some(RecordKind::Collection));
    assert!(infos[3].children_count.unwrap() > 0);
    assert_eq!(infos[4].status, RecordStatus::Missing, "the archive answers 404");
    assert_eq!(infos[4].pi, missing);
    assert_eq!((infos[5].status, &infos[5].title), (RecordStatus::Found, &None), "no pinax.json: found, no title");
    assert_eq!(infos[6].status, RecordStatus::Unavailable, "not an ID: nothing asked");
    assert!(first_cost >= 6, "manifests and pinax.json were read: {first_cost}");

    // The second look: every found record comes from the cache (the missing one is asked again).
    let before = faults(&engine).requests();
    let again = engine.lookup_records(&pis).await.unwrap();
    assert_eq!(again, infos);
    assert_eq!(faults(&engine).requests() - before, 1, "only the missing record costs a request");
    assert_eq!(faults(&engine).requests_for(&index.items[0]), 1, "one manifest read for a found record");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let item = index(&engine).items[0].clone();
    let first = engine.lookup_records(std::slice::from_ref(&item)).await.unwrap();
    engine.shutdown().await;
    // A second engine on the same data folder (and the same catalog): no request for that record.
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let again = engine.lookup_records(std::slice::from_ref(&item)).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(faults(&engine).requests(), 0, "answered from SQLite");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_that_fails_makes_records_unavailable_never_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let items = index(&engine).items.clone();
    faults(&engine).fail(&items[0], 503, None);
    let infos = engine.lookup_records(&items[..2]).await.unwrap();
    assert_eq!(infos[0].status, RecordStatus::Unavailable);
    assert_eq!(infos[1].status, RecordStatus::Found);
    // Unavailable is not cached: once the archive answers again, the title comes.
    faults(&engine).clear();
    let infos = engine.lookup_records(&items[..1]).await.unwrap();
    assert_eq!(infos[0].status, RecordStatus::Found);
    let too_many: Vec<String> = (0..201).map(|_| items[0].clone()).collect();
    let e = engine.lookup_records(&too_many).await.unwrap_err();
    assert_eq!(e.code().as_str(), "too_many_records");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_opens_at_the_origin_and_walks_down_with_breadcrumbs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 100, &[]).await;
    let index = index(&engine).clone();
    let origin = engine.browse_open(None).await.unwrap();
    assert_eq!(origin.record.pi, ORIGIN_PI);
    assert_eq!(origin.record.title.as_deref(), Some("Arke Sample Archive"));
    assert_eq!(origin.children, vec![index.root.clone()]);
    assert!(origin.ancestors.is_empty());
    assert_eq!(faults(&engine).requests_for("arke"), 1, "GET /arke");

    let root = engine.browse_open(Some(&index.root)).await.unwrap();
    assert_eq!(root.record.kind, Some(RecordKind::Collection));
    assert!(root.children.contains(&index.not_found.clone().unwrap()), "a child that is missing is still listed");
    assert!(!root.children.is_empty());
    assert_eq!(root.ancestors.iter().map(|a| a.pi.as_str()).collect::<Vec<_>>(), vec![ORIGIN_PI]);

    // Two levels down: root first, the origin above it.
    let special = [&index.missing_pinax, &index.bad_json, &index.hostile, &index.long_fields, &index.cycle];
    let plain = |pi: &String| !special.iter().any(|s| s.as_ref() == Some(pi));
    let child = root.children.iter().find(|c| index.collections.contains(c) && plain(c)).unwrap().clone();
    let child_node = engine.browse_open(Some(&child)).await.unwrap();
    let grandchild = child_node.children[0].clone();
    let node = engine.browse_open(Some(&grandchild)).await.unwrap();
    let crumbs: Vec<&str> = node.ancestors.iter().map(|a| a.pi.as_str()).collect();
    assert_eq!(crumbs, vec![ORIGIN_PI, index.root.as_str(), child.as_str()]);
    assert!(node.ancestors.iter().all(|a| a.title.is_some()));

    // Cycles end: the record that lists the root and itself among its children.
    let cycle = engine.browse_open(index.cycle.as_deref()).await.unwrap();
    assert!(cycle.ancestors.len() <= 32);
    let missing = engine.browse_open(index.not_found.as_deref()).await.unwrap_err();
    assert_eq!(missing.code().as_str(), "record_not_found");
    let bad = engine.browse_open(Some("../../etc/passwd")).await.unwrap_err();
    assert_eq!(bad.code().as_str(), "invalid_record_id");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_manifest_version_brings_the_new_title() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let item = index(&engine).items[0].clone();
    let old = engine.browse_open(Some(&item)).await.unwrap().record;
    let pinax = serde_json::json!({"id": item, "title": "Renamed   record\n", "type": "Text"});
    let bytes = bytes::Bytes::from(pinax.to_string());
    let cid = arke_export_sandbox::catalog::cid_of(&bytes);
    let version = old.version.as_deref().unwrap().parse::<u64>().unwrap() + 1;
    let manifest = serde_json::json!({
        "pi": item, "ver": version, "ts": "2026-01-01T00:00:00Z",
        "manifest_cid": arke_export_sandbox::catalog::cid_of(b"renamed"), "components": {"pinax.json": cid},
    });
    sandbox(&engine).arke.put_entity(&item, &manifest, vec![(cid, bytes)]);
    let new = engine.browse_open(Some(&item)).await.unwrap().record;
    assert_eq!(new.title.as_deref(), Some("Renamed record"));
    assert_eq!(new.version, Some(version.to_string()));
    assert_eq!(engine.lookup_records(std::slice::from_ref(&item)).await.unwrap()[0], new, "the cache has it");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_never_have_more_requests_in_flight_than_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[("BROWSE_CONCURRENCY", "3".to_owned())]).await;
    let wide = sandbox(&engine).arke.add_wide_collection(200, 4);
    let node = engine.browse_open(Some(&wide)).await.unwrap();
    assert_eq!(node.children.len(), 200);
    faults(&engine).set_latency(Duration::from_millis(20));
    faults(&engine).reset_max_in_flight();
    let infos = engine.lookup_records(&node.children).await.unwrap();
    assert!(infos.iter().all(|i| i.status == RecordStatus::Found && i.title.is_some()));
    assert_eq!(faults(&engine).max_in_flight(), 3, "at most BROWSE_CONCURRENCY requests at once");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_leaves_out_missing_records_and_no_machine_is_made_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let index = index(&engine).clone();
    let missing = index.not_found.clone().unwrap();
    let text = format!("{}\n{missing}\n{}", index.items[0], index.items[1]);
    let submitted = engine.submit_checked(&text, ExportOptions::default(), &[], Some(1), false).await.unwrap();
    assert_eq!(submitted.left_out, vec![missing.clone()]);
    assert_eq!(submitted.jobs.len(), 2);
    assert!(submitted.jobs.iter().all(|j| j.title.as_deref().is_some_and(|t| t.contains(", no. "))));
    let titles = engine.lookup_records(&index.items[..2]).await.unwrap();
    assert_eq!(submitted.jobs[0].title, titles[0].title, "the job carries its record's title");
    assert_eq!(engine.job(&submitted.jobs[0].id).unwrap().title, titles[0].title, "stored with the job");
    let has_machine = |j: &arke_export_engine::job::Job| j.machine_id.is_some() || j.state.is_final();
    wait_for(&engine, &ids(&submitted.jobs), Duration::from_mins(1), has_machine).await;
    let log = sandbox(&engine).fly.fleet.create_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|r| r.to_string().contains(&index.items[0]) || r.to_string().contains(&index.items[1])));
    assert!(!log.iter().any(|r| r.to_string().contains(&missing)), "no machine for the missing record");

    // Only missing records: nothing is sent.
    let e = engine.submit_checked(&missing, ExportOptions::default(), &[], None, false).await.unwrap_err();
    assert_eq!(e.code().as_str(), "no_records");
    // Insisting sends it.
    let forced = engine.submit_checked(&missing, ExportOptions::default(), &[], None, true).await.unwrap();
    assert!(forced.left_out.is_empty());
    assert_eq!(forced.jobs[0].pis, vec![missing.clone()]);
    wait_for(&engine, &ids(&forced.jobs), Duration::from_mins(1), has_machine).await;
    let log = sandbox(&engine).fly.fleet.create_log();
    assert!(log.iter().any(|r| r.to_string().contains(&missing)), "--include-missing makes its machine");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_archive_never_blocks_an_export() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 12, &[]).await;
    let items = index(&engine).items.clone();
    faults(&engine).fail(&items[0], 503, None);
    let submitted = engine.submit_checked(&items[0], ExportOptions::default(), &[], None, false).await.unwrap();
    assert!(submitted.left_out.is_empty());
    assert_eq!(submitted.jobs.len(), 1);
    assert_eq!(submitted.jobs[0].title, None, "title unavailable");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_save_dialog_opens_where_the_last_download_went() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sandbox_engine(dir.path(), 1, &[]).await;
    let first = engine.download_dir();
    assert!(first.is_absolute() && first.is_dir(), "first time: the Downloads folder (or home): {first:?}");
    let chosen = dir.path().join("exports");
    std::fs::create_dir_all(&chosen).unwrap();
    engine.remember_download_dir(&chosen.join("record.xml")).unwrap();
    assert_eq!(engine.download_dir(), chosen);
    std::fs::remove_dir_all(&chosen).unwrap();
    assert_eq!(engine.download_dir(), first, "a folder that is gone is not offered");
    engine.shutdown().await;
}
