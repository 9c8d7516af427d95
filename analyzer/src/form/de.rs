//! A serde deserializer over the positioned tree of [`super::yaml`], so the typed form
//! ([`super::model`]) is read by serde's derived code and every error names the node at fault:
//! unknown keys, missing keys, a list where a mapping belongs. Scalars are read only as
//! [`super::model::Scalar`]s, which keep their text, quoting and position.

use std::fmt;

use fpl_syntax::TextRange;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::yaml::{Node, NodeKind};

/// The struct name through which a [`super::model::Scalar`] asks for the scalar at hand.
pub(crate) const SCALAR: &str = "$fpl::form::Scalar";
/// The fields the scalar's map gives, in this order.
pub(crate) const SCALAR_FIELDS: &[&str] = &["$text", "$quoted", "$range", "$content"];

/// A deserialization error and the range of the node it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    /// What is wrong.
    pub message: String,
    /// Where; set by the innermost node that saw the error.
    pub range: Option<TextRange>,
}

impl DeError {
    fn at(mut self, range: TextRange) -> Self {
        self.range.get_or_insert(range);
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError {
            message: message.to_string(),
            range: None,
        }
    }
}

/// Deserializes a node.
pub(crate) struct NodeDeserializer<'a>(pub &'a Node);

impl NodeDeserializer<'_> {
    fn mismatch(&self, expected: &str) -> DeError {
        DeError {
            message: format!("expected {expected}, found {}", self.0.kind.describe()),
            range: Some(self.0.range),
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let range = self.0.range;
        match &self.0.kind {
            NodeKind::Scalar(_) => visitor.visit_map(ScalarAccess {
                node: self.0,
                field: 0,
            }),
            NodeKind::Seq(items) => visitor.visit_seq(SeqAccess(items.iter())),
            NodeKind::Map(entries) => visitor.visit_map(MapAccess {
                entries: entries.iter(),
                value: None,
            }),
        }
        .map_err(|error: DeError| error.at(range))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.kind {
            NodeKind::Scalar(scalar) => visitor
                .visit_str(&scalar.text)
                .map_err(|error: DeError| error.at(self.0.range)),
            _ => Err(self.mismatch("a name")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.kind {
            NodeKind::Seq(_) => self.deserialize_any(visitor),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.kind {
            NodeKind::Map(_) => self.deserialize_any(visitor),
            _ => Err(self.mismatch("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match (&self.0.kind, name == SCALAR) {
            (NodeKind::Scalar(_), true) | (NodeKind::Map(_), false) => {
                self.deserialize_any(visitor)
            }
            (_, true) => Err(self.mismatch("a value")),
            (_, false) => Err(self.mismatch("a mapping")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct enum ignored_any
    }
}

struct SeqAccess<'a>(std::slice::Iter<'a, Node>);

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0
            .next()
            .map(|node| seed.deserialize(NodeDeserializer(node)))
            .transpose()
    }
}

struct MapAccess<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a Node>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(NodeDeserializer(key))
            .map(Some)
            .map_err(|error: DeError| error.at(key.range))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(NodeDeserializer(value)),
            None => Err(de::Error::custom("a value was read before its key")),
        }
    }
}

/// A scalar as the map of [`SCALAR_FIELDS`]; ranges as `[start, end]` byte offsets.
struct ScalarAccess<'a> {
    node: &'a Node,
    field: usize,
}

impl<'de> de::MapAccess<'de> for ScalarAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match SCALAR_FIELDS.get(self.field) {
            Some(field) => seed.deserialize(field.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let NodeKind::Scalar(scalar) = &self.node.kind else {
            return Err(de::Error::custom("expected a value"));
        };
        let pair = |range: TextRange| vec![u32::from(range.start()), u32::from(range.end())];
        let field = self.field;
        self.field += 1;
        match field {
            0 => seed.deserialize(scalar.text.as_str().into_deserializer()),
            1 => seed.deserialize(scalar.quoted.into_deserializer()),
            2 => seed.deserialize(pair(self.node.range).into_deserializer()),
            _ => seed.deserialize(
                scalar
                    .content
                    .map(pair)
                    .unwrap_or_default()
                    .into_deserializer(),
            ),
        }
    }
}
