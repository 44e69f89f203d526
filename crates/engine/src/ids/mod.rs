//! Parsing a list of record IDs as an archivist pastes, picks or drops it: one per line or CSV
//! (the first column, or a column named `pi` or `id`), BOM and CRLF tolerant, duplicates removed,
//! every invalid line reported with its number. The CLI and the app use this same parser, and the
//! same rules for a list read from a file ([`read_ids_file`]).

mod file;

pub use file::{LIST_EXTENSIONS, read_ids_file};

use arke_export_contract::pi::Pi;
use serde::Serialize;
use ts_rs::TS;

/// A line that holds no valid record ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InvalidLine {
    /// 1-based line number in the input.
    pub line: u32,
    /// The offending text (at most 80 characters).
    pub text: String,
    /// Why it is not a record ID, in plain words.
    pub reason: String,
}

/// The outcome of parsing a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ParsedIds {
    /// Valid, distinct record IDs in input order (upper case).
    pub ids: Vec<String>,
    /// How many repeated IDs were dropped.
    pub duplicates: u32,
    /// The first [`MAX_INVALID_LINES`] lines that hold no valid record ID.
    pub invalid: Vec<InvalidLine>,
    /// How many lines hold no valid record ID (`invalid` lists only the first ones).
    pub invalid_count: u32,
}

/// Invalid lines listed at most: megabytes of junk make a short report, not a huge one.
pub const MAX_INVALID_LINES: usize = 1000;

/// Splits a CSV line on commas or semicolons, honouring double quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' | ';' | '\t' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields.into_iter().map(|f| f.trim().to_owned()).collect()
}

fn clip(s: &str) -> String {
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s.to_owned() }
}

/// Parses `text` (a pasted list or a file's contents).
pub fn parse_ids(text: &str) -> ParsedIds {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = ParsedIds::default();
    let mut seen = std::collections::HashSet::new();
    let mut column: Option<usize> = None;
    let mut first_content_line = true;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = (i + 1) as u32;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = csv_fields(line);
        if first_content_line {
            first_content_line = false;
            // A header row names the column to read.
            let header = fields
                .iter()
                .position(|f| matches!(f.to_ascii_lowercase().as_str(), "pi" | "id" | "record_id" | "pis"));
            if let Some(col) = header {
                column = Some(col);
                continue;
            }
        }
        let value = fields.get(column.unwrap_or(0)).map_or("", String::as_str);
        match Pi::parse(value) {
            Ok(pi) => {
                if seen.insert(pi.clone()) {
                    out.ids.push(pi.to_string());
                } else {
                    out.duplicates += 1;
                }
            }
            Err(e) => {
                out.invalid_count = out.invalid_count.saturating_add(1);
                if out.invalid.len() < MAX_INVALID_LINES {
                    out.invalid.push(InvalidLine {
                        line: line_no,
                        text: clip(if value.is_empty() { line } else { value }),
                        reason: if value.is_empty() {
                            "no record ID in this column".to_owned()
                        } else {
                            format!("not a record ID: it {e}")
                        },
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "01HZX3K9Q4M8V2T6R5N7P0W1YB";
    const B: &str = "01HZX3K9Q4M8V2T6R5N7P0W1YC";

    #[test]
    fn one_per_line_with_bom_crlf_blank_lines_and_comments() {
        let p = parse_ids(&format!("\u{feff}{A}\r\n\r\n# a comment\r\n{}\r\n{B}\n", A.to_lowercase()));
        assert_eq!(p.ids, vec![A, B]);
        assert_eq!(p.duplicates, 1);
        assert!(p.invalid.is_empty());
    }

    #[test]
    fn csv_reads_the_named_column_or_the_first() {
        let p = parse_ids(&format!("title,pi\n\"Letters, 1901\",{A}\nMaps,{B}\n"));
        assert_eq!(p.ids, vec![A, B]);
        let p = parse_ids(&format!("{A},Letters\n{B};Maps\n"));
        assert_eq!(p.ids, vec![A, B]);
    }

    #[test]
    fn reports_every_invalid_line_with_its_number() {
        let p = parse_ids(&format!("{A}\nnot-an-id\n\n{B}x\nhello,{B}\n"));
        assert_eq!(p.ids, vec![A]);
        let lines: Vec<u32> = p.invalid.iter().map(|l| l.line).collect();
        assert_eq!(lines, vec![2, 4, 5]);
        assert!(p.invalid[0].reason.contains("26"), "{}", p.invalid[0].reason);
        assert_eq!(p.invalid[1].text, format!("{B}x"));
    }

    #[test]
    fn junk_keeps_the_first_invalid_lines_and_counts_the_rest() {
        let junk = format!("{A}\n{}\n", "x".repeat(200));
        let many = format!("{junk}{}", "not an id, with words\n".repeat(50_000));
        let p = parse_ids(&many);
        assert_eq!(p.ids, vec![A]);
        assert_eq!(p.invalid.len(), MAX_INVALID_LINES);
        assert_eq!(p.invalid_count, 50_001);
        assert!(serde_json::to_string(&p).unwrap().len() < 200_000, "a short report");
    }

    #[test]
    fn empty_input_is_empty() {
        assert_eq!(parse_ids(""), ParsedIds::default());
        assert_eq!(parse_ids("\n\r\n  \n"), ParsedIds::default());
    }
}
