//! The addresses written into records, and which metadata URLs are safe to write.

/// Where the links in a record point.
#[derive(Debug, Clone)]
pub struct Links {
    pub api_url: String,
    pub ipfs_gateway: String,
    pub viewer_url: String,
}

impl Links {
    pub fn new(api_url: &str, ipfs_gateway: &str) -> Self {
        Links {
            api_url: api_url.to_owned(),
            ipfs_gateway: ipfs_gateway.to_owned(),
            viewer_url: "https://arke.institute".to_owned(),
        }
    }
    pub fn ipfs(&self, cid: &str) -> String {
        format!("{}/ipfs/{}", self.ipfs_gateway, segment(cid))
    }
    pub fn cat(&self, cid: &str) -> String {
        format!("{}/cat/{}", self.api_url, segment(cid))
    }
    pub fn viewer(&self, pi: &str) -> String {
        format!("{}/{}", self.viewer_url, segment(pi))
    }
    pub fn entity(&self, pi: &str) -> String {
        format!("{}/entities/{}", self.api_url, segment(pi))
    }
}

/// Percent-encodes one URL path segment, so any CID or ID yields a valid `anyURI`.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.extend(['%', char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]);
        }
    }
    out
}

/// A URL from metadata that is safe to write as a link.
pub fn usable_url(url: &str) -> Option<&str> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > 8
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c));
    ok.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_segments_are_escaped() {
        assert_eq!(segment("bafy 1/<x>"), "bafy%201%2F%3Cx%3E");
        assert_eq!(usable_url("https://example.org/a b"), None);
        assert_eq!(usable_url("javascript:alert(1)"), None);
        assert_eq!(usable_url("https://example.org/a"), Some("https://example.org/a"));
    }
}
