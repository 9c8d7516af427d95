//! One (agent, session): its permitted calls, its spend and its history of decisions.
//!
//! A history keeps the last [`HISTORY_LEN`] entries; once full, its slots reuse their string
//! capacity, so recording allocates nothing.

use crate::decimal::Decimal;
use crate::ir::Effect;
use crate::time::Timestamp;

/// Entries kept per (agent, session).
pub const HISTORY_LEN: usize = 64;

/// Initial capacity of a history slot's tool name (longer names grow it once).
const TOOL_CAPACITY: usize = 64;

/// One (agent, session).
#[derive(Debug)]
pub struct SessionState {
    id: Box<str>,
    /// Permitted calls.
    pub calls: u64,
    /// Spend of the permitted calls.
    pub cost: Decimal,
    /// The last decisions.
    pub history: History,
}

/// The last [`HISTORY_LEN`] decisions of a session, oldest first.
#[derive(Debug)]
pub struct History {
    entries: Vec<Entry>,
    /// Next slot to overwrite once full.
    next: usize,
    seq: u64,
}

/// One history entry.
#[derive(Debug)]
pub struct Entry {
    /// The tool called.
    pub tool: String,
    /// The decision's effect.
    pub effect: Effect,
    /// The decision time.
    pub time: Timestamp,
    /// Insertion order, to break ties between equal times.
    pub seq: u64,
}

impl SessionState {
    /// A session not seen before.
    pub fn new(id: &str) -> SessionState {
        SessionState {
            id: id.into(),
            calls: 0,
            cost: Decimal::ZERO,
            history: History::new(),
        }
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History {
            entries: Vec::with_capacity(HISTORY_LEN),
            next: 0,
            seq: 0,
        }
    }

    /// Appends an entry, dropping the oldest beyond [`HISTORY_LEN`].
    pub fn push(&mut self, tool: &str, effect: Effect, time: Timestamp) {
        self.seq += 1;
        if self.entries.len() < HISTORY_LEN {
            let mut name = String::with_capacity(TOOL_CAPACITY.max(tool.len()));
            name.push_str(tool);
            self.entries.push(Entry {
                tool: name,
                effect,
                time,
                seq: self.seq,
            });
            return;
        }
        let entry = &mut self.entries[self.next];
        entry.tool.clear();
        entry.tool.push_str(tool);
        entry.effect = effect;
        entry.time = time;
        entry.seq = self.seq;
        self.next = (self.next + 1) % HISTORY_LEN;
    }

    /// Entries recorded so far, including those dropped (the `seq` of the newest).
    pub fn recorded(&self) -> u64 {
        self.seq
    }

    /// The entries (in no particular order; each carries its `seq`).
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }
}

impl Default for History {
    fn default() -> History {
        History::new()
    }
}
