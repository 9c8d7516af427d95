//! The LSP base protocol's framing of an untrusted byte stream, without I/O: header sections,
//! bodies, and resynchronisation after anything malformed.
//!
//! A message is a header section of `Name: value` lines (CRLF, or LF, ends each) closed by an
//! empty line, then exactly `Content-Length` bytes of body. `Content-Length` must appear once,
//! as decimal digits; a `Content-Type` may only name the UTF-8 charset; other headers are
//! ignored. A header section is at most [`MAX_HEADER`] bytes and 16 lines.
//!
//! After a malformed header section, or a body the caller found not to be JSON
//! ([`Framer::reject`]), the framer is *out of sync*: it drops bytes until the next
//! well-formed `Content-Length` line (ASCII case ignored) and reads on from there. Only the first problem after a
//! good message is reported, so one bad message costs one error, not one per line of its body.
//! A message longer than the limit given to [`Framer::new`] is skipped as its bytes arrive,
//! never buffered.
//!
//! Memory: after [`Framer::next_event`] has returned `None`, fewer than
//! `max(limit, MAX_HEADER)` bytes are held.

/// Longest header section accepted.
pub const MAX_HEADER: usize = 8 * 1024;

/// Most lines in a header section (LSP defines two headers).
const MAX_HEADER_LINES: usize = 16;

/// Most digits a `Content-Length` may have (every `u64` fits).
const MAX_LENGTH_DIGITS: usize = 20;

/// The header the framer resynchronises on, compared ignoring ASCII case.
const CONTENT_LENGTH: &[u8] = b"content-length";

/// Why bytes were dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// Bytes where a header section should start.
    #[error("bytes outside any message (expected a `Content-Length` header)")]
    Garbage,
    /// A header line that is not `Name: value`.
    #[error("malformed header line")]
    BadHeaderLine,
    /// A header section without `Content-Length`.
    #[error("missing `Content-Length` header")]
    MissingLength,
    /// A `Content-Length` that is not a decimal number of bytes.
    #[error("`Content-Length` is not a decimal number of bytes: `{0}`")]
    BadLength(String),
    /// `Content-Length` given twice.
    #[error("duplicate `Content-Length` header")]
    DuplicateLength,
    /// A `Content-Type` with a charset other than UTF-8.
    #[error("unsupported charset in `Content-Type`: `{0}` (only utf-8)")]
    BadCharset(String),
    /// A header section over [`MAX_HEADER`] bytes.
    #[error("header section longer than {MAX_HEADER} bytes")]
    HeaderTooLong,
    /// A header section of more than `MAX_HEADER_LINES` lines.
    #[error("header section of more than {MAX_HEADER_LINES} lines")]
    TooManyHeaderLines,
    /// A message over the limit; its bytes are skipped.
    #[error("message of {length} bytes is over the limit of {limit} bytes and was skipped")]
    TooLarge {
        /// Its `Content-Length`.
        length: u64,
        /// The limit.
        limit: usize,
    },
}

/// What the framer found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The body of a well-framed message.
    Message(Vec<u8>),
    /// Bytes were dropped (or are being skipped) for this reason.
    Malformed(Malformed),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Body(usize),
    Skip(u64),
}

/// Splits a byte stream into messages; see the module documentation.
#[derive(Debug)]
pub struct Framer {
    buffer: Vec<u8>,
    /// Bytes of `buffer` before this are consumed.
    start: usize,
    state: State,
    limit: usize,
    /// Whether everything so far was well framed: problems are reported only then.
    in_sync: bool,
    /// Whether the body being read (or last returned) started while in sync.
    body_in_sync: bool,
}

impl Framer {
    /// A framer that skips messages longer than `limit` bytes.
    pub fn new(limit: usize) -> Framer {
        Framer {
            buffer: Vec::new(),
            start: 0,
            state: State::Header,
            limit,
            in_sync: true,
            body_in_sync: true,
        }
    }

