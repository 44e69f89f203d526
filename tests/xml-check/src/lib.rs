//! Validation of MODS files against the LoC MODS 3.8 schema, offline, with xmllint.
//! The schemas are the copies in `tests/schemas/` of this repository.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder holding `catalog.xml` and `mods-3-8-libxml2.xsd`.
pub fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// Validates `file` with xmllint. `Err` holds xmllint's complaints (or why it could not run).
pub fn validate_mods(file: &Path) -> Result<(), String> {
    let dir = schema_dir();
    let output = Command::new("xmllint")
        .env("XML_CATALOG_FILES", dir.join("catalog.xml"))
        .args(["--nonet", "--noout", "--schema"])
        .arg(dir.join("mods-3-8-libxml2.xsd"))
        .arg(file)
        .output()
        .map_err(|e| format!("could not run xmllint ({e}); install it with `apt-get install libxml2-utils`"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "{} does not validate (exit {:?}):\n{}",
            file.display(),
            output.status.code(),
            stderr.chars().take(4000).collect::<String>()
        ))
    }
}
