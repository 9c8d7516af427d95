//! A small strict JSON parser (RFC 8259) into a reusable flat arena, numbers decoded exactly.
//!
//! Nodes are stored in pre-order. A container records where its subtree ends, so the next
//! sibling of node `i` is `end(i)`. An object's members are a key node (a string) followed by
//! the value's subtree. Duplicate keys, trailing commas, comments, lone surrogates and invalid
//! UTF-8 are errors. Parsing into an existing [`JsonDoc`] reuses its buffers. Work is bounded:
//! at most [`MAX_DEPTH`] levels and [`MAX_VALUES`] keys and values, and duplicate keys are found
//! in O(n log n) per object however many members it has.

use std::cmp::Ordering;

use crate::decimal::Decimal;

/// Maximum nesting of arrays and objects.
pub const MAX_DEPTH: usize = 128;

/// Maximum number of keys and values in one document (every object key, every value).
pub const MAX_VALUES: usize = 500_000;

/// Objects with more members than this are checked for duplicate keys by sorting their keys
/// once they are complete; smaller ones by comparing each new key with the ones before it.
const SMALL_OBJECT: u32 = 8;

/// [`JsonError::message`] when the document nests deeper than [`MAX_DEPTH`].
pub const TOO_DEEP: &str = "nested too deeply";
/// [`JsonError::message`] when the document holds more than [`MAX_VALUES`] keys and values.
pub const TOO_MANY_VALUES: &str = "too many keys and values";
/// [`JsonError::message`] for bytes that are not UTF-8.
pub const INVALID_UTF8: &str = "invalid UTF-8";

/// Why a text is not strict JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {message}")]
pub struct JsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub message: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Null,
    Bool(bool),
    /// An exact number, or `None` when the text is not representable (§2); `text` is its span.
    Number {
        value: Option<Decimal>,
        start: u32,
        len: u32,
    },
    String {
        start: u32,
        len: u32,
    },
    Array {
        count: u32,
        end: u32,
    },
    Object {
        count: u32,
        end: u32,
    },
}

/// A parsed JSON document: a flat node arena plus one buffer holding every decoded string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonDoc {
    nodes: Vec<Node>,
    text: String,
    /// Key node indices of one object while its keys are compared; empty between uses.
    keys: Vec<u32>,
}

/// A borrowed view of one value inside a [`JsonDoc`].
#[derive(Clone, Copy)]
pub struct JsonRef<'a> {
    doc: &'a JsonDoc,
    index: u32,
}

