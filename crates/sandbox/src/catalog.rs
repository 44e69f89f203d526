//! The sample catalog: a deterministic (seeded) collection tree in the Arke API's shapes,
//! with the awkward cases real archives have.
//!
//! Layout of a catalog folder (also for your own catalogs):
//! - `entities/{PI}.json` — the manifest, exactly as `GET /entities/{PI}` returns it;
//! - `ipfs/{CID}` — each component's bytes, as `GET /ipfs/{CID}` returns them;
//! - `index.json` — the record IDs by kind (optional; written by the generator).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::rng::Rng;

/// Children per collection: a 500-entity catalog is four levels deep.
const FANOUT: usize = 8;

#[derive(Debug, Clone, Copy)]
pub struct CatalogSpec {
    pub size: usize,
    pub seed: u64,
}

impl Default for CatalogSpec {
    fn default() -> Self {
        CatalogSpec { size: 500, seed: 1 }
    }
}

/// The record IDs of a generated catalog, by kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CatalogIndex {
    /// The top collection: export it recursively for the whole tree.
    pub root: String,
    /// Records with children.
    pub collections: Vec<String>,
    /// Plain records with complete metadata: good IDs to try.
    pub items: Vec<String>,
    /// No pinax.json: exported as a minimal "incomplete" record.
    pub missing_pinax: Option<String>,
    /// pinax.json is not valid JSON: also a minimal record.
    pub bad_json: Option<String>,
    /// Listed as a child of the root but answers 404.
    pub not_found: Option<String>,
    /// Lists the root (its ancestor) and itself among its children.
    pub cycle: Option<String>,
    /// Markup, control characters and wrong types in its metadata.
    pub hostile: Option<String>,
    /// Very long fields (a 200 KB description, 1 MB of OCR text).
    pub long_fields: Option<String>,
    /// Every record ID that has a manifest, in tree order.
    pub all: Vec<String>,
}

impl CatalogIndex {
    pub fn read(dir: &Path) -> std::io::Result<CatalogIndex> {
        let bytes = std::fs::read(dir.join("index.json"))?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}

/// A content-addressed, CID-shaped name for `bytes`.
pub fn cid_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let digest = Sha256::digest(bytes);
    let mut s = String::from("bafkrei");
    for chunk in digest.chunks(5).take(6) {
        let mut v: u64 = 0;
        for b in chunk {
            v = (v << 8) | u64::from(*b);
        }
        let bits = chunk.len() * 8;
        for i in 0..bits.div_ceil(5) {
            let shift = bits.saturating_sub(5 * (i + 1));
            s.push(ALPHABET[((v >> shift) & 31) as usize] as char);
        }
    }
    s
}

struct Writer<'a> {
    dir: &'a Path,
}

impl Writer<'_> {
    fn blob(&self, bytes: &[u8]) -> std::io::Result<String> {
        let cid = cid_of(bytes);
        std::fs::write(self.dir.join("ipfs").join(&cid), bytes)?;
        Ok(cid)
    }
    fn manifest(&self, pi: &str, manifest: &Value) -> std::io::Result<()> {
        std::fs::write(self.dir.join("entities").join(format!("{pi}.json")), serde_json::to_vec(manifest)?)
    }
}

const WORDS: &[&str] = &[
    "letters",
    "harbour",
    "council",
    "minutes",
    "survey",
    "parish",
    "registers",
    "photographs",
    "correspondence",
    "estate",
    "maps",
    "mill",
    "railway",
    "school",
    "diaries",
    "ledger",
    "deeds",
    "charter",
    "sketches",
    "accounts",
];
const PEOPLE: &[&str] =
    &["Ada Lovelace", "Jean Moulin", "María Pérez", "Ōta Hiroshi", "Grace Hopper", "Ibn Battuta", "Emmy Noether"];
const PLACES: &[&str] = &["Lyon", "Valparaíso", "Kyoto", "Boston", "Timbuktu", "Göttingen", "Bristol"];
const LANGS: &[&str] = &["en", "en-US", "fr-FR", "de", "es-MX", "nl", "la", "ita", "pt-BR"];
const TYPES: &[&str] = &["Text", "StillImage", "Image", "Sound", "MovingImage", "Dataset", "PhysicalObject", "Event"];

fn title(rng: &mut Rng, n: usize) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    format!("{}{} and {b}, no. {n}", a[..1].to_uppercase(), &a[1..])
}

