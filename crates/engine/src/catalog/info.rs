//! A record's [`RecordInfo`], from its manifest and its pinax.json: bounded and cleaned, since both
//! come from outside.

use arke_export_crosswalk::model::{Manifest, Pinax};

use super::{RecordInfo, RecordKind, RecordStatus};

/// The most characters of a title kept (the rest is cut, with `…`).
pub const MAX_TITLE_CHARS: usize = 500;
/// The most characters of a date or version kept.
const MAX_SHORT_CHARS: usize = 64;

/// Whitespace and control characters collapsed to single spaces, trimmed, at most `max` characters.
pub(crate) fn clean(text: &str, max: usize) -> Option<String> {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if count > 0 {
            out.push(' ');
            count += 1;
        }
        for c in word.chars().filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}')) {
            if count >= max {
                out.pop();
                out.push('…');
                return Some(out);
            }
            out.push(c);
            count += 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// What a found record is: `pinax` is `None` when pinax.json is absent or unreadable.
pub(crate) fn record_info(pi: &str, manifest: &Manifest, pinax: Option<&Pinax>) -> RecordInfo {
    let children = manifest.children_pi.len() as u64;
    RecordInfo {
        pi: pi.to_owned(),
        status: RecordStatus::Found,
        title: pinax.and_then(|p| p.title.as_deref()).and_then(|t| clean(t, MAX_TITLE_CHARS)),
        kind: Some(if children > 0 { RecordKind::Collection } else { RecordKind::Item }),
        children_count: Some(children),
        date: pinax
            .and_then(|p| p.created.as_deref())
            .or(manifest.ts.as_deref())
            .and_then(|d| clean(d, MAX_SHORT_CHARS)),
        version: manifest.version().and_then(|v| clean(&v, MAX_SHORT_CHARS)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_collapsed_and_bounded() {
        assert_eq!(clean("  Letters\n\tand \u{0}\u{1b}[31m maps ", 500).as_deref(), Some("Letters and [31m maps"));
        assert_eq!(clean(" \n\t", 500), None);
        let long = clean(&"T".repeat(20_000), MAX_TITLE_CHARS).unwrap();
        assert_eq!(long.chars().count(), MAX_TITLE_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(clean("ab cd", 4).as_deref(), Some("ab …"));
    }
}
