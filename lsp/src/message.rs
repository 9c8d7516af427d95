//! What the server accepts as a JSON-RPC 2.0 message from the client, checked in one parse
//! before the body reaches tower-lsp-server, and the error response for the rest: `-32700`
//! when the bytes are not framed as a message or the body is not UTF-8 JSON, `-32600` when it
//! is JSON but not a request, notification or response, or when it is over the size limit.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Response};

use crate::framing::Malformed;

/// Why bytes from the client are not a message the server takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// The bytes were not framed as a message (or the message was over the size limit).
    #[error(transparent)]
    Framing(#[from] Malformed),
    /// The body is not UTF-8 JSON.
    #[error("message is not JSON: {0}")]
    NotJson(String),
    /// The body is JSON but not a JSON-RPC 2.0 message; `id` is the request's, when readable.
    #[error("{reason}")]
    Invalid {
        /// The id to answer with.
        id: Option<Id>,
        /// What is wrong.
        reason: String,
    },
}

impl Rejected {
    /// The error response to send the client.
    pub fn response(&self) -> Response {
        let (id, code) = match self {
            Rejected::Framing(Malformed::TooLarge { .. }) => (Id::Null, ErrorCode::InvalidRequest),
            Rejected::Framing(_) | Rejected::NotJson(_) => (Id::Null, ErrorCode::ParseError),
            Rejected::Invalid { id, .. } => {
                (id.clone().unwrap_or(Id::Null), ErrorCode::InvalidRequest)
            }
        };
        Response::from_error(
            id,
            Error {
                code,
                message: self.to_string().into(),
                data: None,
            },
        )
    }
}

/// Checks that `body` is one JSON-RPC 2.0 request, notification or response.
pub fn check(body: &[u8]) -> Result<(), Rejected> {
    let text = std::str::from_utf8(body)
        .map_err(|error| Rejected::NotJson(format!("not UTF-8 ({error})")))?;
    if !text.trim_start().starts_with('{') {
        // Decide between -32700 and -32600 by whether the text is JSON at all.
        return match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Err(invalid(
                None,
                "a message is a JSON object (batches are not supported)",
            )),
            Err(error) => Err(Rejected::NotJson(error.to_string())),
        };
    }
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|error| match error.classify() {
            serde_json::error::Category::Data => invalid(None, &error.to_string()),
            _ => Rejected::NotJson(error.to_string()),
        })?;
    let id = match envelope.id {
        None => None,
        Some(Value::Null) => Some(Id::Null),
        Some(Value::String(id)) => Some(Id::String(id)),
        Some(Value::Number(number)) if number.is_i64() => number.as_i64().map(Id::Number),
        Some(_) => return Err(invalid(None, "`id` must be an integer or a string")),
    };
    if envelope.jsonrpc.as_ref().and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "`jsonrpc` must be \"2.0\""));
    }
    match (&envelope.method, &envelope.result, &envelope.error) {
        (Some(Value::String(_)), None, None) => Ok(()),
        (Some(Value::String(_)), _, _) => Err(invalid(
            id,
            "a request or notification has no `result` or `error`",
        )),
        (Some(_), _, _) => Err(invalid(id, "`method` must be a string")),
        (None, Some(_), None) if id.is_some() => Ok(()),
        (None, None, Some(error)) if id.is_some() && is_error_object(error) => Ok(()),
        (None, None, Some(_)) if id.is_some() => Err(invalid(
            id,
            "`error` must have an integer `code` and a string `message`",
        )),
        _ => Err(invalid(
            id,
            "a message needs a `method`, or an `id` with a `result` or an `error`",
        )),
    }
}

/// The members of a message that decide what it is; `params` and anything else are only
/// checked to be JSON.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default, deserialize_with = "present")]
    jsonrpc: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    method: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    result: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
}

/// A member that is present, even as `null` (`Option` alone reads `null` as absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

fn is_error_object(error: &Value) -> bool {
    error.get("code").is_some_and(Value::is_i64)
        && error.get("message").is_some_and(Value::is_string)
}

fn invalid(id: Option<Id>, reason: &str) -> Rejected {
    Rejected::Invalid {
        id,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error response to `body` as JSON, or `None` when it is accepted.
    fn answer(body: &str) -> Option<Value> {
        let rejected = check(body.as_bytes()).err()?;
        serde_json::to_value(rejected.response()).ok()
    }

    #[test]
    fn requests_notifications_and_responses_pass() {
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"x"}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#,
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":3,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no"}}"#,
            " {\"method\":\"x\",\"jsonrpc\":\"2.0\",\"extra\":[1,{}]}",
        ] {
            assert_eq!(check(body.as_bytes()), Ok(()), "{body}");
        }
    }

    #[test]
    fn invalid_messages_get_the_right_code_and_id() {
        let cases = [
            ("{ this is not json", -32700, Value::Null),
            ("", -32700, Value::Null),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"x""#,
                -32700,
                Value::Null,
            ),
            (r#"{"id":7,"method":"x"}"#, -32600, json(7)),
            (
                r#"{"jsonrpc":"1.0","id":"s","method":"x"}"#,
                -32600,
                json("s"),
            ),
            (
                r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#,
                -32600,
                Value::Null,
            ),
            (
                r#"{"jsonrpc":"2.0","id":[1],"method":"x"}"#,
                -32600,
                Value::Null,
            ),
            (
                r#"{"jsonrpc":"2.0","id":true,"method":"x"}"#,
                -32600,
                Value::Null,
            ),
            (
                r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#,
                -32600,
                Value::Null,
            ),
            (r#"{"jsonrpc":"2.0","id":1,"method":5}"#, -32600, json(1)),
            (r#"{"jsonrpc":"2.0","id":1}"#, -32600, json(1)),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"x","result":1}"#,
                -32600,
                json(1),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":"x"}}"#,
                -32600,
                json(1),
            ),
            (r#"{"jsonrpc":"2.0","result":1}"#, -32600, Value::Null),
            (
                r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}"#,
                -32600,
                Value::Null,
            ),
            (
                r#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#,
                -32600,
                Value::Null,
            ),
            ("42", -32600, Value::Null),
        ];
        for (body, code, id) in cases {
            let answer = answer(body).unwrap_or_else(|| panic!("{body} was accepted"));
            assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
            assert_eq!(answer["id"], id, "{body}: {answer}");
            assert_eq!(answer["jsonrpc"], "2.0");
        }
        let bytes = b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}";
        assert!(matches!(check(bytes), Err(Rejected::NotJson(_))));
    }

    fn json(value: impl Into<Value>) -> Value {
        value.into()
    }
}
