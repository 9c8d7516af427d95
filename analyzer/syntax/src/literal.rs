//! Decoding literal tokens into values: exact decimals, durations, sizes and string escapes.
//!
//! Numbers are exact decimals stored as a signed count of millionths (SPEC §2); durations are
//! seconds and sizes bytes, both in the same unit so they compare with plain numbers.

/// How many millionths make one unit.
pub const SCALE: i128 = 1_000_000;

/// Parses `-?[0-9]+(\.[0-9]{1,6})?` into millionths; `None` when malformed or out of range.
pub fn decimal_millionths(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 6 {
        return None;
    }
    if unsigned.contains('.') && fraction.is_empty() {
        return None;
    }
    let mut value: i128 = 0;
    for digit in whole.bytes() {
        value = value
            .checked_mul(10)?
            .checked_add(i128::from(digit - b'0'))?;
    }
    value = value.checked_mul(SCALE)?;
    let mut fraction_value: i128 = 0;
    for (index, digit) in fraction.bytes().enumerate() {
        fraction_value += i128::from(digit - b'0') * 10i128.pow(5 - index as u32);
    }
    value = value.checked_add(fraction_value)?;
    Some(if negative { -value } else { value })
}

/// Parses a duration such as `1h30m` or `500ms` into millionths of a second.
///
/// Units must strictly decrease (`w d h m s ms`) and every part is an integer.
pub fn duration_millionths(text: &str) -> Option<i128> {
    const UNITS: [(&str, i128); 6] = [
        ("w", 7 * 86_400 * SCALE),
        ("d", 86_400 * SCALE),
        ("h", 3_600 * SCALE),
        ("ms", SCALE / 1000),
        ("m", 60 * SCALE),
        ("s", SCALE),
    ];
    // Rank of each unit in the required decreasing order.
    let rank = |unit: &str| {
        ["w", "d", "h", "m", "s", "ms"]
            .iter()
            .position(|u| *u == unit)
    };
    let mut rest = text;
    let mut total: i128 = 0;
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let digit_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digit_len == 0 {
            return None;
        }
        let amount: i128 = rest[..digit_len].parse().ok()?;
        rest = &rest[digit_len..];
        let (unit, factor) = UNITS.iter().find(|(unit, _)| rest.starts_with(unit))?;
        let unit_rank = rank(unit)?;
        if last_rank.is_some_and(|last| unit_rank <= last) {
            return None;
        }
        last_rank = Some(unit_rank);
        rest = &rest[unit.len()..];
        total = total.checked_add(amount.checked_mul(*factor)?)?;
    }
    last_rank.map(|_| total)
}

/// Parses a size such as `10mb` (case-insensitive, 1 kb = 1024 b) into a number of bytes.
pub fn size_bytes(text: &str) -> Option<i128> {
    let digit_len = text.bytes().take_while(u8::is_ascii_digit).count();
    if digit_len == 0 {
        return None;
    }
    let amount: i128 = text[..digit_len].parse().ok()?;
    let factor: i128 = match text[digit_len..].to_ascii_lowercase().as_str() {
        "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        "tb" => 1 << 40,
        _ => return None,
    };
    amount.checked_mul(factor)
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

/// Formats millionths as the shortest exact decimal (`1500000` → `1.5`).
pub fn format_millionths(value: i128) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let magnitude = value.unsigned_abs();
    let whole = magnitude / SCALE as u128;
    let fraction = magnitude % SCALE as u128;
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:06}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(decimal_millionths("10.5"), Some(10_500_000));
        assert_eq!(decimal_millionths("-0.000001"), Some(-1));
        assert_eq!(decimal_millionths("1.0000001"), None);
        assert_eq!(decimal_millionths("1."), None);
        assert_eq!(decimal_millionths(&"9".repeat(40)), None);
        assert_eq!(format_millionths(-1_500_000), "-1.5");
        assert_eq!(format_millionths(2_000_000), "2");
    }

    #[test]
    fn durations() {
        assert_eq!(duration_millionths("500ms"), Some(500_000));
        assert_eq!(duration_millionths("1h30m"), Some(5_400 * SCALE));
        assert_eq!(duration_millionths("7d"), Some(604_800 * SCALE));
        assert_eq!(duration_millionths("30m1h"), None);
        assert_eq!(duration_millionths("1m1m"), None);
        assert_eq!(duration_millionths("1s500ms"), Some(1_500_000));
    }

    #[test]
    fn sizes_and_strings() {
        assert_eq!(size_bytes("10mb"), Some(10 << 20));
        assert_eq!(size_bytes("1KB"), Some(1024));
        assert_eq!(size_bytes("1kib"), None);
        assert_eq!(unescape_string(r#""a\"b\u{e9}""#).as_deref(), Some("a\"bé"));
        assert_eq!(unescape_string(r"'it\'s'").as_deref(), Some("it's"));
        assert_eq!(unescape_string(r#""\q""#), None);
    }
}
