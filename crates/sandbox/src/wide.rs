//! A very large collection (thousands of children), generated in memory: for trying and measuring
//! how clients open big collections without writing thousands of files. Every child is a plain
//! item with a `pinax.json`; the collection has one too.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::catalog::cid_of;
use crate::rng::Rng;

/// The manifests (by PI) and component bytes (by CID) of a generated wide collection.
pub struct WideCollection {
    /// The collection's PI.
    pub pi: String,
    /// Its children's PIs, in order.
    pub children: Vec<String>,
    /// `PI → manifest bytes`, the collection first.
    pub manifests: Vec<(String, Vec<u8>)>,
    /// `CID → bytes`.
    pub blobs: Vec<(String, Vec<u8>)>,
}

fn pinax(pi: &str, title: &str, kind: &str, year: u64) -> Value {
    json!({
        "id": pi,
        "title": title,
        "type": kind,
        "creator": "Arke Sample Archive",
        "institution": "Arke Sample Archive",
        "created": format!("{year}"),
        "access_url": format!("https://arke.institute/{pi}"),
        "language": "en",
    })
}

fn manifest(pi: &str, ver: u64, pinax_cid: &str, parent: Option<&str>, children: &[String]) -> Value {
    let mut manifest = json!({
        "pi": pi,
        "ver": ver,
        "ts": "2025-06-01T12:00:00Z",
        "manifest_cid": cid_of(format!("{pi}@{ver}").as_bytes()),
        "components": BTreeMap::from([("pinax.json", pinax_cid)]),
    });
    if !children.is_empty() {
        manifest["children_pi"] = json!(children);
    }
    if let Some(parent) = parent {
        manifest["parent_pi"] = json!(parent);
    }
    manifest
}

/// A collection of `children` items (deterministic for a `seed`), child of `parent` when given.
pub fn generate(children: usize, seed: u64, parent: Option<&str>) -> WideCollection {
    let mut rng = Rng::new(seed ^ 0x5749_4445);
    let pi = rng.ulid();
    let child_pis: Vec<String> = (0..children).map(|_| rng.ulid()).collect();
    let mut manifests = Vec::with_capacity(children + 1);
    let mut blobs = Vec::with_capacity(children + 1);
    let mut add = |pi: &str, pinax: &Value, parent: Option<&str>, children: &[String], ver: u64| {
        let bytes = serde_json::to_vec(pinax).expect("JSON values serialize");
        let cid = cid_of(&bytes);
        let manifest = serde_json::to_vec(&manifest(pi, ver, &cid, parent, children)).expect("JSON values serialize");
        manifests.push((pi.to_owned(), manifest));
        blobs.push((cid, bytes));
    };
    let title = format!("A very large collection ({children} records)");
    add(&pi, &pinax(&pi, &title, "Collection", 1900), parent, &child_pis, 1);
    for (n, child) in child_pis.iter().enumerate() {
        let word = ["Letter", "Photograph", "Map", "Ledger page", "Survey sheet"][n % 5];
        let title = format!("{word} no. {}", n + 1);
        add(child, &pinax(child, &title, "Text", 1850 + rng.below(170)), Some(&pi), &[], 1 + rng.below(3));
    }
    WideCollection { pi, children: child_pis, manifests, blobs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_collection_lists_every_child_and_each_child_has_a_title() {
        let wide = generate(50, 3, Some("00000000000000000000000000"));
        assert_eq!(wide.children.len(), 50);
        assert_eq!(wide.manifests.len(), 51);
        let collection: Value = serde_json::from_slice(&wide.manifests[0].1).unwrap();
        assert_eq!(collection["children_pi"].as_array().unwrap().len(), 50);
        assert_eq!(collection["parent_pi"], "00000000000000000000000000");
        let child: Value = serde_json::from_slice(&wide.manifests[7].1).unwrap();
        let cid = child["components"]["pinax.json"].as_str().unwrap();
        let pinax = &wide.blobs.iter().find(|(c, _)| c == cid).unwrap().1;
        let pinax: Value = serde_json::from_slice(pinax).unwrap();
        assert!(pinax["title"].as_str().unwrap().ends_with("no. 7"), "{pinax}");
        assert_eq!(generate(50, 3, None).children, wide.children, "deterministic");
    }
}
