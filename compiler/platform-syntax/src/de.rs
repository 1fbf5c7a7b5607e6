//! Decoding a [`Node`] tree into serde types, reporting every problem and going on.
//!
//! Each error is turned into a [`Diagnostic`] at the span of the node where it happened, at
//! the moment it happens. [`crate::Field`] then swallows the error, so the enclosing struct
//! keeps decoding. Unknown keys are reported (with "did you mean") and skipped.

use std::cell::RefCell;
use std::fmt;

use platform_ir::diagnostic::{did_you_mean, moved_value_help};
use platform_ir::{Code, Diagnostic, Span};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use crate::codes;
use crate::field::{DECIMAL_MAGIC, FIELD_MAGIC};
use crate::yaml::{Kind, Node};

/// Decode `node` as `T`, returning the value (if the top level could be decoded at all) and
/// every diagnostic found on the way.
pub fn decode<T: de::DeserializeOwned>(node: &Node) -> (Option<T>, Vec<Diagnostic>) {
    decode_with(node, None)
}

/// Where else a key is allowed: dotted parent paths for an unknown key (`cpu` →
/// `spec.runtime`), from the caller's knowledge of the document's shape.
pub type KeyPlaces = fn(&str) -> Option<String>;

/// Like [`decode`]; an unknown key with no close spelling gets the help of `places`: the
/// key belongs elsewhere (one level down, usually), and where.
pub fn decode_with<T: de::DeserializeOwned>(node: &Node, places: Option<KeyPlaces>) -> (Option<T>, Vec<Diagnostic>) {
    let cx = Cx { places, ..Cx::default() };
    let value = T::deserialize(Decoder { node, cx: &cx }).ok();
    (value, cx.diags.into_inner())
}

/// The error type of the decoder. `reported` errors already became diagnostics.
#[derive(Debug)]
pub struct Error {
    msg: String,
    reported: bool,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Error { msg: msg.to_string(), reported: false }
    }
}

#[derive(Default)]
struct Cx {
    diags: RefCell<Vec<Diagnostic>>,
    places: Option<KeyPlaces>,
}

impl Cx {
    fn report(&self, d: Diagnostic) -> Error {
        let msg = d.message.clone();
        self.diags.borrow_mut().push(d);
        Error { msg, reported: true }
    }

    /// Report an error the visitor made (serde's own messages) at `span`.
    fn settle<T>(&self, r: Result<T, Error>, span: Span) -> Result<T, Error> {
        r.map_err(|e| {
            if e.reported {
                return e;
            }
            let (code, help): (&'static Code, &str) = if e.msg.starts_with("missing field") {
                (&codes::SYN014, "add the missing field to this mapping")
            } else {
                (&codes::SYN011, "see `platform schema` for what this field takes")
            };
            self.report(Diagnostic::error(code, e.msg, span, "here", help))
        })
    }
}

/// A deserializer over one node.
#[derive(Clone, Copy)]
struct Decoder<'a> {
    node: &'a Node,
    cx: &'a Cx,
}

impl<'a> Decoder<'a> {
    fn wrong_type(&self, expected: &str) -> Error {
        let found = self.node.kind.describe();
        let help = match (&self.node.kind, expected) {
            (Kind::Str(s), e) if e.contains("number") && s.trim_end_matches('%').parse::<f64>().is_ok() => {
                format!("write the number without quotes or `%`: `{}`", s.trim_end_matches('%'))
            }
            (Kind::Str(s), "true or false") if matches!(s.as_str(), "yes" | "no" | "on" | "off" | "y" | "n") => {
                "only `true` and `false` are booleans (YAML 1.2); `yes`/`no`/`on`/`off` are strings".into()
            }
            _ => format!("write {expected} here"),
        };
        self.cx.report(Diagnostic::error(
            &codes::SYN011,
            format!("expected {expected}, found {found}"),
            self.node.span,
            format!("expected {expected}"),
            help,
        ))
    }

    fn int(&self) -> Result<i64, Error> {
        match &self.node.kind {
            Kind::Int(v, _) => Ok(*v),
            _ => Err(self.wrong_type("a whole number")),
        }
    }

    fn unsigned(&self, max: u64) -> Result<u64, Error> {
        let v = self.int()?;
        match u64::try_from(v) {
            Ok(u) if u <= max => Ok(u),
            _ => Err(self.cx.report(Diagnostic::error(
                &codes::SYN011,
                format!("the number `{v}` is out of range"),
                self.node.span,
                "out of range",
                format!("write a whole number from 0 to {max}"),
            ))),
        }
    }

    fn text(&self) -> Result<String, Error> {
        match &self.node.kind {
            Kind::Str(s) => Ok(s.clone()),
            Kind::Int(_, t) | Kind::Float(_, t) => Ok(t.clone()),
            Kind::Bool(b) => Ok(b.to_string()),
            _ => Err(self.wrong_type("a string")),
        }
    }
}

