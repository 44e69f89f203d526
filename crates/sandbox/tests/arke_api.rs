//! The Arke API stand-in over HTTP: the origin block, the cursor listing, manifests, a wide
//! collection, and the request counters tests rely on.

use std::collections::HashSet;
use std::time::Duration;

use arke_export_sandbox::catalog::{self, CatalogSpec};
use arke_export_sandbox::{ArkeApi, ORIGIN_PI};
use serde_json::Value;

struct Harness {
    api: ArkeApi,
    index: arke_export_sandbox::CatalogIndex,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(size: usize) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let index = catalog::generate(dir.path(), CatalogSpec { size, seed: 11 }).unwrap();
        let api = ArkeApi::start(dir.path()).await.unwrap();
        Harness { api, index, http: reqwest::Client::new(), _dir: dir }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.api.url)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn the_origin_block_lists_the_catalog_root() {
    let api = Harness::start(30).await;
    let (status, origin) = api.get("/arke").await;
    assert_eq!(status, 200);
    assert_eq!(origin["pi"], ORIGIN_PI);
    assert_eq!(origin["children_pi"], serde_json::json!([api.index.root]));
    assert!(origin["components"]["pinax.json"].is_string(), "the origin block has a title: {origin}");
    let (status, same) = api.get(&format!("/entities/{ORIGIN_PI}")).await;
    assert_eq!((status, same), (200, origin), "the origin block is an entity like any other");
    assert_eq!(api.api.faults.requests_for("arke"), 1);
}

#[tokio::test]
async fn the_listing_pages_through_every_entity_once_in_order() {
    let api = Harness::start(30).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"));
        let (status, page) = api.get(&format!("/entities?limit=7{query}")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["limit"], 7);
        let entities = page["entities"].as_array().unwrap();
        assert!(entities.len() <= 7);
        for e in entities {
            assert!(e["tip"].as_str().unwrap().starts_with("bafkrei"), "{e}");
            assert!(e.get("ver").is_none(), "no metadata unless asked: {e}");
            seen.push(e["pi"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut expected: Vec<String> = api.index.all.clone();
    expected.push(ORIGIN_PI.to_owned());
    expected.sort();
    assert_eq!(seen, expected, "every entity once, by PI");
    assert_eq!(pages, expected.len().div_ceil(7));
}

#[tokio::test]
async fn metadata_is_added_when_asked_for() {
    let api = Harness::start(30).await;
    let (_, page) = api.get("/entities?limit=1000&include_metadata=true").await;
    let root = page["entities"].as_array().unwrap().iter().find(|e| e["pi"] == api.index.root.as_str()).unwrap();
    let (_, manifest) = api.get(&format!("/entities/{}", api.index.root)).await;
    assert_eq!(root["ver"], manifest["ver"]);
    assert_eq!(root["ts"], manifest["ts"]);
    assert_eq!(root["tip"], manifest["manifest_cid"]);
    assert_eq!(root["children_count"], manifest["children_pi"].as_array().unwrap().len());
    assert_eq!(root["component_count"], manifest["components"].as_object().unwrap().len());
    assert!(root.get("note").is_some(), "note is present (null when the manifest has none)");
    assert!(page["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_listing_queries_are_refused() {
    let api = Harness::start(12).await;
    for query in ["limit=0", "limit=1001", "limit=ten", "cursor=../../etc", "include_metadata=yes"] {
        let (status, body) = api.get(&format!("/entities?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["error"].is_string());
    }
    let (status, page) = api.get("/entities").await;
    assert_eq!((status, page["limit"].as_u64()), (200, Some(100)), "the default page size");
}

#[tokio::test]
async fn a_wide_collection_is_listed_by_a_new_version_of_the_origin() {
    let api = Harness::start(12).await;
    let (_, before) = api.get("/arke").await;
    let wide = api.api.add_wide_collection(10_000, 1);
    let (_, after) = api.get("/arke").await;
    assert_eq!(after["ver"].as_u64(), before["ver"].as_u64().map(|v| v + 1));
    assert_ne!(after["manifest_cid"], before["manifest_cid"]);
    assert_eq!(after["children_pi"][1], wide.as_str());
    let (status, collection) = api.get(&format!("/entities/{wide}")).await;
    assert_eq!(status, 200);
    let children = collection["children_pi"].as_array().unwrap();
    assert_eq!(children.len(), 10_000);
    assert_eq!(children.iter().filter_map(Value::as_str).collect::<HashSet<_>>().len(), 10_000);
    let (status, child) = api.get(&format!("/entities/{}", children[9_999].as_str().unwrap())).await;
    assert_eq!((status, &child["parent_pi"]), (200, &Value::from(wide.as_str())));
    let cid = child["components"]["pinax.json"].as_str().unwrap();
    let (status, pinax) = api.get(&format!("/ipfs/{cid}")).await;
    assert_eq!((status, pinax["title"].as_str().unwrap().ends_with("no. 10000")), (200, true), "{pinax}");
}

#[tokio::test]
async fn requests_in_flight_are_counted() {
    let api = Harness::start(12).await;
    api.api.faults.set_latency(Duration::from_millis(200));
    let url = format!("{}/entities/{}", api.api.url, api.index.root);
    let gets: Vec<_> = (0..5).map(|_| tokio::spawn(api.http.get(&url).send())).collect();
    for get in gets {
        assert_eq!(get.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(api.api.faults.max_in_flight(), 5);
    api.api.faults.reset_max_in_flight();
    assert_eq!(api.api.faults.max_in_flight(), 0);
    assert_eq!(api.api.faults.requests_for(&api.index.root), 5);
}

#[tokio::test]
async fn a_missing_record_answers_404_and_faults_apply_to_the_origin_too() {
    let api = Harness::start(12).await;
    let missing = api.index.not_found.clone().unwrap();
    assert_eq!(api.get(&format!("/entities/{missing}")).await.0, 404);
    api.api.faults.fail("arke", 503, Some(1));
    assert_eq!(api.get("/arke").await.0, 503);
    assert_eq!(api.get("/arke").await.0, 200);
}
