//! Running the Library of Congress stylesheets (from `shared/xslt`, never copied here) on the MODS
//! the worker wrote, and comparing their output with the worker's own Dublin Core and MARCXML.
//!
//! Where a stylesheet is wrong, the comparison first corrects its output, one named defect at a
//! time ([`Tally`] counts each correction), so every deviation of the worker from LoC is listed,
//! explained and shown to occur; anything else must match exactly.

pub(crate) mod dc;
pub(crate) mod marc;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use arke_export_xml_check::{Element, parse_str};

/// How often each known defect of the LoC stylesheets was corrected.
#[derive(Default)]
pub(crate) struct Tally(BTreeMap<&'static str, usize>);

impl Tally {
    pub(crate) fn hit(&mut self, defect: &'static str) {
        *self.0.entry(defect).or_default() += 1;
    }

    /// Each defect in `expected` was met at least once, and no other.
    pub(crate) fn assert_exactly(&self, expected: &[&'static str]) {
        for defect in expected {
            assert!(self.0.contains_key(defect), "the defect {defect:?} never showed: {:?}", self.0);
        }
        for defect in self.0.keys() {
            assert!(expected.contains(defect), "{defect:?} is corrected but not expected");
        }
    }
}

/// Runs `stylesheet` (a file of `shared/xslt`) on `input` with xsltproc, offline, through the
/// reference catalog (which maps the MARC stylesheet's include to its local copy).
pub(crate) fn xslt(shared: &Path, stylesheet: &str, input: &Path) -> Element {
    let output = Command::new("xsltproc")
        .env("XML_CATALOG_FILES", shared.join("schemas").join("catalog.xml"))
        .arg("--nonet")
        .arg(shared.join("xslt").join(stylesheet))
        .arg(input)
        .output()
        .unwrap_or_else(|e| panic!("could not run xsltproc ({e}); install it: scripts/install-deps.sh"));
    assert!(output.status.success(), "xsltproc {stylesheet}: {}", String::from_utf8_lossy(&output.stderr));
    parse_str(&String::from_utf8(output.stdout).unwrap()).unwrap()
}

/// The `mods` records of a MODS file (one, or those of a `modsCollection`).
pub(crate) fn mods_records(root: &Element) -> Vec<&Element> {
    if root.local() == "mods" { vec![root] } else { root.children_named("mods").collect() }
}

/// `(local name, text)` of each child element.
pub(crate) fn items(e: &Element) -> Vec<(String, String)> {
    e.children.iter().map(|c| (c.local().to_owned(), c.text.clone())).collect()
}

/// A readable difference of two lists (the first that differ, with their position).
pub(crate) fn first_difference<T: std::fmt::Debug + PartialEq>(loc: &[T], ours: &[T]) -> Option<String> {
    if loc == ours {
        return None;
    }
    let at = loc.iter().zip(ours).position(|(a, b)| a != b).unwrap_or(loc.len().min(ours.len()));
    Some(format!(
        "at {at}: LoC (corrected) {:?}, ours {:?} ({} vs {} items)",
        loc.get(at),
        ours.get(at),
        loc.len(),
        ours.len()
    ))
}
