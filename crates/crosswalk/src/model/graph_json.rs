//! Reading cheimarros.json straight into [`Graph`], without a JSON tree
//! (half of the records carry a graph, and building its tree cost more instructions than writing the
//! record's MODS). What it reads is what the tree-walking reader read, which the tests keep as the
//! reference: the same lenient rules (a value of the wrong shape is skipped), the last of repeated keys,
//! entities and properties in key order; only what references copy is bounded (below). As with
//! pinax.json, values it skips are only scanned: invalid UTF-8, a lone surrogate, a number out of range
//! or nesting deeper than 128 inside one no longer rejects the whole file.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::loose::{Loose, Text, lenient, unused_kinds};
use super::{Graph, GraphEntity, GraphRelation};

/// What label copies may add beyond the file's own size.
const REFERENCE_ALLOWANCE: usize = 1024 * 1024;

impl Graph {
    /// Reads cheimarros.json; `None` unless it is a JSON object whose `entities` is an object.
    pub fn from_json(bytes: &[u8]) -> Option<Graph> {
        let root: GraphRoot = serde_json::from_slice(bytes).ok()?;
        let entities = root.entities?.0?;
        // A reference is written as a copy of its entity's label: what the copies add up to is held to
        // the file's own size and [`REFERENCE_ALLOWANCE`] more (a hostile file could otherwise name a
        // 30 MB label from a million small references; an ordinary one names a long label many times).
        // Past it, a reference is written as its code.
        let budget = bytes.len().saturating_add(REFERENCE_ALLOWANCE);
        let mut copied = 0usize;
        let mut graph = Graph::default();
        for (code, entity) in &entities {
            let Some(entity) = entity else { continue };
            let properties = entity
                .properties
                .iter()
                .filter_map(|(k, v)| {
                    let value = match v {
                        Property::Text(s) => s.clone(),
                        Property::Reference(code) => {
                            let label = entities.get(code.as_str()).and_then(|e| e.as_ref()?.label.as_deref());
                            match label.unwrap_or(code) {
                                label if copied + label.len() <= budget => {
                                    copied += label.len();
                                    label.to_owned()
                                }
                                _ => code.clone(),
                            }
                        }
                        Property::Other => return None,
                    };
                    Some((k.clone(), value))
                })
                .collect();
            graph.entities.push(GraphEntity {
                code: code.clone(),
                kind: entity.kind.as_deref().unwrap_or_default().to_ascii_lowercase(),
                label: entity.label.clone().unwrap_or_else(|| code.clone()),
                properties,
            });
        }
        graph.relations = root.relations.unwrap_or_default().0.into_iter().flatten().collect();
        Some(graph)
    }
}

/// The root of cheimarros.json. Each field is `None` while its key is absent (the last one counts).
#[derive(Default)]
struct GraphRoot {
    entities: Option<Entities>,
    relations: Option<Relations>,
}

/// `entities`: each code's entity (`None`: not an object), or `None` when it is not an object.
#[derive(Default)]
struct Entities(Option<BTreeMap<String, Option<RawEntity>>>);

/// `relations`: the objects with a string `source`, `type` and `target` (`None` for other items); empty
/// when it is not an array.
#[derive(Default)]
struct Relations(Vec<Option<GraphRelation>>);

#[derive(Default)]
struct RawEntity {
    kind: Option<String>,
    label: Option<String>,
    /// Empty unless `properties` is an object.
    properties: BTreeMap<String, Property>,
}

/// An entity, or `None` when the value is not an object.
#[derive(Default)]
struct MaybeEntity(Option<RawEntity>);

/// A relation, or `None` when it lacks one of its three strings.
#[derive(Default)]
struct MaybeRelation(Option<GraphRelation>);

/// `properties`: by key, or empty when the value is not an object.
#[derive(Default)]
struct Properties(BTreeMap<String, Property>);

/// One property's value, as the crosswalk uses it.
#[derive(Default)]
enum Property {
    Text(String),
    /// `{"type": "entity_ref", "code": "…"}`: written as that entity's label.
    Reference(String),
    #[default]
    Other,
}

lenient!(GraphRoot, GraphRootVisitor);
lenient!(Entities, EntitiesVisitor);
lenient!(Relations, RelationsVisitor);
lenient!(MaybeEntity, EntityVisitor);
lenient!(MaybeRelation, RelationVisitor);
lenient!(Properties, PropertiesVisitor);
lenient!(Property, PropertyVisitor);

impl<'de> Visitor<'de> for GraphRootVisitor {
    type Value = GraphRoot;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    // Only an object: any other root is an error, not a graph.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GraphRoot, A::Error> {
        let mut root = GraphRoot::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Entities => root.entities = Some(map.next_value()?),
                Key::Relations => root.relations = Some(map.next_value()?),
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(root)
    }
}

impl<'de> Visitor<'de> for EntitiesVisitor {
    type Value = Entities;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entities, A::Error> {
        let mut entities = BTreeMap::new();
        while let Some((code, entity)) = map.next_entry::<String, MaybeEntity>()? {
            entities.insert(code, entity.0);
        }
        Ok(Entities(Some(entities)))
    }
    unused_kinds!(bool, i64, u64, f64, unit, str, seq);
}

