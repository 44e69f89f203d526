//! MARCXML: the worker's records against `MODS2MARC21slim.xsl` run on its MODS, for every field
//! that stylesheet maps correctly. Its defects are corrected first, one named rule at a time.

use super::{Tally, first_difference};
use arke_export_xml_check::Element;

/// `accessCondition type="use and reproduction"` (the MODS 3.8 wording) gets `tag=""` (invalid).
pub(crate) const EMPTY_TAG: &str = "marc: tag=\"\" for a MODS 3.8 access condition type";
/// Only the first namePart goes to $a: "Lindqvist" for family "Lindqvist" and given "Maja".
pub(crate) const GIVEN_NAME: &str = "marc: the given name dropped from a split name";
/// Every creator gets a 100, which may occur once (the others belong in 700).
pub(crate) const REPEATED_100: &str = "marc: a 100 for every creator";
/// Personal names always get first indicator 1 (surname), names in direct order included.
pub(crate) const NAME_INDICATOR: &str = "marc: first indicator 1 for a name in direct order";
/// 245's first indicator is always 1 (added entry), also when there is no 1XX.
pub(crate) const TITLE_INDICATOR: &str = "marc: 245 first indicator 1 without a 1XX";
/// Subjects without an authority get a blank second indicator, which 6XX does not define.
pub(crate) const THESAURUS: &str = "marc: blank thesaurus indicator in 6XX";
/// A chronological subject becomes 650, not 648 (chronological term).
pub(crate) const CHRONOLOGICAL: &str = "marc: a temporal subject in 650";
/// A location with both physicalLocation and url loses its URLs (the later template wins).
pub(crate) const LOCATION_URLS: &str = "marc: location URLs lost beside physicalLocation";
/// dateCreated goes to 260 $g (date of manufacture), not to 264 _0 $c (production).
pub(crate) const DATE_CREATED: &str = "marc: dateCreated as 260 $g";
/// A related item's notes are written twice (relatedItem76X-78X emits mods:note twice).
pub(crate) const NOTES_TWICE: &str = "marc: a related item's notes twice";
/// A record whose only title is type="alternative" gets a 246 and no 245.
pub(crate) const NO_245: &str = "marc: no 245 when the only title is alternative";
/// A free-text dateCreated goes to 046 $k, which holds formatted dates only.
pub(crate) const FREE_TEXT_046: &str = "marc: free-text date in 046";
/// Without typeOfResource, leader/06 is left out: a 23-character leader (invalid).
pub(crate) const SHORT_LEADER: &str = "marc: 23-character leader without typeOfResource";
/// The 041 templates match `languageTerm`, but nothing descends into `mods:language` (the
/// catch-all template swallows it): the language codes never reach 041.
pub(crate) const NO_041: &str = "marc: no 041 (mods:language is never descended into)";
/// Leader/09 is blank (MARC-8) though MARCXML is Unicode.
pub(crate) const MARC8: &str = "marc: leader/09 blank (MARC-8)";

pub(crate) const ALL: &[&str] = &[
    EMPTY_TAG,
    GIVEN_NAME,
    REPEATED_100,
    NAME_INDICATOR,
    TITLE_INDICATOR,
    THESAURUS,
    CHRONOLOGICAL,
    LOCATION_URLS,
    DATE_CREATED,
    NOTES_TWICE,
    NO_245,
    FREE_TEXT_046,
    NO_041,
    SHORT_LEADER,
    MARC8,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub tag: String,
    pub ind1: String,
    pub ind2: String,
    pub subfields: Vec<(String, String)>,
}

impl Field {
    fn has(&self, code: &str) -> Option<&str> {
        self.subfields.iter().find(|(c, _)| c == code).map(|(_, v)| v.as_str())
    }
}

pub(crate) struct Record {
    pub leader: String,
    pub control: Vec<(String, String)>,
    pub fields: Vec<Field>,
}

pub(crate) fn record(e: &Element) -> Record {
    let mut r = Record { leader: String::new(), control: Vec::new(), fields: Vec::new() };
    for c in &e.children {
        let attr = |k: &str| c.attr(k).unwrap_or_default().to_owned();
        match c.local() {
            "leader" => r.leader.clone_from(&c.text),
            "controlfield" => r.control.push((attr("tag"), c.text.clone())),
            "datafield" => r.fields.push(Field {
                tag: attr("tag"),
                ind1: attr("ind1"),
                ind2: attr("ind2"),
                subfields: c
                    .children
                    .iter()
                    .map(|s| (s.attr("code").unwrap_or_default().to_owned(), s.text.clone()))
                    .collect(),
            }),
            _ => {}
        }
    }
    r
}

/// The (family, given) parts of each personal creator of `mods`, in order.
fn creator_parts(mods: &Element) -> Vec<(Option<String>, Option<String>)> {
    let part =
        |n: &Element, t: &str| n.children_named("namePart").find(|p| p.attr("type") == Some(t)).map(|p| p.text.clone());
    mods.children_named("name")
        .filter(|n| n.attr("type") == Some("personal"))
        .filter(|n| n.child("role").and_then(|r| r.child("roleTerm")).is_some_and(|t| t.text == "creator"))
        .map(|n| (part(n, "family"), part(n, "given")))
        .collect()
}

