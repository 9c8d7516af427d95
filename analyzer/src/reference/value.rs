//! Request values with exact decimal numbers (SPEC §6.3).

use std::collections::BTreeMap;

use fpl_runtime::Decimal;

/// A JSON value of a request, numbers exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null` (also what an absent path reads as).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number; `None` when it cannot be represented exactly (§2).
    Number(Option<Decimal>),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// An object.
    Object(BTreeMap<String, Value>),
}

impl Value {
    /// Converts parsed JSON; numbers are read exactly from their decimal text.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            serde_json::Value::Number(number) => {
                Value::Number(Decimal::parse(&number.to_string()).ok())
            }
            serde_json::Value::String(text) => Value::String(text.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), Value::from_json(value)))
                    .collect(),
            ),
        }
    }

    /// The value at `segments` below this one; absent reads as null.
    pub fn at(&self, segments: &[String]) -> &Value {
        let mut current = self;
        for segment in segments {
            current = match current {
                Value::Object(map) => map.get(segment).unwrap_or(&Value::Null),
                _ => &Value::Null,
            };
        }
        current
    }

    /// The type's name for error texts.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn numbers_are_exact() {
        let exact_number = |text: &str| match Value::from_json(&serde_json::from_str(text).ok()?) {
            Value::Number(number) => number.map(fpl_runtime::Decimal::millionths),
            _ => None,
        };
        assert_eq!(exact_number("1e3"), Some(1_000_000_000));
        assert_eq!(exact_number("-0.5"), Some(-500_000));
        assert_eq!(exact_number("1.5E-6"), None);
        assert_eq!(exact_number("2.5E-6"), None);
        assert_eq!(exact_number("1E-6"), Some(1));
        assert_eq!(exact_number("0.1234567"), None);
    }
}
