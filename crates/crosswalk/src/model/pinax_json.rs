//! Reading pinax.json straight into [`Pinax`]'s fields, leniently: no JSON tree is built (on a
//! large export that tree cost more than describing the record), and for any pinax.json that reads
//! as a JSON tree the result is what [`scalar`] and [`list`] would read from it (a test holds the two
//! together). Values it skips (unknown keys, nested objects) are only scanned, not checked as
//! closely as a tree would be: a file with, say, a lone surrogate or invalid UTF-8 inside one still
//! reads (what the crosswalk uses is checked as strictly as before).

use serde::Deserialize;

use super::Pinax;
use super::loose::Loose;
#[cfg(test)]
use super::{list, scalar};

impl<'de> Deserialize<'de> for Pinax {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pinax, D::Error> {
        deserializer.deserialize_map(PinaxVisitor)
    }
}

struct PinaxVisitor;

impl<'de> serde::de::Visitor<'de> for PinaxVisitor {
    type Value = Pinax;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Pinax, A::Error> {
        let mut p = Pinax::default();
        while let Some(key) = map.next_key::<PinaxKey>()? {
            if matches!(key, PinaxKey::Other) {
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            }
            let value: Loose = map.next_value()?;
            match key {
                PinaxKey::Id => p.id = value.one(),
                PinaxKey::Title => p.title = value.one(),
                PinaxKey::Kind => p.kind = value.one(),
                PinaxKey::Creator => p.creators = value.list(),
                PinaxKey::Institution => p.institution = value.one(),
                PinaxKey::Created => p.created = value.one(),
                PinaxKey::AccessUrl => p.access_url = value.one(),
                PinaxKey::Language => p.language = value.one(),
                PinaxKey::Subjects => p.subjects = value.list(),
                PinaxKey::Description => p.description = value.one(),
                PinaxKey::Source => p.source = value.one(),
                PinaxKey::Rights => p.rights = value.one(),
                PinaxKey::Place => p.places = value.list(),
                PinaxKey::Other => unreachable!("skipped above"),
            }
        }
        Ok(p)
    }
}

/// The keys of pinax.json the crosswalk reads (each variant is its key in snake case).
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum PinaxKey {
    Id,
    Title,
    #[serde(rename = "type")]
    Kind,
    Creator,
    Institution,
    Created,
    AccessUrl,
    Language,
    Subjects,
    Description,
    Source,
    Rights,
    Place,
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Read straight into its fields, pinax.json means what it means read as a JSON tree.
    #[test]
    fn pinax_reads_as_a_json_tree_reads() {
        let samples: [&[u8]; 6] = [
            br#"{"title": "  T  ", "type": true, "creator": [[1], "  ", 2.5, 1e300, -3], "place": {"a": [1, {"b": 2}]}, "id": "x", "id": "y"}"#,
            br#"{"subjects": [null, false, "s"], "language": "", "rights": ["r"], "description": "d\u00e9\n", "unknown": {"deep": [[[]]]}}"#,
            br#"{"created": 18446744073709551615, "source": -9223372036854775808, "institution": 0.1, "access_url": "\ud83d\ude00"}"#,
            b"{}",
            br#"{"title": 1, "title": null}"#,
            br#"{"creator": "one", "place": [], "subjects": {}}"#,
        ];
        for bytes in samples {
            let fast = Pinax::from_json(bytes).unwrap();
            let Value::Object(map) = serde_json::from_slice::<Value>(bytes).unwrap() else { panic!() };
            let one = |k: &str| map.get(k).and_then(scalar);
            assert_eq!(fast.id, one("id"));
            assert_eq!(fast.title, one("title"));
            assert_eq!(fast.kind, one("type"));
            assert_eq!(fast.creators, list(map.get("creator")));
            assert_eq!(fast.institution, one("institution"));
            assert_eq!(fast.created, one("created"));
            assert_eq!(fast.access_url, one("access_url"));
            assert_eq!(fast.language, one("language"));
            assert_eq!(fast.subjects, list(map.get("subjects")));
            assert_eq!(fast.description, one("description"));
            assert_eq!(fast.source, one("source"));
            assert_eq!(fast.rights, one("rights"));
            assert_eq!(fast.places, list(map.get("place")));
        }
        assert_eq!(Pinax::from_json(b"\"text\"").unwrap_err(), "pinax.json is not a JSON object");
        assert!(Pinax::from_json(b"{\"title\": 1").unwrap_err().starts_with("pinax.json is not valid JSON"));
    }
}
