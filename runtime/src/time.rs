//! RFC 3339 timestamps parsed and printed by hand, and the UTC calendar fields of `time.*`.

use std::fmt;

use crate::canonical::{decimal_width, fill_decimal};
use crate::decimal::Decimal;

/// A point in time: microseconds since the Unix epoch (i64: ±292,000 years), read as exact
/// decimal seconds. Calendar and window arithmetic stays in 64 bits on the hot path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

const DAY: i128 = 86_400;
const MICROS: i64 = 1_000_000;

impl Timestamp {
    /// A timestamp from exact seconds since the epoch (saturating at the i64 range).
    pub fn from_unix(seconds: Decimal) -> Timestamp {
        let micros = seconds
            .millionths()
            .clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        Timestamp(micros as i64)
    }

    /// A timestamp from whole seconds since the epoch (saturating).
    pub const fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp(seconds.saturating_mul(MICROS))
    }

    /// The system clock now.
    pub fn now() -> Timestamp {
        let micros = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_micros()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_micros()).unwrap_or(i64::MAX),
        };
        Timestamp(micros)
    }

    /// Exact seconds since the epoch.
    pub const fn unix(self) -> Decimal {
        Decimal::from_millionths(self.0 as i128)
    }

    /// Microseconds since the epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (rounded down).
    pub const fn unix_floor(self) -> i64 {
        self.0.div_euclid(MICROS)
    }

    /// The UTC day number since the epoch (rounded down).
    pub const fn day_number(self) -> i64 {
        self.unix_floor().div_euclid(DAY as i64)
    }

    /// The UTC calendar fields of this instant.
    pub fn civil(self) -> Civil {
        let days = self.day_number();
        let rem = self.unix_floor().rem_euclid(DAY as i64) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year: i128::from(year),
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
            // 1970-01-01 was a Thursday (4); Monday is 1.
            weekday: ((days + 3).rem_euclid(7) + 1) as u32,
        }
    }

    /// The RFC 3339 text of [`Timestamp`]'s `Display`, made on the stack without `core::fmt`
    /// (a decision service writes several per deferred call).
    pub fn rfc3339(self) -> Rfc3339 {
        let mut text = Rfc3339 {
            bytes: [0; RFC3339_MAX],
            len: 0,
        };
        let civil = self.civil();
        text.year(civil.year);
        text.push(b'-');
        text.digits(civil.month, 2);
        text.push(b'-');
        text.digits(civil.day, 2);
        text.push(b'T');
        text.digits(civil.hour, 2);
        text.push(b':');
        text.digits(civil.minute, 2);
        text.push(b':');
        text.digits(civil.second, 2);
        let mut fraction = self.0.rem_euclid(MICROS) as u32;
        if fraction != 0 {
            let mut width = 6;
            while fraction.is_multiple_of(10) {
                fraction /= 10;
                width -= 1;
            }
            text.push(b'.');
            text.digits(fraction, width);
        }
        text.push(b'Z');
        text
    }

    /// Appends [`Timestamp::rfc3339`] to `out`.
    pub fn write_rfc3339(self, out: &mut String) {
        out.push_str(self.rfc3339().as_str());
    }

    /// Parses an RFC 3339 date-time (`2026-11-23T18:00:00Z`, `…T18:00:00.25+01:00`).
    ///
    /// Fractions beyond microseconds are truncated. Returns `None` for anything else.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() < 20 {
            return None;
        }
        let year = digits(b, 0, 4)?;
        let month = digits(b, 5, 2)?;
        let day = digits(b, 8, 2)?;
        let hour = digits(b, 11, 2)?;
        let minute = digits(b, 14, 2)?;
        let second = digits(b, 17, 2)?;
        if b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut pos = 19;
        let mut micros: i128 = 0;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            let start = pos;
            while pos < b.len() && b[pos].is_ascii_digit() {
                if pos - start < 6 {
                    micros = micros * 10 + i128::from(b[pos] - b'0');
                }
                pos += 1;
            }
            let count = pos - start;
            if count == 0 {
                return None;
            }
            for _ in count..6 {
                micros *= 10;
            }
        }
        let offset: i128 = match b.get(pos)? {
            b'Z' | b'z' => {
                pos += 1;
                0
            }
            sign @ (b'+' | b'-') => {
                let oh = digits(b, pos + 1, 2)?;
                let om = digits(b, pos + 4, 2)?;
                if b.get(pos + 3) != Some(&b':') || oh > 23 || om > 59 {
                    return None;
                }
                pos += 6;
                let off = i128::from(oh * 3600 + om * 60);
                if *sign == b'-' { -off } else { off }
            }
            _ => return None,
        };
        if pos != b.len() {
            return None;
        }
        let days = days_from_civil(i128::from(year), month, day);
        let secs = days * DAY + i128::from(hour * 3600 + minute * 60 + second) - offset;
        i64::try_from(secs * 1_000_000 + micros).ok().map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with the shortest exact fraction: `2026-11-23T18:00:00.5Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rfc3339().as_str())
    }
}

/// Room for the longest [`Rfc3339`] text: a sign and up to ten year digits (any `u32`; the
/// years of i64 microseconds have at most six), `-MM-DDTHH:MM:SS` (15), a fraction of up to six
/// digits with its point (7) and `Z`.
const RFC3339_MAX: usize = 34;

/// A timestamp's RFC 3339 text, from [`Timestamp::rfc3339`]: the year with at least four
/// digits (a negative one with its sign and at least three), then the date, the time, the
/// shortest exact fraction and `Z`.
#[derive(Clone, Copy)]
pub struct Rfc3339 {
    bytes: [u8; RFC3339_MAX],
    len: usize,
}

impl Rfc3339 {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// The last `width` decimal digits of `value`, zero-padded.
    fn digits(&mut self, value: u32, width: usize) {
        let end = self.len + width;
        fill_decimal(&mut self.bytes[self.len..end], value);
        self.len = end;
    }

    /// The year as `{:04}` writes it: zero-padded to four characters, a minus sign included.
    fn year(&mut self, year: i128) {
        if year < 0 {
            self.push(b'-');
        }
        // |year| ≤ 290,308 for every i64 of microseconds.
        let magnitude = u32::try_from(year.unsigned_abs()).unwrap_or(u32::MAX);
        let padded = if year < 0 { 3 } else { 4 };
        self.digits(magnitude, decimal_width(magnitude).max(padded));
    }
}

impl fmt::Debug for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// UTC calendar fields of a [`Timestamp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year (proleptic Gregorian).
    pub year: i128,
    /// Month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day: u32,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute, 0–59.
    pub minute: u32,
    /// Second, 0–59.
    pub second: u32,
    /// Day of week, 1 = Monday … 7 = Sunday.
    pub weekday: u32,
}

