//! Local file names. The engine makes them from what it knows — the record ID or task id, the format,
//! `-collection` — never from the bucket (a name in `result.json` is only shown); they are safe on
//! Linux, macOS and Windows; and a download into a folder never takes the name of a file already
//! there: it gets ` (2)`, ` (3)`, ….

use std::path::{Path, PathBuf};

use arke_export_contract::env::{ExportFormat, format_file_name};
use arke_export_contract::pi::Pi;

use crate::job::Job;

/// The longest name made, in bytes (255 is the common limit; room is left for ` (99999)` and `.part`).
pub const MAX_NAME_BYTES: usize = 200;

/// What a name that has nothing left becomes.
const FALLBACK: &str = "export.xml";

/// Names Windows reserves for devices, with or without an extension (`CON`, `nul.xml`, `COM1.txt`).
fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end().to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
        || ["COM", "LPT"].iter().any(|p| {
            stem.strip_prefix(p).is_some_and(|n| matches!(n, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"))
        })
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `name` as one safe file name everywhere: path separators, `: * ? " < > |` and control characters
/// become `_`; no leading dot (hidden, `..`), no trailing dot or space (Windows drops them); Windows
/// device names get a `_` in front; at most [`MAX_NAME_BYTES`], keeping a short extension.
pub fn sanitize(name: &str) -> String {
    let mapped: String =
        name.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
    let trimmed = mapped.trim_start_matches(' ').trim_end_matches([' ', '.']);
    let mut safe = match trimmed.strip_prefix('.') {
        _ if trimmed.is_empty() => FALLBACK.to_owned(),
        Some(rest) => format!("_{rest}"),
        None => trimmed.to_owned(),
    };
    if is_reserved(&safe) {
        safe.insert(0, '_');
    }
    if safe.len() > MAX_NAME_BYTES {
        let ext = safe.rfind('.').map(|i| &safe[i..]).filter(|e| e.len() <= 16).unwrap_or("").to_owned();
        safe = format!("{}{ext}", cut(&safe, MAX_NAME_BYTES - ext.len()).trim_end_matches([' ', '.']));
    }
    safe
}

/// A job's local file name in `format`: `{PI}.xml`, `{PI}-collection.xml`, `{TASK_ID}-collection.xml`,
/// with the format's suffix (`-dc`, `-marc`) — the names the worker gives its objects, made here.
pub fn job_file_name(job: &Job, format: ExportFormat) -> String {
    let pis: Option<Vec<Pi>> = job.pis.iter().map(|p| Pi::parse(p).ok()).collect();
    let name = match pis {
        Some(pis) if !pis.is_empty() => format_file_name(format, &job.task_id, &pis, job.options.recursive),
        _ => format!("{}{}.xml", job.task_id, format.file_suffix()),
    };
    sanitize(&name)
}

/// A remote name as it may be shown (never used as a path): control characters replaced, at most
/// 255 bytes.
pub fn for_display(remote: &str) -> String {
    let shown: String = remote.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
    cut(&shown, 255).to_owned()
}

/// A message from the bucket (a worker's error) as it may be shown: line breaks and tabs kept, other
/// control characters replaced, at most 4,000 bytes.
pub fn remote_text(text: &str) -> String {
    let shown: String =
        text.chars().map(|c| if c.is_control() && !matches!(c, '\n' | '\t') { '\u{fffd}' } else { c }).collect();
    cut(&shown, 4_000).to_owned()
}

/// A path in `dir` for `name` that names nothing yet (not even a dangling link): `name`, else
/// `stem (2).ext`, `stem (3).ext`, …; `None` after 99,999 tries.
pub fn free_path(dir: &Path, name: &str) -> Option<PathBuf> {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    std::iter::once(name.to_owned())
        .chain((2..100_000).map(|n| format!("{stem} ({n}){ext}")))
        .map(|candidate| dir.join(candidate))
        .find(|path| std::fs::symlink_metadata(path).is_err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_on_every_os() {
        let cases = [
            ("01HZX3K9Q4M8V2T6R5N7P0W1YB.xml", "01HZX3K9Q4M8V2T6R5N7P0W1YB.xml"),
            ("../../.bashrc", "_._.._.bashrc"),
            (".hidden", "_hidden"),
            ("/etc/passwd", "_etc_passwd"),
            ("C:\\Windows\\x.xml", "C__Windows_x.xml"),
            ("a\0b\x1b[31m.xml", "a_b_[31m.xml"),
            ("what?<|>*\".xml", "what______.xml"),
            ("CON", "_CON"),
            ("nul.xml", "_nul.xml"),
            ("com1.tar.gz", "_com1.tar.gz"),
            ("LPT9", "_LPT9"),
            ("COM10.xml", "COM10.xml"),
            ("console.xml", "console.xml"),
            ("report. . .", "report"),
            ("..", "export.xml"),
            ("", "export.xml"),
            ("   ", "export.xml"),
        ];
        for (name, safe) in cases {
            assert_eq!(sanitize(name), safe, "{name:?}");
        }
        let long = format!("{}.xml", "é".repeat(5_000));
        let safe = sanitize(&long);
        let xml = Path::new(&safe).extension().is_some_and(|e| e == "xml");
        assert!(safe.len() <= MAX_NAME_BYTES && xml, "{} bytes: {safe}", safe.len());
        assert_eq!(sanitize(&"x".repeat(10_000)).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn a_taken_name_gets_a_number() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_path(dir.path(), "a.xml").unwrap(), dir.path().join("a.xml"));
        std::fs::write(dir.path().join("a.xml"), "").unwrap();
        std::fs::write(dir.path().join("a (2).xml"), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("a (3).xml")).unwrap();
        assert_eq!(free_path(dir.path(), "a.xml").unwrap(), dir.path().join("a (4).xml"));
        std::fs::create_dir(dir.path().join("noext")).unwrap();
        assert_eq!(free_path(dir.path(), "noext").unwrap(), dir.path().join("noext (2)"));
    }

    #[test]
    fn a_remote_name_is_shown_without_control_characters() {
        assert_eq!(for_display("a\x1b]52;c;aGk=\x07b"), "a\u{fffd}]52;c;aGk=\u{fffd}b");
        assert!(for_display(&"x".repeat(10_000)).len() <= 255);
        assert_eq!(remote_text("line 1\n\tline 2\x1b[2J"), "line 1\n\tline 2\u{fffd}[2J");
        assert!(remote_text(&"x".repeat(100_000)).len() <= 4_000);
    }
}
