//! Dublin Core: the worker's records against `MODS3-7_DC_XSLT1-0.xsl` run on its MODS.

use super::{Tally, first_difference, items};
use arke_export_xml_check::Element;

/// "et al" follows every creator whose name has no `mods:etal` (the stylesheet's test is inverted).
pub(crate) const ET_AL: &str = "dc: 'et al' appended to every creator";
/// A space is added after `nonSort`, which already ends in its space or apostrophe ("The  harbour").
pub(crate) const NON_SORT_SPACE: &str = "dc: a space added after nonSort";
/// "type: value" identifiers are joined by a no-break space (U+00A0) hidden in the stylesheet.
pub(crate) const NBSP: &str = "dc: a no-break space after an identifier's type";
/// "software, multimedia" (the one MODS value for software, datasets and interactive resources)
/// matches neither of the stylesheet's tests ("software", "multimedia"): no dc:type at all.
pub(crate) const NO_SOFTWARE_TYPE: &str = "dc: no dc:type for 'software, multimedia'";

pub(crate) const ALL: &[&str] = &[ET_AL, NON_SORT_SPACE, NBSP, NO_SOFTWARE_TYPE];

/// Compares one record; `Err` says where they differ.
pub(crate) fn compare(loc: &Element, ours: &Element, mods: &Element, tally: &mut Tally) -> Result<(), String> {
    let mut loc = items(loc);
    let mut ours = items(ours);
    let non_sort = mods.child("titleInfo").and_then(|t| t.child("nonSort")).map(|n| n.text.clone());
    for (name, value) in &mut loc {
        match name.as_str() {
            "creator" if value.ends_with("et al") => {
                value.truncate(value.len() - "et al".len());
                tally.hit(ET_AL);
            }
            "title" => {
                if let Some(article) = &non_sort
                    && let Some(rest) = value.strip_prefix(&format!("{article} "))
                {
                    *value = format!("{article}{rest}");
                    tally.hit(NON_SORT_SPACE);
                }
            }
            "identifier" if value.contains(":\u{a0}") => {
                *value = value.replacen(":\u{a0}", ": ", 1);
                tally.hit(NBSP);
            }
            _ => {}
        }
    }
    if mods.child("typeOfResource").is_some_and(|t| t.text == "software, multimedia") {
        let dcmi = ["Dataset", "Software", "InteractiveResource"];
        let ours_types: Vec<usize> =
            (0..ours.len()).filter(|&i| ours[i].0 == "type" && dcmi.contains(&ours[i].1.as_str())).collect();
        if ours_types.len() != 1 || loc.iter().any(|(n, _)| n == "type") {
            return Err(format!("software, multimedia: ours {ours:?}, LoC {loc:?}"));
        }
        ours.remove(ours_types[0]);
        tally.hit(NO_SOFTWARE_TYPE);
    }
    match first_difference(&loc, &ours) {
        None => Ok(()),
        Some(diff) => Err(diff),
    }
}
