//! PINAX → [`Description`]: the crosswalk of §3 of the contract, with its defects fixed.

use std::borrow::Cow;

use super::text::{split_article, split_name};
use super::{
    Description, Identifier, Links, Name, NameKind, NameParts, Note, Position, RecordInfo, Related, RelatedKind,
    Resource, Subject, Term, Title, Url,
};
use crate::model::{EntityData, Graph, Pinax, PinaxState};
use crate::mods::lang::{LanguageTerm, to_language_term};
use arke_export_contract::options::{CheimarrosMode, ExportOptions};

/// Components the crosswalk reads itself; they are not linked as "other" components.
const READ_COMPONENTS: [&str; 5] =
    ["pinax.json", "description.md", "cheimarros.json", "cheimarros-raw.txt", "reorganization-description.txt"];

fn type_of_resource(kind: Option<&str>) -> &'static str {
    match kind.unwrap_or("") {
        "Image" | "StillImage" => "still image",
        "MovingImage" => "moving image",
        "Sound" => "sound recording",
        "Dataset" | "InteractiveResource" | "Software" => "software, multimedia",
        "Collection" => "mixed material",
        "PhysicalObject" => "three dimensional object",
        _ => "text",
    }
}

/// Describes one fetched entity. `position` is set inside a collection; `today` is `YYYY-MM-DD`
/// (the creation date of incomplete records).
pub fn describe<'a>(
    e: &'a EntityData,
    position: Option<&Position>,
    options: &ExportOptions,
    links: &Links,
    today: &'a str,
) -> Description<'a> {
    let mode = if e.graph.is_some() { options.cheimarros_mode } else { CheimarrosMode::Skip };
    let graph = e.graph.as_ref();
    let mut d = match &e.pinax {
        PinaxState::Present(p) => complete(e, p, links),
        PinaxState::Missing | PinaxState::Unreadable(_) => minimal(e, links, today),
    };
    d.in_collection = position.is_some();
    if let Some(graph) = graph {
        graph_notes(&mut d.notes, graph, mode);
    }
    inventory_notes(&mut d.notes, e);
    if let Some(pos) = position {
        let parent = pos.parent.as_ref().map(|p| format!(", parent: {p}")).unwrap_or_default();
        let text = format!("depth: {}{parent}, path: {}", pos.depth, pos.path);
        d.notes.push(Note { kind: "hierarchy", label: "Tree Position", text: Cow::Owned(text) });
    }
    if let PinaxState::Present(p) = &e.pinax {
        d.subjects.extend(p.subjects.iter().map(|s| Subject { term: Term::Topic(s), graph: false }));
        d.subjects.extend(p.places.iter().map(|s| Subject { term: Term::Geographic(s), graph: false }));
    }
    if let Some(graph) = graph {
        graph_subjects(&mut d.subjects, graph, mode);
    }
    d.related = related_items(e, options, links);
    d
}

fn note<'a>(kind: &'static str, label: &'static str, text: impl Into<Cow<'a, str>>) -> Note<'a> {
    Note { kind, label, text: text.into() }
}

fn identifier<'a>(kind: &'static str, label: &'static str, value: impl Into<Cow<'a, str>>) -> Identifier<'a> {
    Identifier { kind, label, value: value.into() }
}

