//! What the Arke API and IPFS return, read leniently: wrong types in metadata
//! are tolerated (a value is skipped, never trusted blindly).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use arke_export_contract::pi::Pi;

mod file_ref_json;
mod graph_json;
mod loose;
mod pinax_json;

/// `GET {api}/entities/{pi}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub pi: Option<String>,
    #[serde(default)]
    pub ver: Option<Value>,
    #[serde(default)]
    pub ts: Option<String>,
    #[serde(default)]
    pub manifest_cid: Option<String>,
    #[serde(default)]
    pub components: BTreeMap<String, String>,
    #[serde(default)]
    pub children_pi: Vec<String>,
    #[serde(default)]
    pub parent_pi: Option<String>,
}

impl Manifest {
    pub fn version(&self) -> Option<String> {
        self.ver.as_ref().and_then(scalar)
    }
}

/// A JSON scalar as text: strings trimmed, numbers and booleans printed; anything else is nothing.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A scalar or a list of scalars, as a list.
pub fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// PINAX metadata (pinax.json), every field optional and type-checked on read.
#[derive(Debug, Clone, Default)]
pub struct Pinax {
    pub id: Option<String>,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub creators: Vec<String>,
    pub institution: Option<String>,
    pub created: Option<String>,
    pub access_url: Option<String>,
    pub language: Option<String>,
    pub subjects: Vec<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub rights: Option<String>,
    pub places: Vec<String>,
}

impl Pinax {
    /// Reads pinax.json; `Err` when it is not a JSON object. Read straight into its fields (no JSON
    /// tree is built): a field of the wrong type is skipped, a repeated key keeps its last value.
    pub fn from_json(bytes: &[u8]) -> Result<Pinax, String> {
        serde_json::from_slice::<Pinax>(bytes).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => "pinax.json is not a JSON object".to_owned(),
            _ => format!("pinax.json is not valid JSON: {e}"),
        })
    }
}

/// Whether pinax.json could be used.
#[derive(Debug, Clone)]
pub enum PinaxState {
    Present(Box<Pinax>),
    /// The manifest has no pinax.json.
    Missing,
    /// pinax.json is listed but could not be read or parsed; the reason.
    Unreadable(String),
}

/// Everything fetched for one entity: what every format is written from.
#[derive(Debug, Clone)]
pub struct EntityData {
    pub pi: Pi,
    pub manifest: Manifest,
    pub pinax: PinaxState,
    pub description: Option<String>,
    pub graph: Option<Graph>,
    /// `.ref.json` components read successfully, by component name.
    pub refs: Vec<(String, FileRef)>,
}

/// A file reference (`*.ref.json`).
#[derive(Debug, Clone, Default)]
pub struct FileRef {
    pub url: Option<String>,
    pub ipfs_cid: Option<String>,
    pub mime: Option<String>,
    pub size: Option<String>,
    pub filename: Option<String>,
    pub ocr: Option<String>,
}

/// One node of the cheimarros knowledge graph.
#[derive(Debug, Clone)]
pub struct GraphEntity {
    pub code: String,
    pub kind: String,
    pub label: String,
    /// String properties, with entity references already replaced by labels.
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct GraphRelation {
    pub source: String,
    pub kind: String,
    pub target: String,
}

/// The cheimarros knowledge graph (cheimarros.json): entities in key order, relations in file order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub entities: Vec<GraphEntity>,
    pub relations: Vec<GraphRelation>,
}

impl Graph {
    pub fn label_of(&self, code: &str) -> Option<&str> {
        self.entities.iter().find(|e| e.code == code).map(|e| e.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinax_tolerates_wrong_types() {
        let p = Pinax::from_json(br#"{"title": 42, "creator": ["A", 7, {"x":1}, null], "subjects": "one", "place": null, "language": ["en"]}"#).unwrap();
        assert_eq!(p.title.as_deref(), Some("42"));
        assert_eq!(p.creators, vec!["A", "7"]);
        assert_eq!(p.subjects, vec!["one"]);
        assert!(p.places.is_empty() && p.language.is_none());
        assert!(Pinax::from_json(b"{not json").is_err());
        assert!(Pinax::from_json(b"[1,2]").is_err());
    }

    #[test]
    fn graph_resolves_references_to_labels() {
        let g = Graph::from_json(
            br#"{"entities":{"p1":{"type":"Person","label":"Ada","properties":{"employer":{"type":"entity_ref","code":"o1"},"born":"1815","n":3}},
                 "o1":{"type":"organization","label":"Analytical Society"}},
                 "relations":[{"source":"p1","target":"o1","type":"works_for"},{"source":"p1"}]}"#,
        )
        .unwrap();
        let ada = g.entities.iter().find(|e| e.code == "p1").unwrap();
        assert_eq!((ada.kind.as_str(), ada.label.as_str()), ("person", "Ada"));
        assert_eq!(
            ada.properties,
            vec![("born".into(), "1815".into()), ("employer".into(), "Analytical Society".into())]
        );
        assert_eq!(g.relations.len(), 1);
        assert!(Graph::from_json(b"[]").is_none());
    }

    #[test]
    fn file_ref_without_optional_fields_has_no_undefined() {
        let r = FileRef::from_json(br#"{"url":"https://cdn.arke.institute/asset/1","size":"big"}"#).unwrap();
        assert!(r.ipfs_cid.is_none() && r.size.is_none());
    }
}
