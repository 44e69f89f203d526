//! One [`Description`] → one `mods` record.

use crate::describe::text::is_w3cdtf;
use crate::describe::{Description, Identifier, Name, NameKind, NameParts, RelatedKind, Term};
use crate::mods::lang::LanguageTerm;
use crate::xml::XmlWriter;

/// Appends the record to `out`. `root` writes the namespace declarations (a single-record file).
pub fn write(d: &Description<'_>, out: &mut String, root: bool) {
    let mut w = XmlWriter::new(out, usize::from(d.in_collection));
    let id = if d.in_collection { format!("entity-{}", d.pi) } else { String::new() };
    let root_attrs = if root { super::root_attributes() } else { String::new() };
    // The root's namespace attributes are written verbatim (constant, already valid).
    w.open_raw("mods", &root_attrs, &[("ID", &id), ("version", "3.8")]);

    w.open("titleInfo", &[("type", if d.title.alternative { "alternative" } else { "" })]);
    if let Some(article) = d.title.non_sort {
        // The article keeps its trailing space (MODS: nonSort holds it, with xml:space="preserve").
        w.text("nonSort", &[("xml:space", "preserve")], article);
    }
    w.text("title", &[], &d.title.title);
    w.close("titleInfo");
    for name in &d.names {
        write_name(&mut w, name);
    }
    if let Some(r) = &d.resource {
        w.text("typeOfResource", &[("collection", if r.collection { "yes" } else { "" })], r.type_of_resource);
    }
    if let Some(created) = d.created {
        w.open("originInfo", &[]);
        let encoding = if is_w3cdtf(created) { "w3cdtf" } else { "" };
        w.text("dateCreated", &[("encoding", encoding), ("keyDate", "yes")], created);
        w.close("originInfo");
    }
    match &d.language {
        Some(LanguageTerm::Iso639_2b(code)) => language(&mut w, "code", "iso639-2b", code),
        Some(LanguageTerm::Iso639_2bUnchecked(code)) => language(&mut w, "code", "iso639-2b", code),
        Some(LanguageTerm::Text(text)) => language(&mut w, "text", "", text),
        None => {}
    }
    if let Some(text) = d.abstract_text {
        w.text("abstract", &[], text);
    }
    for n in &d.notes {
        w.text("note", &[("type", n.kind), ("displayLabel", n.label)], &n.text);
    }
    for s in &d.subjects {
        w.open("subject", &[("displayLabel", if s.graph { "Knowledge Graph" } else { "" })]);
        match s.term {
            Term::Topic(t) => w.text("topic", &[], t),
            Term::Geographic(t) => w.text("geographic", &[], t),
            Term::Temporal(t) => w.text("temporal", &[], t),
            Term::Name(kind, label) => {
                w.open("name", &[("type", name_type(kind))]);
                w.text("namePart", &[], label);
                w.close("name");
            }
        }
        w.close("subject");
    }
    for r in &d.related {
        let kind = match r.kind {
            RelatedKind::Host => "host",
            RelatedKind::Constituent => "constituent",
        };
        let href = r.href.as_deref().unwrap_or("");
        w.open("relatedItem", &[("type", kind), ("displayLabel", &r.label), ("xlink:href", href)]);
        for i in &r.identifiers {
            identifier(&mut w, i);
        }
        if r.media_type.is_some() || r.extent.is_some() {
            w.open("physicalDescription", &[]);
            if let Some(mime) = r.media_type {
                w.text("internetMediaType", &[], mime);
            }
            if let Some(extent) = &r.extent {
                w.text("extent", &[], extent);
            }
            w.close("physicalDescription");
        }
        if let Some(ocr) = r.note {
            w.text("note", &[("type", "ocr"), ("displayLabel", "OCR Text")], ocr);
        }
        if let Some(url) = &r.url {
            w.open("location", &[]);
            w.text("url", &[], url);
            w.close("location");
        }
        w.close("relatedItem");
    }
    for i in &d.identifiers {
        identifier(&mut w, i);
    }
    w.open("location", &[]);
    if let Some(place) = d.physical_location {
        w.text("physicalLocation", &[], place);
    }
    for u in &d.urls {
        w.text("url", &[("usage", u.usage), ("access", u.access), ("displayLabel", u.label)], &u.value);
    }
    w.close("location");
    if let Some(rights) = d.rights {
        w.text("accessCondition", &[("type", "use and reproduction")], rights);
    }
    let r = &d.record;
    w.open("recordInfo", &[]);
    w.text("recordContentSource", &[], "Arke Institute");
    if let Some(created) = r.created {
        w.text("recordCreationDate", &[("encoding", if is_w3cdtf(created) { "w3cdtf" } else { "" })], created);
    }
    if let Some(id) = r.identifier {
        w.text("recordIdentifier", &[("source", "arke-pi")], id);
    }
    if let Some(origin) = r.origin {
        w.text("recordOrigin", &[], origin);
    }
    if let Some(code) = r.cataloging_language {
        w.open("languageOfCataloging", &[]);
        w.text("languageTerm", &[("type", "code"), ("authority", "iso639-2b")], code);
        w.close("languageOfCataloging");
    }
    w.text("descriptionStandard", &[], r.standard);
    w.close("recordInfo");
    w.close("mods");
}

fn name_type(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Personal => "personal",
        NameKind::Corporate => "corporate",
    }
}

fn write_name(w: &mut XmlWriter<'_>, name: &Name<'_>) {
    w.open("name", &[("type", name_type(name.kind))]);
    match name.parts {
        NameParts::Whole(whole) => w.text("namePart", &[], whole),
        NameParts::Split { family, given, date } => {
            w.text("namePart", &[("type", "family")], family);
            w.text("namePart", &[("type", "given")], given);
            if let Some(date) = date {
                w.text("namePart", &[("type", "date")], date);
            }
        }
    }
    w.open("role", &[]);
    w.text("roleTerm", &[("type", "text")], name.role);
    w.close("role");
    w.close("name");
}

fn identifier(w: &mut XmlWriter<'_>, i: &Identifier<'_>) {
    w.text("identifier", &[("type", i.kind), ("displayLabel", i.label)], &i.value);
}

fn language(w: &mut XmlWriter<'_>, kind: &str, authority: &str, value: &str) {
    w.open("language", &[]);
    w.text("languageTerm", &[("type", kind), ("authority", authority)], value);
    w.close("language");
}