    /// Adds bytes read from the stream. Bytes of a message being skipped are dropped here.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if let State::Skip(remaining) = self.state
            && self.buffered() == 0
        {
            let dropped = remaining.min(bytes.len() as u64);
            bytes = &bytes[dropped as usize..];
            self.state = match remaining - dropped {
                0 => State::Header,
                left => State::Skip(left),
            };
        }
        if self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        } else if self.start > 0 && self.start >= self.buffer.len() / 2 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// How many bytes are held.
    pub fn buffered(&self) -> usize {
        self.buffer.len() - self.start
    }

    /// The next message or problem, or `None` until more bytes are pushed.
    pub fn next_event(&mut self) -> Option<Event> {
        loop {
            match self.state {
                State::Skip(remaining) => {
                    let dropped = remaining.min(self.buffered() as u64);
                    self.start += dropped as usize;
                    if dropped < remaining {
                        self.state = State::Skip(remaining - dropped);
                        return None;
                    }
                    self.state = State::Header;
                }
                State::Body(length) => {
                    if self.buffered() < length {
                        return None;
                    }
                    let body = self.buffer[self.start..self.start + length].to_vec();
                    self.start += length;
                    self.state = State::Header;
                    self.in_sync = true;
                    return Some(Event::Message(body));
                }
                State::Header => match self.header()? {
                    Some(event) => return Some(event),
                    None => continue,
                },
            }
        }
    }

    /// Takes back the body just returned, which the caller found not to be JSON: the framer
    /// goes out of sync and, should a `Content-Length` stand inside the body (its length was too
    /// large and swallowed the next message), reads on from there. Returns whether to report it.
    pub fn reject(&mut self, body: &[u8]) -> bool {
        let report = self.body_in_sync;
        self.in_sync = false;
        if let Some(at) = body.get(1..).and_then(find_content_length) {
            let mut buffer = body[1 + at..].to_vec();
            buffer.extend_from_slice(&self.buffer[self.start..]);
            self.buffer = buffer;
            self.start = 0;
        }
        report
    }

    /// One step in the header state: `None` when more bytes are needed, `Some(None)` when the
    /// state changed without anything to report.
    fn header(&mut self) -> Option<Option<Event>> {
        let rest = &self.buffer[self.start..];
        let blank = rest
            .iter()
            .take_while(|&&byte| byte == b'\r' || byte == b'\n')
            .count();
        self.start += blank;
        if !self.in_sync {
            let rest = &self.buffer[self.start..];
            match find_content_length(rest) {
                Some(at) => self.start += at,
                None => {
                    let keep = rest.len().min(CONTENT_LENGTH.len() - 1);
                    self.start += rest.len() - keep;
                    return None;
                }
            }
        }
        match parse_header(&self.buffer[self.start..], !self.in_sync) {
            Header::Incomplete => None,
            Header::Complete {
                len,
                content_length,
            } => {
                self.start += len;
                let report = self.in_sync;
                self.body_in_sync = self.in_sync;
                match usize::try_from(content_length) {
                    Ok(length) if length <= self.limit => {
                        self.state = State::Body(length);
                        Some(None)
                    }
                    _ => {
                        // The framing is intact: after the skip the stream is in sync.
                        self.state = State::Skip(content_length);
                        self.in_sync = true;
                        let too_large = Malformed::TooLarge {
                            length: content_length,
                            limit: self.limit,
                        };
                        Some(report.then_some(Event::Malformed(too_large)))
                    }
                }
            }
            Header::Malformed { problem, skip } => {
                let report = self.in_sync;
                self.in_sync = false;
                self.start += skip;
                Some(report.then_some(Event::Malformed(problem)))
            }
        }
    }
}

/// What the bytes at the start of a header section are.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    Incomplete,
    Complete {
        len: usize,
        content_length: u64,
    },
    /// A problem, and how many bytes to drop: a whole section that ended (its body, unknown, is
    /// junk to resynchronise over) or up to a `Content-Length` in its first line, or one byte
    /// where the section's shape broke.
    Malformed {
        problem: Malformed,
        skip: usize,
    },
}

impl Header {
    fn broken(problem: Malformed) -> Header {
        Header::Malformed { problem, skip: 1 }
    }
}

