//! The cheimarros knowledge graph → MODS subjects and notes (§3.5 of the contract).

use super::xml::XmlWriter;
use crate::model::Graph;
use arke_export_contract::options::CheimarrosMode;

/// Writes the graph's subjects: places, concepts, dates and other topics first, names after them.
pub fn write_subjects(w: &mut XmlWriter, graph: &Graph, mode: CheimarrosMode) {
    if mode == CheimarrosMode::Skip {
        return;
    }
    for e in &graph.entities {
        let element = match e.kind.as_str() {
            "place" => "geographic",
            "concept" => "topic",
            "date" => "temporal",
            "person" | "organization" | "document" => continue,
            _ if mode == CheimarrosMode::Full => "topic",
            _ => continue,
        };
        w.open("subject", &[("authority", ""), ("displayLabel", "Knowledge Graph")]);
        w.text(element, &[], &e.label);
        w.close("subject");
    }
    for e in &graph.entities {
        let name_type = match e.kind.as_str() {
            "person" => "personal",
            "organization" => "corporate",
            _ => continue,
        };
        w.open("subject", &[("displayLabel", "Knowledge Graph")]);
        w.open("name", &[("type", name_type)]);
        w.text("namePart", &[], &e.label);
        w.close("name");
        w.close("subject");
    }
}

/// Writes property and relation notes (only in `full` mode).
pub fn write_notes(w: &mut XmlWriter, graph: &Graph, mode: CheimarrosMode) {
    if mode != CheimarrosMode::Full {
        return;
    }
    for e in &graph.entities {
        for (key, value) in &e.properties {
            if key == "description" {
                continue;
            }
            let text = format!("{} • {key}: {value}", e.label);
            w.text("note", &[("type", "cheimarros-property"), ("displayLabel", "Graph Property")], &text);
        }
    }
    for r in &graph.relations {
        if let (Some(source), Some(target)) = (graph.label_of(&r.source), graph.label_of(&r.target)) {
            let text = format!("{source} → {} → {target}", r.kind);
            w.text("note", &[("type", "cheimarros-relation"), ("displayLabel", "Graph Relation")], &text);
        }
    }
}
