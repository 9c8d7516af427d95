//! Decision ids (§17: unique, also written to the decision record): 64 random bits chosen at
//! start, then a counter, as 32 hex digits.

use std::sync::atomic::{AtomicU64, Ordering};

/// Hands out decision ids.
#[derive(Debug)]
pub(crate) struct DecisionIds {
    prefix: u64,
    next: AtomicU64,
}

impl DecisionIds {
    /// A fresh sequence with a random prefix, so two runs never hand out the same id.
    pub fn new() -> std::io::Result<DecisionIds> {
        let prefix = getrandom::u64().map_err(|error| std::io::Error::other(error.to_string()))?;
        Ok(DecisionIds {
            prefix,
            next: AtomicU64::new(1),
        })
    }

    /// The next id.
    pub fn next(&self) -> String {
        let counter = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}{counter:016x}", self.prefix)
    }
}
