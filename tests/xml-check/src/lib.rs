//! Test support for the export formats.
//!
//! - Validation against the official schemas, offline, with xmllint: [`validate_mods`],
//!   [`validate_dc`], [`validate_marc`]. The schemas are the copies in `tests/schemas/` of this
//!   repository (see its SOURCE.md).
//! - Reading a file back as a small element tree ([`parse`], [`Element`]), to compare what was written.

mod tree;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use tree::{Element, parse, parse_str};

pub const OAI_DC_NS: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
pub const SRW_DC_NS: &str = "info:srw/schema/1/dc-schema";
pub const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub const MARC_NS: &str = "http://www.loc.gov/MARC21/slim";

/// The folder holding `catalog.xml` and the schemas.
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// Runs xmllint with `schema` (a file in [`schema_dir`]) over `files` at once.
/// `Err` holds xmllint's complaints (or why it could not run).
fn xmllint(schema: &str, files: &[PathBuf], what: &str) -> Result<(), String> {
    let dir = schema_dir();
    for chunk in files.chunks(200) {
        let output = Command::new("xmllint")
            .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
            .args(["--nonet", "--noout", "--schema"])
            .arg(dir.join(schema))
            .args(chunk)
            .output()
            .map_err(|e| format!("could not run xmllint ({e}); install it with `apt-get install libxml2-utils`"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "{what} does not validate against {schema} (exit {:?}):\n{}",
                output.status.code(),
                stderr.chars().take(4000).collect::<String>()
            ));
        }
    }
    Ok(())
}

/// Validates a MODS record or collection against MODS 3.8.
pub fn validate_mods(file: &Path) -> Result<(), String> {
    xmllint("mods-3-8-libxml2.xsd", &[file.to_owned()], &file.display().to_string())
}

/// Validates a MARCXML record or collection against `MARC21slim.xsd`.
pub fn validate_marc(file: &Path) -> Result<(), String> {
    xmllint("MARC21slim.xsd", &[file.to_owned()], &file.display().to_string())
}

/// Validates simple Dublin Core.
///
/// - An `oai_dc:dc` record: against `oai_dc.xsd` (which imports the DCMI element schema).
/// - An `srw_dc:dcCollection` (what the LoC stylesheet makes of a `modsCollection`): the SRU
///   Dublin Core schema is not among the reference schemas, so the container is checked here
///   (namespace, at least one record, nothing but `srw_dc:dc` records in it) and every record's
///   content is validated against `oai_dc.xsd`, whose record type (any of the 15 DC elements, each
///   plain text) is the same.
pub fn validate_dc(file: &Path) -> Result<(), String> {
    let what = file.display().to_string();
    let root = parse(file)?;
    match root.name.as_str() {
        "oai_dc:dc" if root.attr("xmlns:oai_dc") == Some(OAI_DC_NS) => xmllint("oai_dc.xsd", &[file.to_owned()], &what),
        "srw_dc:dcCollection" if root.attr("xmlns:srw_dc") == Some(SRW_DC_NS) => {
            if root.children.is_empty() {
                return Err(format!("{what}: the collection holds no record"));
            }
            if let Some(odd) = root.children.iter().find(|c| c.name != "srw_dc:dc") {
                return Err(format!("{what}: <{}> in a collection of srw_dc:dc records", odd.name));
            }
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let mut files = Vec::with_capacity(root.children.len());
            for (n, record) in root.children.iter().enumerate() {
                let mut namespaces: Vec<(String, String)> = Vec::new();
                for (k, v) in root.attrs.iter().chain(&record.attrs) {
                    if k.starts_with("xmlns:") && k != "xmlns:oai_dc" && !namespaces.iter().any(|(n, _)| n == k) {
                        namespaces.push((k.clone(), v.clone()));
                    }
                }
                namespaces.push(("xmlns:oai_dc".into(), OAI_DC_NS.into()));
                let as_oai = Element {
                    name: "oai_dc:dc".into(),
                    attrs: namespaces,
                    children: record.children.clone(),
                    text: record.text.clone(),
                };
                let path = dir.path().join(format!("record-{n}.xml"));
                std::fs::write(&path, format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", as_oai.to_xml()))
                    .map_err(|e| e.to_string())?;
                files.push(path);
            }
            xmllint("oai_dc.xsd", &files, &format!("a record of {what}"))
        }
        other => Err(format!("{what}: <{other}> is neither oai_dc:dc nor srw_dc:dcCollection (with its namespace)")),
    }
}
