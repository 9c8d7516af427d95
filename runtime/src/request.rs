//! Requests (§5): parsed once with the strict JSON parser, validated, then read without copying.
//! Limits: [`MAX_REQUEST_BYTES`] of UTF-8, [`json::MAX_VALUES`] keys and values,
//! [`json::MAX_DEPTH`] levels.

use crate::decimal::Decimal;
use crate::json::{self, JsonDoc, JsonKind, JsonRef};
use crate::path::{ClimbsAboveRoot, normalize_path};
use crate::time::Timestamp;

/// The largest request accepted, in bytes of JSON text; a larger one is `INVALID_REQUEST`.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// One request to decide. Parsing never fails: a request that breaks §5 is kept with the reason,
/// and the evaluator decides it `deny` with `INVALID_REQUEST`.
#[derive(Debug, Clone, Default)]
pub struct Request {
    doc: JsonDoc,
    fields: Fields,
    invalid: Option<&'static str>,
    /// `args.path` normalised (§6.2), when it is a string.
    path: Option<Result<(), ClimbsAboveRoot>>,
    normalized_path: String,
}

#[derive(Debug, Clone, Copy, Default)]
struct Fields {
    /// Cached `(start, end)` spans of the string fields in the document's text buffer.
    agent_span: (u32, u32),
    tool_span: (u32, u32),
    session_span: (u32, u32),
    agent: Option<u32>,
    tool: Option<u32>,
    args: Option<u32>,
    principal: Option<u32>,
    session: Option<u32>,
    phase: Option<u32>,
    /// `approval`, the id of a decision service's approval (§17).
    approval: Option<u32>,
    /// `args.path` when it is a string.
    path: Option<u32>,
    cost: Decimal,
    time: Option<Timestamp>,
}

impl Request {
    /// Parses and validates a request's JSON text.
    pub fn parse(text: &str) -> Request {
        let mut request = Request::default();
        request.parse_into(text);
        request
    }

    /// Parses into this request, reusing its buffers.
    pub fn parse_into(&mut self, text: &str) {
        self.parse_bytes_into(text.as_bytes());
    }

    /// Parses a request from bytes into this request, reusing its buffers: bytes that are not
    /// UTF-8, or more than [`MAX_REQUEST_BYTES`] of them, make it invalid.
    pub fn parse_bytes_into(&mut self, bytes: &[u8]) {
        if bytes.len() > MAX_REQUEST_BYTES {
            return self.set_too_large();
        }
        let parsed = self.doc.parse_bytes_into(bytes);
        self.read(parsed);
    }

    /// Reads the request whose JSON value starts at byte `start` of `bytes` (an element of a
    /// batch, whose `,` or `]` follows), reusing this request's buffers, and returns the
    /// offset just past the value; a value larger than [`MAX_REQUEST_BYTES`] is invalid, as
    /// in [`Request::parse_bytes_into`]. `None` when the value is not strict JSON: then this
    /// request is unspecified, and the caller must find where the value ends, and read its
    /// text with [`Request::parse_into`] to learn why it is invalid.
    pub(crate) fn parse_value_at(&mut self, input: json::Input<'_>, start: usize) -> Option<usize> {
        let end = self.doc.parse_value_at(input, start).ok()?;
        if end - json::skip_whitespace(input.bytes(), start) > MAX_REQUEST_BYTES {
            self.set_too_large();
        } else {
            self.read(Ok(()));
        }
        Some(end)
    }

    /// Reads the fields of the document just parsed (or why it is invalid).
    fn read(&mut self, parsed: Result<(), json::JsonError>) {
        self.fields = Fields::default();
        self.path = None;
        self.invalid = match parsed {
            Ok(()) => read_fields(&mut self.doc, &mut self.fields).err(),
            Err(error) => Some(match error.message {
                json::TOO_DEEP => "the request nests more than 128 levels deep",
                json::TOO_MANY_VALUES => "the request has more than 500000 keys and values",
                json::INVALID_UTF8 => "the request is not valid UTF-8",
                _ => "the request is not valid JSON",
            }),
        };
        if self.invalid.is_none()
            && let Some(path) = self.fields.path.and_then(|i| self.doc.at(i).as_str())
        {
            self.path = Some(normalize_path(path, &mut self.normalized_path));
        }
        let span = |index: Option<u32>| {
            index
                .and_then(|i| self.doc.at(i).string_span())
                .unwrap_or((0, 0))
        };
        self.fields.agent_span = span(self.fields.agent);
        self.fields.tool_span = span(self.fields.tool);
        self.fields.session_span = span(self.fields.session);
    }