fn is_w3cdtf(s: &str) -> bool {
    let date = s.split('T').next().unwrap_or("");
    let ok = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match date.split('-').collect::<Vec<_>>().as_slice() {
        [y] => ok(y, 4),
        [y, m] => ok(y, 4) && ok(m, 2),
        [y, m, d] => ok(y, 4) && ok(m, 2) && ok(d, 2),
        _ => false,
    }
}

/// Corrects LoC's data fields, each known defect by its own rule.
fn correct(fields: &mut Vec<Field>, mods: &Element, tally: &mut Tally) {
    let creators = creator_parts(mods);
    let mut creator = 0;
    for f in fields.iter_mut() {
        if f.tag.is_empty() {
            f.tag = "540".into();
            tally.hit(EMPTY_TAG);
        }
        if f.tag == "100" {
            if let Some((Some(family), Some(given))) = creators.get(creator)
                && f.subfields[0] == ("a".to_owned(), family.clone())
            {
                f.subfields[0].1 = format!("{family}, {given}");
                tally.hit(GIVEN_NAME);
            }
            if creator > 0 {
                f.tag = "700".into();
                tally.hit(REPEATED_100);
            }
            creator += 1;
        }
        if matches!(f.tag.as_str(), "100" | "700" | "600") && f.ind1 == "1" && !f.has("a").unwrap_or("").contains(',') {
            f.ind1 = "0".into();
            tally.hit(NAME_INDICATOR);
        }
        if matches!(f.tag.as_str(), "600" | "610" | "650" | "651") && f.ind2 == " " {
            f.ind2 = "4".into();
            tally.hit(THESAURUS);
        }
        if f.tag == "650" && f.ind1 == " " {
            f.tag = "648".into();
            tally.hit(CHRONOLOGICAL);
        }
        if f.tag == "260" && f.subfields.iter().all(|(c, _)| c == "g") {
            *f = Field { tag: "264".into(), ind1: " ".into(), ind2: "0".into(), subfields: f.subfields.clone() };
            f.subfields.iter_mut().for_each(|s| s.0 = "c".into());
            tally.hit(DATE_CREATED);
        }
        if matches!(f.tag.as_str(), "773" | "774") {
            let notes: Vec<(String, String)> = f.subfields.iter().filter(|(c, _)| c == "n").cloned().collect();
            if !notes.is_empty()
                && notes.len().is_multiple_of(2)
                && notes[..notes.len() / 2] == notes[notes.len() / 2..]
            {
                let mut seen = 0;
                f.subfields.retain(|(c, _)| {
                    c != "n" || {
                        seen += 1;
                        seen <= notes.len() / 2
                    }
                });
                tally.hit(NOTES_TWICE);
            }
        }
    }
    fields.retain(|f| {
        let drop = f.tag == "046" && f.has("k").is_some_and(|k| !is_w3cdtf(k));
        if drop {
            tally.hit(FREE_TEXT_046);
        }
        !drop
    });
    if !fields.iter().any(|f| f.tag == "245")
        && let Some(f) = fields.iter_mut().find(|f| f.tag == "246")
    {
        *f = Field { tag: "245".into(), ind1: "0".into(), ind2: "0".into(), subfields: f.subfields.clone() };
        tally.hit(NO_245);
    }
    let has_main_entry = fields.iter().any(|f| f.tag.starts_with('1'));
    if let Some(f) = fields.iter_mut().find(|f| f.tag == "245" && f.ind1 == "1" && !has_main_entry) {
        f.ind1 = "0".into();
        tally.hit(TITLE_INDICATOR);
    }
    for term in mods.children_named("language").flat_map(|l| l.children_named("languageTerm")) {
        if term.attr("authority") == Some("iso639-2b") && !fields.iter().any(|f| f.tag == "041") {
            let subfields = vec![("a".to_owned(), term.text.clone())];
            fields.push(Field { tag: "041".into(), ind1: "0".into(), ind2: " ".into(), subfields });
            tally.hit(NO_041);
        }
    }
    if let Some(location) = mods.child("location").filter(|l| l.child("physicalLocation").is_some()) {
        for url in location.children_named("url") {
            let mut subfields = vec![("u".to_owned(), url.text.clone())];
            subfields.extend(url.attr("displayLabel").map(|l| ("3".to_owned(), l.to_owned())));
            fields.push(Field { tag: "856".into(), ind1: " ".into(), ind2: " ".into(), subfields });
            tally.hit(LOCATION_URLS);
        }
    }
}

/// Subfields the worker adds to fields LoC writes: `$2 edtf` in 046 (its date scheme), `$w`
/// (the entity's record ID) and `$o` (a file's CID) in 773/774, which LoC leaves out.
fn extra_subfield_allowed(tag: &str, code: &str) -> bool {
    matches!((tag, code), ("046", "2") | ("773" | "774", "w" | "o"))
}