macro_rules! unsigned {
    ($($m:ident $t:ty => $visit:ident),*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            let n = self.unsigned(<$t>::MAX as u64)?;
            self.cx.settle(v.$visit(n as $t), self.node.span)
        }
    )*};
}
macro_rules! signed {
    ($($m:ident),*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            let n = self.int()?;
            self.cx.settle(v.visit_i64(n), self.node.span)
        }
    )*};
}

impl<'de> Deserializer<'de> for Decoder<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let r = match &self.node.kind {
            Kind::Null => v.visit_unit(),
            Kind::Bool(b) => v.visit_bool(*b),
            Kind::Int(i, _) => v.visit_i64(*i),
            Kind::Float(f, _) => v.visit_f64(*f),
            Kind::Str(s) => v.visit_str(s),
            Kind::Seq(items) => v.visit_seq(Seq { items: items.iter(), cx: self.cx }),
            Kind::Map(entries) => v.visit_map(Map { entries: entries.iter(), value: None, cx: self.cx, fields: None }),
        };
        self.cx.settle(r, self.node.span)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.node.kind {
            Kind::Bool(b) => self.cx.settle(v.visit_bool(b), self.node.span),
            _ => Err(self.wrong_type("true or false")),
        }
    }

    unsigned!(deserialize_u8 u8 => visit_u8, deserialize_u16 u16 => visit_u16, deserialize_u32 u32 => visit_u32, deserialize_u64 u64 => visit_u64);
    signed!(deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64);

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_f64(v)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.node.kind {
            Kind::Int(i, _) => self.cx.settle(v.visit_f64(i as f64), self.node.span),
            Kind::Float(f, _) => self.cx.settle(v.visit_f64(f), self.node.span),
            _ => Err(self.wrong_type("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let s = self.text()?;
        self.cx.settle(v.visit_str(&s), self.node.span)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(self.wrong_type("text"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.node.kind {
            Kind::Null => self.cx.settle(v.visit_none(), self.node.span),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.node.kind {
            Kind::Null => self.cx.settle(v.visit_unit(), self.node.span),
            _ => Err(self.wrong_type("nothing (null)")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, Error> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, v: V) -> Result<V::Value, Error> {
        if name == FIELD_MAGIC {
            return v.visit_map(FieldAccess { node: self.node, cx: self.cx, step: 0 });
        }
        if name == DECIMAL_MAGIC {
            return match &self.node.kind {
                Kind::Int(_, t) | Kind::Float(_, t) => self.cx.settle(v.visit_str(t), self.node.span),
                _ => Err(self.wrong_type("a number")),
            };
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Seq(items) => self.cx.settle(v.visit_seq(Seq { items: items.iter(), cx: self.cx }), self.node.span),
            _ => Err(self.wrong_type("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Map(entries) => self.cx.settle(
                v.visit_map(Map { entries: entries.iter(), value: None, cx: self.cx, fields: None }),
                self.node.span,
            ),
            _ => Err(self.wrong_type("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        match &self.node.kind {
            Kind::Map(entries) => self.cx.settle(
                v.visit_map(Map { entries: entries.iter(), value: None, cx: self.cx, fields: Some(fields) }),
                self.node.span,
            ),
            _ => Err(self.wrong_type("a mapping")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        let check = |name: &str, span: Span| -> Result<(), Error> {
            if variants.contains(&name) {
                return Ok(());
            }
            let help = match (
                moved_value_help(name, variants.iter().copied()),
                did_you_mean(name, variants.iter().copied()),
            ) {
                (Some(h), _) => h.to_owned(),
                (None, Some(s)) => format!("did you mean `{s}`?"),
                (None, None) => format!("use one of: {}", list(variants)),
            };
            Err(self.cx.report(Diagnostic::error(
                &codes::SYN012,
                format!("unknown value `{name}`, expected one of {}", list(variants)),
                span,
                "not an allowed value",
                help,
            )))
        };
        match &self.node.kind {
            Kind::Str(s) => {
                check(s, self.node.span)?;
                self.cx.settle(v.visit_enum(s.as_str().into_deserializer()), self.node.span)
            }
            Kind::Map(entries) if entries.len() == 1 => {
                let (key, value) = &entries[0];
                check(&key.name, key.span)?;
                self.cx.settle(v.visit_enum(Enum { variant: &key.name, value, cx: self.cx }), self.node.span)
            }
            _ => Err(self.wrong_type(&format!("one of {}", list(variants)))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

fn list(words: &[&str]) -> String {
    words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Node>,
    cx: &'a Cx,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(node) => seed.deserialize(Decoder { node, cx: self.cx }).map(Some),
            None => Ok(None),
        }
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, (crate::yaml::Key, Node)>,
    value: Option<&'a Node>,
    cx: &'a Cx,
    /// For structs: the known fields; unknown keys are reported and skipped.
    fields: Option<&'static [&'static str]>,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        for (key, value) in self.entries.by_ref() {
            if let Some(fields) = self.fields
                && !fields.contains(&key.name.as_str())
            {
                let elsewhere = || self.cx.places.and_then(|f| f(&key.name));
                let help = match did_you_mean(&key.name, fields.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => match elsewhere() {
                        Some(at) => format!("`{}` is not allowed here; it belongs under {at}", key.name),
                        None if fields.is_empty() => "this mapping takes no keys".to_owned(),
                        None => format!("the keys allowed here are {}", list(fields)),
                    },
                };
                self.cx.report(Diagnostic::error(
                    &codes::SYN010,
                    format!("unknown key `{}`", key.name),
                    key.span,
                    "unknown key",
                    help,
                ));
                continue;
            }
            self.value = Some(value);
            return seed.deserialize(de::value::StrDeserializer::<Error>::new(&key.name)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(node) => seed.deserialize(Decoder { node, cx: self.cx }),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
}

/// Hands a [`crate::Field`] its span (`(file, start, end)`) and then its value.
struct FieldAccess<'a> {
    node: &'a Node,
    cx: &'a Cx,
    step: u8,
}

impl<'de> MapAccess<'de> for FieldAccess<'_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let key = match self.step {
            0 => "span",
            1 => "value",
            _ => return Ok(None),
        };
        seed.deserialize(de::value::StrDeserializer::<Error>::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        self.step += 1;
        if self.step == 1 {
            let s = self.node.span;
            return seed.deserialize((s.file.0, s.start, s.end).into_deserializer_tuple());
        }
        seed.deserialize(Decoder { node: self.node, cx: self.cx })
    }
}

/// `(u32, u32, u32)` as a deserializer.
trait TupleDe {
    fn into_deserializer_tuple(self) -> de::value::SeqDeserializer<std::array::IntoIter<u32, 3>, Error>;
}

impl TupleDe for (u32, u32, u32) {
    fn into_deserializer_tuple(self) -> de::value::SeqDeserializer<std::array::IntoIter<u32, 3>, Error> {
        de::value::SeqDeserializer::new([self.0, self.1, self.2].into_iter())
    }
}

struct Enum<'a> {
    variant: &'a str,
    value: &'a Node,
    cx: &'a Cx,
}

impl<'de, 'a> EnumAccess<'de> for Enum<'a> {
    type Error = Error;
    type Variant = Decoder<'a>;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Decoder<'a>), Error> {
        let v = seed.deserialize(de::value::StrDeserializer::<Error>::new(self.variant))?;
        Ok((v, Decoder { node: self.value, cx: self.cx }))
    }
}

impl<'de> VariantAccess<'de> for Decoder<'_> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.node.kind {
            Kind::Null => Ok(()),
            _ => Err(self.wrong_type("nothing")),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, v)
    }
    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], v: V) -> Result<V::Value, Error> {
        self.deserialize_struct("", fields, v)
    }
}

#[cfg(test)]
mod tests {
    use platform_ir::FileId;
    use serde::Deserialize;

    use super::decode;
    use crate::field::{Decimal, Field};
    use crate::yaml::parse;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Runtime {
        #[serde(default)]
        replicas: Field<u32>,
        #[serde(default)]
        cpu: Field<String>,
        #[serde(default)]
        slo: Field<Decimal>,
        #[serde(default)]
        tier: Field<Tier>,
        #[serde(default)]
        enabled: Field<bool>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "lowercase")]
    enum Tier {
        Critical,
        Standard,
    }

    #[test]
    fn reports_every_error_and_goes_on() {
        let src = "replicas: three\ncpu: 500m\nslo: \"99.9\"\ntier: critcal\nenabeld: true\n";
        let node = parse(src, FileId(0)).unwrap();
        let (rt, diags) = decode::<Runtime>(&node);
        let rt = rt.unwrap();
        let codes: Vec<_> = diags.iter().map(|d| d.code.id).collect();
        assert_eq!(codes, ["SYN011", "SYN011", "SYN012", "SYN010"], "{diags:#?}");
        assert_eq!(rt.cpu.get().unwrap().value, "500m");
        assert!(matches!(rt.replicas, Field::Invalid(_)));
        assert!(diags[2].help.contains("did you mean `critical`"));
        assert!(diags[3].help.contains("did you mean `enabled`"));
        let s = diags[0].primary.span;
        assert_eq!(&src[s.start as usize..s.end as usize], "three");
    }

    #[test]
    fn decimal_keeps_text() {
        let node = parse("slo: 99.90\n", FileId(0)).unwrap();
        let (rt, diags) = decode::<Runtime>(&node);
        assert!(diags.is_empty());
        assert_eq!(rt.unwrap().slo.get().unwrap().value.0, "99.90");
    }
}