/// The kind and scalar content of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum JsonKind<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An exactly representable number.
    Number(Decimal),
    /// A number that is not exact to six decimals or out of range; holds its source text.
    InexactNumber(&'a str),
    /// A string.
    String(&'a str),
    /// An array with its element count.
    Array(usize),
    /// An object with its member count.
    Object(usize),
}

impl JsonDoc {
    /// Parses `text`, replacing this document's content and reusing its buffers.
    pub fn parse_into(&mut self, text: &str) -> Result<(), JsonError> {
        self.parse_whole(Input::text(text))
    }

    /// Parses UTF-8 bytes (invalid UTF-8 is an error), replacing this document's content.
    pub fn parse_bytes_into(&mut self, bytes: &[u8]) -> Result<(), JsonError> {
        self.parse_whole(Input::new(bytes))
    }

    /// Parses `input`, which must hold one value and nothing else but whitespace.
    fn parse_whole(&mut self, input: Input<'_>) -> Result<(), JsonError> {
        let bytes = input.bytes;
        let end = skip_whitespace(bytes, self.parse_value_at(input, 0)?);
        if end != bytes.len() {
            return Err(JsonError {
                offset: end,
                message: "trailing characters",
            });
        }
        Ok(())
    }

    /// Parses the one value that starts at byte `start` of `bytes` (after any whitespace),
    /// replacing this document's content, and returns the offset just past it: what follows
    /// is the caller's (a batch reads its elements this way). Error offsets are in `bytes`.
    pub(crate) fn parse_value_at(
        &mut self,
        input: Input<'_>,
        start: usize,
    ) -> Result<usize, JsonError> {
        self.nodes.clear();
        self.text.clear();
        let mut parser = Parser {
            bytes: input.bytes,
            utf8: input.utf8,
            pos: skip_whitespace(input.bytes, start),
            doc: self,
        };
        parser.value(0)?;
        Ok(parser.pos)
    }

    /// Parses `text` into a new document.
    pub fn parse(text: &str) -> Result<JsonDoc, JsonError> {
        let mut doc = JsonDoc::default();
        doc.parse_into(text)?;
        Ok(doc)
    }

    /// The root value (`None` for an empty document, which only a failed parse leaves).
    pub fn root(&self) -> Option<JsonRef<'_>> {
        if self.nodes.is_empty() {
            None
        } else {
            Some(JsonRef {
                doc: self,
                index: 0,
            })
        }
    }

    /// The value at a node index obtained from [`JsonRef::index`].
    pub(crate) fn at(&self, index: u32) -> JsonRef<'_> {
        JsonRef { doc: self, index }
    }

    /// The text of a `(start, end)` span from [`JsonRef::string_span`] (empty if out of range).
    pub(crate) fn text_span(&self, (start, end): (u32, u32)) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    fn end(&self, index: u32) -> u32 {
        match self.nodes.get(index as usize) {
            Some(Node::Array { end, .. } | Node::Object { end, .. }) => *end,
            _ => index + 1,
        }
    }

    fn str_at(&self, start: u32, len: u32) -> &str {
        self.text
            .get(start as usize..(start + len) as usize)
            .unwrap_or("")
    }

    /// The text of the key node at `index`.
    fn key_at(&self, index: u32) -> &str {
        match self.nodes.get(index as usize) {
            Some(Node::String { start, len }) => self.str_at(*start, *len),
            _ => "",
        }
    }

    /// Whether two members of the object at `at` have the same key, compared exactly or
    /// ignoring ASCII case. Sorts the keys: O(n log n) comparisons, no allocation once warm.
    fn has_duplicate_keys(&mut self, at: u32, ignore_case: bool) -> bool {
        let count = match self.nodes.get(at as usize) {
            Some(Node::Object { count, .. }) => *count,
            _ => return false,
        };
        let mut keys = std::mem::take(&mut self.keys);
        let mut next = at + 1;
        for _ in 0..count {
            keys.push(next);
            next = self.end(next + 1);
        }
        let compare = |a: &str, b: &str| {
            if ignore_case {
                a.bytes()
                    .map(|c| c.to_ascii_lowercase())
                    .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
            } else {
                a.cmp(b)
            }
        };
        keys.sort_unstable_by(|&a, &b| compare(self.key_at(a), self.key_at(b)));
        let duplicate = keys
            .windows(2)
            .any(|pair| compare(self.key_at(pair[0]), self.key_at(pair[1])) == Ordering::Equal);
        keys.clear();
        self.keys = keys;
        duplicate
    }
}

impl<'a> JsonRef<'a> {
    /// This value's node index, for [`JsonDoc::at`].
    pub(crate) fn index(self) -> u32 {
        self.index
    }

    /// What this value is.
    pub fn kind(self) -> JsonKind<'a> {
        match self.doc.nodes.get(self.index as usize) {
            None | Some(Node::Null) => JsonKind::Null,
            Some(Node::Bool(b)) => JsonKind::Bool(*b),
            Some(Node::Number { value: Some(d), .. }) => JsonKind::Number(*d),
            Some(Node::Number {
                value: None,
                start,
                len,
            }) => JsonKind::InexactNumber(self.doc.str_at(*start, *len)),
            Some(Node::String { start, len }) => JsonKind::String(self.doc.str_at(*start, *len)),
            Some(Node::Array { count, .. }) => JsonKind::Array(*count as usize),
            Some(Node::Object { count, .. }) => JsonKind::Object(*count as usize),
        }
    }

    /// The `(start, end)` span of a string's content in the document's text buffer.
    pub(crate) fn string_span(self) -> Option<(u32, u32)> {
        match self.doc.nodes.get(self.index as usize) {
            Some(Node::String { start, len }) => Some((*start, start + len)),
            _ => None,
        }
    }

    /// The string content, if this is a string.
    pub fn as_str(self) -> Option<&'a str> {
        match self.kind() {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// True for an object.
    pub fn is_object(self) -> bool {
        matches!(self.kind(), JsonKind::Object(_))
    }

    /// The source text of a number (exact or not), if this is a number.
    pub fn number_text(self) -> Option<&'a str> {
        match self.doc.nodes.get(self.index as usize) {
            Some(Node::Number { start, len, .. }) => Some(self.doc.str_at(*start, *len)),
            _ => None,
        }
    }

    /// The elements of an array (empty for anything else).
    pub fn elements(self) -> Children<'a> {
        match self.doc.nodes.get(self.index as usize) {
            Some(Node::Array { count, .. }) => Children {
                doc: self.doc,
                next: self.index + 1,
                left: *count,
            },
            _ => Children {
                doc: self.doc,
                next: 0,
                left: 0,
            },
        }
    }

    /// The members of an object in document order (empty for anything else).
    pub fn members(self) -> Members<'a> {
        match self.doc.nodes.get(self.index as usize) {
            Some(Node::Object { count, .. }) => Members {
                doc: self.doc,
                next: self.index + 1,
                left: *count,
            },
            _ => Members {
                doc: self.doc,
                next: 0,
                left: 0,
            },
        }
    }

    /// The member named `key` of an object.
    pub fn get(self, key: &str) -> Option<JsonRef<'a>> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The member whose name equals `key` ignoring ASCII case (first in document order).
    pub fn get_ignore_ascii_case(self, key: &str) -> Option<JsonRef<'a>> {
        self.members()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