    /// Makes this the request of an input larger than [`MAX_REQUEST_BYTES`], which is invalid;
    /// a reader that stopped reading such an input at the limit decides it with this.
    pub fn set_too_large(&mut self) {
        self.fields = Fields::default();
        self.path = None;
        // An empty document: `agent()`, `tool()` and friends read nothing.
        self.doc = JsonDoc::default();
        self.invalid = Some("the request is larger than 4 MiB");
    }

    /// Why the request is invalid (§5), if it is.
    pub fn invalid_reason(&self) -> Option<&'static str> {
        self.invalid
    }

    /// `agent` (empty when invalid).
    pub fn agent(&self) -> &str {
        self.doc.text_span(self.fields.agent_span)
    }

    /// `tool` (empty when invalid).
    pub fn tool(&self) -> &str {
        self.doc.text_span(self.fields.tool_span)
    }

    /// `session`, or `""` when absent.
    pub fn session(&self) -> &str {
        self.doc.text_span(self.fields.session_span)
    }

    /// `phase`, if given.
    pub fn phase(&self) -> Option<&str> {
        self.fields.phase.and_then(|i| self.doc.at(i).as_str())
    }

    /// `approval`, the id of an approval a decision service handed out (§17), if given and the
    /// request is valid: an invalid request is denied without looking at approvals.
    pub fn approval(&self) -> Option<&str> {
        if self.invalid.is_some() {
            return None;
        }
        self.fields.approval.and_then(|i| self.doc.at(i).as_str())
    }

    /// `cost` in dollars (0 when absent).
    pub fn cost(&self) -> Decimal {
        self.fields.cost
    }

    /// `time`, if given.
    pub fn time(&self) -> Option<Timestamp> {
        self.fields.time
    }

    /// `args`, if given.
    pub fn args(&self) -> Option<JsonRef<'_>> {
        self.fields.args.map(|i| self.doc.at(i))
    }

    /// `principal`, if given.
    pub fn principal(&self) -> Option<JsonRef<'_>> {
        self.fields.principal.map(|i| self.doc.at(i))
    }

    /// `args.path` normalised for `path` selectors (§6.2), when it is a string.
    pub fn normalized_path(&self) -> Option<Result<&str, ClimbsAboveRoot>> {
        self.path
            .map(|reading| reading.map(|()| self.normalized_path.as_str()))
    }
}

/// The members of a request that §5 names, found in one pass over its members (keys are
/// unique: the parser refuses duplicates).
#[derive(Default)]
struct Named<'d> {
    agent: Option<JsonRef<'d>>,
    tool: Option<JsonRef<'d>>,
    args: Option<JsonRef<'d>>,
    principal: Option<JsonRef<'d>>,
    session: Option<JsonRef<'d>>,
    phase: Option<JsonRef<'d>>,
    approval: Option<JsonRef<'d>>,
    cost: Option<JsonRef<'d>>,
    time: Option<JsonRef<'d>>,
}

