//! The shapes of literal tokens (SPEC §2): numbers, money, durations and sizes as written, and
//! string escapes.
//!
//! This crate reads the grammar of a literal, not the arithmetic of its value: the analyzer
//! computes values exactly with the runtime's `Decimal` (and reports the ones out of range), so
//! there is one implementation of decimal numbers.

use crate::SyntaxKind;

/// The most fractional digits a number may have (values are counts of millionths).
pub const MAX_FRACTION_DIGITS: usize = 6;

/// A numeric literal as written: the kind of literal and its digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Numeric<'a> {
    /// `-?[0-9]+(\.[0-9]{1,6})?`
    Number(&'a str),
    /// `$` and an unsigned number; the text after the `$`.
    Money(&'a str),
    /// Integer-and-unit parts with strictly decreasing units (`1h30m`).
    Duration(Vec<DurationPart<'a>>),
    /// An integer and a unit (`10mb`).
    Size(&'a str, SizeUnit),
}

/// The shape of the text of a NUMBER, MONEY, DURATION or SIZE token; `None` when the text is
/// malformed for its kind (the lexer reported it) or the kind is no numeric literal.
pub fn numeric(kind: SyntaxKind, text: &str) -> Option<Numeric<'_>> {
    match kind {
        SyntaxKind::NUMBER => is_number(text).then_some(Numeric::Number(text)),
        SyntaxKind::MONEY => text
            .strip_prefix('$')
            .filter(|amount| !amount.starts_with('-') && is_number(amount))
            .map(Numeric::Money),
        SyntaxKind::DURATION => duration_parts(text).map(Numeric::Duration),
        SyntaxKind::SIZE => size_parts(text).map(|(amount, unit)| Numeric::Size(amount, unit)),
        _ => None,
    }
}

/// Whether `text` is `-?[0-9]+(\.[0-9]{1,6})?`: a number with at most six fractional digits.
pub fn is_number(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    is_digits(whole)
        && fraction
            .is_none_or(|fraction| is_digits(fraction) && fraction.len() <= MAX_FRACTION_DIGITS)
}

/// A unit of a duration, in the strictly decreasing order the parts of a duration follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DurationUnit {
    /// `w`: seven days.
    Week,
    /// `d`
    Day,
    /// `h`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `ms`
    Millisecond,
}

impl DurationUnit {
    /// Every unit, largest first.
    pub const ALL: [DurationUnit; 6] = [
        DurationUnit::Week,
        DurationUnit::Day,
        DurationUnit::Hour,
        DurationUnit::Minute,
        DurationUnit::Second,
        DurationUnit::Millisecond,
    ];

    /// The suffix written after the amount.
    pub const fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Week => "w",
            DurationUnit::Day => "d",
            DurationUnit::Hour => "h",
            DurationUnit::Minute => "m",
            DurationUnit::Second => "s",
            DurationUnit::Millisecond => "ms",
        }
    }

    /// The length of the unit in milliseconds.
    pub const fn milliseconds(self) -> u64 {
        match self {
            DurationUnit::Week => 7 * 86_400_000,
            DurationUnit::Day => 86_400_000,
            DurationUnit::Hour => 3_600_000,
            DurationUnit::Minute => 60_000,
            DurationUnit::Second => 1_000,
            DurationUnit::Millisecond => 1,
        }
    }
}

/// One part of a duration: the digits of its amount and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationPart<'a> {
    /// The amount's digits.
    pub amount: &'a str,
    /// The unit.
    pub unit: DurationUnit,
}

/// The parts of a duration such as `1h30m` or `500ms`: integer parts, units strictly decreasing
/// (`w d h m s ms`); `None` for anything else.
pub fn duration_parts(text: &str) -> Option<Vec<DurationPart<'_>>> {
    let mut parts: Vec<DurationPart<'_>> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digit_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digit_len == 0 {
            return None;
        }
        let (amount, after) = rest.split_at(digit_len);
        // `ms` before `m`: the longest suffix that matches.
        let unit = [DurationUnit::Millisecond]
            .into_iter()
            .chain(DurationUnit::ALL)
            .find(|unit| after.starts_with(unit.suffix()))?;
        if parts.last().is_some_and(|last| unit <= last.unit) {
            return None;
        }
        parts.push(DurationPart { amount, unit });
        rest = &after[unit.suffix().len()..];
    }
    (!parts.is_empty()).then_some(parts)
}