fn complete<'a>(e: &'a EntityData, p: &'a Pinax, links: &Links) -> Description<'a> {
    let language = p.language.as_deref().and_then(to_language_term);
    let article_language = match &language {
        Some(LanguageTerm::Iso639_2b(code)) => Some(*code),
        Some(LanguageTerm::Iso639_2bUnchecked(code)) => Some(code.as_str()),
        Some(LanguageTerm::Text(_)) => Some("und"),
        None => None,
    };
    let title = match p.title.as_deref() {
        Some(t) => {
            let (non_sort, rest) = split_article(t, article_language);
            Title { non_sort, title: Cow::Borrowed(rest), alternative: false }
        }
        None => Title { non_sort: None, title: Cow::Owned(format!("[Untitled record {}]", e.pi)), alternative: false },
    };
    let mut names: Vec<Name<'a>> = p
        .creators
        .iter()
        .map(|c| {
            let parts = match split_name(c) {
                Some((family, given, date)) => NameParts::Split { family, given, date },
                None => NameParts::Whole(c),
            };
            Name { kind: NameKind::Personal, parts, role: "creator" }
        })
        .collect();
    if let Some(inst) = &p.institution {
        names.push(Name { kind: NameKind::Corporate, parts: NameParts::Whole(inst), role: "repository" });
    }
    let mut notes = Vec::new();
    if let (Some(ver), Some(cid)) = (e.manifest.version(), e.manifest.manifest_cid.as_deref()) {
        notes.push(note("version", "Arke Version", format!("Version {ver} • Manifest CID: {cid}")));
    }
    if let (Some(_), Some(desc)) = (&e.description, &p.description)
        && e.description.as_deref().map(str::trim) != Some(desc.trim())
    {
        notes.push(note("summary", "PINAX Description", desc.as_str()));
    }
    if let Some(source) = &p.source {
        notes.push(note("source", "Source System", source.as_str()));
    }
    let mut identifiers = Vec::new();
    if let Some(id) = &p.id {
        identifiers.push(identifier("local", "PINAX ID", id.as_str()));
    }
    identifiers.push(identifier("arke-pi", "Arke Persistent Identifier", e.pi.as_str()));
    // PLACEHOLDER, or anything that is not a plain http(s) URL, becomes the viewer's address.
    let access: Cow<'a, str> = match p.access_url.as_deref().and_then(super::links::usable_url) {
        Some(url) => Cow::Borrowed(url),
        None => Cow::Owned(links.viewer(e.pi.as_str())),
    };
    identifiers.push(identifier("uri", "Arke URI", access.clone()));
    let mut urls =
        vec![Url { value: access, usage: "primary display", access: "object in context", label: "View in Arke" }];
    if let Some(cid) = &e.manifest.manifest_cid {
        urls.push(Url { value: Cow::Owned(links.ipfs(cid)), usage: "", access: "", label: "IPFS Manifest" });
    }
    Description {
        pi: &e.pi,
        complete: true,
        in_collection: false,
        title,
        names,
        resource: Some(Resource {
            type_of_resource: type_of_resource(p.kind.as_deref()),
            collection: p.kind.as_deref() == Some("Collection"),
            pinax_type: p.kind.as_deref(),
        }),
        created: p.created.as_deref(),
        language,
        abstract_text: e.description.as_deref().or(p.description.as_deref()),
        notes,
        subjects: Vec::new(),
        related: Vec::new(),
        identifiers,
        physical_location: p.institution.as_deref(),
        urls,
        rights: p.rights.as_deref(),
        record: RecordInfo {
            created: e.manifest.ts.as_deref().map(str::trim).filter(|t| !t.is_empty()),
            identifier: Some(e.pi.as_str()),
            origin: None,
            cataloging_language: None,
            standard: "pinax",
        },
    }
}

fn minimal<'a>(e: &'a EntityData, links: &Links, today: &'a str) -> Description<'a> {
    let status = match &e.pinax {
        PinaxState::Unreadable(reason) => format!("PINAX metadata (pinax.json) could not be read: {reason}"),
        _ => {
            "This entity has no PINAX metadata (pinax.json); this record holds only what the manifest says.".to_owned()
        }
    };
    let notes = vec![
        note("metadata-status", "Metadata Status", status),
        note(
            "metadata-remediation",
            "Remediation",
            "Add a valid pinax.json component to this entity in Arke and export it again.",
        ),
    ];
    let mut identifiers = vec![identifier("arke-pi", "Arke Persistent Identifier", e.pi.as_str())];
    if let Some(cid) = &e.manifest.manifest_cid {
        identifiers.push(identifier("arke-manifest-cid", "Manifest CID", cid.as_str()));
    }
    Description {
        pi: &e.pi,
        complete: false,
        in_collection: false,
        title: Title { non_sort: None, title: Cow::Owned(format!("[Incomplete Record: {}]", e.pi)), alternative: true },
        names: Vec::new(),
        resource: None,
        created: None,
        language: None,
        abstract_text: None,
        notes,
        subjects: Vec::new(),
        related: Vec::new(),
        identifiers,
        physical_location: None,
        urls: vec![Url {
            value: Cow::Owned(links.entity(e.pi.as_str())),
            usage: "primary",
            access: "",
            label: "Arke Manifest API",
        }],
        rights: None,
        record: RecordInfo {
            created: Some(today),
            identifier: None,
            origin: Some("Generated by graceful degradation: PINAX metadata was unavailable."),
            cataloging_language: Some("eng"),
            standard: "mods",
        },
    }
}