impl<'d> Named<'d> {
    fn of(root: JsonRef<'d>) -> Named<'d> {
        let mut named = Named::default();
        for (key, value) in root.members() {
            let slot = match key {
                "agent" => &mut named.agent,
                "tool" => &mut named.tool,
                "args" => &mut named.args,
                "principal" => &mut named.principal,
                "session" => &mut named.session,
                "phase" => &mut named.phase,
                "approval" => &mut named.approval,
                "cost" => &mut named.cost,
                "time" => &mut named.time,
                _ => continue,
            };
            *slot = Some(value);
        }
        named
    }
}

fn read_fields(doc: &mut JsonDoc, fields: &mut Fields) -> Result<(), &'static str> {
    let root = doc
        .root()
        .filter(|r| r.is_object())
        .ok_or("the request is not a JSON object")?;
    let named = Named::of(root);
    let agent = named.agent.ok_or("the request has no `agent`")?;
    agent.as_str().ok_or("`agent` is not a string")?;
    fields.agent = Some(agent.index());
    let tool = named.tool.ok_or("the request has no `tool`")?;
    let name = tool.as_str().ok_or("`tool` is not a string")?;
    check_tool_name(name)?;
    fields.tool = Some(tool.index());
    if let Some(args) = named.args {
        fields.args = Some(object(args).ok_or("`args` is not an object")?);
    }
    // The arguments the selectors read specially, found in one pass.
    let (mut query, mut headers) = (None, None);
    for (key, value) in fields
        .args
        .map(|args| doc.at(args).members())
        .into_iter()
        .flatten()
    {
        match key {
            "query" => query = object(value),
            "headers" => headers = object(value),
            "path" => fields.path = value.as_str().map(|_| value.index()),
            _ => {}
        }
    }
    if let Some(principal) = named.principal {
        fields.principal = Some(object(principal).ok_or("`principal` is not an object")?);
    }
    if let Some(session) = named.session {
        session.as_str().ok_or("`session` is not a string")?;
        fields.session = Some(session.index());
    }
    if let Some(phase) = named.phase {
        phase.as_str().ok_or("`phase` is not a string")?;
        fields.phase = Some(phase.index());
    }
    if let Some(approval) = named.approval {
        approval.as_str().ok_or("`approval` is not a string")?;
        fields.approval = Some(approval.index());
    }
    if let Some(cost) = named.cost {
        fields.cost = match cost.kind() {
            JsonKind::Number(d) if !d.is_negative() => d,
            _ => return Err("`cost` is not a non-negative exact number"),
        };
    }
    if let Some(time) = named.time {
        let text = time.as_str().ok_or("`time` is not an RFC 3339 string")?;
        fields.time =
            Some(Timestamp::parse_rfc3339(text).ok_or("`time` is not an RFC 3339 date-time")?);
    }
    // §6.2: `query`/`header` selectors compare keys ignoring case, so two such keys are
    // ambiguous (`{"X-Debug":"off","x-debug":"on"}`).
    if query.is_some_and(|t| doc.has_keys_equal_ignoring_case(t)) {
        return Err("`args.query` has two keys equal ignoring case");
    }
    if headers.is_some_and(|t| doc.has_keys_equal_ignoring_case(t)) {
        return Err("`args.headers` has two keys equal ignoring case");
    }
    Ok(())
}

fn object(value: JsonRef<'_>) -> Option<u32> {
    value.is_object().then(|| value.index())
}

