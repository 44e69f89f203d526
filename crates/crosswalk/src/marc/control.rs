//! The leader and field 008 (fixed-length data elements), from a description.

use crate::describe::Description;
use crate::describe::text::is_w3cdtf;
use crate::mods::lang::LanguageTerm;

/// Leader/06, type of record, from MODS `typeOfResource` (as the LoC stylesheet maps it). A record
/// without one (an incomplete record) is "mixed materials": nothing tells what it holds.
pub fn type_of_record(d: &Description<'_>) -> char {
    match d.resource.map(|r| r.type_of_resource) {
        Some("text") => 'a',
        Some("still image") => 'k',
        Some("moving image") => 'g',
        Some("sound recording") => 'j',
        Some("three dimensional object") => 'r',
        Some("software, multimedia") => 'm',
        _ => 'p',
    }
}

/// Leader/07, bibliographic level: a PINAX Collection is a collection, anything else an item.
pub fn bibliographic_level(d: &Description<'_>) -> char {
    if d.resource.is_some_and(|r| r.collection) { 'c' } else { 'm' }
}

/// The 24-character leader. Record length and base address (00-04, 12-16) are zero: MARCXML has no
/// directory, and converters to ISO 2709 compute them. 05 new record; 09 `a`, the content is
/// Unicode; 17-18 encoding level and cataloguing form unknown; 20-23 the fixed entry map.
pub fn leader(d: &Description<'_>) -> String {
    format!("00000n{}{} a2200000uu 4500", type_of_record(d), bibliographic_level(d))
}

/// Positions 18-34 of 008 for the record's material: `|` (no attempt to code) where a position is
/// defined for that material, blank where it is undefined.
fn material_positions(type_of_record: char) -> &'static str {
    match type_of_record {
        // Books: 18-31 coded, 32 undefined, 33-34 coded.
        'a' | 't' => "|||||||||||||| ||",
        // Computer files: 22-23, 26 and 28 coded.
        'm' => "    ||  | |      ",
        // Maps: 18-23, 25, 28-29, 31, 33-34 coded.
        'e' | 'f' => "|||||| |  || | ||",
        // Music: 18-31 coded, 32 undefined, 33 coded, 34 undefined.
        'c' | 'd' | 'i' | 'j' => "|||||||||||||| | ",
        // Visual materials: 18-20, 22, 28-29, 33-34 coded.
        'g' | 'k' | 'o' | 'r' => "||| |     ||   ||",
        // Mixed materials: only 23, form of item.
        _ => "     |           ",
    }
}

/// `YYMMDD` of a W3CDTF date with a day, else of `today` (`YYYY-MM-DD`).
fn yymmdd(date: Option<&str>, today: &str) -> String {
    let day = date.filter(|d| is_w3cdtf(d) && d.len() >= 10).unwrap_or(today);
    let b = day.as_bytes();
    if b.len() >= 10 && b[..4].iter().chain(&b[5..7]).chain(&b[8..10]).all(u8::is_ascii_digit) {
        format!("{}{}{}", &day[2..4], &day[5..7], &day[8..10])
    } else {
        "||||||".to_owned()
    }
}

/// Field 008 (40 characters): 00-05 date entered (the manifest's date); 06-14 type of date and
/// date 1 (`s` and the year created, or `n` and `uuuu` when unknown); 15-17 `xx ` (no place);
/// 18-34 material-specific; 35-37 the language code; 38 not modified; 39 `d`, other cataloguing source.
pub fn field_008(d: &Description<'_>, today: &str) -> String {
    let mut f = String::with_capacity(40);
    f.push_str(&yymmdd(d.record.created, today));
    match d.created.filter(|c| is_w3cdtf(c)) {
        Some(date) => {
            f.push('s');
            f.push_str(&date[..4]);
            f.push_str("    ");
        }
        None => f.push_str("nuuuuuuuu"),
    }
    f.push_str("xx ");
    f.push_str(material_positions(type_of_record(d)));
    match &d.language {
        Some(LanguageTerm::Iso639_2b(code)) => f.push_str(code),
        Some(LanguageTerm::Iso639_2bUnchecked(code)) if code.len() == 3 => f.push_str(code),
        _ => f.push_str("|||"),
    }
    f.push_str(" d");
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_positions_are_17_characters() {
        for t in ['a', 'm', 'e', 'j', 'k', 'p'] {
            assert_eq!(material_positions(t).len(), 17, "{t}");
        }
    }

    #[test]
    fn dates_entered() {
        assert_eq!(yymmdd(Some("2025-12-28T10:59:00Z"), "2026-01-02"), "251228");
        assert_eq!(yymmdd(Some("2025"), "2026-01-02"), "260102", "a year alone is not a day");
        assert_eq!(yymmdd(None, "2026-01-02"), "260102");
        assert_eq!(yymmdd(None, "bad"), "||||||");
    }
}