/// Property and relation notes (only in `full` mode).
fn graph_notes<'a>(notes: &mut Vec<Note<'a>>, graph: &'a Graph, mode: CheimarrosMode) {
    if mode != CheimarrosMode::Full {
        return;
    }
    for e in &graph.entities {
        for (key, value) in e.properties.iter().filter(|(k, _)| k != "description") {
            let text = format!("{} • {key}: {value}", e.label);
            notes.push(note("cheimarros-property", "Graph Property", text));
        }
    }
    for r in &graph.relations {
        if let (Some(source), Some(target)) = (graph.label_of(&r.source), graph.label_of(&r.target)) {
            let text = format!("{source} → {} → {target}", r.kind);
            notes.push(note("cheimarros-relation", "Graph Relation", text));
        }
    }
}

/// The graph's subjects: places, concepts, dates and other topics first, names after them.
fn graph_subjects<'a>(subjects: &mut Vec<Subject<'a>>, graph: &'a Graph, mode: CheimarrosMode) {
    if mode == CheimarrosMode::Skip {
        return;
    }
    for e in &graph.entities {
        let term = match e.kind.as_str() {
            "place" => Term::Geographic(&e.label),
            "concept" => Term::Topic(&e.label),
            "date" => Term::Temporal(&e.label),
            "person" | "organization" | "document" => continue,
            _ if mode == CheimarrosMode::Full => Term::Topic(&e.label),
            _ => continue,
        };
        subjects.push(Subject { term, graph: true });
    }
    for e in &graph.entities {
        let kind = match e.kind.as_str() {
            "person" => NameKind::Personal,
            "organization" => NameKind::Corporate,
            _ => continue,
        };
        subjects.push(Subject { term: Term::Name(kind, &e.label), graph: true });
    }
}

fn inventory_notes(notes: &mut Vec<Note<'_>>, e: &EntityData) {
    let children = e.manifest.children_pi.len();
    if children > 0 {
        let text = format!("{children} child {}", if children == 1 { "entity" } else { "entities" });
        notes.push(note("children-inventory", "Child Entities", text));
    }
    let count = e.manifest.components.len();
    let mut text = format!("Component inventory ({count} files):");
    for name in e.manifest.components.keys() {
        text.push('\n');
        text.push_str(name);
    }
    if count == 0 {
        text.push('\n');
    }
    notes.push(note("component-inventory", "Component Files", text));
}

fn related(kind: RelatedKind, label: Cow<'_, str>) -> Related<'_> {
    Related {
        kind,
        label,
        href: None,
        identifiers: Vec::new(),
        media_type: None,
        extent: None,
        note: None,
        url: None,
        entity: None,
    }
}

/// File references, the parent, the children, then other components.
fn related_items<'a>(e: &'a EntityData, options: &ExportOptions, links: &Links) -> Vec<Related<'a>> {
    let mut items = Vec::new();
    for (name, r) in &e.refs {
        let mut item = related(RelatedKind::Constituent, Cow::Borrowed(r.filename.as_deref().unwrap_or(name)));
        if let Some(url) = &r.url {
            item.identifiers.push(identifier("uri", "CDN URL", url.as_str()));
        }
        if let Some(cid) = &r.ipfs_cid {
            item.identifiers.push(identifier("ipfs-cid", "IPFS CID (reference only)", cid.as_str()));
        }
        item.media_type = r.mime.as_deref();
        item.extent = r.size.as_ref().map(|size| format!("{size} bytes"));
        item.note = r.ocr.as_deref().filter(|_| options.include_ocr);
        items.push(item);
    }
    if let Some(parent) = e.manifest.parent_pi.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        let href = links.viewer(parent);
        let mut item = related(RelatedKind::Host, Cow::Borrowed("Parent Entity"));
        item.identifiers.push(identifier("arke-pi", "Parent PI", parent));
        item.url = Some(href.clone());
        item.href = Some(href);
        item.entity = Some(parent);
        items.push(item);
    }
    for (n, child) in e.manifest.children_pi.iter().enumerate() {
        let href = links.viewer(child);
        let mut item = related(RelatedKind::Constituent, Cow::Owned(format!("Child Entity {}", n + 1)));
        item.identifiers.push(identifier("arke-pi", "Child PI", child.as_str()));
        item.url = Some(href.clone());
        item.href = Some(href);
        item.entity = Some(child);
        items.push(item);
    }
    for (name, cid) in &e.manifest.components {
        if READ_COMPONENTS.contains(&name.as_str()) || e.refs.iter().any(|(n, _)| n == name) {
            continue;
        }
        let mut item = related(RelatedKind::Constituent, Cow::Borrowed(name));
        item.identifiers.push(identifier("ipfs-cid", "IPFS CID", cid.as_str()));
        item.identifiers.push(identifier("uri", "IPFS Gateway URL", links.ipfs(cid)));
        item.identifiers.push(identifier("uri", "API URL", links.cat(cid)));
        items.push(item);
    }
    items
}
