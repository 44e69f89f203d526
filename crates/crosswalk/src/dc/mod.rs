//! Simple Dublin Core, written from a [`Description`].
//!
//! What goes where follows the Library of Congress's MODS → simple DC stylesheet
//! (`MODS3-7_DC_XSLT1-0.xsl`) applied to the MODS record of the same description, element for
//! element and in the same order, except where that stylesheet is wrong:
//! - it appends "et al" to every creator whose name has no `etal` (its test is inverted): not here;
//! - it puts a space after `nonSort`, which already ends in one ("The  harbour"): not here;
//! - it maps `typeOfResource` "software, multimedia" (the one MODS value for software, datasets and
//!   interactive resources) to no `dc:type`, because it tests for "software" and "multimedia"
//!   separately: here the record's DCMI type (Dataset, Software or InteractiveResource) is written.
//!
//! Containers: one record is an `oai_dc:dc` (OAI-PMH, `oai_dc.xsd`). A collection or several
//! records are one `srw_dc:dcCollection` of `srw_dc:dc` records, which is what the same stylesheet
//! makes of a `modsCollection` (the SRU Dublin Core schema's namespace): `oai_dc` defines no
//! container for several records, and an OAI-PMH response would need a repository around it.

use crate::describe::text::normalize_space;
use crate::describe::{Description, Name, NameParts, Term};
use crate::mods::XSI_NS;
use crate::mods::lang::LanguageTerm;
use crate::xml::XmlWriter;

pub const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub const OAI_DC_NS: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
pub const SRW_DC_NS: &str = "info:srw/schema/1/dc-schema";
const OAI_DC_LOCATION: &str =
    "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd";
const SRW_DC_LOCATION: &str =
    "info:srw/schema/1/dc-schema http://www.loc.gov/standards/sru/recordSchemas/dc-schema.xsd";

/// What a Dublin Core file starts with (a collection opens `srw_dc:dcCollection`).
pub fn header(single_record: bool) -> String {
    if single_record {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_owned()
    } else {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<srw_dc:dcCollection xmlns:srw_dc=\"{SRW_DC_NS}\" \
             xmlns:dc=\"{DC_NS}\" xmlns:xsi=\"{XSI_NS}\" xsi:schemaLocation=\"{SRW_DC_LOCATION}\">"
        )
    }
}

/// What a Dublin Core file ends with.
pub fn footer(single_record: bool) -> &'static str {
    if single_record { "\n" } else { "\n</srw_dc:dcCollection>\n" }
}

/// A name as the LoC stylesheet writes it: untyped parts, then "family, given, date", then
/// " (role)" unless the role is creator; white space normalised.
fn name_text(parts: &NameParts<'_>, role: Option<&str>) -> String {
    let mut s = match parts {
        NameParts::Whole(whole) => format!("{whole} "),
        NameParts::Split { family, given, date } => {
            let mut s = format!("{family}, {given}");
            if let Some(date) = date {
                s.push_str(", ");
                s.push_str(date);
            }
            s
        }
    };
    if let Some(role) = role.filter(|r| *r != "creator") {
        s.push_str(" (");
        s.push_str(&normalize_space(role));
        s.push_str(") ");
    }
    normalize_space(&s)
}

/// The DCMI types of a MODS `typeOfResource` (and, for "software, multimedia", of the PINAX type).
fn types(d: &Description<'_>) -> Vec<&'static str> {
    let Some(r) = &d.resource else { return Vec::new() };
    let mut types = Vec::new();
    if r.collection {
        types.push("Collection");
    }
    types.extend(match r.type_of_resource {
        "software, multimedia" => match r.pinax_type {
            Some("Dataset") => Some("Dataset"),
            Some("InteractiveResource") => Some("InteractiveResource"),
            _ => Some("Software"),
        },
        "moving image" => Some("MovingImage"),
        "three dimensional object" => Some("PhysicalObject"),
        "sound recording" => Some("Sound"),
        "still image" => Some("StillImage"),
        "text" => Some("Text"),
        _ => None,
    });
    types
}

/// Joins values with "--", as the stylesheet does for related items (blank values are skipped).
fn joined<'v>(values: impl ExactSizeIterator<Item = &'v str>) -> String {
    let last = values.len().saturating_sub(1);
    let mut s = String::new();
    for (i, v) in values.enumerate() {
        if !normalize_space(v).is_empty() {
            s.push_str(v);
            if i != last {
                s.push_str("--");
            }
        }
    }
    s
}

/// An identifier: as is when it contains ':', else prefixed by its type ("local: 01J…").
fn identifier_text(kind: &str, value: &str) -> String {
    if value.contains(':') || kind.is_empty() {
        value.to_owned()
    } else {
        format!("{}: {value}", kind.to_ascii_lowercase())
    }
}

/// Appends one record: `oai_dc:dc` when `root` (a single-record file), else `srw_dc:dc`.
pub fn write(d: &Description<'_>, out: &mut String, root: bool) {
    let mut w = XmlWriter::new(out, usize::from(!root));
    let element = if root { "oai_dc:dc" } else { "srw_dc:dc" };
    if root {
        let attrs = format!(
            " xmlns:oai_dc=\"{OAI_DC_NS}\" xmlns:dc=\"{DC_NS}\" xmlns:xsi=\"{XSI_NS}\" \
             xsi:schemaLocation=\"{OAI_DC_LOCATION}\""
        );
        w.open_raw(element, &attrs, &[]);
    } else {
        w.open(element, &[]);
    }
    let title = d.title.full();
    w.text("dc:title", &[], &title);
    for Name { parts, role, .. } in &d.names {
        let element = if *role == "creator" { "dc:creator" } else { "dc:contributor" };
        w.text(element, &[], &name_text(parts, Some(role)));
    }
    for t in types(d) {
        w.text("dc:type", &[], t);
    }
    if let Some(created) = d.created {
        w.text("dc:date", &[], created);
    }
    match &d.language {
        Some(LanguageTerm::Iso639_2b(code)) => w.text("dc:language", &[], code),
        Some(LanguageTerm::Iso639_2bUnchecked(code) | LanguageTerm::Text(code)) => w.text("dc:language", &[], code),
        None => {}
    }
    if let Some(text) = d.abstract_text {
        w.text("dc:description", &[], text);
    }
    for n in &d.notes {
        w.text("dc:description", &[], &n.text);
    }
    for s in &d.subjects {
        match s.term {
            Term::Topic(t) => w.text("dc:subject", &[], t),
            Term::Geographic(t) | Term::Temporal(t) => w.text("dc:coverage", &[], t),
            Term::Name(_, label) => w.text("dc:subject", &[], &name_text(&NameParts::Whole(label), None)),
        }
    }
    for r in &d.related {
        let values: Vec<&str> = r.identifiers.iter().map(|i| i.value.as_ref()).chain(r.url.as_deref()).collect();
        if !values.is_empty() {
            w.text("dc:relation", &[], &joined(values.into_iter()));
        }
    }
    for i in &d.identifiers {
        w.text("dc:identifier", &[], &identifier_text(i.kind, &i.value));
    }
    for u in &d.urls {
        w.text("dc:identifier", &[], &u.value);
    }
    if let Some(rights) = d.rights {
        w.text("dc:rights", &[], rights);
    }
    w.close(element);
}
