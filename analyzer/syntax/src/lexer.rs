//! The FPL lexer: one token at a time, in the mode the parser asks for (SPEC §2).
//!
//! Lexing is on demand because a PATTERN token depends on context: where the grammar expects a
//! pattern, the longest run of pattern characters is one token however it would lex elsewhere.

use std::ops::Range;

use crate::SyntaxKind::{self, *};
use crate::error::ErrorCode;

/// One token read from the text, with the lexical error it carries, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawToken {
    pub kind: SyntaxKind,
    pub len: usize,
    pub error: Option<LexError>,
}

/// A lexical error: its code and a short lowercase message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LexError {
    pub code: ErrorCode,
    pub message: &'static str,
}

impl RawToken {
    fn ok(kind: SyntaxKind, len: usize) -> Self {
        RawToken {
            kind,
            len,
            error: None,
        }
    }

    fn err(kind: SyntaxKind, len: usize, code: ErrorCode, message: &'static str) -> Self {
        RawToken {
            kind,
            len,
            error: Some(LexError { code, message }),
        }
    }
}

/// Whether `c` may appear in a PATTERN token.
pub fn is_pattern_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'*' | b'?' | b'-')
}

/// The length of the run of pattern characters starting at `pos`.
pub(crate) fn pattern_len(text: &str, pos: usize) -> usize {
    text.as_bytes()[pos..]
        .iter()
        .take_while(|&&c| is_pattern_char(c))
        .count()
}

/// The length of the run of unquoted public-key characters `[A-Za-z0-9+/=:_-]` starting at
/// `pos` (SPEC §3 note 7).
pub(crate) fn public_key_len(text: &str, pos: usize) -> usize {
    text.as_bytes()[pos..]
        .iter()
        .take_while(|&&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b':' | b'_' | b'-')
        })
        .count()
}

/// Reads the token (trivia included) that starts at `pos`, which must be inside `text`.
pub(crate) fn lex(text: &str, pos: usize) -> RawToken {
    let rest = &text.as_bytes()[pos..];
    let first = rest[0];
    match first {
        b' ' | b'\t' | b'\r' | b'\n' => RawToken::ok(
            WHITESPACE,
            rest.iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                .count(),
        ),
        b'#' => RawToken::ok(
            COMMENT,
            rest.iter()
                .take_while(|&&c| c != b'\n' && c != b'\r')
                .count(),
        ),
        b'"' | b'\'' => lex_string(rest),
        b'A'..=b'Z' | b'a'..=b'z' | b'_' => RawToken::ok(IDENT, ident_len(rest)),
        b'0'..=b'9' => lex_number(rest, 0),
        b'-' if rest.get(1).is_some_and(u8::is_ascii_digit) => lex_number(rest, 1),
        b'$' => lex_money(rest),
        _ => lex_punct(text, pos, rest),
    }
}

/// Whether `text` is one identifier (`[A-Za-z_][A-Za-z0-9_-]*`, SPEC §2): a name that can be
/// written without quotes.
pub fn is_identifier(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        && ident_len(bytes) == bytes.len()
}

fn ident_len(rest: &[u8]) -> usize {
    rest.iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        .count()
}