/// Reads the header section at the start of `bytes`. When `resyncing`, `bytes` starts with
/// `Content-Length` and the section must open with a well-formed `Content-Length` line, checked
/// without looking past it, so a stretch of junk with many `Content-Length`s in it costs a
/// bounded amount of work per byte.
fn parse_header(bytes: &[u8], resyncing: bool) -> Header {
    // Only the first `MAX_HEADER` bytes decide, however many have arrived.
    let bytes = &bytes[..bytes.len().min(MAX_HEADER)];
    let mut content_length = None;
    let mut problem = None;
    let mut pos = 0;
    let mut first_line_end = 0;
    let mut lines = 0;
    if resyncing {
        match length_line(bytes) {
            LengthLine::Incomplete if bytes.len() == MAX_HEADER => {
                return Header::broken(Malformed::HeaderTooLong);
            }
            LengthLine::Incomplete => return Header::Incomplete,
            LengthLine::Invalid => return Header::broken(Malformed::Garbage),
            LengthLine::Valid { length, end } => {
                content_length = Some(length);
                pos = end;
                first_line_end = end;
                lines = 1;
            }
        }
    }
    loop {
        let first = pos == 0;
        let Some(newline) = bytes[pos..].iter().position(|&byte| byte == b'\n') else {
            if first && !could_start_header(bytes) {
                return Header::broken(Malformed::Garbage);
            }
            if bytes.len() == MAX_HEADER {
                return Header::broken(Malformed::HeaderTooLong);
            }
            return Header::Incomplete;
        };
        let line = &bytes[pos..pos + newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += newline + 1;
        if first {
            first_line_end = pos;
        }
        if line.is_empty() {
            return match (problem, content_length) {
                (None, Some(content_length)) => Header::Complete {
                    len: pos,
                    content_length,
                },
                (problem, _) => Header::Malformed {
                    problem: problem.unwrap_or(Malformed::MissingLength),
                    // A `Content-Length` inside the first line is a header that junk was glued
                    // to; one at the start of a later line belongs to this broken section.
                    skip: find_content_length(&bytes[1..first_line_end]).map_or(pos, |at| at + 1),
                },
            };
        }
        lines += 1;
        if lines > MAX_HEADER_LINES {
            return Header::broken(Malformed::TooManyHeaderLines);
        }
        let Some((name, value)) = header_line(line) else {
            return Header::broken(if first {
                Malformed::Garbage
            } else {
                Malformed::BadHeaderLine
            });
        };
        let found = if name.eq_ignore_ascii_case(CONTENT_LENGTH) {
            let length = parse_length(value);
            match (content_length.is_some(), length) {
                (true, _) => Some(Malformed::DuplicateLength),
                (false, None) => Some(Malformed::BadLength(shown(value))),
                (false, Some(length)) => {
                    content_length = Some(length);
                    None
                }
            }
        } else if name.eq_ignore_ascii_case(b"content-type") {
            charset(value)
                .filter(|charset| {
                    !(charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8"))
                })
                .map(|charset| Malformed::BadCharset(charset.to_string()))
        } else {
            None
        };
        if problem.is_none() {
            problem = found;
        }
    }
}

/// A `Content-Length` line read strictly, byte by byte.
#[derive(Debug, PartialEq, Eq)]
enum LengthLine {
    Incomplete,
    Invalid,
    Valid { length: u64, end: usize },
}

/// Reads `Content-Length: DIGITS` and its line end at the start of `bytes` (which starts with
/// the name): no byte after the first one that does not fit is looked at.
fn length_line(bytes: &[u8]) -> LengthLine {
    let mut pos = CONTENT_LENGTH.len();
    let skip_blanks = |pos: &mut usize| {
        while bytes
            .get(*pos)
            .is_some_and(|&byte| byte == b' ' || byte == b'\t')
        {
            *pos += 1;
        }
    };
    match bytes.get(pos) {
        None => return LengthLine::Incomplete,
        Some(b':') => pos += 1,
        Some(_) => return LengthLine::Invalid,
    }
    skip_blanks(&mut pos);
    let digits_start = pos;
    while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    let digits = &bytes[digits_start..pos];
    skip_blanks(&mut pos);
    let end = match (bytes.get(pos), bytes.get(pos + 1)) {
        (None, _) | (Some(b'\r'), None) => return LengthLine::Incomplete,
        (Some(b'\n'), _) => pos + 1,
        (Some(b'\r'), Some(b'\n')) => pos + 2,
        _ => return LengthLine::Invalid,
    };
    match parse_length(digits) {
        Some(length) => LengthLine::Valid { length, end },
        None => LengthLine::Invalid,
    }
}

/// Whether a first line still without its end may become a header line.
fn could_start_header(partial: &[u8]) -> bool {
    let partial = partial.strip_suffix(b"\r").unwrap_or(partial);
    match partial.iter().position(|&byte| byte == b':') {
        Some(_) => header_line(partial).is_some(),
        None => partial.iter().all(|&byte| is_token_byte(byte)),
    }
}

/// `Name: value` with a token name and a value of visible characters, spaces and tabs.
fn header_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&byte| byte == b':')?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    let visible = |byte: &u8| matches!(byte, b'\t' | b' '..=b'~');
    (!name.is_empty() && name.iter().all(|&byte| is_token_byte(byte)) && value.iter().all(visible))
        .then(|| (name, value.trim_ascii()))
}

