//! Witness requests as typed values. A witness serializes to the request JSON of SPEC §5 with
//! every number written exactly (never through a float), so what is shown, printed as JSON by
//! `faramesh diff`, and replayed through the runtime is one and the same request.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A request that shows a finding or a changed decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    /// The agent.
    pub agent: String,
    /// The tool.
    pub tool: String,
    /// The phase, if the request names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The session, if not the implicit one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The decision time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Object>,
    /// The principal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Object>,
}

/// A JSON object of a witness, keys in order.
pub type Object = BTreeMap<String, Value>;

/// A JSON value of a witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`
    Null,
    /// `true`/`false`
    Bool(bool),
    /// A number, exactly as written.
    Number(Number),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// An object.
    Object(Object),
}

/// A JSON number kept as its text, so no digit is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(String);

impl Witness {
    /// A request naming only the agent and the tool.
    pub fn bare(agent: &str, tool: &str) -> Witness {
        Witness {
            agent: agent.to_string(),
            tool: tool.to_string(),
            phase: None,
            session: None,
            time: None,
            args: None,
            principal: None,
        }
    }

    /// The request's JSON text.
    pub fn to_json(&self) -> String {
        // Serializing strings, maps and valid number texts cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Display for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl Number {
    /// An exact decimal.
    pub fn exact(value: fpl_runtime::Decimal) -> Number {
        Number(value.to_string())
    }

    /// A number with more decimals than a request may hold (SPEC §2), which a condition cannot
    /// read exactly.
    pub fn inexact() -> Number {
        Number("0.0000001".to_string())
    }

    /// The number's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(self.0.clone())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        number(raw.get()).ok_or_else(|| D::Error::custom("expected a number"))
    }
}

/// `text` as a number, if it is one.
fn number(text: &str) -> Option<Number> {
    serde_json::from_str::<serde_json::Number>(text)
        .ok()
        .map(|_| Number(text.trim().to_string()))
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Number(number) => number.serialize(serializer),
            Value::String(text) => serializer.serialize_str(text),
            Value::List(items) => items.serialize(serializer),
            Value::Object(members) => members.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    /// Reads the value's raw JSON text first, so a number keeps every digit.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let parsed = match text.trim_start().chars().next() {
            Some('{') => serde_json::from_str(text).map(Value::Object),
            Some('[') => serde_json::from_str(text).map(Value::List),
            Some('"') => serde_json::from_str(text).map(Value::String),
            Some('t' | 'f') => serde_json::from_str(text).map(Value::Bool),
            Some('n') => serde_json::from_str::<()>(text).map(|()| Value::Null),
            _ => {
                return number(text)
                    .map(Value::Number)
                    .ok_or_else(|| D::Error::custom("expected a JSON value"));
            }
        };
        parsed.map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::{Number, Object, Value, Witness};

    #[test]
    fn numbers_round_trip_exactly() {
        let huge = fpl_runtime::Decimal::parse("170141183460469231731687303715884.105727")
            .expect("a decimal");
        let mut args = Object::new();
        args.insert("amount".into(), Value::Number(Number::exact(huge)));
        args.insert("tiny".into(), Value::Number(Number::inexact()));
        args.insert(
            "items".into(),
            Value::List(vec![
                Value::Null,
                Value::Bool(true),
                Value::String("é\"".into()),
            ]),
        );
        let witness = Witness {
            args: Some(args),
            time: Some("2026-01-01T00:00:00Z".into()),
            ..Witness::bare("a", "t/x")
        };
        let text = witness.to_json();
        assert_eq!(
            text,
            "{\"agent\":\"a\",\"tool\":\"t/x\",\"time\":\"2026-01-01T00:00:00Z\",\"args\":{\"amount\":170141183460469231731687303715884.105727,\"items\":[null,true,\"é\\\"\"],\"tiny\":0.0000001}}"
        );
        let back: Witness = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, witness);
    }
}
