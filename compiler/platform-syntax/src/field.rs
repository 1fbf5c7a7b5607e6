//! [`Field`]: a decoded value that remembers its span, or why it is absent.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use platform_ir::{FileId, Sp, Span};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// Name the decoder recognises to hand a [`Field`] its span.
pub(crate) const FIELD_MAGIC: &str = "$platform::Field";
/// Name the decoder recognises to hand a [`Decimal`] the source text of a number.
pub(crate) const DECIMAL_MAGIC: &str = "$platform::Decimal";

/// A field of an input type: missing, present but invalid (already reported), or present.
///
/// Every field of the raw input types is a `Field`, so one wrong value is reported at its
/// span and decoding goes on with the rest of the file.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Field<T> {
    /// Not written.
    #[default]
    Missing,
    /// Written, but wrong; a diagnostic was already reported at this span.
    Invalid(Span),
    /// Written and decoded.
    Present(Sp<T>),
}

impl<T> Field<T> {
    /// The decoded value, if present.
    pub fn get(&self) -> Option<&Sp<T>> {
        match self {
            Field::Present(v) => Some(v),
            _ => None,
        }
    }

    /// The decoded value, by value.
    pub fn into_option(self) -> Option<Sp<T>> {
        match self {
            Field::Present(v) => Some(v),
            _ => None,
        }
    }

    /// True if the field was written (valid or not).
    pub fn is_written(&self) -> bool {
        !matches!(self, Field::Missing)
    }

    /// The span, if written.
    pub fn span(&self) -> Option<Span> {
        match self {
            Field::Missing => None,
            Field::Invalid(s) => Some(*s),
            Field::Present(v) => Some(v.span),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(FIELD_MAGIC, FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let _: Option<de::IgnoredAny> = map.next_key()?;
        let (file, start, end): (u32, u32, u32) = map.next_value()?;
        let _: Option<de::IgnoredAny> = map.next_key()?;
        let Catch(value) = map.next_value::<Catch<T>>()?;
        let span = Span::new(FileId(file), start, end);
        Ok(match value {
            Some(v) => Field::Present(Sp::new(v, span)),
            None => Field::Invalid(span),
        })
    }
}

/// Turns a decode error (already reported by the decoder) into `None`.
struct Catch<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Catch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Catch(T::deserialize(d).ok()))
    }
}

impl<T: JsonSchema> JsonSchema for Field<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// A number kept as the decimal text it was written as (`99.9`), for exact arithmetic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Ok(Decimal(v.to_owned()))
            }
        }
        d.deserialize_newtype_struct(DECIMAL_MAGIC, V)
    }
}

impl JsonSchema for Decimal {
    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({ "type": "number" })
    }
}