/// Fields the worker writes and LoC never does from its MODS: identifiers (024), a language
/// given as text (546), and a related item's URLs (856, second indicator 2; LoC has a template
/// for them that it never applies).
fn extra_field_allowed(f: &Field) -> bool {
    f.tag == "024" || f.tag == "546" || (f.tag == "856" && f.ind2 == "2")
}

/// `loc`'s subfields appear in `ours`, in order, and ours' other subfields are allowed ones.
fn covers(ours: &Field, loc: &Field) -> bool {
    if (&ours.tag, &ours.ind1, &ours.ind2) != (&loc.tag, &loc.ind1, &loc.ind2) {
        return false;
    }
    let mut wanted = loc.subfields.iter().peekable();
    for s in &ours.subfields {
        if wanted.peek() == Some(&s) {
            wanted.next();
        } else if !extra_subfield_allowed(&ours.tag, &s.0) {
            return false;
        }
    }
    wanted.next().is_none()
}

/// Compares one record; `Err` says what differs.
pub(crate) fn compare(loc: &Element, ours: &Element, mods: &Element, tally: &mut Tally) -> Result<(), String> {
    let mut loc = record(loc);
    let ours = record(ours);
    let pi = mods.children_named("identifier").find(|i| i.attr("type") == Some("arke-pi")).map(|i| i.text.clone());

    // Leader: record status, type of record and bibliographic level as LoC; the rest well formed.
    let l = ours.leader.as_bytes();
    if l.len() != 24 || &ours.leader[10..12] != "22" || &ours.leader[20..] != "4500" || l[5] != b'n' {
        return Err(format!("leader {:?}", ours.leader));
    }
    if loc.leader.len() == 23 {
        tally.hit(SHORT_LEADER);
        loc.leader.insert(6, 'p');
    }
    if ours.leader[5..8] != loc.leader[5..8] {
        return Err(format!("leader 05-07: LoC {:?}, ours {:?}", &loc.leader[5..8], &ours.leader[5..8]));
    }
    if l[9] == b'a' && loc.leader.as_bytes()[9] == b' ' {
        tally.hit(MARC8);
    } else {
        return Err(format!("leader/09 {:?}", ours.leader));
    }

    // Control fields: 001/003 as LoC's (from recordIdentifier); also in records LoC gives none.
    let control = |r: &Record, tag: &str| r.control.iter().find(|(t, _)| t == tag).map(|(_, v)| v.clone());
    if control(&ours, "001") != pi || control(&ours, "003").as_deref() != Some("arke-pi") {
        return Err(format!("001/003: {:?}", ours.control));
    }
    for tag in ["001", "003"] {
        if control(&loc, tag).is_some() && control(&loc, tag) != control(&ours, tag) {
            return Err(format!("{tag}: LoC {:?}, ours {:?}", control(&loc, tag), control(&ours, tag)));
        }
    }
    let ours_008 = control(&ours, "008").unwrap_or_default();
    let loc_008 = control(&loc, "008").unwrap_or_default();
    if ours_008.chars().count() != 40 {
        return Err(format!("008 {ours_008:?} is not 40 characters"));
    }
    if loc_008.len() >= 38 && &loc_008[35..38] != "|||" && loc_008[35..38] != ours_008[35..38] {
        return Err(format!("008/35-37: LoC {loc_008:?}, ours {ours_008:?}"));
    }
    let created = mods.child("originInfo").and_then(|o| o.child("dateCreated")).map(|d| d.text.clone());
    match created.filter(|c| is_w3cdtf(c)) {
        Some(c) if ours_008[6..11] == format!("s{}", &c[..4]) => {}
        None if &ours_008[6..15] == "nuuuuuuuu" => {}
        other => return Err(format!("008/06-14 {ours_008:?} for dateCreated {other:?}")),
    }

    // Data fields: every corrected LoC field is in ours, once; ours has nothing else but allowed extras.
    correct(&mut loc.fields, mods, tally);
    loc.fields.sort_by(|a, b| a.tag.cmp(&b.tag));
    let tags: Vec<&str> = ours.fields.iter().map(|f| f.tag.as_str()).collect();
    let mut sorted = tags.clone();
    sorted.sort_unstable();
    if tags != sorted {
        return Err(format!("fields are not in tag order: {tags:?}"));
    }
    let mut used = vec![false; ours.fields.len()];
    for want in &loc.fields {
        let Some(i) = (0..ours.fields.len()).find(|&i| !used[i] && covers(&ours.fields[i], want)) else {
            let same_tag: Vec<&Field> = ours.fields.iter().filter(|f| f.tag == want.tag).collect();
            return Err(format!("LoC (corrected) {want:?} is not in ours; ours with that tag: {same_tag:?}"));
        };
        used[i] = true;
    }
    let extra: Vec<&Field> =
        ours.fields.iter().zip(&used).filter(|(f, u)| !**u && !extra_field_allowed(f)).map(|(f, _)| f).collect();
    if let Some(diff) = first_difference::<&Field>(&[], &extra) {
        return Err(format!("fields LoC does not write: {diff}"));
    }
    Ok(())
}