fn digits(b: &[u8], at: usize, count: usize) -> Option<u32> {
    let slice = b.get(at..at + count)?;
    let mut value = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(c - b'0');
    }
    Some(value)
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i128, month: u32, day: u32) -> i128 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i128::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i128::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01; H. Hinnant's
/// algorithm). Every day number of an i64 of microseconds fits in i64 arithmetic here.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `Display` as it was written with `core::fmt` before [`Timestamp::rfc3339`]: the
    /// reference the hand-written text must equal byte for byte.
    fn with_fmt(t: Timestamp) -> String {
        let c = t.civil();
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        let mut frac = t.0.rem_euclid(MICROS);
        if frac != 0 {
            let mut width = 6;
            while frac % 10 == 0 {
                frac /= 10;
                width -= 1;
            }
            out.push_str(&format!(".{frac:0width$}"));
        }
        out.push('Z');
        out
    }

    fn assert_as_fmt(t: Timestamp) {
        // The calendar fields (computed in i64 now) are those of the i128 inverse.
        let c = t.civil();
        let secs = days_from_civil(c.year, c.month, c.day) * DAY
            + i128::from(c.hour * 3600 + c.minute * 60 + c.second);
        assert_eq!(secs, i128::from(t.unix_floor()), "{}", t.0);
        assert!(c.hour < 24 && c.minute < 60 && c.second < 60 && (1..=7).contains(&c.weekday));
        let text = t.rfc3339();
        assert_eq!(text.as_str(), with_fmt(t), "{}", t.0);
        assert_eq!(t.to_string(), text.as_str());
        let mut out = String::from("x");
        t.write_rfc3339(&mut out);
        assert_eq!(out, format!("x{}", text.as_str()));
    }

    #[test]
    fn rfc3339_is_the_fmt_text_at_the_edges() {
        let year = |y: i64| days_from_civil(i128::from(y), 1, 1) as i64 * 86_400 * MICROS;
        let mut cases = vec![
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            i64::MAX - 999_999,
            0,
            -1,
            1,
            999_999,
            1_000_000,
            -1_000_000,
            -1_000_001,
            1_795_456_800_000_000,
            1_795_456_800_500_000,
            1_795_456_800_120_000,
            1_795_456_800_000_001,
            1_795_456_800_000_010,
            1_795_456_800_100_000,
            1_795_456_800_999_999,
        ];
        // Years with one to six digits on both sides of zero, and the seconds around them.
        for y in [
            -290_000, -100_000, -99_999, -10_000, -9_999, -1_000, -999, -100, -99, -10, -9, -1, 0,
            1, 9, 10, 99, 100, 999, 1_000, 1_969, 1_970, 2_000, 2_026, 9_999, 10_000, 99_999,
            100_000, 290_000,
        ] {
            for delta in [-1_000_000, -1, 0, 1, 500_000] {
                cases.push(year(y) + delta);
            }
        }
        for micros in cases {
            assert_as_fmt(Timestamp(micros));
        }
        assert_eq!(
            Timestamp(i64::MIN).to_string(),
            "-290308-12-21T19:59:05.224192Z"
        );
        assert_eq!(
            Timestamp(i64::MAX).to_string(),
            "294247-01-10T04:00:54.775807Z"
        );
        assert_eq!(Timestamp(year(-1)).to_string(), "-001-01-01T00:00:00Z");
        assert_eq!(Timestamp(year(0)).to_string(), "0000-01-01T00:00:00Z");
    }

    proptest! {
        #[test]
        fn rfc3339_is_the_fmt_text(micros in any::<i64>()) {
            assert_as_fmt(Timestamp(micros));
        }

        #[test]
        fn rfc3339_is_the_fmt_text_near_now(micros in 0i64..4_102_444_800_000_000) {
            assert_as_fmt(Timestamp(micros));
        }

        #[test]
        fn rfc3339_is_the_fmt_text_of_whole_milliseconds(millis in -1i64 << 44..1i64 << 44) {
            assert_as_fmt(Timestamp(millis * 1_000));
        }
    }

    #[test]
    fn parses_rfc3339() {
        let cases: &[(&str, Option<&str>)] = &[
            ("1970-01-01T00:00:00Z", Some("0")),
            ("2026-11-23T18:00:00Z", Some("1795456800")),
            ("2026-11-23T19:00:00+01:00", Some("1795456800")),
            ("2026-11-23t18:00:00.5z", Some("1795456800.5")),
            ("2026-11-23T18:00:00.1234567Z", Some("1795456800.123456")),
            ("1969-12-31T23:59:59Z", Some("-1")),
            ("2024-02-29T00:00:00Z", Some("1709164800")),
            ("2023-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-11-23T24:00:00Z", None),
            ("2026-11-23T18:00:00", None),
            ("2026-11-23T18:00:00.Z", None),
            ("2026-11-23T18:00:00+0100", None),
            ("2026-11-23", None),
            ("２026-11-23T18:00:00Z", None),
        ];
        for (text, expect) in cases {
            let got = Timestamp::parse_rfc3339(text).map(|t| t.unix().to_string());
            assert_eq!(got.as_deref(), *expect, "{text}");
        }
    }

    #[test]
    fn civil_fields_and_display() {
        let t = Timestamp::parse_rfc3339("2026-11-23T18:07:09.25Z").unwrap_or_default();
        let c = t.civil();
        assert_eq!(
            (
                c.year, c.month, c.day, c.hour, c.minute, c.second, c.weekday
            ),
            (2026, 11, 23, 18, 7, 9, 1)
        );
        assert_eq!(t.to_string(), "2026-11-23T18:07:09.25Z");
        let before = Timestamp::from_unix_seconds(-1).civil();
        assert_eq!((before.year, before.hour, before.weekday), (1969, 23, 3));
    }

    #[test]
    fn round_trips() {
        for days in [-719_468, -1, 0, 59, 365, 10_957, 20_780, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                days_from_civil(i128::from(year), month, day),
                i128::from(days)
            );
        }
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
    }
}