impl<'de> Visitor<'de> for RelationsVisitor {
    type Value = Relations;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Relations, A::Error> {
        let mut relations = Vec::new();
        while let Some(relation) = seq.next_element::<MaybeRelation>()? {
            relations.push(relation.0);
        }
        Ok(Relations(relations))
    }
    unused_kinds!(bool, i64, u64, f64, unit, str, map);
}

impl<'de> Visitor<'de> for EntityVisitor {
    type Value = MaybeEntity;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeEntity, A::Error> {
        let mut entity = RawEntity::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => entity.kind = map.next_value::<Loose>()?.one(),
                Key::Label => entity.label = map.next_value::<Loose>()?.one(),
                Key::Properties => entity.properties = map.next_value::<Properties>()?.0,
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(MaybeEntity(Some(entity)))
    }
    unused_kinds!(bool, i64, u64, f64, unit, str, seq);
}

impl<'de> Visitor<'de> for RelationVisitor {
    type Value = MaybeRelation;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeRelation, A::Error> {
        let (mut source, mut kind, mut target) = (None, None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Source => source = map.next_value::<Text>()?.0,
                Key::Type => kind = map.next_value::<Text>()?.0,
                Key::Target => target = map.next_value::<Text>()?.0,
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(MaybeRelation(match (source, kind, target) {
            (Some(source), Some(kind), Some(target)) => Some(GraphRelation { source, kind, target }),
            _ => None,
        }))
    }
    unused_kinds!(bool, i64, u64, f64, unit, str, seq);
}

impl<'de> Visitor<'de> for PropertiesVisitor {
    type Value = Properties;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
        let mut properties = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Property>()? {
            properties.insert(key, value);
        }
        Ok(Properties(properties))
    }
    unused_kinds!(bool, i64, u64, f64, unit, str, seq);
}

