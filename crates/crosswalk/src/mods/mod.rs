//! MODS 3.8: the writer of a [`crate::describe::Description`], and language codes.

pub mod lang;
pub mod record;

pub const MODS_NS: &str = "http://www.loc.gov/mods/v3";
pub const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Where the schema really is (the original worker pointed at a path without `/v3/`).
pub const SCHEMA_LOCATION: &str = "http://www.loc.gov/mods/v3 http://www.loc.gov/standards/mods/v3/mods-3-8.xsd";

/// The namespace attributes of a root element (`mods` or `modsCollection`).
pub fn root_attributes() -> String {
    format!(
        " xmlns=\"{MODS_NS}\" xmlns:xlink=\"{XLINK_NS}\" xmlns:xsi=\"{XSI_NS}\" \
         xsi:schemaLocation=\"{SCHEMA_LOCATION}\""
    )
}

/// What a MODS file starts with (a collection opens `modsCollection`).
pub fn header(single_record: bool) -> String {
    if single_record {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_owned()
    } else {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<modsCollection{}>", root_attributes())
    }
}

/// What a MODS file ends with.
pub fn footer(single_record: bool) -> &'static str {
    if single_record { "\n" } else { "\n</modsCollection>\n" }
}
