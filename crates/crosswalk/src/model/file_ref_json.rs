//! Reading a `*.ref.json` straight into [`FileRef`], without a JSON tree (its OCR text can be large). It
//! reads what the tree-walking reader read, which the test keeps as the reference, except that values
//! it skips are only scanned (invalid UTF-8, a lone surrogate, a number out of range or nesting deeper
//! than 128 inside one no longer rejects the file).

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use super::FileRef;
use super::loose::{Loose, Unsigned, lenient};

impl FileRef {
    /// Reads a `*.ref.json`; `None` unless it is a JSON object.
    pub fn from_json(bytes: &[u8]) -> Option<FileRef> {
        serde_json::from_slice::<FileRef>(bytes).ok()
    }
}

lenient!(FileRef, FileRefVisitor);

impl<'de> Visitor<'de> for FileRefVisitor {
    type Value = FileRef;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    // Only an object: any other is an error, not a file reference (the caller skips it).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FileRef, A::Error> {
        let mut file = FileRef::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Url => file.url = map.next_value::<Loose>()?.one(),
                Key::IpfsCid => file.ipfs_cid = map.next_value::<Loose>()?.one(),
                Key::Mime => file.mime = map.next_value::<Loose>()?.one(),
                Key::Size => file.size = map.next_value::<Unsigned>()?.0.map(|n| n.to_string()),
                Key::Filename => file.filename = map.next_value::<Loose>()?.one(),
                Key::Ocr => file.ocr = map.next_value::<Loose>()?.one(),
                Key::Other => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(file)
    }
}

/// The keys of a `*.ref.json` the crosswalk reads (each variant is its key in snake case).
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    Url,
    IpfsCid,
    #[serde(rename = "type")]
    Mime,
    Size,
    Filename,
    Ocr,
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::scalar;
    use super::*;

    /// The reference: a `*.ref.json` read as a JSON tree.
    fn file_ref_from_tree(bytes: &[u8]) -> Option<FileRef> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
            return None;
        };
        let one = |k: &str| map.get(k).and_then(scalar);
        Some(FileRef {
            url: one("url"),
            ipfs_cid: one("ipfs_cid"),
            mime: one("type"),
            size: map.get("size").filter(|v| v.is_u64()).and_then(scalar),
            filename: one("filename"),
            ocr: one("ocr"),
        })
    }

    #[test]
    fn file_references_read_as_a_json_tree_reads_them() {
        let samples = [
            r#"{"url":"https://cdn.arke.institute/asset/1","size":"big"}"#,
            r#"{"url":" u ","ipfs_cid":"bafy","type":"image/jpeg","size":123,"filename":"a.jpg","ocr":"text\nmore"}"#,
            r#"{"size":-1,"type":["x"],"ocr":{"a":1},"filename":2.5,"url":null}"#,
            r#"{"size":1.0,"size":18446744073709551615,"ocr":"","ocr":"  last  "}"#,
            r#"{"size":true,"unknown":[{"deep":[1,2,{"x":null}]}]}"#,
            "{}",
        ];
        for sample in samples {
            let fast = FileRef::from_json(sample.as_bytes());
            let tree = file_ref_from_tree(sample.as_bytes());
            assert_eq!(format!("{fast:?}"), format!("{tree:?}"), "{sample}");
            assert!(fast.is_some());
        }
        for not_an_object in ["[]", "1", r#""x""#, "null", r#"{"url":"#] {
            assert!(FileRef::from_json(not_an_object.as_bytes()).is_none(), "{not_an_object}");
        }
    }
}
