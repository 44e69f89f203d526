//! A small, fast XML writer for MODS records: escapes everything and drops
//! characters that XML 1.0 forbids.

/// True for characters XML 1.0 allows in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Appends `text` escaped for element content or a double-quoted attribute.
/// In attributes, tabs and line breaks become character references so they survive normalisation.
pub fn escape_into(out: &mut String, text: &str, attribute: bool) {
    // Fast path: most values need no escaping at all.
    if text.chars().all(|c| allowed(c) && !matches!(c, '&' | '<' | '>' | '"' | '\'' | '\t' | '\n' | '\r')) {
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

/// Builds one element tree as indented text (two spaces a level).
pub struct XmlWriter {
    out: String,
    depth: usize,
}

pub type Attrs<'a> = &'a [(&'a str, &'a str)];

impl XmlWriter {
    pub fn new(depth: usize) -> Self {
        XmlWriter { out: String::with_capacity(4096), depth }
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
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    /// Opens an element whose first attributes are `raw` (trusted, already escaped) text.
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
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn finish(self) -> String {
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
    }

    #[test]
    fn indents_and_skips_empty_attributes() {
        let mut w = XmlWriter::new(0);
        w.open("a", &[("type", "x"), ("displayLabel", "")]);
        w.text("b", &[], "line1\nline2");
        w.close("a");
        assert_eq!(w.finish(), "\n<a type=\"x\">\n  <b>line1\nline2</b>\n</a>");
    }
}
