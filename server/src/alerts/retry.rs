//! When to try a failed alert delivery again: exponential backoff with jitter, and a receiver's
//! `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) on 429 and 503.

use std::time::{Duration, SystemTime};

/// Exponential backoff: the first retry waits about `first`, each later one twice as long, never
/// more than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The wait before the first retry.
    pub first: Duration,
    /// The longest wait, also the most a `Retry-After` is honoured for.
    pub max: Duration,
}

impl Backoff {
    /// The wait before retry number `retry` (1 for the first retry). `jitter` in `[0, 1]` picks
    /// a point between half the exponential wait and all of it, so that replicas which failed
    /// together do not retry together.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let doubled = self
            .first
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let full = doubled.min(self.max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    /// The wait before retry number `retry` after an answer that asked for `retry_after`: at
    /// least what the receiver asked (up to `max`), and never less than the backoff.
    pub fn delay_after(&self, retry: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let backoff = self.delay(retry, jitter);
        match retry_after {
            Some(asked) => asked.min(self.max).max(backoff),
            None => backoff,
        }
    }
}

/// The wait a `Retry-After` value asks for, at `now`: a number of seconds, or an HTTP date (a
/// date in the past asks for no wait). `None` for anything else.
pub(crate) fn parse_retry_after(value: &[u8], now: SystemTime) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        // Too many digits for a u64 is still "a very long time".
        return Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in `[0, 1]` from the operating system's random source, for [`Backoff::delay`];
/// the midpoint when the source fails (the wait is then merely not jittered).
pub(crate) fn jitter() -> f64 {
    match getrandom::u32() {
        Ok(random) => f64::from(random) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff {
        first: Duration::from_millis(500),
        max: Duration::from_secs(60),
    };

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let full: Vec<Duration> = (1..=10).map(|retry| BACKOFF.delay(retry, 1.0)).collect();
        assert_eq!(full[0], Duration::from_millis(500));
        assert_eq!(full[1], Duration::from_secs(1));
        assert_eq!(full[2], Duration::from_secs(2));
        assert_eq!(full[7], Duration::from_secs(60));
        assert_eq!(full[9], Duration::from_secs(60));
        // Huge retry numbers saturate instead of overflowing.
        assert_eq!(BACKOFF.delay(u32::MAX, 1.0), Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_wait() {
        assert_eq!(BACKOFF.delay(3, 0.0), Duration::from_secs(1));
        assert_eq!(BACKOFF.delay(3, 1.0), Duration::from_secs(2));
        assert_eq!(BACKOFF.delay(3, 7.0), Duration::from_secs(2));
        for _ in 0..100 {
            let delay = BACKOFF.delay(3, jitter());
            assert!(delay >= Duration::from_secs(1) && delay <= Duration::from_secs(2));
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_maximum() {
        let asked = |seconds| Some(Duration::from_secs(seconds));
        assert_eq!(
            BACKOFF.delay_after(1, 1.0, asked(7)),
            Duration::from_secs(7)
        );
        assert_eq!(
            BACKOFF.delay_after(1, 1.0, asked(3600)),
            Duration::from_secs(60)
        );
        // Asking for less than the backoff does not make retries faster.
        assert_eq!(
            BACKOFF.delay_after(3, 1.0, asked(0)),
            Duration::from_secs(2)
        );
        assert_eq!(BACKOFF.delay_after(1, 1.0, None), BACKOFF.delay(1, 1.0));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("date");
        let parse = |text: &str| parse_retry_after(text.as_bytes(), now);
        assert_eq!(parse("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            parse("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:50:07 GMT"),
            Some(Duration::from_secs(30))
        );
        // The obsolete forms of RFC 850 and asctime are HTTP dates too.
        assert_eq!(
            parse("Sunday, 06-Nov-94 08:49:47 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse("Sun Nov  6 08:49:38 1994"),
            Some(Duration::from_secs(1))
        );
        assert_eq!(parse("Sun, 06 Nov 1994 08:00:00 GMT"), Some(Duration::ZERO));
        for bad in ["", "-5", "1.5", "soon", "Sun, 32 Nov 1994 08:49:37 GMT"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse_retry_after(&[0xff, b'1'], now), None);
    }
}
