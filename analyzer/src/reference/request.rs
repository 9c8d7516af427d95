//! Requests (SPEC §5): parsing and validation; anything invalid is `INVALID_REQUEST`.

use fpl_runtime::{Decimal, Timestamp};

use super::value::Value;

/// A validated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The agent's name.
    pub agent: String,
    /// The tool name.
    pub tool: String,
    /// `args` (an object, or null when absent).
    pub args: Value,
    /// `principal` (an object, or null when absent).
    pub principal: Value,
    /// The session key (`""` when absent).
    pub session: String,
    /// The phase, if any.
    pub phase: Option<String>,
    /// Declared cost in dollars.
    pub cost: Decimal,
    /// Decision time.
    pub time: Timestamp,
}

/// Parses and validates a request; `None` means `INVALID_REQUEST`. `now` is Unix seconds.
pub fn parse_request(json: &str, now: i64) -> Option<Request> {
    let parsed: serde_json::Value = serde_json::from_str(json).ok()?;
    let object = parsed.as_object()?;
    let text = |key: &str| -> Option<Option<String>> {
        match object.get(key) {
            None => Some(None),
            Some(serde_json::Value::String(text)) => Some(Some(text.clone())),
            Some(_) => None,
        }
    };
    let agent = text("agent")??;
    let tool = text("tool")??;
    if !valid_tool(&tool) {
        return None;
    }
    // `query`/`header` selectors compare keys ignoring case: two such keys are ambiguous.
    let args_object = object.get("args").and_then(serde_json::Value::as_object);
    for table in ["query", "headers"] {
        if let Some(map) = args_object
            .and_then(|args| args.get(table))
            .and_then(serde_json::Value::as_object)
        {
            let mut lowered: Vec<String> = map.keys().map(|key| key.to_ascii_lowercase()).collect();
            lowered.sort();
            lowered.dedup();
            if lowered.len() != map.len() {
                return None;
            }
        }
    }
    let object_or_null = |key: &str| match object.get(key) {
        None => Some(Value::Null),
        Some(value @ serde_json::Value::Object(_)) => Some(Value::from_json(value)),
        Some(_) => None,
    };
    let cost = match object.get("cost") {
        None => Decimal::ZERO,
        Some(serde_json::Value::Number(number)) => Decimal::parse(&number.to_string())
            .ok()
            .filter(|cost| !cost.is_negative())?,
        Some(_) => return None,
    };
    let time = match text("time")? {
        None => Timestamp::from_unix_seconds(now),
        Some(stamp) => Timestamp::parse_rfc3339(&stamp)?,
    };
    Some(Request {
        agent,
        tool,
        args: object_or_null("args")?,
        principal: object_or_null("principal")?,
        session: text("session")?.unwrap_or_default(),
        phase: text("phase")?,
        cost,
        time,
    })
}

/// A tool name: non-empty, `[A-Za-z0-9_./-]`, no empty, `.` or `..` segment.
fn valid_tool(tool: &str) -> bool {
    !tool.is_empty()
        && tool
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
        && tool
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let rfc3339_millionths = |stamp: &str| {
            let json = format!(r#"{{"agent":"a","tool":"x","time":"{stamp}"}}"#);
            parse_request(&json, 0).map(|request| i128::from(request.time.unix_micros()))
        };
        assert_eq!(rfc3339_millionths("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_millionths("2026-11-23T18:00:00Z"),
            Some(1_795_456_800 * 1_000_000)
        );
        assert_eq!(rfc3339_millionths("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(rfc3339_millionths("1970-01-01T00:00:00.5Z"), Some(500_000));
        assert_eq!(rfc3339_millionths("2026-02-30T00:00:00Z"), None);
        assert_eq!(rfc3339_millionths("yesterday"), None);
    }

    #[test]
    fn invalid_requests() {
        let now = 0;
        assert!(parse_request(r#"{"agent":"a","tool":"x/y"}"#, now).is_some());
        for bad in [
            "[]",
            r#"{"tool":"x"}"#,
            r#"{"agent":"a","tool":""}"#,
            r#"{"agent":"a","tool":"x//y"}"#,
            r#"{"agent":"a","tool":"./x"}"#,
            r#"{"agent":"a","tool":"x/../y"}"#,
            r#"{"agent":"a","tool":"x","args":{"headers":{"A":"1","a":"2"}}}"#,
            r#"{"agent":"a","tool":"x y"}"#,
            r#"{"agent":"a","tool":"x","args":[]}"#,
            r#"{"agent":"a","tool":"x","session":1}"#,
            r#"{"agent":"a","tool":"x","cost":-1}"#,
            r#"{"agent":"a","tool":"x","time":"noon"}"#,
        ] {
            assert!(parse_request(bad, now).is_none(), "{bad}");
        }
    }
}