/// Whether `name` can be a request's tool (§5 and §6.2): non-empty, characters
/// `[A-Za-z0-9_./-]`, no empty, `.` or `..` segment; `Err` says why not.
pub fn check_tool_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("`tool` is empty");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
    {
        return Err("`tool` contains a character outside [A-Za-z0-9_./-]");
    }
    let mut dot_segment = false;
    for segment in name.split('/') {
        if segment.is_empty() {
            return Err("`tool` has an empty segment");
        }
        dot_segment |= segment == "." || segment == "..";
    }
    if dot_segment {
        return Err("`tool` has a `.` or `..` segment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_is_read_from_valid_requests_only() {
        let named = Request::parse(r#"{"agent":"a","tool":"t","approval":"9f0c"}"#);
        assert_eq!(named.approval(), Some("9f0c"));
        assert_eq!(
            Request::parse(r#"{"agent":"a","tool":"t"}"#).approval(),
            None
        );
        let invalid = Request::parse(r#"{"agent":"a","tool":"t","approval":"9f0c","time":"x"}"#);
        assert!(invalid.invalid_reason().is_some());
        assert_eq!(invalid.approval(), None);
    }

    #[test]
    fn validation() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"agent":"a","tool":"t/x"}"#, None),
            (r#"{"agent":"a","tool":"t","extra":[1,2]}"#, None),
            (r#"{"agent":"a","tool":"t","approval":"ab12"}"#, None),
            (
                r#"{"agent":"a","tool":"t","approval":7}"#,
                Some("`approval` is not a string"),
            ),
            (r#"[1]"#, Some("the request is not a JSON object")),
            (
                r#"{"agent":"a","tool":"t""#,
                Some("the request is not valid JSON"),
            ),
            (r#"{"tool":"t"}"#, Some("the request has no `agent`")),
            (r#"{"agent":1,"tool":"t"}"#, Some("`agent` is not a string")),
            (r#"{"agent":"a"}"#, Some("the request has no `tool`")),
            (r#"{"agent":"a","tool":""}"#, Some("`tool` is empty")),
            (
                r#"{"agent":"a","tool":"a b"}"#,
                Some("`tool` contains a character outside [A-Za-z0-9_./-]"),
            ),
            (
                r#"{"agent":"a","tool":"a//b"}"#,
                Some("`tool` has an empty segment"),
            ),
            (
                r#"{"agent":"a","tool":"./shell/exec"}"#,
                Some("`tool` has a `.` or `..` segment"),
            ),
            (
                r#"{"agent":"a","tool":"x/../shell/exec"}"#,
                Some("`tool` has a `.` or `..` segment"),
            ),
            (r#"{"agent":"a","tool":"x/.../y.z"}"#, None),
            (
                r#"{"agent":"a","tool":"t","args":{"headers":{"X-Debug":"off","x-debug":"on"}}}"#,
                Some("`args.headers` has two keys equal ignoring case"),
            ),
            (
                r#"{"agent":"a","tool":"t","args":{"query":{"Q":"a","q":"b"}}}"#,
                Some("`args.query` has two keys equal ignoring case"),
            ),
            (
                r#"{"agent":"a","tool":"t","args":{"query":{"Q":"a"},"headers":{"q":"b"},"x":{"A":1,"a":2}}}"#,
                None,
            ),
            (" \t ", Some("the request is not valid JSON")),
            (
                "{\"agent\":\"a\",\"tool\":\"t\",\"args\":{\"x\":\"\u{fffd}\"}}",
                None,
            ),
            (
                r#"{"agent":"a","tool":"t","args":[]}"#,
                Some("`args` is not an object"),
            ),
            (
                r#"{"agent":"a","tool":"t","principal":"p"}"#,
                Some("`principal` is not an object"),
            ),
            (
                r#"{"agent":"a","tool":"t","session":1}"#,
                Some("`session` is not a string"),
            ),
            (
                r#"{"agent":"a","tool":"t","phase":null}"#,
                Some("`phase` is not a string"),
            ),
            (
                r#"{"agent":"a","tool":"t","cost":-1}"#,
                Some("`cost` is not a non-negative exact number"),
            ),
            (
                r#"{"agent":"a","tool":"t","cost":"1"}"#,
                Some("`cost` is not a non-negative exact number"),
            ),
            (
                r#"{"agent":"a","tool":"t","cost":0.0000001}"#,
                Some("`cost` is not a non-negative exact number"),
            ),
            (
                r#"{"agent":"a","tool":"t","time":"yesterday"}"#,
                Some("`time` is not an RFC 3339 date-time"),
            ),
        ];
        for (text, expect) in cases {
            assert_eq!(Request::parse(text).invalid_reason(), *expect, "{text}");
        }
    }

    #[test]
    fn limits() {
        let mut request = Request::default();
        request.parse_bytes_into(b"{\"agent\":\"a\",\"tool\":\"t\",\"args\":{\"x\":\"\xff\"}}");
        assert_eq!(
            request.invalid_reason(),
            Some("the request is not valid UTF-8")
        );
        let head = r#"{"agent":"a","tool":"t"}"#;
        let at_limit = format!("{head}{}", " ".repeat(MAX_REQUEST_BYTES - head.len()));
        assert_eq!(at_limit.len(), MAX_REQUEST_BYTES);
        request.parse_into(&at_limit);
        assert_eq!(request.invalid_reason(), None);
        request.parse_into(&format!("{at_limit} "));
        assert_eq!(
            request.invalid_reason(),
            Some("the request is larger than 4 MiB")
        );
        assert_eq!((request.agent(), request.tool()), ("", ""));
        let deep = format!(
            "{{\"agent\":\"a\",\"tool\":\"t\",\"args\":{{\"x\":{}1{}}}}}",
            "[".repeat(128),
            "]".repeat(128)
        );
        request.parse_into(&deep);
        assert_eq!(
            request.invalid_reason(),
            Some("the request nests more than 128 levels deep")
        );
    }

    #[test]
    fn fields() {
        let r = Request::parse(
            r#"{"agent":"pb","tool":"stripe/charge","args":{"amount":650},"session":"s","phase":"p","cost":0.02,"time":"2026-11-23T18:00:00Z"}"#,
        );
        assert_eq!(
            (r.agent(), r.tool(), r.session(), r.phase()),
            ("pb", "stripe/charge", "s", Some("p"))
        );
        assert_eq!(r.cost().to_string(), "0.02");
        assert!(r.time().is_some() && r.args().is_some() && r.principal().is_none());
    }
}
