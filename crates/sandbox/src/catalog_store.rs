//! The Arke API stand-in's data: every manifest (ordered by PI, for the listing), every component's
//! bytes, and the origin block — read from a catalog folder (see [`crate::catalog`]) and kept in memory.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::Path;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

use crate::catalog::{CatalogIndex, cid_of};
use crate::wide::WideCollection;

/// The PI of the Arke origin block (`GET /arke`), as the real API names it.
pub const ORIGIN_PI: &str = "00000000000000000000000000";
/// `GET /entities` answers this many entities when no `limit` is given…
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// …and never more than this many.
pub const MAX_LIST_LIMIT: usize = 1000;

/// What the listing shows of an entity with `include_metadata=true`.
#[derive(Debug, Clone, Serialize)]
struct Metadata {
    ver: u64,
    ts: String,
    note: Option<String>,
    component_count: usize,
    children_count: usize,
}

struct Entity {
    body: Bytes,
    tip: String,
    metadata: Metadata,
}

impl Entity {
    fn read(body: Bytes) -> Entity {
        let manifest: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let count = |field: &str| match &manifest[field] {
            Value::Array(items) => items.len(),
            Value::Object(items) => items.len(),
            _ => 0,
        };
        Entity {
            tip: manifest["manifest_cid"].as_str().map_or_else(|| cid_of(&body), str::to_owned),
            metadata: Metadata {
                ver: manifest["ver"].as_u64().unwrap_or(1),
                ts: manifest["ts"].as_str().unwrap_or_default().to_owned(),
                note: manifest["note"].as_str().map(str::to_owned),
                component_count: count("components"),
                children_count: count("children_pi"),
            },
            body,
        }
    }
}

/// A parsed `GET /entities` query.
pub(crate) struct ListQuery {
    limit: usize,
    cursor: Option<String>,
    include_metadata: bool,
}

impl ListQuery {
    pub(crate) fn parse(params: &HashMap<String, String>) -> Result<ListQuery, String> {
        let limit = match params.get("limit") {
            None => DEFAULT_LIST_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_LIST_LIMIT).contains(&n) => n,
                _ => return Err(format!("limit must be a whole number from 1 to {MAX_LIST_LIMIT}")),
            },
        };
        let cursor = params.get("cursor").filter(|c| !c.is_empty()).cloned();
        if cursor.as_ref().is_some_and(|c| c.len() > 64 || !c.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err("cursor is not one this API gave out".to_owned());
        }
        let include_metadata = match params.get("include_metadata").map(String::as_str) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err("include_metadata must be true or false".to_owned()),
        };
        Ok(ListQuery { limit, cursor, include_metadata })
    }
}

#[derive(Serialize)]
struct ListEntry<'a> {
    pi: &'a str,
    tip: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a Metadata>,
}

pub(crate) struct CatalogStore {
    entities: BTreeMap<String, Entity>,
    blobs: HashMap<String, Bytes>,
    origin: String,
    /// The origin block's children, when this store made the origin block (else `None`).
    top_level: Option<Vec<String>>,
    origin_ver: u64,
}

fn load(dir: &Path, suffix: &str) -> std::io::Result<Vec<(String, Bytes)>> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(found) };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(key) = name.strip_suffix(suffix) {
            found.push((key.to_owned(), Bytes::from(std::fs::read(entry.path())?)));
        }
    }
    Ok(found)
}

impl CatalogStore {
    /// Reads `dir`. Without an `entities/{ORIGIN_PI}.json` of its own, the origin block is made here: its
    /// children are the index's root, or else every record without a parent.
    pub(crate) fn load(dir: &Path) -> std::io::Result<CatalogStore> {
        let entities: BTreeMap<String, Entity> =
            load(&dir.join("entities"), ".json")?.into_iter().map(|(pi, body)| (pi, Entity::read(body))).collect();
        let blobs = load(&dir.join("ipfs"), "")?.into_iter().collect();
        let mut store = CatalogStore { entities, blobs, origin: ORIGIN_PI.to_owned(), top_level: None, origin_ver: 0 };
        if !store.entities.contains_key(ORIGIN_PI) {
            let top = match CatalogIndex::read(dir) {
                Ok(index) => vec![index.root],
                Err(_) => store
                    .entities
                    .iter()
                    .filter(|(_, e)| serde_json::from_slice::<Value>(&e.body).is_ok_and(|m| m["parent_pi"].is_null()))
                    .map(|(pi, _)| pi.clone())
                    .collect(),
            };
            store.top_level = Some(top);
            store.write_origin();
        }
        Ok(store)
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    pub(crate) fn manifest(&self, pi: &str) -> Option<Bytes> {
        self.entities.get(pi).map(|e| e.body.clone())
    }

    pub(crate) fn blob(&self, cid: &str) -> Option<Bytes> {
        self.blobs.get(cid).cloned()
    }

    pub(crate) fn put(&mut self, pi: &str, manifest: Bytes, blobs: Vec<(String, Bytes)>) {
        self.blobs.extend(blobs);
        self.entities.insert(pi.to_owned(), Entity::read(manifest));
    }

    /// Adds a generated collection and lists it in the origin block (a new version of it).
    pub(crate) fn add_top_level(&mut self, wide: WideCollection) {
        for (cid, bytes) in wide.blobs {
            self.blobs.insert(cid, Bytes::from(bytes));
        }
        for (pi, body) in wide.manifests {
            self.put(&pi, Bytes::from(body), Vec::new());
        }
        if let Some(top) = &mut self.top_level {
            top.push(wide.pi);
            self.write_origin();
        }
    }

    fn write_origin(&mut self) {
        let Some(top) = &self.top_level else { return };
        self.origin_ver += 1;
        let pinax = serde_json::to_vec(&json!({
            "id": ORIGIN_PI,
            "title": "Arke Sample Archive",
            "type": "Collection",
            "creator": "Arke Institute",
            "institution": "Arke Sample Archive",
            "created": "2025",
            "access_url": format!("https://arke.institute/{ORIGIN_PI}"),
            "description": "The origin block of the sandbox's archive: every top collection is its child.",
        }))
        .expect("JSON values serialize");
        let pinax_cid = cid_of(&pinax);
        let manifest = json!({
            "pi": ORIGIN_PI,
            "ver": self.origin_ver,
            "ts": "2025-01-01T00:00:00Z",
            "manifest_cid": cid_of(format!("{ORIGIN_PI}@{}", self.origin_ver).as_bytes()),
            "components": { "pinax.json": pinax_cid },
            "children_pi": top,
            "note": "origin block",
        });
        self.put(ORIGIN_PI, Bytes::from(manifest.to_string()), vec![(pinax_cid, Bytes::from(pinax))]);
    }

    /// One page of `GET /entities`, as JSON: entities after the cursor, in PI order.
    pub(crate) fn list(&self, query: &ListQuery) -> String {
        let start = query.cursor.as_ref().map_or(Bound::Unbounded, |c| Bound::Excluded(c.clone()));
        let page: Vec<(&String, &Entity)> =
            self.entities.range((start, Bound::Unbounded)).take(query.limit + 1).collect();
        let more = page.len() > query.limit;
        let page = &page[..page.len().min(query.limit)];
        let entries: Vec<ListEntry<'_>> = page
            .iter()
            .map(|(pi, e)| ListEntry { pi, tip: &e.tip, metadata: query.include_metadata.then_some(&e.metadata) })
            .collect();
        let next_cursor = if more { page.last().map(|(pi, _)| pi.as_str()) } else { None };
        json!({ "entities": entries, "limit": query.limit, "next_cursor": next_cursor }).to_string()
    }
}