impl<'de> Visitor<'de> for PropertyVisitor {
    type Value = Property;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Property, E> {
        Ok(Property::Text(v.to_owned()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Property, A::Error> {
        let (mut kind, mut code) = (None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => kind = map.next_value::<Text>()?.0,
                Key::Code => code = map.next_value::<Text>()?.0,
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(match (kind.as_deref(), code) {
            (Some("entity_ref"), Some(code)) => Property::Reference(code),
            _ => Property::Other,
        })
    }
    unused_kinds!(bool, i64, u64, f64, unit, seq);
}

/// The keys of cheimarros.json the crosswalk reads (each variant is its key in snake case); any other is skipped.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    Entities,
    Relations,
    Type,
    Label,
    Properties,
    Code,
    Source,
    Target,
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::scalar;
    use super::*;

    /// The reference: cheimarros.json read as a JSON tree (the reader before this module).
    fn graph_from_tree(bytes: &[u8]) -> Option<Graph> {
        let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(bytes) else {
            return None;
        };
        let Some(Value::Object(entities)) = root.get("entities") else {
            return None;
        };
        let label = |code: &str| -> String {
            entities.get(code).and_then(|e| e.get("label")).and_then(scalar).unwrap_or_else(|| code.to_owned())
        };
        let mut graph = Graph::default();
        for (code, entity) in entities {
            let Value::Object(entity) = entity else { continue };
            let properties = match entity.get("properties") {
                Some(Value::Object(props)) => props
                    .iter()
                    .filter_map(|(k, v)| {
                        let value = match v {
                            Value::Object(r) if r.get("type").and_then(Value::as_str) == Some("entity_ref") => {
                                r.get("code").and_then(Value::as_str).map(label)
                            }
                            Value::String(s) => Some(s.clone()),
                            _ => None,
                        }?;
                        Some((k.clone(), value))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            graph.entities.push(GraphEntity {
                code: code.clone(),
                kind: entity.get("type").and_then(scalar).unwrap_or_default().to_ascii_lowercase(),
                label: entity.get("label").and_then(scalar).unwrap_or_else(|| code.clone()),
                properties,
            });
        }
        if let Some(Value::Array(relations)) = root.get("relations") {
            for r in relations {
                let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
                if let (Some(source), Some(kind), Some(target)) = (field("source"), field("type"), field("target")) {
                    graph.relations.push(GraphRelation { source, kind, target });
                }
            }
        }
        Some(graph)
    }
    /// Wrong shapes everywhere, repeated keys, references to nothing, numbers and booleans as labels.
    const GRAPHS: [&str; 12] = [
        r#"{"entities":{"p1":{"type":"Person","label":"Ada","properties":{"employer":{"type":"entity_ref","code":"o1"},"born":"1815","n":3}},"o1":{"type":"organization","label":"Analytical Society"}},"relations":[{"source":"p1","target":"o1","type":"works_for"},{"source":"p1"}]}"#,
        r#"{"entities":{"b":{"label":"  B  ","type":7},"a":{"label":"","type":true},"c":3,"d":null,"e":[1],"f":{"properties":[1,2]}}}"#,
        r#"{"entities":{"x":{"properties":{"r1":{"type":"entity_ref","code":"c"},"r2":{"type":"entity_ref","code":"missing"},"r3":{"type":"entity_ref"},"r4":{"type":"ENTITY_REF","code":"x"},"r5":{"code":"x","type":"entity_ref","type":"other"},"s":" spaced ","s":"last"}},"c":5}}"#,
        r#"{"entities":{"x":{"label":1.5e3,"label":null}},"entities":{"y":{"label":"second"}}}"#,
        r#"{"entities":{"x":{}},"entities":[]}"#,
        r#"{"entities":"none"}"#,
        r#"{"relations":[{"source":"a","type":"t","target":"b"}]}"#,
        r#"{"entities":{},"relations":[1,"x",null,{"source":1,"type":"t","target":"b"},{"source":"a","type":"t","target":"b","extra":{"deep":[[]]}},{"source":"","type":"","target":""}]}"#,
        r#"{"entities":{},"relations":{"source":"a","type":"t","target":"b"}}"#,
        r#"{"entities":{"\u00e9\u0000<&>":{"label":"\ud83d\ude00 \"quoted\""}},"relations":[],"relations":[{"source":"s","type":"t","target":"u"}]}"#,
        r#"[{"entities":{}}]"#,
        r#"{"entities":{"p":{"type":"person","label":"P","properties":{"k":{"type":"entity_ref","code":"p"}}}}}"#,
    ];

    #[test]
    fn graphs_read_as_a_json_tree_reads_them() {
        let generated = sample_catalog_graph();
        for sample in GRAPHS.into_iter().chain([generated.as_str()]) {
            let fast = Graph::from_json(sample.as_bytes());
            let tree = graph_from_tree(sample.as_bytes());
            assert_eq!(format!("{fast:?}"), format!("{tree:?}"), "{sample}");
        }
        assert_eq!(Graph::from_json(GRAPHS[0].as_bytes()).map(|g| g.entities.len()), Some(2));
        for broken in ["", "{", r#"{"entities":{}"#, "null", r#""text""#] {
            assert!(Graph::from_json(broken.as_bytes()).is_none(), "{broken}");
        }
    }

    /// A graph as the sample catalog writes them.
    fn sample_catalog_graph() -> String {
        serde_json::json!({
            "entities": {
                "p1": {"type": "person", "label": "Mary", "properties": {"role": "author", "employer": {"type": "entity_ref", "code": "o1"}}},
                "o1": {"type": "organization", "label": "Arke Sample Archive"},
                "l1": {"type": "place", "label": "Lyon"},
                "d1": {"type": "date", "label": "1901"},
                "e1": {"type": "event", "label": "Founding ceremony"}
            },
            "relations": [
                {"source": "p1", "target": "o1", "type": "works_for"},
                {"source": "p1", "target": "zz", "type": "dangling"}
            ]
        })
        .to_string()
    }

    /// A file with entity `code` labelled `label`, and an entity `x` whose `count` properties all refer
    /// to it; and `x`'s properties as read.
    fn referred_to(code: &str, label: &str, count: usize) -> (String, Vec<(String, String)>) {
        let references: Vec<String> =
            (0..count).map(|i| format!(r#""r{i:05}":{{"type":"entity_ref","code":"{code}"}}"#)).collect();
        let file = format!(
            r#"{{"entities":{{"{code}":{{"label":"{label}"}},"x":{{"properties":{{{}}}}}}}}}"#,
            references.join(",")
        );
        let graph = Graph::from_json(file.as_bytes()).unwrap();
        let x = graph.entities.into_iter().find(|e| e.code == "x").unwrap();
        (file, x.properties)
    }

    #[test]
    fn what_references_copy_is_held_to_the_file_s_size() {
        let label = "L".repeat(100_000);
        let (file, properties) = referred_to("big", &label, 1_000);
        assert_eq!(properties.len(), 1_000);
        let copied: usize = properties.iter().map(|(_, v)| v.len()).sum();
        let held_to = file.len() + REFERENCE_ALLOWANCE + 1_000 * "big".len();
        assert!(copied <= held_to, "{copied} bytes copied from a {}-byte file", file.len());
        assert_eq!(properties[0].1, label, "references are resolved while the file's size allows");
        assert_eq!(properties[999].1, "big", "then written as their code");
    }

    #[test]
    fn a_long_label_named_many_times_is_copied_each_time() {
        // 400 references to a 299-byte label: 120 KB of copies from an 18 KB file.
        let label = ["Ἀθῆναι"; 20].join(" ");
        let (file, properties) = referred_to("place", &label, 400);
        let copied: usize = properties.iter().map(|(_, v)| v.len()).sum();
        assert!(copied > file.len(), "the case this pins: copies larger than the file");
        let unresolved: Vec<&String> = properties.iter().map(|(_, v)| v).filter(|v| **v != label).collect();
        assert!(unresolved.is_empty(), "every reference resolved: {unresolved:?}");
    }
}
