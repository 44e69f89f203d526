//! A small, fast XML writer shared by every format: escapes everything, drops characters that
//! XML 1.0 forbids, and indents two spaces a level. It appends to a caller's buffer, so one buffer
//! per format serves a whole export.

/// True for characters XML 1.0 allows in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends `text` escaped for element content or a double-quoted attribute.
/// In attributes, tabs and line breaks become character references so they survive normalisation.
pub fn escape_into(out: &mut String, text: &str, attribute: bool) {
    // Fast path: most values need no escaping at all (checked on bytes: every byte of a multi-byte
    // character is ≥ 0x80, and only U+FFFE and U+FFFF among those are forbidden).
    let plain = text.bytes().all(|b| b >= 0x20 && !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0xEF))
        || text.chars().all(|c| allowed(c) && !matches!(c, '&' | '<' | '>' | '"' | '\'' | '\t' | '\n' | '\r'));
    if plain {
        out.push_str(text);
        return;
    }
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
}

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
