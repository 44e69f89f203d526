//! MARC 21 bibliographic records in MARCXML, written from a [`Description`].
//!
//! What goes where follows the Library of Congress's MODS → MARCXML stylesheet
//! (`MODS2MARC21slim.xsl`) applied to the MODS record of the same description, except where that
//! stylesheet is wrong (each case is pinned by the worker's LoC consistency test):
//! - `accessCondition` typed with the MODS 3.8 words ("use and reproduction") gets `tag=""`, which
//!   the schema rejects: here 540;
//! - a name split into family and given parts keeps only the family name in `$a`: here "Family, Given";
//! - every creator gets a 100, which may occur once: here the first creator is 100, the others 700;
//! - the first indicator of a personal name is always 1 (surname first): here 0 for names in direct
//!   order ("Ada Lovelace") and 1 for inverted ones ("Lovelace, Ada");
//! - 245's first indicator is always 1: here 0 when the record has no 1XX;
//! - subject headings without an authority get a blank second indicator, which 6XX does not define:
//!   here 4 (source not specified); a chronological subject goes to 648, not 650;
//! - a `location` holding both `physicalLocation` and `url` loses its URLs (two templates match and
//!   the last one wins): here 852 and one 856 for each URL;
//! - related items keep their labels only: here a parent or child entity's record ID goes to
//!   773/774 `$w`, a file's CID to `$o`, its URLs to 856 (second indicator 2), and the notes of a
//!   related item are written once, not twice;
//! - a record whose only title is an alternative one (an incomplete record) has no 245: here 245;
//! - the leader's character coding (09) is blank (MARC-8) and 008 is left mostly blank: here `a`
//!   (Unicode) and a complete 008 (see [`control`]).
//!
//! Choices beyond the stylesheet: the date created goes to 264 (second indicator 0, production,
//! as for unpublished material) rather than 260 `$g` (date of manufacture), and to 046 `$k` with
//! `$2 edtf` when it is a W3CDTF date; a language that is not a code goes to 546; record IDs and
//! PINAX IDs go to 024 (`7`, source in `$2`); fields are in tag order.

pub mod control;

use crate::describe::{Description, Identifier, NameKind, NameParts, RelatedKind, Term};
use crate::mods::lang::LanguageTerm;
use crate::xml::escape_into;

pub const MARC_NS: &str = "http://www.loc.gov/MARC21/slim";
const ROOT_ATTRIBUTES: &str = concat!(
    " xmlns:marc=\"http://www.loc.gov/MARC21/slim\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
    " xsi:schemaLocation=\"http://www.loc.gov/MARC21/slim http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd\""
);

/// What a MARCXML file starts with (a collection opens `marc:collection`).
pub fn header(single_record: bool) -> String {
    if single_record {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_owned()
    } else {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<marc:collection{ROOT_ATTRIBUTES}>")
    }
}

/// What a MARCXML file ends with.
pub fn footer(single_record: bool) -> &'static str {
    if single_record { "\n" } else { "\n</marc:collection>\n" }
}

/// Data fields of one record, each rendered as it is added, then written in tag order.
struct Fields {
    text: String,
    /// (tag, start, end) in `text`.
    spans: Vec<(u16, usize, usize)>,
    indent: &'static str,
}

impl Fields {
    /// Adds a field; subfields without a value are left out, and so is a field without subfields.
    fn add(&mut self, tag: u16, ind1: char, ind2: char, subfields: &[(char, &str)]) {
        if subfields.iter().all(|(_, v)| v.is_empty()) {
            return;
        }
        let start = self.text.len();
        let t = &mut self.text;
        t.push('\n');
        t.push_str(self.indent);
        t.push_str("  <marc:datafield tag=\"");
        push_tag(t, tag);
        t.push_str("\" ind1=\"");
        t.push(ind1);
        t.push_str("\" ind2=\"");
        t.push(ind2);
        t.push_str("\">");
        for (code, value) in subfields.iter().filter(|(_, v)| !v.is_empty()) {
            t.push('\n');
            t.push_str(self.indent);
            t.push_str("    <marc:subfield code=\"");
            t.push(*code);
            t.push_str("\">");
            escape_into(t, value, false);
            t.push_str("</marc:subfield>");
        }
        t.push('\n');
        t.push_str(self.indent);
        t.push_str("  </marc:datafield>");
        self.spans.push((tag, start, self.text.len()));
    }
}

/// Three digits.
fn push_tag(out: &mut String, tag: u16) {
    for divisor in [100, 10, 1] {
        out.push(char::from(b'0' + (tag / divisor % 10) as u8));
    }
}

fn control_field(out: &mut String, indent: &str, tag: &str, value: &str) {
    out.push('\n');
    out.push_str(indent);
    out.push_str("  <marc:controlfield tag=\"");
    out.push_str(tag);
    out.push_str("\">");
    escape_into(out, value, false);
    out.push_str("</marc:controlfield>");
}

