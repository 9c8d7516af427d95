//! RFC 3339 timestamps parsed and printed by hand, and the UTC calendar fields of `time.*`.

use std::fmt;

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
        let secs = i128::from(self.unix_floor());
        let days = secs.div_euclid(DAY);
        let rem = secs.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            // 1970-01-01 was a Thursday (4); Monday is 1.
            weekday: ((days + 3).rem_euclid(7) + 1) as u32,
        }
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
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )?;
        let mut frac = self.0.rem_euclid(MICROS);
        if frac != 0 {
            let mut width = 6;
            while frac % 10 == 0 {
                frac /= 10;
                width -= 1;
            }
            write!(f, ".{frac:0width$}")?;
        }
        f.write_str("Z")
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

fn civil_from_days(days: i128) -> (i128, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
    }
}