fn digits(rest: &[u8]) -> usize {
    rest.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// `-?[0-9]+(\.[0-9]+)?` followed, without a gap, by an optional unit suffix.
fn lex_number(rest: &[u8], sign: usize) -> RawToken {
    let mut len = sign + digits(&rest[sign..]);
    let mut fractional = false;
    if rest.get(len) == Some(&b'.') && rest.get(len + 1).is_some_and(u8::is_ascii_digit) {
        fractional = true;
        len += 1 + digits(&rest[len + 1..]);
    }
    let suffix_len = rest[len..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if suffix_len == 0 {
        // Only the shape: whether the value is in range is the analyzer's to judge.
        if crate::literal::is_number(bytes_str(&rest[..len])) {
            return RawToken::ok(NUMBER, len);
        }
        return RawToken::err(
            NUMBER,
            len,
            ErrorCode::E0003,
            "number out of range or more than 6 decimals",
        );
    }
    let full = len + suffix_len;
    let text = bytes_str(&rest[..full]);
    if sign == 0 && !fractional {
        if crate::literal::duration_parts(text).is_some() {
            return RawToken::ok(DURATION, full);
        }
        if crate::literal::size_parts(text).is_some() {
            return RawToken::ok(SIZE, full);
        }
    }
    RawToken::err(
        NUMBER,
        full,
        ErrorCode::E0003,
        "unknown unit; durations use w d h m s ms, sizes b kb mb gb tb",
    )
}

fn lex_money(rest: &[u8]) -> RawToken {
    let number = digits(&rest[1..]);
    if number == 0 {
        return RawToken::err(
            MONEY,
            1,
            ErrorCode::E0003,
            "`$` must be followed by an amount",
        );
    }
    let mut len = 1 + number;
    if rest.get(len) == Some(&b'.') && rest.get(len + 1).is_some_and(u8::is_ascii_digit) {
        len += 1 + digits(&rest[len + 1..]);
    }
    let suffix = rest[len..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if suffix > 0 {
        return RawToken::err(
            MONEY,
            len + suffix,
            ErrorCode::E0003,
            "money amount followed by a unit",
        );
    }
    if crate::literal::is_number(bytes_str(&rest[1..len])) {
        RawToken::ok(MONEY, len)
    } else {
        RawToken::err(
            MONEY,
            len,
            ErrorCode::E0003,
            "money amount out of range or more than 6 decimals",
        )
    }
}

/// A quoted string on one line; see SPEC §2 for the escapes.
fn lex_string(rest: &[u8]) -> RawToken {
    let quote = rest[0];
    let mut i = 1;
    let mut error = None;
    while i < rest.len() {
        match rest[i] {
            c if c == quote => {
                return match error {
                    None => RawToken::ok(STRING, i + 1),
                    Some(message) => RawToken::err(STRING, i + 1, ErrorCode::E0002, message),
                };
            }
            b'\n' | b'\r' => break,
            b'\\' => {
                let escape_len = escape_len(&rest[i + 1..]);
                if escape_len == 0 {
                    error.get_or_insert("unknown escape sequence in string");
                    i += 1;
                } else {
                    i += 1 + escape_len;
                }
            }
            _ => i += 1,
        }
    }
    RawToken::err(STRING, i, ErrorCode::E0002, "unterminated string")
}

/// The length of a valid escape after a backslash, or 0 when it is not valid.
fn escape_len(after: &[u8]) -> usize {
    match after.first() {
        Some(b'\\' | b'"' | b'\'' | b'n' | b't' | b'r') => 1,
        Some(b'u') if after.get(1) == Some(&b'{') => {
            let hex = after[2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            let valid = (1..=6).contains(&hex)
                && after.get(2 + hex) == Some(&b'}')
                && u32::from_str_radix(bytes_str(&after[2..2 + hex]), 16)
                    .ok()
                    .and_then(char::from_u32)
                    .is_some();
            if valid { 3 + hex } else { 0 }
        }
        _ => 0,
    }
}

fn lex_punct(text: &str, pos: usize, rest: &[u8]) -> RawToken {
    let next = rest.get(1).copied();
    let (kind, len) = match (rest[0], next) {
        (b'=', Some(b'=')) => (EQ2, 2),
        (b'=', Some(b'~')) => (MATCH, 2),
        (b'!', Some(b'=')) => (NEQ, 2),
        (b'!', Some(b'~')) => (NOT_MATCH, 2),
        (b'<', Some(b'=')) => (LTE, 2),
        (b'>', Some(b'=')) => (GTE, 2),
        (b'&', Some(b'&')) => (AMP2, 2),
        (b'|', Some(b'|')) => (PIPE2, 2),
        (b'{', _) => (L_BRACE, 1),
        (b'}', _) => (R_BRACE, 1),
        (b'(', _) => (L_PAREN, 1),
        (b')', _) => (R_PAREN, 1),
        (b'[', _) => (L_BRACK, 1),
        (b']', _) => (R_BRACK, 1),
        (b',', _) => (COMMA, 1),
        (b':', _) => (COLON, 1),
        (b'=', _) => (EQ, 1),
        (b'.', _) => (DOT, 1),
        (b'/', _) => (SLASH, 1),
        (b'*', _) => (STAR, 1),
        (b'!', _) => (BANG, 1),
        (b'<', _) => (LT, 1),
        (b'>', _) => (GT, 1),
        _ => return lex_bad_chars(text, pos),
    };
    RawToken::ok(kind, len)
}

/// A run of characters that may not appear outside strings and comments, as one error token.
fn lex_bad_chars(text: &str, pos: usize) -> RawToken {
    let len: usize = text[pos..]
        .chars()
        .take_while(|&c| {
            !c.is_ascii()
                || (c.is_ascii_control() && !matches!(c, ' ' | '\t' | '\r' | '\n'))
                || matches!(
                    c,
                    '?' | '&' | '|' | '@' | '%' | '^' | '`' | '~' | ';' | '\\' | '+'
                )
        })
        .map(char::len_utf8)
        .sum();
    RawToken::err(
        ERROR_TOKEN,
        len.max(1),
        ErrorCode::E0001,
        "character not allowed outside strings and comments",
    )
}

/// The runs of characters in the text of a comment or string token that could make it read
/// differently from how it parses (SPEC §2): each run's byte range within `token` and its first
/// character.
pub(crate) fn hidden_char_runs(token: &str) -> impl Iterator<Item = (Range<usize>, char)> + '_ {
    let plain = token
        .bytes()
        .all(|byte| byte == b'\t' || (b' '..=b'~').contains(&byte));
    let mut chars = token.char_indices().peekable();
    std::iter::from_fn(move || {
        if plain {
            return None;
        }
        let (start, first) = chars.find(|&(_, c)| is_hidden_char(c))?;
        let mut end = start + first.len_utf8();
        while let Some((at, c)) = chars.next_if(|&(_, c)| is_hidden_char(c)) {
            end = at + c.len_utf8();
        }
        Some((start..end, first))
    })
}

/// The message for a run of hidden characters starting with `c` inside a `what` (`comment`,
/// `string`).
pub(crate) fn hidden_char_message(c: char, what: &str) -> String {
    let kind = match c {
        '\u{85}' | '\u{2028}' | '\u{2029}' => "line break character",
        c if is_bidi_control(c) => "bidirectional control character",
        _ => "control character",
    };
    format!("{kind} `U+{:04X}` in a {what}", u32::from(c))
}

/// Whether `c` may not appear in a comment or string because it could make the text read
/// differently from how it parses (SPEC §2): controls other than tab (C0, DEL, C1 with NEL), the
/// Unicode line and paragraph separators and the bidirectional controls. Line ends end a comment
/// or string before this question arises.
pub fn is_hidden_char(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// The characters with the Unicode property `Bidi_Control`.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

fn bytes_str(bytes: &[u8]) -> &str {
    // Callers only slice ASCII runs, which are always valid UTF-8.
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(SyntaxKind, &str, bool)> {
        let mut pos = 0;
        let mut out = Vec::new();
        while pos < text.len() {
            let token = lex(text, pos);
            out.push((
                token.kind,
                &text[pos..pos + token.len],
                token.error.is_some(),
            ));
            pos += token.len;
        }
        out
    }

    #[test]
    fn literals_are_classified() {
        let cases = [
            ("500", NUMBER, false),
            ("-12.5", NUMBER, false),
            ("1.1234567", NUMBER, true),
            ("$10.50", MONEY, false),
            ("$", MONEY, true),
            ("1h30m", DURATION, false),
            ("500ms", DURATION, false),
            ("30m1h", NUMBER, true),
            ("10mb", SIZE, false),
            ("10KB", SIZE, false),
            ("10x", NUMBER, true),
            ("\"a\\u{41}\"", STRING, false),
            ("\"a\\q\"", STRING, true),
            ("'unterminated", STRING, true),
            ("payment-bot", IDENT, false),
        ];
        for (text, kind, error) in cases {
            assert_eq!(kinds(text), vec![(kind, text, error)], "{text}");
        }
    }

    #[test]
    fn bad_characters_coalesce() {
        assert_eq!(
            kinds("\u{0}\u{0}é"),
            vec![(ERROR_TOKEN, "\u{0}\u{0}é", true)]
        );
    }

    #[test]
    fn comments_and_strings_end_at_any_line_end() {
        assert_eq!(kinds("# a\rb")[0], (COMMENT, "# a", false));
        assert_eq!(kinds("# a\r\nb")[0], (COMMENT, "# a", false));
        assert_eq!(kinds("\"a\rb\"")[0], (STRING, "\"a", true));
    }

    #[test]
    fn hidden_characters_are_found_in_runs() {
        let runs: Vec<_> = hidden_char_runs("# a\u{202E}\u{2066}b\tc\u{85}").collect();
        assert_eq!(runs, vec![(3..9, '\u{202E}'), (12..14, '\u{85}')]);
        assert_eq!(hidden_char_runs("# plain\ttext é").count(), 0);
        assert_eq!(
            hidden_char_message('\u{2028}', "comment"),
            "line break character `U+2028` in a comment"
        );
    }
}