/// Generates a catalog of `spec.size` entities (at least 1) into `dir`.
pub fn generate(dir: &Path, spec: CatalogSpec) -> std::io::Result<CatalogIndex> {
    std::fs::create_dir_all(dir.join("entities"))?;
    std::fs::create_dir_all(dir.join("ipfs"))?;
    let w = Writer { dir };
    let mut rng = Rng::new(spec.seed);
    let size = spec.size.max(1);
    let pis: Vec<String> = (0..size).map(|_| rng.ulid()).collect();
    let awkward = size >= 10;
    let mut index = CatalogIndex { root: pis[0].clone(), all: pis.clone(), ..CatalogIndex::default() };
    if awkward {
        index.missing_pinax = Some(pis[1].clone());
        index.bad_json = Some(pis[2].clone());
        index.hostile = Some(pis[3].clone());
        index.long_fields = Some(pis[4].clone());
        index.cycle = Some(pis[5].clone());
        index.not_found = Some(rng.ulid());
    }

    for (i, pi) in pis.iter().enumerate() {
        let first_child = i * FANOUT + 1;
        let mut children: Vec<String> =
            (first_child..(first_child + FANOUT).min(size)).map(|c| pis[c].clone()).collect();
        let parent = (i > 0).then(|| pis[(i - 1) / FANOUT].clone());
        if i == 0
            && let Some(missing) = &index.not_found
        {
            children.push(missing.clone());
        }
        if index.cycle.as_ref() == Some(pi) {
            children.push(pis[0].clone());
            children.push(pi.clone());
        }
        let is_collection = !children.is_empty();
        let mut components = BTreeMap::new();

        let mut pinax = json!({
            "id": pi,
            "title": title(&mut rng, i),
            "type": if is_collection { "Collection" } else { rng.pick(TYPES) },
            "creator": if rng.chance(50) { json!(rng.pick(PEOPLE)) } else { json!([rng.pick(PEOPLE), rng.pick(PEOPLE)]) },
            "institution": "Arke Sample Archive",
            "created": if rng.chance(50) { format!("{}", 1850 + rng.below(170)) } else { format!("{}-{:02}-{:02}", 1850 + rng.below(170), 1 + rng.below(12), 1 + rng.below(28)) },
            "access_url": if rng.chance(30) { "PLACEHOLDER".to_owned() } else { format!("https://arke.institute/{pi}") },
            "language": rng.pick(LANGS),
            "subjects": [rng.pick(WORDS), rng.pick(WORDS)],
            "place": if rng.chance(50) { json!(rng.pick(PLACES)) } else { json!([rng.pick(PLACES)]) },
            "rights": "Public domain; credit the Arke Sample Archive.",
            "source": "sample-generator",
            "description": format!("Sample record {i} of the generated catalog."),
        });
        if index.hostile.as_ref() == Some(pi) {
            pinax["title"] =
                json!("<script>alert('x')</script> & \"Ledger\" \u{0}\u{1}\u{1b}[31m \u{FFFE} ]]> <![CDATA[");
            pinax["creator"] = json!([42, null, {"name": "object"}, "Name with <b>markup</b> & ampersand"]);
            pinax["created"] = json!(1901);
            pinax["subjects"] = json!("a single string, not a list");
            pinax["language"] = json!("not a language code!");
            pinax["access_url"] = json!("javascript:alert(1) <bad url>");
            pinax["rights"] = json!(["not", "a", "string"]);
        }
        if index.long_fields.as_ref() == Some(pi) {
            pinax["description"] = json!("Very long description. ".repeat(9_000));
            pinax["title"] = json!("T".repeat(20_000));
        }

        if index.missing_pinax.as_ref() != Some(pi) {
            let bytes = if index.bad_json.as_ref() == Some(pi) {
                b"{\"title\": \"unterminated".to_vec()
            } else {
                serde_json::to_vec_pretty(&pinax)?
            };
            components.insert("pinax.json".to_owned(), w.blob(&bytes)?);
        }
        if rng.chance(60) || i < 10 {
            let md = format!(
                "# {}\n\nThis *sample* record describes {} from {}.\n\n- item one\n- item two & three\n",
                pinax["title"].as_str().unwrap_or("Record").chars().take(80).collect::<String>(),
                rng.pick(WORDS),
                rng.pick(PLACES)
            );
            components.insert("description.md".to_owned(), w.blob(md.as_bytes())?);
        }
        if rng.chance(50) || i < 10 {
            let person = rng.pick(PEOPLE);
            let place = rng.pick(PLACES);
            let graph = json!({
                "entities": {
                    "p1": {"type": "person", "label": person, "properties": {"role": "author", "employer": {"type": "entity_ref", "code": "o1"}}},
                    "o1": {"type": "organization", "label": "Arke Sample Archive"},
                    "l1": {"type": "place", "label": place},
                    "d1": {"type": "date", "label": format!("{}", 1850 + rng.below(170))},
                    "c1": {"type": "concept", "label": rng.pick(WORDS)},
                    "x1": {"type": "document", "label": "Related document"},
                    "e1": {"type": "event", "label": "Founding ceremony"}
                },
                "relations": [
                    {"source": "p1", "target": "o1", "type": "works_for"},
                    {"source": "p1", "target": "l1", "type": "lived_in"},
                    {"source": "p1", "target": "zz", "type": "dangling"}
                ]
            });
            components.insert("cheimarros.json".to_owned(), w.blob(&serde_json::to_vec(&graph)?)?);
        }
        if rng.chance(30) || i < 10 {
            let ocr = if index.long_fields.as_ref() == Some(pi) {
                "OCR line of a long scanned ledger.\n".repeat(30_000)
            } else {
                format!("Page {i}: received of Mr. {} the sum of £{} — paid.\n", rng.pick(PEOPLE), rng.below(100))
            };
            let file = json!({
                "url": format!("https://cdn.arke.institute/asset/{}", rng.ulid()),
                "ipfs_cid": cid_of(format!("binary-{i}").as_bytes()),
                "type": "image/jpeg",
                "size": 100_000 + rng.below(4_000_000),
                "filename": format!("scan-{i:04}.jpg"),
                "ocr": ocr,
            });
            components.insert(format!("scan-{i:04}.jpg.ref.json"), w.blob(&serde_json::to_vec(&file)?)?);
        }
        if i < 10 {
            components.insert("notes.txt".to_owned(), w.blob(format!("Loose notes for record {i}").as_bytes())?);
        }

        let mut manifest = json!({
            "pi": pi,
            "ver": 1 + rng.below(4),
            "ts": format!("2025-{:02}-{:02}T10:{:02}:00Z", 1 + rng.below(12), 1 + rng.below(28), rng.below(60)),
            "manifest_cid": cid_of(pi.as_bytes()),
            "components": components,
        });
        if !children.is_empty() {
            manifest["children_pi"] = json!(children);
        }
        if let Some(parent) = &parent {
            manifest["parent_pi"] = json!(parent);
        }
        w.manifest(pi, &manifest)?;

        let special = [&index.missing_pinax, &index.bad_json, &index.hostile, &index.long_fields, &index.cycle]
            .iter()
            .any(|s| s.as_ref() == Some(pi));
        if is_collection {
            index.collections.push(pi.clone());
        } else if !special {
            index.items.push(pi.clone());
        }
    }
    std::fs::write(dir.join("index.json"), serde_json::to_vec_pretty(&index)?)?;
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_catalog() {
        let a = tempfile_dir("a");
        let b = tempfile_dir("b");
        let ia = generate(&a, CatalogSpec { size: 40, seed: 7 }).unwrap();
        let ib = generate(&b, CatalogSpec { size: 40, seed: 7 }).unwrap();
        assert_eq!(ia.all, ib.all);
        let ma = std::fs::read(a.join("entities").join(format!("{}.json", ia.root))).unwrap();
        let mb = std::fs::read(b.join("entities").join(format!("{}.json", ib.root))).unwrap();
        assert_eq!(ma, mb);
        assert_eq!(ia.all.len(), 40);
        assert!(ia.missing_pinax.is_some() && ia.not_found.is_some() && ia.cycle.is_some());
        assert!(!a.join("entities").join(format!("{}.json", ia.not_found.unwrap())).exists());
        let _ = std::fs::remove_dir_all(a);
        let _ = std::fs::remove_dir_all(b);
    }

    #[test]
    fn cids_look_like_cids_and_differ() {
        let a = cid_of(b"a");
        assert!(a.starts_with("bafkrei") && a.len() > 50, "{a}");
        assert_ne!(a, cid_of(b"b"));
    }

    fn tempfile_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("arke-catalog-test-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }
}
