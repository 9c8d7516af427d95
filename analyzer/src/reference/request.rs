//! Requests (SPEC §5): parsing and validation; anything invalid is `INVALID_REQUEST`.

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
    /// Declared cost in millionths of a dollar.
    pub cost: i128,
    /// Decision time in millionths of a second since the Unix epoch.
    pub time: i128,
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
        None => 0,
        Some(serde_json::Value::Number(number)) => {
            super::value::exact_number(&number.to_string()).filter(|cost| *cost >= 0)?
        }
        Some(_) => return None,
    };
    let time = match text("time")? {
        None => i128::from(now) * 1_000_000,
        Some(stamp) => rfc3339_millionths(&stamp)?,
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

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` as millionths of a second since the epoch.
fn rfc3339_millionths(stamp: &str) -> Option<i128> {
    let bytes = stamp.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = stamp.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &stamp[19..];
    let mut micros: i128 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept = &fraction[..digits.min(6)];
        micros = kept.parse::<i128>().ok()? * 10i128.pow(6 - kept.len() as u32);
        rest = &fraction[digits..];
    }
    let offset_seconds: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day < 1
        || day > month_days[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let seconds = crate::calendar::days_from_civil(year, month, day) * 86_400
        + hour * 3600
        + minute * 60
        + second
        - offset_seconds;
    Some(i128::from(seconds) * 1_000_000 + micros)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
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
