//! Python literal values as the decorators' arguments write them: strings (decoded, with the
//! source offset of every decoded byte, so a mistake inside a `when` condition is reported at
//! its own line and column), numbers (as exact FPL numbers), `True`/`False` and `None`.
//! Anything else (a variable, an f-string, an expression) is not a literal and is refused.

use tree_sitter::Node;

/// A literal argument value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// A string, decoded.
    Str(Text),
    /// A number as FPL writes it: `500`, `-12.5`.
    Number(String),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
}

impl Literal {
    /// What kind of value this is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Literal::Str(_) => "a string",
            Literal::Number(_) => "a number",
            Literal::Bool(_) => "a boolean",
            Literal::None => "`None`",
        }
    }
}

/// A decoded Python string and where each of its bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    /// The string's value.
    pub(crate) value: String,
    /// For each byte of `value`, the byte offset in the source of what it was decoded from
    /// (the character, or the start of its escape sequence); one more entry for the end.
    pub(crate) offsets: Vec<u32>,
}

/// A value that is not a literal, or a literal Python writes but the extractor cannot read:
/// where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotLiteral {
    /// Byte offset in the source.
    pub(crate) at: u32,
    /// What is wrong.
    pub(crate) message: String,
}

const ONLY_LITERALS: &str = "only literal values count (strings, numbers, `True`, `False`)";

/// The literal `node` of `source` writes.
pub(crate) fn read(node: Node<'_>, source: &str) -> Result<Literal, NotLiteral> {
    let at = node.start_byte() as u32;
    let text = text_of(node, source);
    let refuse = |message: String| Err(NotLiteral { at, message });
    let not_literal = || {
        refuse(format!(
            "`{}` is not a literal value: {ONLY_LITERALS}",
            short(text)
        ))
    };
    match node.kind() {
        "string" => string(text, at).map(Literal::Str),
        "integer" | "float" => number(text)
            .map(Literal::Number)
            .map_err(|message| NotLiteral { at, message }),
        "unary_operator" => {
            let (Some(operator), Some(operand)) = (
                node.child_by_field_name("operator"),
                node.child_by_field_name("argument"),
            ) else {
                return not_literal();
            };
            // Only a sign on a number literal: never recursion on nested operators.
            let sign = text_of(operator, source);
            if !matches!(operand.kind(), "integer" | "float") || !matches!(sign, "-" | "+") {
                return not_literal();
            }
            let number =
                number(text_of(operand, source)).map_err(|message| NotLiteral { at, message })?;
            Ok(Literal::Number(if sign == "-" {
                negate(&number)
            } else {
                number
            }))
        }
        "true" => Ok(Literal::Bool(true)),
        "false" => Ok(Literal::Bool(false)),
        "none" => Ok(Literal::None),
        "identifier" | "attribute" => refuse(format!(
            "`{}` is a variable: the extractor reads the source without running it, so {ONLY_LITERALS}",
            short(text)
        )),
        "concatenated_string" => refuse(
            "implicitly concatenated strings are not read: write one string literal".to_string(),
        ),
        _ => not_literal(),
    }
}

/// The text of `node`: tree-sitter's ranges fall on character boundaries, and a range that
/// did not would read as empty rather than panic.
pub(crate) fn text_of<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or_default()
}

/// At most 40 characters of `text`, on one line, for a message.
pub(crate) fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn negate(number: &str) -> String {
    match number.strip_prefix('-') {
        Some(positive) => positive.to_string(),
        None if number.bytes().all(|b| b == b'0' || b == b'.') => number.to_string(),
        None => format!("-{number}"),
    }
}

/// A Python integer or float literal as an exact FPL number: decimal digits with an optional
/// fraction (`1_000` is `1000`, `.5` is `0.5`); hexadecimal, octal, binary, exponents and
/// imaginary numbers are refused, as are numbers FPL cannot hold exactly (SPEC §2).
fn number(text: &str) -> Result<String, String> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    let (whole, fraction) = match plain.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (plain.as_str(), None),
    };
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) || plain == "." {
        return Err(format!(
            "`{}` is not a plain decimal number: write digits, with an optional `.` and fraction",
            short(text)
        ));
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let number = match fraction.map(|f| f.trim_end_matches('0')) {
        Some(fraction) if !fraction.is_empty() => format!("{whole}.{fraction}"),
        _ => whole.to_string(),
    };
    match fpl_runtime::Decimal::parse(&number) {
        Ok(_) => Ok(number),
        Err(_) => Err(format!(
            "`{}` is not an exact FPL number (at most 6 decimals, SPEC §2)",
            short(text)
        )),
    }
}

