//! Language tags (BCP 47, as in pinax.json) → ISO 639-2/B codes for `languageTerm`.

/// ISO 639-1 → ISO 639-2/B, for every two-letter code.
const ISO639_1_TO_2B: &str = "aa:aar ab:abk ae:ave af:afr ak:aka am:amh an:arg ar:ara as:asm av:ava ay:aym az:aze \
ba:bak be:bel bg:bul bh:bih bi:bis bm:bam bn:ben bo:tib br:bre bs:bos ca:cat ce:che ch:cha co:cos cr:cre cs:cze \
cu:chu cv:chv cy:wel da:dan de:ger dv:div dz:dzo ee:ewe el:gre en:eng eo:epo es:spa et:est eu:baq fa:per ff:ful \
fi:fin fj:fij fo:fao fr:fre fy:fry ga:gle gd:gla gl:glg gn:grn gu:guj gv:glv ha:hau he:heb hi:hin ho:hmo hr:hrv \
ht:hat hu:hun hy:arm hz:her ia:ina id:ind ie:ile ig:ibo ii:iii ik:ipk io:ido is:ice it:ita iu:iku ja:jpn jv:jav \
ka:geo kg:kon ki:kik kj:kua kk:kaz kl:kal km:khm kn:kan ko:kor kr:kau ks:kas ku:kur kv:kom kw:cor ky:kir la:lat \
lb:ltz lg:lug li:lim ln:lin lo:lao lt:lit lu:lub lv:lav mg:mlg mh:mah mi:mao mk:mac ml:mal mn:mon mr:mar ms:may \
mt:mlt my:bur na:nau nb:nob nd:nde ne:nep ng:ndo nl:dut nn:nno no:nor nr:nbl nv:nav ny:nya oc:oci oj:oji om:orm \
or:ori os:oss pa:pan pi:pli pl:pol ps:pus pt:por qu:que rm:roh rn:run ro:rum ru:rus rw:kin sa:san sc:srd sd:snd \
se:sme sg:sag si:sin sk:slo sl:slv sm:smo sn:sna so:som sq:alb sr:srp ss:ssw st:sot su:sun sv:swe sw:swa ta:tam \
te:tel tg:tgk th:tha ti:tir tk:tuk tl:tgl tn:tsn to:ton tr:tur ts:tso tt:tat tw:twi ty:tah ug:uig uk:ukr ur:urd \
uz:uzb ve:ven vi:vie vo:vol wa:wln wo:wol xh:xho yi:yid yo:yor za:zha zh:chi zu:zul";

/// ISO 639-2/T codes whose bibliographic (B) form differs.
const ISO639_2T_TO_2B: &str = "bod:tib ces:cze cym:wel deu:ger ell:gre eus:baq fas:per fra:fre hye:arm isl:ice \
kat:geo mkd:mac mri:mao msa:may mya:bur nld:dut ron:rum slk:slo sqi:alb zho:chi";

/// `key`'s value in `table`: entries of `key:value`, keys of one length and values of three letters,
/// one space apart, in key order. Every entry has the same width, so the lookup is a binary search (it
/// runs for every record written; a scan of the table cost more than the rest of the record's MODS).
fn lookup(table: &'static str, key: &str) -> Option<&'static str> {
    if Some(key.len()) != table.find(':') {
        return None;
    }
    let width = key.len() + 5;
    let entry = |i: usize| table.get(i * width..i * width + width - 1);
    let (mut low, mut high) = (0, table.len().div_ceil(width));
    while low < high {
        let mid = low + (high - low) / 2;
        let (k, v) = entry(mid)?.split_at(key.len());
        match k.cmp(key) {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            std::cmp::Ordering::Equal => return v.strip_prefix(':'),
        }
    }
    None
}

/// How a pinax `language` value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageTerm {
    /// An ISO 639-2/B code (`authority="iso639-2b"`).
    Iso639_2b(&'static str),
    /// A three-letter code we cannot check against the list, kept as given (`authority="iso639-2b"`).
    Iso639_2bUnchecked(String),
    /// Not a known language code: kept as text so nothing is lost.
    Text(String),
}

/// Maps `en`, `en-US`, `fr-FR`, `fra`, `ger` … to ISO 639-2/B.
pub fn to_language_term(tag: &str) -> Option<LanguageTerm> {
    let tag = tag.trim();
    if tag.is_empty() {
        return None;
    }
    let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    let letters = primary.bytes().all(|b| b.is_ascii_lowercase());
    Some(match primary.len() {
        2 if letters => match lookup(ISO639_1_TO_2B, &primary) {
            Some(code) => LanguageTerm::Iso639_2b(code),
            None => LanguageTerm::Text(tag.to_owned()),
        },
        3 if letters => match lookup(ISO639_2T_TO_2B, &primary) {
            Some(code) => LanguageTerm::Iso639_2b(code),
            None => LanguageTerm::Iso639_2bUnchecked(primary),
        },
        _ => LanguageTerm::Text(tag.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_bcp47_tags_to_bibliographic_codes() {
        assert_eq!(to_language_term("en"), Some(LanguageTerm::Iso639_2b("eng")));
        assert_eq!(to_language_term("en-US"), Some(LanguageTerm::Iso639_2b("eng")));
        assert_eq!(to_language_term("fr-FR"), Some(LanguageTerm::Iso639_2b("fre")));
        assert_eq!(to_language_term("nl"), Some(LanguageTerm::Iso639_2b("dut")));
        assert_eq!(to_language_term("de_AT"), Some(LanguageTerm::Iso639_2b("ger")));
        assert_eq!(to_language_term("zho"), Some(LanguageTerm::Iso639_2b("chi")));
        assert_eq!(to_language_term("lat"), Some(LanguageTerm::Iso639_2bUnchecked("lat".into())));
        assert_eq!(to_language_term("Klingon!"), Some(LanguageTerm::Text("Klingon!".into())));
        assert_eq!(to_language_term("  "), None);
    }

    #[test]
    fn the_tables_are_in_key_order_one_width_and_every_entry_is_found() {
        for (table, key_len, count) in [(ISO639_1_TO_2B, 2, 184), (ISO639_2T_TO_2B, 3, 20)] {
            let pairs: Vec<_> = table.split_ascii_whitespace().collect();
            assert_eq!(pairs.len(), count);
            assert_eq!(table.len() + 1, count * (key_len + 5), "one space between entries, none around");
            assert!(pairs.windows(2).all(|w| w[0] < w[1]), "in key order");
            for p in pairs {
                let (a, b) = p.split_once(':').unwrap();
                assert_eq!((a.len(), b.len()), (key_len, 3), "{p}");
                assert_eq!(lookup(table, a), Some(b), "{p}");
            }
            for missing in ["", "a", "qq", "zz", "aab", "zzz", "a:a", "ab:", "é"] {
                assert_eq!(lookup(table, missing), None, "{missing}");
            }
        }
    }
}
