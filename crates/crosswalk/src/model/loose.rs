//! JSON values read leniently without building a tree ([`Loose`], [`Text`], [`Unsigned`]), and the
//! macros the component readers (`pinax_json`, `graph_json`, `file_ref_json`) are written with.

use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor};

/// A value read leniently, as [`scalar`](super::scalar) and [`list`](super::list) read a
/// [`Value`](serde_json::Value): a scalar as text
/// (strings trimmed; empty is nothing), a list keeps its scalars, anything else is nothing.
pub(super) enum Loose {
    Nothing,
    One(String),
    Many(Vec<String>),
}

impl Loose {
    pub(super) fn one(self) -> Option<String> {
        match self {
            Loose::One(s) => Some(s),
            Loose::Nothing | Loose::Many(_) => None,
        }
    }
    pub(super) fn list(self) -> Vec<String> {
        match self {
            Loose::One(s) => vec![s],
            Loose::Many(items) => items,
            Loose::Nothing => Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Loose, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        let v = v.trim();
        Ok(if v.is_empty() { Loose::Nothing } else { Loose::One(v.to_owned()) })
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::One(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::One(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::One(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        // Printed as serde_json prints a number (finite: JSON has no other).
        Ok(serde_json::Number::from_f64(v).map_or(Loose::Nothing, |n| Loose::One(n.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Nothing)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Loose>()? {
            if let Loose::One(s) = item {
                items.push(s);
            }
        }
        Ok(Loose::Many(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Loose::Nothing)
    }
}

/// Visitor methods for the JSON kinds a reader has no use for: each reads as `Default::default()` (an
/// array or object is skipped through, its contents unchecked beyond being JSON).
macro_rules! unused_kinds {
    ($($kind:ident),*) => {
        $(unused_kinds!(@one $kind);)*
    };
    (@one bool) => { fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one i64) => { fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one u64) => { fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one f64) => { fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one unit) => { fn visit_unit<E>(self) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one str) => { fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> { Ok(Default::default()) } };
    (@one seq) => {
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
    (@one map) => {
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
}

/// `Deserialize` for `$type` through `deserialize_any` and the visitor `$visitor` (declared here, its
/// `Visitor` impl below).
macro_rules! lenient {
    ($type:ty, $visitor:ident) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$type, D::Error> {
                deserializer.deserialize_any($visitor)
            }
        }
        struct $visitor;
    };
}

pub(super) use {lenient, unused_kinds};

/// A JSON string as it is (`Value::as_str`: not trimmed); any other value is nothing.
#[derive(Default)]
pub(super) struct Text(pub(super) Option<String>);

/// A non-negative JSON integer (`Value::is_u64`); any other value is nothing.
#[derive(Default)]
pub(super) struct Unsigned(pub(super) Option<u64>);

lenient!(Text, TextVisitor);
lenient!(Unsigned, UnsignedVisitor);

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Text, E> {
        Ok(Text(Some(v.to_owned())))
    }
    unused_kinds!(bool, i64, u64, f64, unit, seq, map);
}

impl<'de> Visitor<'de> for UnsignedVisitor {
    type Value = Unsigned;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E>(self, v: u64) -> Result<Unsigned, E> {
        Ok(Unsigned(Some(v)))
    }
    unused_kinds!(bool, i64, f64, unit, str, seq, map);
}
