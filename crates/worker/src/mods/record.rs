//! One entity → one `mods` record (the crosswalk, §3 of the contract, with its defects fixed).

use super::graph;
use super::lang::{LanguageTerm, to_language_term};
use super::xml::XmlWriter;
use crate::model::{FileRef, Graph, Manifest, Pinax};
use arke_export_contract::options::{CheimarrosMode, ExportOptions};
use arke_export_contract::pi::Pi;

/// Where the links in a record point.
#[derive(Debug, Clone)]
pub struct Links {
    pub api_url: String,
    pub ipfs_gateway: String,
    pub viewer_url: String,
}

impl Links {
    pub fn new(api_url: &str, ipfs_gateway: &str) -> Self {
        Links {
            api_url: api_url.to_owned(),
            ipfs_gateway: ipfs_gateway.to_owned(),
            viewer_url: "https://arke.institute".to_owned(),
        }
    }
    fn ipfs(&self, cid: &str) -> String {
        format!("{}/ipfs/{}", self.ipfs_gateway, segment(cid))
    }
    fn cat(&self, cid: &str) -> String {
        format!("{}/cat/{}", self.api_url, segment(cid))
    }
    fn viewer(&self, pi: &str) -> String {
        format!("{}/{}", self.viewer_url, segment(pi))
    }
    fn entity(&self, pi: &str) -> String {
        format!("{}/entities/{}", self.api_url, segment(pi))
    }
}

/// Percent-encodes one URL path segment, so any CID or ID yields a valid `anyURI`.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.extend(['%', char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]);
        }
    }
    out
}

/// A URL from metadata that is safe to write as `location/url`.
fn usable_url(url: &str) -> Option<&str> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > 8
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c));
    ok.then_some(url)
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (W3CDTF dates), optionally followed by a `T` time.
fn is_w3cdtf(s: &str) -> bool {
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let date_ok = match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    };
    date_ok && (time.is_empty() || (parts.len() == 3 && time.len() >= 5 && time.as_bytes()[2] == b':'))
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

/// Everything fetched for one entity.
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

/// Where a record sits in a collection.
#[derive(Debug, Clone)]
pub struct Position {
    pub depth: u32,
    pub parent: Option<Pi>,
    pub path: String,
}

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

/// Renders the record. `position` is set inside a collection (adds `ID` and the hierarchy note);
/// `root` writes the namespace declarations (a single-record file). `today` is `YYYY-MM-DD`.
pub fn render(
    e: &EntityData,
    position: Option<&Position>,
    options: &ExportOptions,
    links: &Links,
    root: bool,
    today: &str,
) -> String {
    let mut w = XmlWriter::new(usize::from(position.is_some()));
    let id = position.map(|_| format!("entity-{}", e.pi)).unwrap_or_default();
    let root_attrs = if root { super::root_attributes() } else { String::new() };
    // The root's namespace attributes are written verbatim (constant, already valid).
    w.open_raw("mods", &root_attrs, &[("ID", &id), ("version", "3.8")]);
    let mode = if e.graph.is_some() { options.cheimarros_mode } else { CheimarrosMode::Skip };
    let empty_graph = Graph::default();
    let graph = e.graph.as_ref().unwrap_or(&empty_graph);

    match &e.pinax {
        PinaxState::Present(p) => write_full(&mut w, e, p, graph, mode),
        PinaxState::Missing | PinaxState::Unreadable(_) => write_minimal(&mut w, e, graph, mode),
    }
    write_inventory_notes(&mut w, e);
    if let Some(pos) = position {
        let parent = pos.parent.as_ref().map(|p| format!(", parent: {p}")).unwrap_or_default();
        let text = format!("depth: {}{parent}, path: {}", pos.depth, pos.path);
        w.text("note", &[("type", "hierarchy"), ("displayLabel", "Tree Position")], &text);
    }
    if let PinaxState::Present(p) = &e.pinax {
        write_pinax_subjects(&mut w, p);
    }
    graph::write_subjects(&mut w, graph, mode);
    write_related_items(&mut w, e, options, links);
    match &e.pinax {
        PinaxState::Present(p) => write_full_tail(&mut w, e, p, links),
        _ => write_minimal_tail(&mut w, e, links, today),
    }
    w.close("mods");
    w.finish()
}

