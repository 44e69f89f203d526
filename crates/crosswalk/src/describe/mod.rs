//! One entity, described once, independent of any format: the PINAX crosswalk (§3 of the contract,
//! with its defects fixed) produces a [`Description`], and each format ([`crate::mods`], [`crate::dc`],
//! [`crate::marc`]) only writes it out. So the three files of a task say the same thing, and the
//! crosswalk runs once per entity whatever the number of formats.

mod build;
pub mod links;
pub mod text;

use std::borrow::Cow;

pub use build::describe;
pub use links::Links;

use crate::mods::lang::LanguageTerm;
use arke_export_contract::pi::Pi;

/// Where a record sits in a collection.
#[derive(Debug, Clone)]
pub struct Position {
    pub depth: u32,
    pub parent: Option<Pi>,
    pub path: String,
}

/// The record's title. `non_sort` is a leading article (with its trailing space or apostrophe), kept
/// apart so catalogues file under the next word; `non_sort` + `title` is the title as written.
#[derive(Debug, Clone)]
pub struct Title<'a> {
    pub non_sort: Option<&'a str>,
    pub title: Cow<'a, str>,
    /// A made-up title (incomplete records): MODS `titleInfo type="alternative"`.
    pub alternative: bool,
}

impl Title<'_> {
    /// The title as written: article and title together.
    pub fn full(&self) -> String {
        format!("{}{}", self.non_sort.unwrap_or(""), self.title)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Personal,
    Corporate,
}

/// A name as given, or parsed from "Family, Given" / "Family, Given, dates".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameParts<'a> {
    Whole(&'a str),
    Split { family: &'a str, given: &'a str, date: Option<&'a str> },
}

impl NameParts<'_> {
    /// True when the name starts with the surname ("Lindqvist, Maja"); false for direct order
    /// ("Maja Lindqvist") and single names. MARC's first indicator of 100/600/700 says which.
    pub fn inverted(&self) -> bool {
        match self {
            NameParts::Whole(name) => name.contains(','),
            NameParts::Split { .. } => true,
        }
    }

    /// The name without dates: "Lindqvist, Maja", or the whole name as given.
    pub fn without_date(&self) -> Cow<'_, str> {
        match self {
            NameParts::Whole(name) => Cow::Borrowed(name),
            NameParts::Split { family, given, .. } => Cow::Owned(format!("{family}, {given}")),
        }
    }
}

/// A name of a creator or of the holding institution.
#[derive(Debug, Clone)]
pub struct Name<'a> {
    pub kind: NameKind,
    pub parts: NameParts<'a>,
    /// A MARC relator term: `creator` or `repository`.
    pub role: &'static str,
}

/// The record's type: MODS `typeOfResource` and the PINAX (DCMI) type it came from.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// The MODS value (`text`, `still image`, …, `software, multimedia`, `mixed material`).
    pub type_of_resource: &'static str,
    /// A PINAX `Collection`.
    pub collection: bool,
    pub pinax_type: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Note<'a> {
    /// MODS `note/@type` (`version`, `summary`, `hierarchy`, …).
    pub kind: &'static str,
    pub label: &'static str,
    pub text: Cow<'a, str>,
}

#[derive(Debug, Clone)]
pub enum Term<'a> {
    Topic(&'a str),
    Geographic(&'a str),
    Temporal(&'a str),
    Name(NameKind, &'a str),
}

#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub term: Term<'a>,
    /// From the knowledge graph (cheimarros.json) rather than from PINAX.
    pub graph: bool,
}

#[derive(Debug, Clone)]
pub struct Identifier<'a> {
    /// MODS `identifier/@type` (`local`, `arke-pi`, `uri`, `ipfs-cid`, …).
    pub kind: &'static str,
    pub label: &'static str,
    pub value: Cow<'a, str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelatedKind {
    Host,
    Constituent,
}

/// A related item: a file, the parent, a child or another component.
#[derive(Debug, Clone)]
pub struct Related<'a> {
    pub kind: RelatedKind,
    pub label: Cow<'a, str>,
    pub href: Option<String>,
    pub identifiers: Vec<Identifier<'a>>,
    pub media_type: Option<&'a str>,
    /// "{size} bytes".
    pub extent: Option<String>,
    /// OCR text.
    pub note: Option<&'a str>,
    /// Where to view it (`location/url`).
    pub url: Option<String>,
    /// The record ID of a related Arke entity (parent or child), which is its record's 001 in MARC.
    pub entity: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Url<'a> {
    pub value: Cow<'a, str>,
    pub usage: &'static str,
    pub access: &'static str,
    pub label: &'static str,
}

/// What the record says about itself (MODS `recordInfo`).
#[derive(Debug, Clone)]
pub struct RecordInfo<'a> {
    /// The manifest's time (or the export date, for incomplete records).
    pub created: Option<&'a str>,
    pub identifier: Option<&'a str>,
    pub origin: Option<&'static str>,
    pub cataloging_language: Option<&'static str>,
    pub standard: &'static str,
}

/// One entity, as every format sees it.
#[derive(Debug, Clone)]
pub struct Description<'a> {
    pub pi: &'a Pi,
    /// pinax.json was read; otherwise this is a minimal ("incomplete") record.
    pub complete: bool,
    /// Set inside a collection (MODS `ID`, hierarchy note).
    pub in_collection: bool,
    pub title: Title<'a>,
    pub names: Vec<Name<'a>>,
    pub resource: Option<Resource<'a>>,
    pub created: Option<&'a str>,
    pub language: Option<LanguageTerm>,
    pub abstract_text: Option<&'a str>,
    pub notes: Vec<Note<'a>>,
    pub subjects: Vec<Subject<'a>>,
    pub related: Vec<Related<'a>>,
    pub identifiers: Vec<Identifier<'a>>,
    pub physical_location: Option<&'a str>,
    pub urls: Vec<Url<'a>>,
    /// Use and reproduction.
    pub rights: Option<&'a str>,
    pub record: RecordInfo<'a>,
}
