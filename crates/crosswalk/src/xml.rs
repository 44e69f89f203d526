//! A small, fast XML writer shared by every format: escapes everything, drops characters that
//! XML 1.0 forbids, and indents two spaces a level. It appends to a caller's buffer, so one buffer
//! per format serves a whole export.

/// Appends `text` escaped for element content or a double-quoted attribute, without the characters
/// XML 1.0 forbids (C0 controls other than tab, line feed and carriage return; U+FFFE; U+FFFF).
/// In attributes, tabs and line breaks become character references so they survive normalisation.
///
/// Works on bytes, copying runs of plain text at once: every byte it stops at is ASCII or the first
/// byte of a three-byte character, so each run is whole characters.
pub fn escape_into(out: &mut String, text: &str, attribute: bool) {
    let bytes = text.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        let (replacement, width) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'\r' => ("&#13;", 1),
            b'"' if attribute => ("&quot;", 1),
            b'\'' if attribute => ("&apos;", 1),
            b'\t' if attribute => ("&#9;", 1),
            b'\n' if attribute => ("&#10;", 1),
            b'"' | b'\'' | b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are dropped; other characters led by EF are kept.
            0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => ("", 3),
            0xEF => {
                i += 1;
                continue;
            }
            // The other C0 controls are dropped.
            _ => ("", 1),
        };
        out.push_str(&text[run..i]);
        out.push_str(replacement);
        i += width;
        run = i;
    }
    out.push_str(&text[run..]);
}

/// Bytes [`escape_into`] looks at: markup, quotes, C0 controls, and 0xEF (which leads U+FFFE/U+FFFF).
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[0xEF] = true;
    table
};

/// Writes one element tree as indented text (two spaces a level) at the end of a buffer.
pub struct XmlWriter<'b> {
    out: &'b mut String,
    depth: usize,
}

pub type Attrs<'a> = &'a [(&'a str, &'a str)];

impl<'b> XmlWriter<'b> {
    /// Appends to `out`, starting `depth` levels in.
    pub fn new(out: &'b mut String, depth: usize) -> Self {
        XmlWriter { out, depth }
    }

    fn start_tag(&mut self, name: &str, attrs: Attrs<'_>) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            // Attributes without a value are left out.
            if value.is_empty() {
                continue;
            }
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(self.out, value, true);
            self.out.push('"');
        }
    }

    /// Opens an element whose last attributes are `raw` (trusted, already escaped) text.
    pub fn open_raw(&mut self, name: &str, raw: &str, attrs: Attrs<'_>) {
        self.start_tag(name, attrs);
        self.out.push_str(raw);
        self.out.push('>');
        self.depth += 1;
    }

    /// Opens an element that will hold other elements.
    pub fn open(&mut self, name: &str, attrs: Attrs<'_>) {
        self.start_tag(name, attrs);
        self.out.push('>');
        self.depth += 1;
    }

    /// Closes the element opened last.
    pub fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes an element with text content (verbatim, escaped; never re-indented).
    pub fn text(&mut self, name: &str, attrs: Attrs<'_>, text: &str) {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// The buffer, for text that is already markup.
    pub fn raw(&mut self) -> &mut String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c\" \u{0}\u{1b}\u{FFFE}ok\u{1F600}", false);
        assert_eq!(s, "a&lt;b&gt;&amp;\"c\" ok\u{1F600}");
        let mut s = String::new();
        escape_into(&mut s, "x\"'\n\ty", true);
        assert_eq!(s, "x&quot;&apos;&#10;&#9;y");
        let mut s = String::new();
        escape_into(&mut s, "\u{FFFF}\u{FFFD}\u{EFBF}\u{202E}עברית", false);
        assert_eq!(s, "\u{FFFD}\u{EFBF}\u{202E}עברית", "only U+FFFE/U+FFFF are dropped among 0xEF-led characters");
        let mut s = String::new();
        escape_into(&mut s, "line\r\nnext\ttab 'q' \u{7F}\u{FFFE}", false);
        assert_eq!(s, "line&#13;\nnext\ttab 'q' \u{7F}");
    }

    /// The byte scan agrees with the character rules of XML 1.0 on every character kind.
    #[test]
    fn agrees_with_a_character_by_character_escape() {
        fn reference(text: &str, attribute: bool) -> String {
            let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}');
            let mut out = String::new();
            for c in text.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' if attribute => out.push_str("&quot;"),
                    '\'' if attribute => out.push_str("&apos;"),
                    '\t' if attribute => out.push_str("&#9;"),
                    '\n' if attribute => out.push_str("&#10;"),
                    '\r' => out.push_str("&#13;"),
                    c if allowed(c) => out.push(c),
                    _ => {}
                }
            }
            out
        }
        let samples: Vec<char> = (0u32..0x100)
            .chain([
                0x7FF, 0x800, 0xD7FF, 0xE000, 0xEFBF, 0xF000, 0xFEFF, 0xFFBE, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F600,
            ])
            .filter_map(char::from_u32)
            .collect();
        for (n, window) in samples.windows(3).enumerate() {
            let text: String = window.iter().collect();
            for attribute in [false, true] {
                let mut out = String::new();
                escape_into(&mut out, &text, attribute);
                assert_eq!(out, reference(&text, attribute), "sample {n}: {text:?}");
            }
        }
    }

    #[test]
    fn indents_and_skips_empty_attributes() {
        let mut out = String::new();
        let mut w = XmlWriter::new(&mut out, 0);
        w.open("a", &[("type", "x"), ("displayLabel", "")]);
        w.text("b", &[], "line1\nline2");
        w.close("a");
        assert_eq!(out, "\n<a type=\"x\">\n  <b>line1\nline2</b>\n</a>");
    }
}
