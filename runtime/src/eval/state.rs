//! Evaluator state (§6.5): rate-limit windows, budget spend, and per-session history.
//!
//! Lookups never allocate. Inserting a session seen for the first time allocates its key and
//! history once; after that, history slots reuse their string capacity.

use std::collections::HashMap;

use crate::decimal::Decimal;
use crate::ir::Effect;
use crate::time::Timestamp;

/// Entries kept per (agent, session).
pub const HISTORY_LEN: usize = 64;

/// Initial capacity of a history slot's tool name (longer names grow it once).
const TOOL_CAPACITY: usize = 64;

/// All state of one evaluator, per agent (parallel to the policy's agents).
#[derive(Debug, Default)]
pub(crate) struct State {
    pub agents: Vec<AgentState>,
}

/// State of one agent.
#[derive(Debug, Default)]
pub(crate) struct AgentState {
    index: HashMap<Box<str>, u32>,
    sessions: Vec<SessionState>,
    /// The session used last: checked before hashing.
    last: Option<u32>,
    pub day: DayState,
    /// Per rate limit (parallel to the agent's rate limits).
    pub rates: Vec<RateState>,
    /// Per budget (parallel to the agent's budgets): calls and spend of the budget's UTC day,
    /// read by the budgets that count per day (`daily` and custom ids).
    pub budget_days: Vec<DayState>,
}

/// Spend and calls of one agent in one UTC day.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct DayState {
    pub day: i64,
    pub calls: u64,
    pub cost: Decimal,
}

/// Calls permitted in the current window of one rate limit.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RateState {
    pub window: i64,
    pub count: u64,
}

/// One (agent, session).
#[derive(Debug)]
pub(crate) struct SessionState {
    id: Box<str>,
    pub calls: u64,
    pub cost: Decimal,
    pub history: History,
}

/// The last [`HISTORY_LEN`] decisions of a session, oldest first.
#[derive(Debug)]
pub(crate) struct History {
    entries: Vec<Entry>,
    /// Next slot to overwrite once full.
    next: usize,
    seq: u64,
}

/// One history entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub tool: String,
    pub effect: Effect,
    pub time: Timestamp,
    /// Insertion order, to break ties between equal times.
    pub seq: u64,
}

impl State {
    /// Fresh state for a policy with these (rate limit, budget) counts per agent.
    pub fn new(limits_per_agent: impl Iterator<Item = (usize, usize)>) -> State {
        State {
            agents: limits_per_agent
                .map(|(rates, budgets)| AgentState {
                    rates: vec![RateState::default(); rates],
                    budget_days: vec![DayState::default(); budgets],
                    ..AgentState::default()
                })
                .collect(),
        }
    }
}

impl AgentState {
    /// The session named `id`, if it has been seen.
    pub fn find(&self, id: &str) -> Option<u32> {
        if let Some(last) = self.last
            && self
                .sessions
                .get(last as usize)
                .is_some_and(|s| &*s.id == id)
        {
            return Some(last);
        }
        self.index.get(id).copied()
    }

    /// The session at `slot`.
    pub fn session(&self, slot: u32) -> Option<&SessionState> {
        self.sessions.get(slot as usize)
    }

    /// The session at `found` (what [`AgentState::find`] returned for `id` on this state), or
    /// the session named `id` created when new (this allocates once per new session).
    pub fn session_mut(&mut self, found: Option<u32>, id: &str) -> &mut SessionState {
        let slot = match found.filter(|&slot| (slot as usize) < self.sessions.len()) {
            Some(slot) => slot,
            None => {
                let slot = self.sessions.len() as u32;
                self.sessions.push(SessionState {
                    id: id.into(),
                    calls: 0,
                    cost: Decimal::ZERO,
                    history: History::new(),
                });
                self.index.insert(id.into(), slot);
                slot
            }
        };
        self.last = Some(slot);
        let index = slot as usize;
        &mut self.sessions[index]
    }

    /// Calls and spend of the UTC day `day` (zero when the stored day is another one).
    pub fn day_view(&self, day: i64) -> DayState {
        self.day.on(day)
    }
}

impl DayState {
    /// These counts if they are of the UTC day `day`, zero otherwise.
    pub fn on(self, day: i64) -> DayState {
        if self.day == day {
            self
        } else {
            DayState {
                day,
                calls: 0,
                cost: Decimal::ZERO,
            }
        }
    }

    /// Counts one permitted call of `cost` on the UTC day `day`, starting the day afresh when
    /// the stored one is another.
    pub fn count(&mut self, day: i64, cost: Decimal) {
        *self = self.on(day);
        self.calls += 1;
        self.cost = self.cost.saturating_add(cost);
    }
}

impl History {
    fn new() -> History {
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

    /// The entries (in no particular order; each carries its `seq`).
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }
}