impl JsonDoc {
    /// Whether the object at `value` has two keys equal ignoring ASCII case (`X-Debug` and
    /// `x-debug`); false for anything but an object.
    pub(crate) fn has_keys_equal_ignoring_case(&mut self, value: u32) -> bool {
        self.has_duplicate_keys(value, true)
    }
}

impl std::fmt::Debug for JsonRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JsonRef({:?})", self.kind())
    }
}

/// Iterator over the elements of an array.
pub struct Children<'a> {
    doc: &'a JsonDoc,
    next: u32,
    left: u32,
}

impl<'a> Iterator for Children<'a> {
    type Item = JsonRef<'a>;
    fn next(&mut self) -> Option<JsonRef<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = JsonRef {
            doc: self.doc,
            index: self.next,
        };
        self.next = self.doc.end(self.next);
        Some(item)
    }
}

/// Iterator over the `(key, value)` members of an object.
pub struct Members<'a> {
    doc: &'a JsonDoc,
    next: u32,
    left: u32,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, JsonRef<'a>);
    fn next(&mut self) -> Option<(&'a str, JsonRef<'a>)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.doc.key_at(self.next);
        let value = JsonRef {
            doc: self.doc,
            index: self.next + 1,
        };
        self.next = self.doc.end(self.next + 1);
        Some((key, value))
    }
}

/// The offset of the first byte at or after `pos` that ends a run of plain string content: a
/// quote, a backslash or a control character (below U+0020), or `bytes.len()`. Reading and
/// writing JSON strings both copy such runs whole; eight bytes are checked at a time.
pub(crate) fn plain_run_end(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Some byte of `word` is below `n` (`n` ≤ 128): exact for the word as a whole.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH != 0;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_ne_bytes(chunk);
        if below(word, 0x20)
            || below(word ^ (ONES * u64::from(b'"')), 1)
            || below(word ^ (ONES * u64::from(b'\\')), 1)
        {
            break;
        }
        pos += 8;
    }
    while let Some(&byte) = bytes.get(pos) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

/// The offset of the first byte at or after `pos` that is not JSON whitespace (RFC 8259: space,
/// tab, line feed, carriage return), or `bytes.len()`.
pub(crate) fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// The bytes a parse reads, checked for UTF-8 once as a whole: a batch's elements are parsed
/// from one body, and checking the body once is cheaper than checking each string's runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input<'t> {
    bytes: &'t [u8],
    /// The bytes as text, when all of them are UTF-8.
    utf8: Option<&'t str>,
}

impl<'t> Input<'t> {
    /// `bytes`, checked for UTF-8.
    pub(crate) fn new(bytes: &'t [u8]) -> Input<'t> {
        Input {
            bytes,
            utf8: std::str::from_utf8(bytes).ok(),
        }
    }

    /// `text`, which is UTF-8.
    fn text(text: &'t str) -> Input<'t> {
        Input {
            bytes: text.as_bytes(),
            utf8: Some(text),
        }
    }

    /// The bytes.
    pub(crate) fn bytes(self) -> &'t [u8] {
        self.bytes
    }
}

struct Parser<'t, 'd> {
    bytes: &'t [u8],
    /// `bytes` as text, when they are all UTF-8: runs are then sliced, not checked again.
    utf8: Option<&'t str>,
    pos: usize,
    doc: &'d mut JsonDoc,
}

impl Parser<'_, '_> {
    fn err(&self, message: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            message,
        }
    }