fn write_full(w: &mut XmlWriter, e: &EntityData, p: &Pinax, graph: &Graph, mode: CheimarrosMode) {
    let untitled = format!("[Untitled record {}]", e.pi);
    w.open("titleInfo", &[]);
    w.text("title", &[], p.title.as_deref().unwrap_or(&untitled));
    w.close("titleInfo");
    for creator in &p.creators {
        w.open("name", &[("type", "personal")]);
        w.text("namePart", &[], creator);
        w.open("role", &[]);
        w.text("roleTerm", &[("type", "text")], "creator");
        w.close("role");
        w.close("name");
    }
    if let Some(inst) = &p.institution {
        w.open("name", &[("type", "corporate")]);
        w.text("namePart", &[], inst);
        w.open("role", &[]);
        w.text("roleTerm", &[("type", "text")], "repository");
        w.close("role");
        w.close("name");
    }
    let collection = if p.kind.as_deref() == Some("Collection") { "yes" } else { "" };
    w.text("typeOfResource", &[("collection", collection)], type_of_resource(p.kind.as_deref()));
    if let Some(created) = &p.created {
        w.open("originInfo", &[]);
        let encoding = if is_w3cdtf(created) { "w3cdtf" } else { "" };
        w.text("dateCreated", &[("encoding", encoding), ("keyDate", "yes")], created);
        w.close("originInfo");
    }
    match p.language.as_deref().and_then(to_language_term) {
        Some(LanguageTerm::Iso639_2b(code)) => language(w, "code", "iso639-2b", code),
        Some(LanguageTerm::Iso639_2bUnchecked(code)) => language(w, "code", "iso639-2b", &code),
        Some(LanguageTerm::Text(text)) => language(w, "text", "", &text),
        None => {}
    }
    let abstract_text = e.description.as_deref().or(p.description.as_deref());
    if let Some(text) = abstract_text {
        w.text("abstract", &[], text);
    }
    if let (Some(ver), Some(cid)) = (e.manifest.version(), e.manifest.manifest_cid.as_deref()) {
        let text = format!("Version {ver} • Manifest CID: {cid}");
        w.text("note", &[("type", "version"), ("displayLabel", "Arke Version")], &text);
    }
    if let (Some(_), Some(desc)) = (&e.description, &p.description)
        && e.description.as_deref().map(str::trim) != Some(desc.trim())
    {
        w.text("note", &[("type", "summary"), ("displayLabel", "PINAX Description")], desc);
    }
    if let Some(source) = &p.source {
        w.text("note", &[("type", "source"), ("displayLabel", "Source System")], source);
    }
    graph::write_notes(w, graph, mode);
}

/// PINAX subjects and places come before the graph's subjects.
fn write_pinax_subjects(w: &mut XmlWriter, p: &Pinax) {
    for s in &p.subjects {
        w.open("subject", &[]);
        w.text("topic", &[], s);
        w.close("subject");
    }
    for place in &p.places {
        w.open("subject", &[]);
        w.text("geographic", &[], place);
        w.close("subject");
    }
}

fn language(w: &mut XmlWriter, kind: &str, authority: &str, value: &str) {
    w.open("language", &[]);
    w.text("languageTerm", &[("type", kind), ("authority", authority)], value);
    w.close("language");
}