/// A unit of a size (case-insensitive in the source; 1 kb = 1024 b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeUnit {
    /// `b`
    Bytes,
    /// `kb`
    Kilobytes,
    /// `mb`
    Megabytes,
    /// `gb`
    Gigabytes,
    /// `tb`
    Terabytes,
}

impl SizeUnit {
    /// The length of the unit in bytes.
    pub const fn bytes(self) -> u64 {
        match self {
            SizeUnit::Bytes => 1,
            SizeUnit::Kilobytes => 1 << 10,
            SizeUnit::Megabytes => 1 << 20,
            SizeUnit::Gigabytes => 1 << 30,
            SizeUnit::Terabytes => 1 << 40,
        }
    }
}

/// The digits and unit of a size such as `10mb` or `1KB`; `None` for anything else.
pub fn size_parts(text: &str) -> Option<(&str, SizeUnit)> {
    let digit_len = text.bytes().take_while(u8::is_ascii_digit).count();
    if digit_len == 0 {
        return None;
    }
    let (amount, suffix) = text.split_at(digit_len);
    let unit = match suffix.to_ascii_lowercase().as_str() {
        "b" => SizeUnit::Bytes,
        "kb" => SizeUnit::Kilobytes,
        "mb" => SizeUnit::Megabytes,
        "gb" => SizeUnit::Gigabytes,
        "tb" => SizeUnit::Terabytes,
        _ => return None,
    };
    Some((amount, unit))
}

/// Decodes the text of a STRING token (quotes included); `None` when it is malformed.
pub fn unescape_string(token: &str) -> Option<String> {
    let quote = token.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = token.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert!(is_number("10.5"));
        assert!(is_number("-0.000001"));
        assert!(
            is_number(&"9".repeat(40)),
            "range is the analyzer's to judge"
        );
        assert!(!is_number("1.0000001"));
        assert!(!is_number("1."));
        assert!(!is_number(".5"));
        assert!(!is_number("1e3"));
        assert_eq!(
            numeric(SyntaxKind::MONEY, "$10.50"),
            Some(Numeric::Money("10.50"))
        );
        assert_eq!(numeric(SyntaxKind::MONEY, "$-1"), None);
        assert_eq!(numeric(SyntaxKind::STRING, "\"1\""), None);
    }

    #[test]
    fn durations() {
        let units = |text: &str| {
            duration_parts(text).map(|parts| {
                parts
                    .iter()
                    .map(|part| (part.amount.to_string(), part.unit))
                    .collect::<Vec<_>>()
            })
        };
        use DurationUnit::*;
        assert_eq!(units("500ms"), Some(vec![("500".into(), Millisecond)]));
        assert_eq!(
            units("1h30m"),
            Some(vec![("1".into(), Hour), ("30".into(), Minute)])
        );
        assert_eq!(
            units("1s500ms"),
            Some(vec![("1".into(), Second), ("500".into(), Millisecond)])
        );
        assert_eq!(units("30m1h"), None);
        assert_eq!(units("1m1m"), None);
        assert_eq!(units("1.5h"), None);
        assert_eq!(units("h"), None);
        assert_eq!(units(""), None);
        assert_eq!(Week.milliseconds(), 604_800_000);
    }

    #[test]
    fn sizes_and_strings() {
        assert_eq!(size_parts("10mb"), Some(("10", SizeUnit::Megabytes)));
        assert_eq!(size_parts("1KB"), Some(("1", SizeUnit::Kilobytes)));
        assert_eq!(size_parts("1kib"), None);
        assert_eq!(SizeUnit::Terabytes.bytes(), 1 << 40);
        assert_eq!(unescape_string(r#""a\"b\u{e9}""#).as_deref(), Some("a\"bé"));
        assert_eq!(unescape_string(r"'it\'s'").as_deref(), Some("it's"));
        assert_eq!(unescape_string(r#""\q""#), None);
    }
}