/// A Python string literal (`"…"`, `'…'`, triple-quoted, `r"…"`, `u"…"`) decoded; bytes,
/// f-strings and template strings are refused. `at` is the literal's offset in the source.
fn string(text: &str, at: u32) -> Result<Text, NotLiteral> {
    let refuse = |message: &str| NotLiteral {
        at,
        message: message.to_string(),
    };
    let prefix_len = text.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    let prefix = text[..prefix_len].to_ascii_lowercase();
    if prefix.contains('f') || prefix.contains('t') {
        return Err(refuse(
            "an f-string is computed when the program runs: write a plain string literal",
        ));
    }
    if prefix.contains('b') {
        return Err(refuse(
            "a bytes literal is not text: write a string literal",
        ));
    }
    let raw = prefix.contains('r');
    let body = &text[prefix_len..];
    let quote = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|quote| {
            body.starts_with(quote) && body.len() >= 2 * quote.len() && body.ends_with(quote)
        })
        .ok_or_else(|| refuse("this string literal is not closed"))?;
    let start = at as usize + prefix_len + quote.len();
    let content = &body[quote.len()..body.len() - quote.len()];
    if raw {
        return Ok(Text {
            value: content.to_string(),
            offsets: (start..=start + content.len()).map(|o| o as u32).collect(),
        });
    }
    unescape(content, start)
}

/// Decodes the escape sequences of a (not raw) string's `content`, which starts at source
/// offset `start`.
fn unescape(content: &str, start: usize) -> Result<Text, NotLiteral> {
    let mut value = String::with_capacity(content.len());
    let mut offsets = Vec::with_capacity(content.len() + 1);
    let mut chars = content.char_indices().peekable();
    let mut push = |value: &mut String, c: char, at: usize| {
        value.push(c);
        offsets.extend(std::iter::repeat_n((start + at) as u32, c.len_utf8()));
    };
    while let Some((index, c)) = chars.next() {
        if c != '\\' {
            push(&mut value, c, index);
            continue;
        }
        let Some((_, escape)) = chars.next() else {
            push(&mut value, c, index);
            break;
        };
        let bad = |message: &str| NotLiteral {
            at: (start + index) as u32,
            message: message.to_string(),
        };
        let simple = match escape {
            '\n' => continue,
            '\r' => {
                chars.next_if(|&(_, next)| next == '\n');
                continue;
            }
            '\\' | '\'' | '"' => Some(escape),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            _ => None,
        };
        if let Some(decoded) = simple {
            push(&mut value, decoded, index);
            continue;
        }
        let (radix, count) = match escape {
            '0'..='7' => (8, 3),
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            'N' => {
                return Err(bad(
                    "`\\N{…}` escapes are not read: write the character itself",
                ));
            }
            _ => {
                // Python keeps an unknown escape as it is written.
                push(&mut value, '\\', index);
                push(&mut value, escape, index + 1);
                continue;
            }
        };
        let mut digits = String::new();
        if radix == 8 {
            digits.push(escape);
        }
        while digits.len() < count {
            match chars.next_if(|&(_, next)| next.is_digit(radix)) {
                Some((_, digit)) => digits.push(digit),
                None if radix == 8 => break,
                None => return Err(bad("this escape sequence is not complete")),
            }
        }
        let decoded = u32::from_str_radix(&digits, radix)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| bad("this escape sequence is not a character"))?;
        push(&mut value, decoded, index);
    }
    offsets.push((start + content.len()) as u32);
    Ok(Text { value, offsets })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<String, String> {
        string(text, 0)
            .map(|text| {
                assert_eq!(text.offsets.len(), text.value.len() + 1);
                text.value
            })
            .map_err(|error| error.message)
    }

    #[test]
    fn strings_decode_as_python_reads_them() {
        assert_eq!(decode(r#""a\"b""#).as_deref(), Ok("a\"b"));
        assert_eq!(
            decode(r#"'\x41\u00e9\U0001F600\101\n'"#).as_deref(),
            Ok("Aé😀A\n")
        );
        assert_eq!(decode(r#"r"a\d""#).as_deref(), Ok("a\\d"));
        assert_eq!(decode(r#"'a\d'"#).as_deref(), Ok("a\\d"));
        assert_eq!(decode("\"\"\"a\\\nb\"\"\"").as_deref(), Ok("ab"));
        assert_eq!(decode("U'x'").as_deref(), Ok("x"));
        assert!(decode(r#"f"{x}""#).is_err());
        assert!(decode(r#"b"x""#).is_err());
        assert!(decode(r#""\N{BULLET}""#).is_err());
        assert!(decode(r#""\x4""#).is_err());
        assert!(decode(r#""\ud800""#).is_err());
        assert!(decode("\"").is_err());
    }

    #[test]
    fn offsets_point_at_what_each_byte_came_from() {
        let text = string(r#"  "a\tb""#.trim_start(), 10).expect("a string");
        assert_eq!(text.value, "a\tb");
        assert_eq!(text.offsets, [11, 12, 14, 15]);
    }

    #[test]
    fn numbers_are_exact_fpl_numbers() {
        assert_eq!(number("1_000").as_deref(), Ok("1000"));
        assert_eq!(number("10.50").as_deref(), Ok("10.5"));
        assert_eq!(number(".5").as_deref(), Ok("0.5"));
        assert_eq!(number("5.").as_deref(), Ok("5"));
        assert_eq!(number("007").as_deref(), Ok("7"));
        for bad in ["0x10", "1e3", "2j", "1.0000001", "."] {
            assert!(number(bad).is_err(), "{bad}");
        }
        assert_eq!(negate("5"), "-5");
        assert_eq!(negate("0"), "0");
    }
}
