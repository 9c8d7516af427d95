//! Hiccups: the time a core is taken away from a thread that never sleeps (by the kernel's own
//! threads, or by the host of a virtual machine), measured as gaps between consecutive clock
//! readings. What a server loses this way shows in its tail latency whatever it does.

use std::time::{Duration, Instant};

/// The gap lengths counted: each count is of the gaps longer than its bound.
pub const BOUNDS: [Duration; 5] = [
    Duration::from_micros(100),
    Duration::from_micros(500),
    Duration::from_millis(1),
    Duration::from_millis(2),
    Duration::from_millis(5),
];

/// The gaps seen while spinning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hiccups {
    /// How many gaps were longer than each of [`BOUNDS`].
    pub longer_than: [u64; BOUNDS.len()],
    /// The longest gap.
    pub longest: Duration,
    /// The time lost in gaps longer than the first bound.
    pub lost: Duration,
    /// How long the spin ran.
    pub spun: Duration,
}

impl Hiccups {
    /// Counts one gap between clock readings.
    pub fn add(&mut self, gap: Duration) {
        for (count, bound) in self.longer_than.iter_mut().zip(BOUNDS) {
            *count += u64::from(gap > bound);
        }
        if gap > BOUNDS[0] {
            self.lost += gap;
        }
        self.longest = self.longest.max(gap);
    }
}

/// Reads the clock without pause for `duration` and counts the gaps between readings.
pub fn spin(duration: Duration) -> Hiccups {
    let start = Instant::now();
    let mut hiccups = Hiccups::default();
    let mut last = start;
    loop {
        let now = Instant::now();
        hiccups.add(now - last);
        last = now;
        if now - start >= duration {
            hiccups.spun = now - start;
            return hiccups;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_counts_under_every_bound_it_exceeds_and_short_ones_are_not_lost_time() {
        let mut hiccups = Hiccups::default();
        hiccups.add(Duration::from_micros(20));
        hiccups.add(Duration::from_micros(1500));
        hiccups.add(Duration::from_millis(6));
        assert_eq!(hiccups.longer_than, [2, 2, 2, 1, 1]);
        assert_eq!(hiccups.lost, Duration::from_micros(7500));
        assert_eq!(hiccups.longest, Duration::from_millis(6));
    }

    #[test]
    fn a_spin_lasts_its_duration() {
        let hiccups = spin(Duration::from_millis(20));
        assert!(hiccups.spun >= Duration::from_millis(20));
        assert!(hiccups.lost <= hiccups.spun);
    }
}
