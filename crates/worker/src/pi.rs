//! Record IDs (PIs): 26-character Crockford base32 ULIDs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated record ID, always upper case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pi(String);

/// Why a string is not a record ID; the message says what a valid one looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PiError {
    #[error("is empty")]
    Empty,
    #[error("has {0} characters; a record ID has 26 (a ULID such as 01HZX3K9Q4M8V2T6R5N7P0W1YB)")]
    Length(usize),
    #[error("contains {0:?}, which is not in a ULID (Crockford base32: 0-9 and A-Z without I, L, O, U)")]
    Character(char),
    #[error("starts with {0:?}; a ULID starts with 0-7")]
    Overflow(char),
}

const fn is_crockford(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'A'..=b'H' | b'J' | b'K' | b'M' | b'N' | b'P'..=b'T' | b'V'..=b'Z')
}

impl Pi {
    /// Parses a ULID; lower case is accepted and normalised to upper case.
    pub fn parse(s: &str) -> Result<Pi, PiError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PiError::Empty);
        }
        let n = s.chars().count();
        if n != 26 {
            return Err(PiError::Length(n));
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii() || !is_crockford(c.to_ascii_uppercase() as u8)) {
            return Err(PiError::Character(c));
        }
        let upper = s.to_ascii_uppercase();
        let first = upper.as_bytes()[0];
        if first > b'7' {
            return Err(PiError::Overflow(first as char));
        }
        Ok(Pi(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Pi {
    type Error = PiError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Pi::parse(&s)
    }
}

impl From<Pi> for String {
    fn from(pi: Pi) -> String {
        pi.0
    }
}

impl fmt::Display for Pi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Pi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pi({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_ulid_and_uppercases_it() {
        assert_eq!(Pi::parse("01hzx3k9q4m8v2t6r5n7p0w1yb").unwrap().as_str(), "01HZX3K9Q4M8V2T6R5N7P0W1YB");
        assert_eq!(Pi::parse(" 7ZZZZZZZZZZZZZZZZZZZZZZZZZ ").unwrap().as_str(), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn rejects_what_is_not_a_ulid() {
        assert_eq!(Pi::parse(""), Err(PiError::Empty));
        assert_eq!(Pi::parse("01HZX3K9Q4"), Err(PiError::Length(10)));
        assert_eq!(Pi::parse("01HZX3K9Q4M8V2T6R5N7P0W1YI"), Err(PiError::Character('I')));
        assert_eq!(Pi::parse("01HZX3K9Q4M8V2T6R5N7P0W1Yu"), Err(PiError::Character('u')));
        assert_eq!(Pi::parse("81HZX3K9Q4M8V2T6R5N7P0W1YB"), Err(PiError::Overflow('8')));
        assert!(matches!(Pi::parse("01HZX3K9Q4M8V2T6R5N7P0W1Y\u{e9}"), Err(PiError::Character('\u{e9}'))));
    }
}
