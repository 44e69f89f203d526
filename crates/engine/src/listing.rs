//! What one listing of `exports/` tells about every task at once, without reading any object.

use std::collections::HashMap;

use arke_export_contract::bucket::{EXPORTS_PREFIX, MarkerCounts, task_prefix};

use crate::r2::ObjectInfo;

/// The newest progress marker of every task in a listing, by task ID. While a worker replaces its
/// marker, two may be listed: the one with more records counted wins.
pub fn progress_markers(listing: &HashMap<String, ObjectInfo>) -> HashMap<&str, MarkerCounts> {
    let mut out: HashMap<&str, MarkerCounts> = HashMap::new();
    for key in listing.keys() {
        let Some((task_id, name)) = key.strip_prefix(EXPORTS_PREFIX).and_then(|k| k.split_once('/')) else { continue };
        let Some(counts) = MarkerCounts::from_name(name) else { continue };
        // Remote numbers: saturating, a marker named with huge counts cannot overflow anything.
        let seen = |c: &MarkerCounts| c.done.saturating_add(c.failed);
        if out.get(task_id).is_none_or(|c| seen(c) < seen(&counts)) {
            out.insert(task_id, counts);
        }
    }
    out
}

/// The export object of a task in a listing (the original worker writes no result.json).
pub fn export_object<'a>(
    listing: &'a HashMap<String, ObjectInfo>,
    task_id: &str,
) -> Option<(&'a String, &'a ObjectInfo)> {
    let prefix = task_prefix(task_id);
    listing.iter().find(|(k, _)| {
        k.starts_with(&prefix)
            && std::path::Path::new(k.as_str()).extension().is_some_and(|e| e.eq_ignore_ascii_case("xml"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(keys: &[&str]) -> HashMap<String, ObjectInfo> {
        keys.iter().map(|k| (k.to_string(), ObjectInfo::default())).collect()
    }

    #[test]
    fn every_task_progress_comes_from_its_marker_name() {
        let l = listing(&[
            "exports/a/progress.json",
            "exports/a/progress/3-1-0",
            "exports/b/progress.json",
            "exports/b/progress/10-0-40",
            // Replacing its marker: the new one is written before the old one goes.
            "exports/b/progress/12-1-40",
            "exports/c/result.json",
            "exports/c/C.xml",
            "exports/d/progress/not-a-marker",
        ]);
        let p = progress_markers(&l);
        assert_eq!(p.get("a"), Some(&MarkerCounts { done: 3, failed: 1, total: None }));
        assert_eq!(p.get("b"), Some(&MarkerCounts { done: 12, failed: 1, total: Some(40) }));
        assert_eq!(p.len(), 2, "{p:?}");
        let max = u64::MAX;
        let huge = listing(&[&format!("exports/h/progress/{max}-{max}-0"), "exports/h/progress/1-1-0"]);
        assert_eq!(progress_markers(&huge).get("h").map(|c| c.done), Some(max), "no overflow");
    }

    #[test]
    fn the_export_object_is_the_xml_of_that_task_only() {
        let l = listing(&["exports/t1/result.json", "exports/t10/X-collection.xml", "exports/t1/P.xml"]);
        assert_eq!(export_object(&l, "t1").map(|(k, _)| k.as_str()), Some("exports/t1/P.xml"));
        assert_eq!(export_object(&l, "t2"), None);
    }
}
