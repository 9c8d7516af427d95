//! The request's time as the encoding sees it: microseconds since the epoch, over exactly the
//! instants an RFC 3339 `time` can name (SPEC §5), and the text of a witness's `time`.

use fpl_runtime::{Decimal, Timestamp};

/// The variable holding the request's time in microseconds (= `time.unix` in millionths).
pub const VAR: &str = "time.micros";

/// The earliest and the latest instant a request's `time` can name, in microseconds: the
/// first and last local times of the years 0000–9999 at the widest offsets the runtime reads.
pub fn range() -> (i128, i128) {
    let micros = |text: &str| {
        Timestamp::parse_rfc3339(text).map_or(0, |stamp| i128::from(stamp.unix_micros()))
    };
    (
        micros(FIRST_LOCAL_AT_EAST),
        micros("9999-12-31T23:59:60.999999-23:59"),
    )
}

const FIRST_LOCAL_AT_EAST: &str = "0000-01-01T00:00:00+23:59";

/// The widest offset the runtime reads, in microseconds.
const OFFSET: i128 = (23 * 3600 + 59 * 60) * 1_000_000;

/// An RFC 3339 text the runtime reads as `micros`; `None` outside [`range`].
pub fn rfc3339(micros: i128) -> Option<String> {
    let (first, last) = range();
    if !(first..=last).contains(&micros) {
        return None;
    }
    let utc = |micros: i128| {
        let stamp = Timestamp::from_unix(Decimal::from_millionths(micros));
        (i128::from(stamp.unix_micros()) == micros).then(|| stamp.to_string())
    };
    let earliest_utc = first + OFFSET;
    let latest_utc = Timestamp::parse_rfc3339("9999-12-31T23:59:59.999999Z")
        .map_or(0, |stamp| i128::from(stamp.unix_micros()));
    let (local, offset) = if micros < earliest_utc {
        (micros + OFFSET, "+23:59")
    } else if micros > latest_utc {
        (micros - OFFSET, "-23:59")
    } else {
        return utc(micros);
    };
    // A local time past the last second of 9999 is its leap second, `23:59:60`.
    let text = if local > latest_utc {
        let fraction = local - latest_utc - 1;
        let mut text = String::from("9999-12-31T23:59:60");
        if fraction > 0 {
            text.push_str(&format!(".{fraction:06}"));
        }
        text
    } else {
        utc(local)?.trim_end_matches('Z').to_string()
    };
    Some(format!("{text}{offset}"))
}

#[cfg(test)]
mod tests {
    use fpl_runtime::Timestamp;

    use super::{range, rfc3339};

    #[test]
    fn every_edge_of_the_range_reads_back() {
        let (first, last) = range();
        assert!(first < -62_167_219_200_000_000 && last > 253_402_300_799_000_000);
        let day = 86_400_000_000;
        for micros in [
            first,
            first + 1,
            first + day - 1,
            first + day,
            -1,
            0,
            1_700_000_000_500_000,
            last - day,
            last - 1_000_000,
            last - 1,
            last,
        ] {
            let text = rfc3339(micros).expect("inside the range");
            let read = Timestamp::parse_rfc3339(&text).map(|stamp| i128::from(stamp.unix_micros()));
            assert_eq!(read, Some(micros), "{text}");
        }
        assert_eq!(rfc3339(first - 1), None);
        assert_eq!(rfc3339(last + 1), None);
    }
}
