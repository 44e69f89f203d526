//! A small element tree, enough to read the export formats back: element names as written
//! (`prefix:local`), attributes in order, child elements, and the element's own text.

use std::fmt::Write;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The qualified name as written (`dc:title`, `marc:datafield`, `mods`).
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's own text (text, CDATA and references directly inside it, concatenated).
    pub text: String,
}

impl Element {
    /// The name without its prefix.
    pub fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Child elements with this local name.
    pub fn children_named<'s>(&'s self, local: &'s str) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.local() == local)
    }

    /// The first child element with this local name.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.local() == local)
    }

    /// All text inside the element, its descendants' included, in document order (XPath's string value).
    pub fn string_value(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s.push_str(&c.string_value());
        }
        s
    }

    /// The element as XML (text escaped; no white space added).
    pub fn to_xml(&self) -> String {
        let mut s = format!("<{}", self.name);
        for (k, v) in &self.attrs {
            let _ = write!(s, " {k}=\"{}\"", escape(v));
        }
        s.push('>');
        s.push_str(&escape(&self.text));
        for c in &self.children {
            s.push_str(&c.to_xml());
        }
        let _ = write!(s, "</{}>", self.name);
        s
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn open(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = start.name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
        attrs.push((a.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element { name, attrs, children: Vec::new(), text: String::new() })
}

/// Reads an XML file into its root element.
pub fn parse(file: &Path) -> Result<Element, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    parse_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// Reads an XML document into its root element.
pub fn parse_str(xml: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader.read_event().map_err(|e| format!("not well-formed XML: {e}"))?;
        match event {
            Event::Start(start) => stack.push(open(&start)?),
            Event::Empty(start) => {
                let element = open(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("an end tag without a start")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                if let Some(e) = stack.last_mut() {
                    e.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(e) = stack.last_mut() {
                    e.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c,
                    None => match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("unknown entity &{other};")),
                    },
                };
                if let Some(e) = stack.last_mut() {
                    e.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "no root element".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_references_and_attributes() {
        let xml = concat!(
            "<?xml version=\"1.0\"?>\n",
            "<a:r xmlns:a=\"urn:x\" k=\"v&amp;w\"><a:t>x &lt; y&#13;&#x1F600;</a:t><e/>tail</a:r>"
        );
        let root = parse_str(xml).unwrap();
        assert_eq!((root.name.as_str(), root.local()), ("a:r", "r"));
        assert_eq!(root.attr("k"), Some("v&w"));
        assert_eq!(root.child("t").unwrap().text, "x < y\r\u{1F600}");
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.string_value(), "tailx < y\r\u{1F600}");
        assert_eq!(parse_str(&root.to_xml()).unwrap(), root);
        assert!(parse_str("<a><b></a>").is_err());
    }
}