    fn skip_ws(&mut self) {
        self.pos = skip_whitespace(self.bytes, self.pos);
    }

    fn index(&self) -> Result<u32, JsonError> {
        u32::try_from(self.doc.nodes.len()).map_err(|_| self.err("document too large"))
    }

    /// Adds a node, refusing more than [`MAX_VALUES`].
    fn push(&mut self, node: Node) -> Result<(), JsonError> {
        if self.doc.nodes.len() >= MAX_VALUES {
            return Err(self.err(TOO_MANY_VALUES));
        }
        self.doc.nodes.push(node);
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        match self.bytes.get(self.pos) {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let (start, len) = self.string()?;
                self.push(Node::String { start, len })
            }
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a value")),
        }
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Result<(), JsonError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.push(node)
        } else {
            Err(self.err("expected a value"))
        }
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        let b = self.bytes;
        let mut p = self.pos;
        if b.get(p) == Some(&b'-') {
            p += 1;
        }
        match b.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                while b.get(p).is_some_and(u8::is_ascii_digit) {
                    p += 1;
                }
            }
            _ => {
                self.pos = p;
                return Err(self.err("invalid number"));
            }
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            if !b.get(p).is_some_and(u8::is_ascii_digit) {
                self.pos = p;
                return Err(self.err("invalid number"));
            }
            while b.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
        if let Some(b'e' | b'E') = b.get(p) {
            p += 1;
            if let Some(b'+' | b'-') = b.get(p) {
                p += 1;
            }
            if !b.get(p).is_some_and(u8::is_ascii_digit) {
                self.pos = p;
                return Err(self.err("invalid number"));
            }
            while b.get(p).is_some_and(u8::is_ascii_digit) {
                p += 1;
            }
        }
        self.pos = p;
        // The span is ASCII digits and signs, so it is valid UTF-8.
        let text = std::str::from_utf8(&b[start..p]).map_err(|_| self.err("invalid number"))?;
        let value = Decimal::parse(text).ok();
        let text_start =
            u32::try_from(self.doc.text.len()).map_err(|_| self.err("document too large"))?;
        self.doc.text.push_str(text);
        self.push(Node::Number {
            value,
            start: text_start,
            len: (p - start) as u32,
        })
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let slice = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("truncated \\u escape"))?;
        let mut value = 0u32;
        for &c in slice {
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err("invalid \\u escape"))?;
            value = value * 16 + d;
        }
        self.pos += 4;
        Ok(value)
    }

    /// Decodes a string at `pos` (on the opening quote) into the text buffer.
    fn string(&mut self) -> Result<(u32, u32), JsonError> {
        self.pos += 1;
        let start =
            u32::try_from(self.doc.text.len()).map_err(|_| self.err("document too large"))?;
        loop {
            let run_start = self.pos;
            self.pos = plain_run_end(self.bytes, self.pos);
            // A run starts after a quote or an escape and ends before an ASCII byte, so on
            // char boundaries: slicing checked text never fails.
            let run = match self.utf8.and_then(|text| text.get(run_start..self.pos)) {
                Some(run) => run,
                None => std::str::from_utf8(&self.bytes[run_start..self.pos]).map_err(|error| {
                    JsonError {
                        offset: run_start + error.valid_up_to(),
                        message: INVALID_UTF8,
                    }
                })?,
            };
            self.doc.text.push_str(run);
            match self.bytes.get(self.pos) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.bytes.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("lone surrogate"));
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.err("lone surrogate"));
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            let c =
                                char::from_u32(code).ok_or_else(|| self.err("lone surrogate"))?;
                            self.doc.text.push(c);
                            continue;
                        }
                        _ => return Err(self.err("invalid escape")),
                    };
                    self.pos += 1;
                    self.doc.text.push(escaped);
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
        let len =
            u32::try_from(self.doc.text.len()).map_err(|_| self.err("document too large"))? - start;
        Ok((start, len))
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        self.container(
            depth,
            b']',
            "expected `,` or `]`",
            |parser, _, _| parser.value(depth),
            |count, end| Node::Array { count, end },
        )
        .map(|_| ())
    }

    fn object(&mut self, depth: usize) -> Result<(), JsonError> {
        let open = self.pos;
        let (at, count) = self.container(
            depth,
            b'}',
            "expected `,` or `}`",
            |parser, at, count| parser.member(at, count, depth),
            |count, end| Node::Object { count, end },
        )?;
        if count > SMALL_OBJECT && self.doc.has_duplicate_keys(at, false) {
            return Err(JsonError {
                offset: open,
                message: "duplicate member name in this object",
            });
        }
        Ok(())
    }

    /// Parses an array or object from its opening bracket through `close`: elements parsed by
    /// `element` (given the container's node and how many elements came before it), separated
    /// by commas; `node` makes the container's node from its element count and end. Returns
    /// the container's node index and element count.
    fn container(
        &mut self,
        depth: usize,
        close: u8,
        unexpected: &'static str,
        mut element: impl FnMut(&mut Self, u32, u32) -> Result<(), JsonError>,
        node: fn(u32, u32) -> Node,
    ) -> Result<(u32, u32), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err(TOO_DEEP));
        }
        let at = self.index()?;
        self.push(node(0, 0))?;
        self.pos += 1;
        self.skip_ws();
        let mut count = 0u32;
        if self.bytes.get(self.pos) == Some(&close) {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                element(self, at, count)?;
                count += 1;
                self.skip_ws();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(&byte) if byte == close => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.err(unexpected)),
                }
            }
        }
        let end = self.index()?;
        self.doc.nodes[at as usize] = node(count, end);
        Ok((at, count))
    }

    /// One `"name": value` member of the object at `at`, after `count` members.
    fn member(&mut self, at: u32, count: u32, depth: usize) -> Result<(), JsonError> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(self.err("expected a member name"));
        }
        let key_pos = self.pos;
        let (start, len) = self.string()?;
        // Larger objects are checked once complete (`object`).
        if count < SMALL_OBJECT && self.has_member(at, count, start, len) {
            self.pos = key_pos;
            return Err(self.err("duplicate member name"));
        }
        self.push(Node::String { start, len })?;
        self.skip_ws();
        if self.bytes.get(self.pos) != Some(&b':') {
            return Err(self.err("expected `:`"));
        }
        self.pos += 1;
        self.skip_ws();
        self.value(depth)
    }

    /// Whether the object at `at` (with `count` members parsed so far) already has this key.
    fn has_member(&self, at: u32, count: u32, start: u32, len: u32) -> bool {
        let key = self.doc.str_at(start, len);
        let mut next = at + 1;
        for _ in 0..count {
            if let Some(Node::String { start: s, len: l }) = self.doc.nodes.get(next as usize)
                && self.doc.str_at(*s, *l) == key
            {
                return true;
            }
            next = self.doc.end(next + 1);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        let ok = [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"x\u00e9\ud83d\ude00"}}"#,
            " [ ] ",
            "-0.5e2",
            r#""\"\\\/\b\f\n\r\t""#,
        ];
        for text in ok {
            assert!(JsonDoc::parse(text).is_ok(), "{text}");
        }
        let bad = [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".1",
            "+1",
            "tru",
            "nul",
            "\"\\x\"",
            "\"a\nb\"",
            "{\"a\":1,\"a\":2}",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "[1] 2",
            "{a:1}",
            "// c\n1",
            "NaN",
        ];
        for text in bad {
            assert!(JsonDoc::parse(text).is_err(), "{text}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(JsonDoc::parse(&deep).map_err(|e| e.message), Err(TOO_DEEP));
        let ok_deep = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(JsonDoc::parse(&ok_deep).is_ok());
        let many = format!("[{}0]", "0,".repeat(MAX_VALUES - 1));
        assert_eq!(
            JsonDoc::parse(&many).map_err(|e| e.message),
            Err(TOO_MANY_VALUES)
        );
        let most = format!("[{}0]", "0,".repeat(MAX_VALUES - 2));
        assert!(JsonDoc::parse(&most).is_ok());
        let mut doc = JsonDoc::default();
        assert_eq!(
            doc.parse_bytes_into(b"[\"a\xff\"]")
                .map_err(|e| (e.offset, e.message)),
            Err((3, INVALID_UTF8))
        );
    }

    /// An object of `count` members `"k0"`… with `duplicate` (if any) appended.
    fn object(count: usize, duplicate: Option<usize>) -> String {
        let mut text = String::from("{");
        for i in 0..count {
            text.push_str(&format!("\"k{i}\":{i},"));
        }
        if let Some(i) = duplicate {
            text.push_str(&format!("\"k{i}\":0,"));
        }
        text.pop();
        text.push('}');
        text
    }

    #[test]
    fn duplicate_keys_in_objects_of_every_size() {
        for count in [1, 2, 7, 8, 9, 10, 100, 20_000] {
            assert!(JsonDoc::parse(&object(count, None)).is_ok(), "{count}");
            for duplicate in [0, count / 2, count - 1] {
                let text = object(count, Some(duplicate));
                let error = JsonDoc::parse(&text).expect_err("duplicate");
                assert!(
                    error.message.starts_with("duplicate member name"),
                    "{count}"
                );
            }
        }
        // Nested objects are checked on their own; the same key in two objects is fine.
        let nested = format!("{{\"a\":{},\"b\":{}}}", object(50, None), object(50, None));
        assert!(JsonDoc::parse(&nested).is_ok());
        let inner = format!("{{\"a\":{}}}", object(50, Some(3)));
        assert!(JsonDoc::parse(&inner).is_err());
    }

    #[test]
    fn text_checked_once_reads_as_text_checked_per_run() {
        let texts = [
            r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":120}}"#,
            r#"{"k\u00e9y":"café 😀\n\"q\"","é":["😀","\ud83d\ude00x"]}"#,
            "\"\u{10ffff}\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\"",
            r#"["","\t","a\u0000b"]"#,
        ];
        for text in texts {
            let bytes = text.as_bytes();
            let mut checked_once = JsonDoc::default();
            let mut checked_per_run = JsonDoc::default();
            let unchecked = Input { bytes, utf8: None };
            assert_eq!(
                checked_once.parse_value_at(Input::new(bytes), 0),
                checked_per_run.parse_value_at(unchecked, 0),
                "{text}"
            );
            assert!(checked_once.root().is_some(), "{text}");
            assert_eq!(checked_once, checked_per_run, "{text}");
        }
    }

    #[test]
    fn plain_runs_end_where_a_byte_by_byte_scan_ends_them() {
        let by_bytes = |bytes: &[u8], from: usize| {
            (from..bytes.len())
                .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0x00..=0x1f))
                .unwrap_or(bytes.len())
        };
        for len in 0..20 {
            for fill in [b'a', 0xe9, 0x7f] {
                for byte in [
                    b'"', b'\\', 0x00, 0x1f, b'\n', 0x20, b'!', b'#', b']', 0x7f, 0x80, 0xff,
                ] {
                    for at in 0..len {
                        let mut bytes = vec![fill; len];
                        bytes[at] = byte;
                        for from in 0..=len {
                            assert_eq!(
                                plain_run_end(&bytes, from),
                                by_bytes(&bytes, from),
                                "{bytes:?} from {from}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn keys_equal_ignoring_case() {
        let mut doc = JsonDoc::default();
        for (text, expect) in [
            (r#"{"X-Debug":"off","x-debug":"on"}"#, true),
            (r#"{"X-Debug":"off","x-debugger":"on"}"#, false),
            (
                r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"A":0}"#,
                true,
            ),
            (r#"{"a":1}"#, false),
            ("[1,1]", false),
        ] {
            doc.parse_into(text).expect("valid JSON");
            assert_eq!(doc.has_keys_equal_ignoring_case(0), expect, "{text}");
        }
    }

    #[test]
    fn navigates() {
        let doc = JsonDoc::parse(r#"{"a":[1,{"x":2}],"b":"s","n":1e3,"big":0.1234567}"#)
            .unwrap_or_default();
        let root = doc.root().expect("a root");
        let a = root.get("a").map(|a| a.elements().count());
        assert_eq!(a, Some(2));
        assert_eq!(root.get("b").and_then(JsonRef::as_str), Some("s"));
        assert_eq!(
            root.get("n").map(JsonRef::kind),
            Some(JsonKind::Number(Decimal::from_int(1000)))
        );
        assert_eq!(
            root.get("big").map(JsonRef::kind),
            Some(JsonKind::InexactNumber("0.1234567"))
        );
        assert_eq!(
            root.get_ignore_ascii_case("B").and_then(JsonRef::as_str),
            Some("s")
        );
        let keys: Vec<&str> = root.members().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "n", "big"]);
    }
}
