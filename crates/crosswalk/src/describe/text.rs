//! Reading structure out of free text: W3CDTF dates, leading articles of titles, "Family, Given,
//! dates" names, and XPath's white-space normalisation (what Dublin Core names are written with).

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (W3CDTF dates), optionally followed by a `T` time.
pub fn is_w3cdtf(s: &str) -> bool {
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let date_ok = match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    };
    date_ok && (time.is_empty() || (parts.len() == 3 && time.len() >= 5 && time.as_bytes()[2] == b':'))
}

/// Initial articles that catalogues do not file under, by ISO 639-2/B language (a space or an
/// apostrophe ends each). Titles in a language not listed keep no article apart.
const ARTICLES: &[(&str, &[&str])] = &[
    ("eng", &["The ", "A ", "An "]),
    ("fre", &["Le ", "La ", "Les ", "L'", "L’", "Un ", "Une "]),
    ("ger", &["Der ", "Die ", "Das ", "Ein ", "Eine "]),
    ("spa", &["El ", "La ", "Los ", "Las ", "Un ", "Una "]),
    ("ita", &["Il ", "Lo ", "La ", "I ", "Gli ", "Le ", "L'", "L’", "Un ", "Una ", "Uno "]),
    ("por", &["O ", "A ", "Os ", "As ", "Um ", "Uma "]),
    ("dut", &["De ", "Het ", "Een "]),
];

/// Splits a leading article off `title` for a record in `language` (English when unknown):
/// `("The ", "harbour letters")`. Only when a word follows the article.
pub fn split_article<'t>(title: &'t str, language: Option<&str>) -> (Option<&'t str>, &'t str) {
    let language = language.unwrap_or("eng");
    let Some((_, articles)) = ARTICLES.iter().find(|(code, _)| *code == language) else {
        return (None, title);
    };
    for article in *articles {
        let Some(head) = title.get(..article.len()) else { continue };
        let rest = &title[article.len()..];
        if head.eq_ignore_ascii_case(article) && rest.chars().next().is_some_and(char::is_alphanumeric) {
            return (Some(head), rest);
        }
    }
    (None, title)
}

/// Dates after a name: `1889-1962`, `1889-`, `b. 1889`, `d. 1962`, `ca. 1850-1900`, `1850?-1901`.
fn is_name_date(s: &str) -> bool {
    let s = ["b. ", "d. ", "ca. ", "fl. "].iter().find_map(|p| s.strip_prefix(p)).unwrap_or(s);
    let mut years = s.splitn(2, '-');
    let year = |y: &str| {
        let y = y.strip_suffix('?').unwrap_or(y);
        (1..=4).contains(&y.len()) && y.bytes().all(|b| b.is_ascii_digit())
    };
    match (years.next(), years.next()) {
        (Some(a), None) => year(a),
        (Some(a), Some(b)) => year(a) && (b.is_empty() || year(b)),
        _ => false,
    }
}

/// A plausible part of a personal name: 1 to 4 words, letters and a few marks only.
fn is_name_part(s: &str) -> bool {
    !s.is_empty()
        && s.split_whitespace().count() <= 4
        && s.chars().all(|c| c.is_alphabetic() || c.is_whitespace() || matches!(c, '.' | '-' | '\'' | '’'))
}

/// Parses "Family, Given" and "Family, Given, dates" (the inverted form catalogues use) into its
/// parts; `None` for anything else, which is then kept whole.
pub fn split_name(name: &str) -> Option<(&str, &str, Option<&str>)> {
    let mut parts = name.split(',').map(str::trim);
    let (family, given) = (parts.next()?, parts.next()?);
    let date = parts.next();
    if parts.next().is_some() || !is_name_part(family) || !is_name_part(given) {
        return None;
    }
    match date {
        Some(d) if is_name_date(d) => Some((family, given, Some(d))),
        Some(_) => None,
        None => Some((family, given, None)),
    }
}

/// XPath `normalize-space()`: runs of space, tab, CR and LF become one space; none at either end.
pub fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split([' ', '\t', '\r', '\n']).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3cdtf_dates() {
        for ok in ["1999", "1999-05", "1999-05-17", "2025-11-13T10:00:00Z"] {
            assert!(is_w3cdtf(ok), "{ok}");
        }
        for bad in ["", "circa 1900", "99-1-1", "1999-5", "1999T10:00"] {
            assert!(!is_w3cdtf(bad), "{bad}");
        }
    }

    #[test]
    fn articles_by_language() {
        assert_eq!(split_article("The harbour letters", None), (Some("The "), "harbour letters"));
        assert_eq!(split_article("the harbour", Some("eng")), (Some("the "), "harbour"));
        assert_eq!(split_article("An atlas", Some("eng")), (Some("An "), "atlas"));
        assert_eq!(split_article("L'écluse", Some("fre")), (Some("L'"), "écluse"));
        assert_eq!(split_article("Die Mühle", Some("ger")), (Some("Die "), "Mühle"));
        assert_eq!(split_article("Die Mühle", Some("eng")), (None, "Die Mühle"), "not an English article");
        assert_eq!(split_article("Theatre bills", None), (None, "Theatre bills"));
        assert_eq!(split_article("A ", None), (None, "A "), "an article alone is the title");
        assert_eq!(split_article("The  ", None), (None, "The  "));
        assert_eq!(split_article("Le port", Some("lat")), (None, "Le port"), "no list for Latin");
        assert_eq!(split_article("Ü", None), (None, "Ü"));
    }

    #[test]
    fn inverted_names_are_split() {
        assert_eq!(split_name("Lindqvist, Maja, 1889-1962"), Some(("Lindqvist", "Maja", Some("1889-1962"))));
        assert_eq!(split_name("García Márquez, Gabriel"), Some(("García Márquez", "Gabriel", None)));
        assert_eq!(split_name("Noether, Emmy, 1882-"), Some(("Noether", "Emmy", Some("1882-"))));
        assert_eq!(split_name("O'Brien, Flann, b. 1911"), Some(("O'Brien", "Flann", Some("b. 1911"))));
        for whole in [
            "Ada Lovelace",
            "Smith, Jones & Co.",
            "Lindqvist, Maja, teacher",
            "a, b, c, d",
            ", Maja",
            "Lindqvist,",
            "Name with <b>markup</b> & ampersand",
            "University of Lyon, Department of Maps, Archive, Office, Unit",
        ] {
            assert_eq!(split_name(whole), None, "{whole}");
        }
    }

    #[test]
    fn white_space_is_normalised_like_xpath() {
        assert_eq!(normalize_space("  Ada \t\n Lovelace (repository) "), "Ada Lovelace (repository)");
        assert_eq!(normalize_space("a\u{A0}b"), "a\u{A0}b", "a no-break space is not XML white space");
        assert_eq!(normalize_space(""), "");
    }
}
