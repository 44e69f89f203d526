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

    /// The 128 bits the ULID encodes: a compact key for sets and queues of many IDs.
    pub fn key(&self) -> u128 {
        self.0.bytes().fold(0u128, |acc, c| (acc << 5) | u128::from(crockford_value(c)))
    }

    /// The record ID of a [`Pi::key`].
    pub fn from_key(key: u128) -> Pi {
        const DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let mut text = [0u8; 26];
        for (i, c) in text.iter_mut().enumerate() {
            let shift = 5 * (25 - i);
            *c = DIGITS[((key >> shift) & 31) as usize];
        }
        Pi(String::from_utf8(text.to_vec()).expect("Crockford digits are ASCII"))
    }
}

/// The value of an upper-case Crockford digit (the input is already validated).
const fn crockford_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'H' => c - b'A' + 10,
        b'J' | b'K' => c - b'J' + 18,
        b'M' | b'N' => c - b'M' + 20,
        b'P'..=b'T' => c - b'P' + 22,
        _ => c - b'V' + 27,
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

    #[test]
    fn a_key_holds_the_whole_id() {
        for text in ["00000000000000000000000000", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "01HZX3K9Q4M8V2T6R5N7P0W1YB"] {
            let pi = Pi::parse(text).unwrap();
            assert_eq!(Pi::from_key(pi.key()), pi);
        }
        assert_eq!(Pi::parse("7ZZZZZZZZZZZZZZZZZZZZZZZZZ").unwrap().key(), u128::MAX);
        assert_eq!(Pi::parse("00000000000000000000000001").unwrap().key(), 1);
        assert_eq!(Pi::parse("0000000000000000000000000Z").unwrap().key(), 31);
        let a = Pi::parse("01HZX3K9Q4M8V2T6R5N7P0W1YB").unwrap();
        let b = Pi::parse("01HZX3K9Q4M8V2T6R5N7P0W1YC").unwrap();
        assert_eq!(b.key() - a.key(), 1);
    }
}
