//! Exact decimal numbers: a signed count of millionths (SPEC §2), never binary floating point.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Millionths in one unit.
const SCALE: i128 = 1_000_000;

/// An exact decimal number with six fractional digits, stored as an `i128` count of millionths.
///
/// Serialized (JSON and binary) as its shortest exact text, so digests never depend on floats.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(i128);

/// Why a text is not an exact [`Decimal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// The text is not a number (`-?digits[.digits][e[+-]digits]`).
    #[error("not a number")]
    Syntax,
    /// More than six non-zero fractional digits.
    #[error("more than 6 fractional digits")]
    TooPrecise,
    /// Larger than the representable range.
    #[error("number out of range")]
    OutOfRange,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);
    /// The largest representable value.
    pub const MAX: Decimal = Decimal(i128::MAX);

    /// A decimal from a whole number.
    pub const fn from_int(value: i64) -> Decimal {
        Decimal(value as i128 * SCALE)
    }

    /// A decimal from a raw count of millionths.
    pub const fn from_millionths(millionths: i128) -> Decimal {
        Decimal(millionths)
    }

    /// The raw count of millionths.
    pub const fn millionths(self) -> i128 {
        self.0
    }

    /// `self + other`, saturating at the ends of the range.
    pub const fn saturating_add(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_add(other.0))
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Decimal) -> Option<Decimal> {
        match self.0.checked_add(other.0) {
            Some(v) => Some(Decimal(v)),
            None => None,
        }
    }

    /// `self - other`, saturating at the ends of the range.
    pub const fn saturating_sub(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_sub(other.0))
    }

    /// `self × other` rounded toward zero to millionths, or `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        self.0.checked_mul(other.0).map(|p| Decimal(p / SCALE))
    }

    /// `self × factor` exactly, or `None` on overflow (`1.5 × 3` is `4.5`).
    pub const fn checked_mul_int(self, factor: i128) -> Option<Decimal> {
        match self.0.checked_mul(factor) {
            Some(v) => Some(Decimal(v)),
            None => None,
        }
    }

    /// True for a value below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True when the value has no fractional part.
    pub const fn is_integer(self) -> bool {
        self.0 % SCALE == 0
    }

    /// The integer part, rounded toward negative infinity.
    pub const fn floor_int(self) -> i128 {
        self.0.div_euclid(SCALE)
    }

    /// The value as an `i64` when it is a whole number in range.
    pub fn to_i64(self) -> Option<i64> {
        if self.is_integer() {
            i64::try_from(self.0 / SCALE).ok()
        } else {
            None
        }
    }

    /// Parses JSON number text or FPL number text exactly: `-12.5`, `1e3`, `0.000001`.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        parse_number(text.as_bytes())
    }
}

/// Parses `-?digits[.digits][(e|E)[+-]digits]` exactly into millionths.
fn parse_number(bytes: &[u8]) -> Result<Decimal, DecimalError> {
    let mut pos = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        pos += 1;
    }
    let int_start = pos;
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let int_digits = &bytes[int_start..pos];
    if int_digits.is_empty() {
        return Err(DecimalError::Syntax);
    }
    let mut frac_digits: &[u8] = &[];
    if pos < bytes.len() && bytes[pos] == b'.' {
        pos += 1;
        let frac_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        frac_digits = &bytes[frac_start..pos];
        if frac_digits.is_empty() {
            return Err(DecimalError::Syntax);
        }
    }
    let mut exponent: i64 = 0;
    if pos < bytes.len() && (bytes[pos] == b'e' || bytes[pos] == b'E') {
        pos += 1;
        let exp_negative = match bytes.get(pos) {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };
        let exp_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            // Saturate: anything this large is out of range or zero anyway.
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(bytes[pos] - b'0'));
            pos += 1;
        }
        if pos == exp_start {
            return Err(DecimalError::Syntax);
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if pos != bytes.len() {
        return Err(DecimalError::Syntax);
    }
    // value = digits × 10^(exponent - frac_len); in millionths: × 10^(exponent - frac_len + 6).
    let digits = int_digits.iter().chain(frac_digits.iter());
    let total = int_digits.len() + frac_digits.len();
    let shift = exponent
        .saturating_sub(i64::try_from(frac_digits.len()).unwrap_or(i64::MAX))
        .saturating_add(6);
    // Digits that fall below millionths must all be zero.
    let kept = if shift >= 0 {
        total
    } else {
        let dropped = usize::try_from(shift.unsigned_abs()).unwrap_or(usize::MAX);
        total.saturating_sub(dropped)
    };
    let mut acc: i128 = 0;
    for (i, digit) in digits.enumerate() {
        let d = i128::from(digit - b'0');
        if i < kept {
            acc = acc
                .checked_mul(10)
                .and_then(|a| a.checked_add(d))
                .ok_or(DecimalError::OutOfRange)?;
        } else if d != 0 {
            return Err(DecimalError::TooPrecise);
        }
    }
    if shift > 0 && acc != 0 {
        for _ in 0..shift {
            acc = acc.checked_mul(10).ok_or(DecimalError::OutOfRange)?;
        }
    }
    Ok(Decimal(if negative { -acc } else { acc }))
}

impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(text: &str) -> Result<Decimal, DecimalError> {
        Decimal::parse(text)
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Decimal {
        Decimal::from_int(value)
    }
}

impl fmt::Display for Decimal {
    /// Shortest exact form: `-12.5`, `1000`, `0.000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        let int = magnitude / SCALE as u128;
        let mut frac = magnitude % SCALE as u128;
        if self.0 < 0 {
            f.write_str("-")?;
        }
        write!(f, "{int}")?;
        if frac != 0 {
            let mut width = 6;
            while frac.is_multiple_of(10) {
                frac /= 10;
                width -= 1;
            }
            write!(f, ".{frac:0width$}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an exact decimal number as a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Decimal, E> {
                Decimal::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: Result<&str, DecimalError>) {
        assert_eq!(
            Decimal::parse(text).map(|d| d.to_string()),
            expect.map(str::to_owned),
            "{text}"
        );
    }

    #[test]
    fn decimals() {
        let decimal_millionths = |text: &str| Decimal::parse(text).ok().map(Decimal::millionths);
        let format_millionths = |millionths: i128| Decimal::from_millionths(millionths).to_string();
        assert_eq!(decimal_millionths("10.5"), Some(10_500_000));
        assert_eq!(decimal_millionths("-0.000001"), Some(-1));
        assert_eq!(decimal_millionths("1.0000001"), None);
        assert_eq!(decimal_millionths("1."), None);
        assert_eq!(decimal_millionths(&"9".repeat(40)), None);
        assert_eq!(format_millionths(-1_500_000), "-1.5");
        assert_eq!(format_millionths(2_000_000), "2");
    }

    #[test]
    fn parses_and_prints_exactly() {
        let cases: &[(&str, Result<&str, DecimalError>)] = &[
            ("0", Ok("0")),
            ("-0", Ok("0")),
            ("-12.5", Ok("-12.5")),
            ("1e3", Ok("1000")),
            ("1E+3", Ok("1000")),
            ("1.5e-6", Err(DecimalError::TooPrecise)),
            ("15e-7", Err(DecimalError::TooPrecise)),
            ("10e-7", Ok("0.000001")),
            ("0.000001", Ok("0.000001")),
            ("0.0000010000", Ok("0.000001")),
            ("0.0000001", Err(DecimalError::TooPrecise)),
            ("0e-999999999999999", Ok("0")),
            ("0e999999999999", Ok("0")),
            ("1e40", Err(DecimalError::OutOfRange)),
            ("10.50", Ok("10.5")),
            ("007", Ok("7")),
            ("", Err(DecimalError::Syntax)),
            ("-", Err(DecimalError::Syntax)),
            ("1.", Err(DecimalError::Syntax)),
            (".5", Err(DecimalError::Syntax)),
            ("1e", Err(DecimalError::Syntax)),
            ("+1", Err(DecimalError::Syntax)),
            ("1x", Err(DecimalError::Syntax)),
        ];
        for (text, expect) in cases {
            check(text, *expect);
        }
    }

    #[test]
    fn orders_and_adds() {
        let a = Decimal::parse("1.5").unwrap_or_default();
        let b = Decimal::parse("-2").unwrap_or_default();
        assert!(b < a);
        assert_eq!(a.saturating_add(b).to_string(), "-0.5");
        assert_eq!(Decimal::MAX.saturating_add(a), Decimal::MAX);
        assert_eq!(
            a.checked_mul_int(3).map(|d| d.to_string()).as_deref(),
            Some("4.5")
        );
        assert_eq!(a.checked_mul_int(i128::MAX), None);
    }
}