fn write_minimal(w: &mut XmlWriter, e: &EntityData, graph: &Graph, mode: CheimarrosMode) {
    w.open("titleInfo", &[("type", "alternative")]);
    w.text("title", &[], &format!("[Incomplete Record: {}]", e.pi));
    w.close("titleInfo");
    let status = match &e.pinax {
        PinaxState::Unreadable(reason) => format!("PINAX metadata (pinax.json) could not be read: {reason}"),
        _ => {
            "This entity has no PINAX metadata (pinax.json); this record holds only what the manifest says.".to_owned()
        }
    };
    w.text("note", &[("type", "metadata-status"), ("displayLabel", "Metadata Status")], &status);
    w.text(
        "note",
        &[("type", "metadata-remediation"), ("displayLabel", "Remediation")],
        "Add a valid pinax.json component to this entity in Arke and export it again.",
    );
    graph::write_notes(w, graph, mode);
}

fn write_inventory_notes(w: &mut XmlWriter, e: &EntityData) {
    let children = e.manifest.children_pi.len();
    if children > 0 {
        let text = format!("{children} child {}", if children == 1 { "entity" } else { "entities" });
        w.text("note", &[("type", "children-inventory"), ("displayLabel", "Child Entities")], &text);
    }
    let names: Vec<&str> = e.manifest.components.keys().map(String::as_str).collect();
    let text = format!("Component inventory ({} files):\n{}", names.len(), names.join("\n"));
    w.text("note", &[("type", "component-inventory"), ("displayLabel", "Component Files")], &text);
}

fn write_related_items(w: &mut XmlWriter, e: &EntityData, options: &ExportOptions, links: &Links) {
    for (name, r) in &e.refs {
        w.open("relatedItem", &[("type", "constituent"), ("displayLabel", r.filename.as_deref().unwrap_or(name))]);
        if let Some(url) = &r.url {
            w.text("identifier", &[("type", "uri"), ("displayLabel", "CDN URL")], url);
        }
        if let Some(cid) = &r.ipfs_cid {
            w.text("identifier", &[("type", "ipfs-cid"), ("displayLabel", "IPFS CID (reference only)")], cid);
        }
        if r.mime.is_some() || r.size.is_some() {
            w.open("physicalDescription", &[]);
            if let Some(mime) = &r.mime {
                w.text("internetMediaType", &[], mime);
            }
            if let Some(size) = &r.size {
                w.text("extent", &[], &format!("{size} bytes"));
            }
            w.close("physicalDescription");
        }
        if options.include_ocr
            && let Some(ocr) = &r.ocr
        {
            w.text("note", &[("type", "ocr"), ("displayLabel", "OCR Text")], ocr);
        }
        w.close("relatedItem");
    }
    if let Some(parent) = e.manifest.parent_pi.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        let href = links.viewer(parent);
        w.open("relatedItem", &[("type", "host"), ("displayLabel", "Parent Entity"), ("xlink:href", &href)]);
        w.text("identifier", &[("type", "arke-pi"), ("displayLabel", "Parent PI")], parent);
        w.open("location", &[]);
        w.text("url", &[], &href);
        w.close("location");
        w.close("relatedItem");
    }
    for (n, child) in e.manifest.children_pi.iter().enumerate() {
        let href = links.viewer(child);
        let label = format!("Child Entity {}", n + 1);
        w.open("relatedItem", &[("type", "constituent"), ("displayLabel", &label), ("xlink:href", &href)]);
        w.text("identifier", &[("type", "arke-pi"), ("displayLabel", "Child PI")], child);
        w.open("location", &[]);
        w.text("url", &[], &href);
        w.close("location");
        w.close("relatedItem");
    }
    let read_refs: Vec<&str> = e.refs.iter().map(|(n, _)| n.as_str()).collect();
    for (name, cid) in &e.manifest.components {
        if READ_COMPONENTS.contains(&name.as_str()) || read_refs.contains(&name.as_str()) {
            continue;
        }
        w.open("relatedItem", &[("type", "constituent"), ("displayLabel", name)]);
        w.text("identifier", &[("type", "ipfs-cid"), ("displayLabel", "IPFS CID")], cid);
        w.text("identifier", &[("type", "uri"), ("displayLabel", "IPFS Gateway URL")], &links.ipfs(cid));
        w.text("identifier", &[("type", "uri"), ("displayLabel", "API URL")], &links.cat(cid));
        w.close("relatedItem");
    }
}

