//! Canonical JSON (RFC 8785): sorted keys (by UTF-16 code units), no whitespace, minimal escapes,
//! numbers in their shortest exact decimal form.

use std::fmt::Write as _;

use crate::json::{JsonKind, JsonRef, plain_run_end};

/// Appends `text` as a JSON string literal with RFC 8785 escaping.
pub fn write_string(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    write_escaped(out, text);
    out.push('"');
}

/// Appends a value's `Display` text as a JSON string literal, escaped as [`write_string`] does,
/// without building the text first.
pub fn write_display(out: &mut String, value: impl std::fmt::Display) {
    /// Escapes each piece of text `Display` writes.
    struct Escaping<'a>(&'a mut String);
    impl std::fmt::Write for Escaping<'_> {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            write_escaped(self.0, text);
            Ok(())
        }
    }
    out.push('"');
    let _ = write!(Escaping(out), "{value}");
    out.push('"');
}

/// Appends `n` in decimal (a JSON number), without `core::fmt`.
pub(crate) fn write_u32(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let digits = &mut digits[..decimal_width(n)];
    fill_decimal(digits, n);
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(digits).unwrap_or_default());
}

/// How many decimal digits `n` has.
pub(crate) fn decimal_width(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// Fills `slots` with the last `slots.len()` decimal digits of `n`, zero-padded, as ASCII.
pub(crate) fn fill_decimal(slots: &mut [u8], mut n: u32) {
    for slot in slots.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Appends `text` escaped for the inside of a JSON string literal. Runs of characters that need
/// no escape are copied whole: every escaped character is ASCII, so runs end on char boundaries.
pub(crate) fn write_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut run = 0;
    loop {
        let end = plain_run_end(bytes, run);
        out.push_str(&text[run..end]);
        let Some(&byte) = bytes.get(end) else {
            return;
        };
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                let _ = write!(out, "\\u{byte:04x}");
            }
        }
        run = end + 1;
    }
}

/// Orders member names as RFC 8785 does: by their UTF-16 code units.
pub fn compare_keys(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The canonical text of a `serde_json` value. Non-integer floats never occur in our data
/// (decimals are strings); if one does, it is printed by `serde_json`.
pub fn to_canonical_string(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_serde(&mut out, value);
    out
}

/// Appends the canonical text of a `serde_json` value.
pub fn write_serde(out: &mut String, value: &serde_json::Value) {
    match value {
        serde_json::Value::Null => out.push_str("null"),
        serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        serde_json::Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        serde_json::Value::String(s) => write_string(out, s),
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_serde(out, item);
            }
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            let mut members: Vec<(&String, &serde_json::Value)> = map.iter().collect();
            members.sort_by(|a, b| compare_keys(a.0, b.0));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_serde(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends the canonical text of a request value. `replace(path)` may substitute the value at
/// an object-member path (used for redaction); `path` holds the member names from `value`.
pub fn write_json<'a>(
    out: &mut String,
    value: JsonRef<'a>,
    path: &mut Vec<&'a str>,
    replace: &dyn Fn(&[&str]) -> Option<&'static str>,
) {
    match value.kind() {
        JsonKind::Null => out.push_str("null"),
        JsonKind::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        JsonKind::Number(d) => {
            let _ = write!(out, "{d}");
        }
        JsonKind::InexactNumber(text) => out.push_str(text),
        JsonKind::String(s) => write_string(out, s),
        JsonKind::Array(_) => {
            out.push('[');
            for (i, item) in value.elements().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item, path, replace);
            }
            out.push(']');
        }
        JsonKind::Object(_) => {
            let mut members: Vec<(&'a str, JsonRef<'a>)> = value.members().collect();
            members.sort_by(|a, b| compare_keys(a.0, b.0));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                path.push(key);
                match replace(path) {
                    Some(text) => write_string(out, text),
                    None => write_json(out, item, path, replace),
                }
                path.pop();
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonDoc;

    #[test]
    fn canonical_forms() {
        let doc = JsonDoc::parse(r#"{ "b": [1e3, 0.50, "\u00e9\u0001"], "a": {"\ud83d\ude00": 1, "\uffff": 2}, "c": null }"#)
            .expect("valid");
        let mut out = String::new();
        write_json(
            &mut out,
            doc.root().expect("root"),
            &mut Vec::new(),
            &|_| None,
        );
        // U+1F600 is D83D DE00 in UTF-16 and sorts before U+FFFF.
        assert_eq!(
            out,
            "{\"a\":{\"\u{1f600}\":1,\"\u{ffff}\":2},\"b\":[1000,0.5,\"\u{e9}\\u0001\"],\"c\":null}"
        );
        let value: serde_json::Value =
            serde_json::from_str(r#"{"z":1,"a":[true,"x\n"]}"#).expect("valid");
        assert_eq!(to_canonical_string(&value), r#"{"a":[true,"x\n"],"z":1}"#);
    }

    proptest::proptest! {
        /// RFC 8785 escapes exactly what `serde_json` escapes, the same way.
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "(?s).{0,40}|[\\x00-\\x7f]{0,40}") {
            let mut out = String::new();
            write_string(&mut out, &text);
            proptest::prop_assert_eq!(out, serde_json::to_string(&text).expect("a string"));
        }
    }
}
