//! Decision ids (§17: unique, also written to the decision record): 64 random bits chosen at
//! start, then a counter, as 32 hex digits.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use fpl_runtime::hex::push_hex;

/// Hands out decision ids.
#[derive(Debug)]
pub(crate) struct DecisionIds {
    prefix: u64,
    next: AtomicU64,
}

/// One decision id, written where it is needed without building a string first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecisionId {
    prefix: u64,
    counter: u64,
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

    /// The first of `count` consecutive ids (a request takes one, a batch all of its own at
    /// once); the others follow it by [`DecisionId::successor`].
    pub fn take(&self, count: u64) -> DecisionId {
        DecisionId {
            prefix: self.prefix,
            counter: self.next.fetch_add(count, Ordering::Relaxed),
        }
    }
}

impl DecisionId {
    /// The id after this one in the same sequence.
    pub fn successor(self) -> DecisionId {
        DecisionId {
            counter: self.counter.wrapping_add(1),
            ..self
        }
    }

    /// Appends the id's 32 lowercase hex digits: the prefix's 16, then the counter's.
    pub fn write_hex(self, out: &mut String) {
        push_hex(out, &self.prefix.to_be_bytes());
        push_hex(out, &self.counter.to_be_bytes());
    }
}

impl fmt::Display for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(32);
        self.write_hex(&mut text);
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_as_their_display_text() {
        let ids = DecisionIds {
            prefix: 0x0123_4567_89ab_cdef,
            next: AtomicU64::new(u64::MAX - 1),
        };
        let first = ids.take(3);
        let mut written = Vec::new();
        let mut id = first;
        for _ in 0..3 {
            let mut out = String::new();
            id.write_hex(&mut out);
            assert_eq!(out, id.to_string());
            assert_eq!(out, format!("{:016x}{:016x}", id.prefix, id.counter));
            written.push(out);
            id = id.successor();
        }
        assert_eq!(
            written,
            [
                "0123456789abcdeffffffffffffffffe",
                "0123456789abcdefffffffffffffffff",
                "0123456789abcdef0000000000000000",
            ]
        );
        assert_eq!(ids.take(1), id);
    }
}