fn write_full_tail(w: &mut XmlWriter, e: &EntityData, p: &Pinax, links: &Links) {
    if let Some(id) = &p.id {
        w.text("identifier", &[("type", "local"), ("displayLabel", "PINAX ID")], id);
    }
    w.text("identifier", &[("type", "arke-pi"), ("displayLabel", "Arke Persistent Identifier")], e.pi.as_str());
    let viewer = links.viewer(e.pi.as_str());
    // PLACEHOLDER, or anything that is not a plain http(s) URL, becomes the viewer's address.
    let access = p.access_url.as_deref().and_then(usable_url);
    w.text("identifier", &[("type", "uri"), ("displayLabel", "Arke URI")], access.unwrap_or(&viewer));
    w.open("location", &[]);
    if let Some(inst) = &p.institution {
        w.text("physicalLocation", &[], inst);
    }
    let view_url = access.unwrap_or(&viewer);
    w.text(
        "url",
        &[("usage", "primary display"), ("access", "object in context"), ("displayLabel", "View in Arke")],
        view_url,
    );
    if let Some(cid) = &e.manifest.manifest_cid {
        w.text("url", &[("displayLabel", "IPFS Manifest")], &links.ipfs(cid));
    }
    w.close("location");
    if let Some(rights) = &p.rights {
        w.text("accessCondition", &[("type", "use and reproduction")], rights);
    }
    w.open("recordInfo", &[]);
    w.text("recordContentSource", &[], "Arke Institute");
    if let Some(ts) = e.manifest.ts.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        w.text("recordCreationDate", &[("encoding", if is_w3cdtf(ts) { "w3cdtf" } else { "" })], ts);
    }
    w.text("recordIdentifier", &[("source", "arke-pi")], e.pi.as_str());
    w.text("descriptionStandard", &[], "pinax");
    w.close("recordInfo");
}

fn write_minimal_tail(w: &mut XmlWriter, e: &EntityData, links: &Links, today: &str) {
    w.text("identifier", &[("type", "arke-pi"), ("displayLabel", "Arke Persistent Identifier")], e.pi.as_str());
    if let Some(cid) = &e.manifest.manifest_cid {
        w.text("identifier", &[("type", "arke-manifest-cid"), ("displayLabel", "Manifest CID")], cid);
    }
    w.open("location", &[]);
    w.text("url", &[("usage", "primary"), ("displayLabel", "Arke Manifest API")], &links.entity(e.pi.as_str()));
    w.close("location");
    w.open("recordInfo", &[]);
    w.text("recordContentSource", &[], "Arke Institute");
    w.text("recordCreationDate", &[("encoding", "w3cdtf")], today);
    w.text("recordOrigin", &[], "Generated by graceful degradation: PINAX metadata was unavailable.");
    w.open("languageOfCataloging", &[]);
    w.text("languageTerm", &[("type", "code"), ("authority", "iso639-2b")], "eng");
    w.close("languageOfCataloging");
    w.text("descriptionStandard", &[], "mods");
    w.close("recordInfo");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3cdtf_dates() {
        for ok in ["1999", "1999-05", "1999-05-17", "2025-11-13T10:00:00Z"] {
            assert!(is_w3cdtf(ok), "{ok}");
        }
        for bad in ["", "circa 1900", "99-1-1", "1999-5", "1999T10:00"] {
            assert!(!is_w3cdtf(bad), "{bad}");
        }
    }

    #[test]
    fn url_segments_are_escaped() {
        assert_eq!(segment("bafy 1/<x>"), "bafy%201%2F%3Cx%3E");
        assert_eq!(usable_url("https://example.org/a b"), None);
        assert_eq!(usable_url("javascript:alert(1)"), None);
        assert_eq!(usable_url("https://example.org/a"), Some("https://example.org/a"));
    }
}
