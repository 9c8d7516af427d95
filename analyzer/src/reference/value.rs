//! Request values with exact decimal numbers (SPEC §6.3).

use std::collections::BTreeMap;

/// A JSON value of a request, numbers as exact millionths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null` (also what an absent path reads as).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number in millionths; `None` when it cannot be represented exactly (§2).
    Number(Option<i128>),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// An object.
    Object(BTreeMap<String, Value>),
}

impl Value {
    /// Converts parsed JSON; numbers are re-read from their shortest decimal text.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            serde_json::Value::Number(number) => Value::Number(exact_number(&number.to_string())),
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

/// Reads a JSON number's text (`12`, `-0.5`, `1e3`, `1.0E-2`) as exact millionths.
pub fn exact_number(text: &str) -> Option<i128> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let negative = mantissa.starts_with('-');
    let digits_part = mantissa.trim_start_matches('-');
    let (whole, fraction) = digits_part.split_once('.').unwrap_or((digits_part, ""));
    let digits: String = format!("{whole}{fraction}");
    // value = digits × 10^(exponent − fraction.len()); millionths add 6.
    let scale = exponent - fraction.len() as i32 + 6;
    let mut value: i128 = 0;
    for digit in digits.bytes() {
        value = value
            .checked_mul(10)?
            .checked_add(i128::from(digit.checked_sub(b'0').filter(|d| *d < 10)?))?;
    }
    if scale >= 0 {
        value = value.checked_mul(10i128.checked_pow(scale as u32)?)?;
    } else {
        let divisor = 10i128.checked_pow(scale.unsigned_abs())?;
        if value % divisor != 0 {
            return None;
        }
        value /= divisor;
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::exact_number;

    #[test]
    fn numbers_are_exact() {
        assert_eq!(exact_number("1e3"), Some(1_000_000_000));
        assert_eq!(exact_number("-0.5"), Some(-500_000));
        assert_eq!(exact_number("1.5E-6"), None);
        assert_eq!(exact_number("2.5E-6"), None);
        assert_eq!(exact_number("1E-6"), Some(1));
        assert_eq!(exact_number("0.1234567"), None);
    }
}