/// Appends one `marc:record`. `root` writes the namespace declarations (a single-record file);
/// `today` (`YYYY-MM-DD`) dates records whose manifest has no usable time.
pub fn write(d: &Description<'_>, out: &mut String, root: bool, today: &str) {
    let indent = if root { "" } else { "  " };
    let mut f = Fields { text: String::with_capacity(8 * 1024), spans: Vec::with_capacity(48), indent };
    let names = d.names.iter().filter(|n| n.kind == NameKind::Personal);
    let mut has_main_entry = false;
    for (n, name) in names.enumerate() {
        let tag = if n == 0 { 100 } else { 700 };
        has_main_entry |= n == 0;
        let date = match name.parts {
            NameParts::Split { date, .. } => date.unwrap_or(""),
            NameParts::Whole(_) => "",
        };
        let ind1 = if name.parts.inverted() { '1' } else { '0' };
        f.add(tag, ind1, ' ', &[('a', &name.parts.without_date()), ('d', date), ('e', name.role)]);
    }
    for name in d.names.iter().filter(|n| n.kind == NameKind::Corporate) {
        f.add(710, '2', ' ', &[('a', &name.parts.without_date()), ('e', name.role)]);
    }
    let non_filing = d.title.non_sort.map_or(0, |a| a.chars().count().min(9));
    let ind2 = char::from_digit(non_filing as u32, 10).unwrap_or('0');
    f.add(245, if has_main_entry { '1' } else { '0' }, ind2, &[('a', &d.title.full())]);
    if let Some(created) = d.created {
        if crate::describe::text::is_w3cdtf(created) {
            f.add(46, ' ', ' ', &[('k', created), ('2', "edtf")]);
        }
        f.add(264, ' ', '0', &[('c', created)]);
    }
    match &d.language {
        Some(LanguageTerm::Iso639_2b(code)) => f.add(41, '0', ' ', &[('a', code)]),
        Some(LanguageTerm::Iso639_2bUnchecked(code)) => f.add(41, '0', ' ', &[('a', code)]),
        Some(LanguageTerm::Text(text)) => f.add(546, ' ', ' ', &[('a', text)]),
        None => {}
    }
    if let Some(text) = d.abstract_text {
        f.add(520, ' ', ' ', &[('a', text)]);
    }
    for n in &d.notes {
        f.add(500, ' ', ' ', &[('a', &n.text)]);
    }
    for s in &d.subjects {
        match s.term {
            Term::Topic(t) => f.add(650, '1', '4', &[('a', t)]),
            Term::Geographic(t) => f.add(651, ' ', '4', &[('a', t)]),
            Term::Temporal(t) => f.add(648, ' ', '4', &[('a', t)]),
            Term::Name(NameKind::Personal, name) => {
                let ind1 = if NameParts::Whole(name).inverted() { '1' } else { '0' };
                f.add(600, ind1, '4', &[('a', name)]);
            }
            Term::Name(NameKind::Corporate, name) => f.add(610, '2', '4', &[('a', name)]),
        }
    }
    for r in &d.related {
        let tag = if r.kind == RelatedKind::Host { 773 } else { 774 };
        let mut subfields: Vec<(char, &str)> = Vec::with_capacity(6);
        subfields.extend(r.extent.as_deref().map(|e| ('h', e)));
        subfields.push(('i', &r.label));
        subfields.extend(r.note.map(|n| ('n', n)));
        subfields.extend(r.entity.map(|pi| ('w', pi)));
        subfields.extend(r.identifiers.iter().filter(|i| i.kind == "ipfs-cid").map(|i| ('o', i.value.as_ref())));
        f.add(tag, '0', ' ', &subfields);
        for i in r.identifiers.iter().filter(|i| i.kind == "uri") {
            f.add(856, ' ', '2', &[('u', &i.value), ('q', r.media_type.unwrap_or("")), ('3', &r.label)]);
        }
    }
    for i in &d.identifiers {
        identifier(&mut f, i);
    }
    if let Some(place) = d.physical_location {
        f.add(852, ' ', ' ', &[('a', place)]);
    }
    for u in &d.urls {
        f.add(856, ' ', ' ', &[('u', &u.value), ('3', u.label)]);
    }
    if let Some(rights) = d.rights {
        f.add(540, ' ', ' ', &[('a', rights)]);
    }

    out.push_str(if root { "\n<marc:record" } else { "\n  <marc:record" });
    if root {
        out.push_str(ROOT_ATTRIBUTES);
    }
    out.push('>');
    out.push('\n');
    out.push_str(indent);
    out.push_str("  <marc:leader>");
    out.push_str(&control::leader(d));
    out.push_str("</marc:leader>");
    control_field(out, indent, "001", d.pi.as_str());
    control_field(out, indent, "003", "arke-pi");
    control_field(out, indent, "008", &control::field_008(d, today));
    f.spans.sort_by_key(|&(tag, _, _)| tag);
    for &(_, start, end) in &f.spans {
        out.push_str(&f.text[start..end]);
    }
    out.push_str(if root { "\n</marc:record>" } else { "\n  </marc:record>" });
}

/// Top-level identifiers: URIs are links (856); record and PINAX IDs are other standard
/// identifiers (024, source in `$2`).
fn identifier(f: &mut Fields, i: &Identifier<'_>) {
    match i.kind {
        "uri" => f.add(856, ' ', ' ', &[('u', &i.value)]),
        kind => f.add(24, '7', ' ', &[('a', &i.value), ('2', kind)]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_root_declares_the_marc_and_instance_namespaces() {
        let root = super::ROOT_ATTRIBUTES;
        assert!(root.contains(super::MARC_NS) && root.contains(crate::mods::XSI_NS));
    }
}