/// RFC 9110 `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// A `Content-Length` value: 1 to 20 decimal digits that fit a `u64`.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > MAX_LENGTH_DIGITS || !value.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// The `charset` parameter of a `Content-Type` value, if any.
fn charset(value: &[u8]) -> Option<&str> {
    let value = std::str::from_utf8(value).ok()?;
    value.split(';').skip(1).find_map(|parameter| {
        let (name, charset) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| charset.trim().trim_matches('"'))
    })
}

/// A header value as shown in a message: at most 32 characters, escaped.
fn shown(value: &[u8]) -> String {
    String::from_utf8_lossy(&value[..value.len().min(32)])
        .escape_debug()
        .to_string()
}

/// Where the next `Content-Length` (ASCII case ignored) starts.
fn find_content_length(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(CONTENT_LENGTH.len())
        .position(|window| window.eq_ignore_ascii_case(CONTENT_LENGTH))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1024;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    /// The events of `input` pushed in one piece and pushed byte by byte, which must agree;
    /// bodies that are not JSON and not to be reported are left out.
    fn events(input: &[u8]) -> Vec<Event> {
        let drain = |framer: &mut Framer, out: &mut Vec<Event>| {
            while let Some(event) = framer.next_event() {
                // What the server does: a body that is not JSON goes back to the framer, and is
                // answered only if it says so.
                if let Event::Message(body) = &event
                    && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
                    && !framer.reject(body)
                {
                    continue;
                }
                out.push(event);
            }
        };
        let mut whole = Framer::new(LIMIT);
        let mut at_once = Vec::new();
        whole.push(input);
        drain(&mut whole, &mut at_once);
        let mut framer = Framer::new(LIMIT);
        let mut one_by_one = Vec::new();
        for byte in input {
            framer.push(std::slice::from_ref(byte));
            drain(&mut framer, &mut one_by_one);
        }
        assert_eq!(at_once, one_by_one, "chunking changed the events");
        at_once
    }

    fn message(body: &str) -> Event {
        Event::Message(body.as_bytes().to_vec())
    }

    fn malformed(problem: Malformed) -> Event {
        Event::Malformed(problem)
    }

    #[test]
    fn well_formed_messages_come_out_whole() {
        let input = format!(
            "{}\r\n{}Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{{}}X-Other: 1\nContent-Length: 3\n\n{{ }}",
            frame("{\"a\":1}"),
            frame("{}")
        );
        assert_eq!(
            events(input.as_bytes()),
            vec![
                message("{\"a\":1}"),
                message("{}"),
                message("{}"),
                message("{ }")
            ]
        );
    }

    #[test]
    fn each_bad_header_is_reported_once_and_the_next_message_read() {
        let next = frame("{\"ok\":1}");
        let body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}";
        let cases = [
            (
                format!("Content-Length: abc\r\n\r\n{body}"),
                Malformed::BadLength("abc".into()),
            ),
            (
                format!("Content-Length: -5\r\n\r\n{body}"),
                Malformed::BadLength("-5".into()),
            ),
            (
                format!("Content-Length: 99999999999999999999999\r\n\r\n{body}"),
                Malformed::BadLength("99999999999999999999999".into()),
            ),
            (
                format!("Content-Type: x\r\n\r\n{body}"),
                Malformed::MissingLength,
            ),
            (
                // The second line alone would frame the body exactly: the whole section goes.
                format!(
                    "Content-Length: {0}\r\nContent-Length: {0}\r\n\r\n{body}",
                    body.len()
                ),
                Malformed::DuplicateLength,
            ),
            (
                format!(
                    "Content-Length: x\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                ),
                Malformed::BadLength("x".into()),
            ),
            (
                format!("Content-Length: 5\r\nContent-Type: x; charset=latin1\r\n\r\n{body}"),
                Malformed::BadCharset("latin1".into()),
            ),
            (
                format!("Content-Length: 5\r\nno colon\r\n\r\n{body}"),
                Malformed::BadHeaderLine,
            ),
            (body.to_string(), Malformed::Garbage),
            // Junk glued to the next header: the header is found inside the first line.
            ("junk".to_string(), Malformed::MissingLength),
            (
                format!("X: {}\r\n", "y".repeat(MAX_HEADER)),
                Malformed::HeaderTooLong,
            ),
        ];
        for (bad, problem) in cases {
            let input = format!("{bad}{next}{next}");
            assert_eq!(
                events(input.as_bytes()),
                vec![
                    malformed(problem),
                    message("{\"ok\":1}"),
                    message("{\"ok\":1}")
                ],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_too_small_length_costs_one_error() {
        let input = format!(
            "Content-Length: 5\r\n\r\n{{\"jsonrpc\":\"2.0\",\"id\":1}}{}",
            frame("{}")
        );
        assert_eq!(
            events(input.as_bytes()),
            vec![message("{\"jso"), message("{}")]
        );
    }

    #[test]
    fn a_too_large_length_gives_back_the_message_it_swallowed() {
        let swallowed = frame("{\"next\":1}");
        let input = format!(
            "Content-Length: {}\r\n\r\nnot json{swallowed}{}",
            "not json".len() + swallowed.len() + 3,
            frame("{}")
        );
        let events = events(input.as_bytes());
        assert_eq!(events[1..], [message("{\"next\":1}"), message("{}")]);
    }

    #[test]
    fn oversized_messages_are_skipped_without_being_buffered() {
        let mut framer = Framer::new(LIMIT);
        framer.push(format!("Content-Length: {}\r\n\r\n", 10 * LIMIT).as_bytes());
        assert_eq!(
            framer.next_event(),
            Some(malformed(Malformed::TooLarge {
                length: 10 * LIMIT as u64,
                limit: LIMIT
            }))
        );
        for _ in 0..10 {
            framer.push(&[b'x'; LIMIT]);
            assert_eq!(framer.next_event(), None);
            assert_eq!(framer.buffered(), 0);
        }
        framer.push(frame("{}").as_bytes());
        assert_eq!(framer.next_event(), Some(message("{}")));
        // A length beyond every `u64` is not a number at all.
        assert_eq!(parse_length(b"18446744073709551616"), None, "u64::MAX + 1");
        assert_eq!(parse_length(b"18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn garbage_keeps_at_most_a_header_name_while_out_of_sync() {
        let mut framer = Framer::new(LIMIT);
        framer.push(b"{garbage");
        assert_eq!(framer.next_event(), Some(malformed(Malformed::Garbage)));
        for _ in 0..100 {
            framer.push(&[b'z'; 100]);
            assert_eq!(framer.next_event(), None);
            assert!(framer.buffered() < CONTENT_LENGTH.len());
        }
    }
}
