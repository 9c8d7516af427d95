//! The state of one agent: its UTC day, its rate-limit windows, its budgets' days and its
//! sessions, each found by a key that stays the same across policy versions.

use std::collections::HashMap;

use super::change::Change;
use super::session::SessionState;
use crate::decimal::Decimal;
use crate::ir::Effect;

/// The identity of a rate limit across policy versions: its tool pattern and window length.
/// Two limits with the same pattern and window count the same calls, so they share a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateKey<'a> {
    /// The tool pattern as written.
    pub pattern: &'a str,
    /// The window length in seconds.
    pub seconds: i64,
}

impl RateKey<'_> {
    /// The number of the window (aligned to the epoch) that holds Unix second `unix`.
    pub fn window_of(self, unix: i64) -> i64 {
        unix.div_euclid(self.seconds.max(1))
    }
}

/// Spend and calls of one agent (or one budget) in one UTC day.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DayState {
    /// The UTC day number (days since the epoch).
    pub day: i64,
    /// Permitted calls that day.
    pub calls: u64,
    /// Spend that day.
    pub cost: Decimal,
}

/// Calls permitted in the current window of one rate limit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// The window number.
    pub window: i64,
    /// Permitted calls in it.
    pub count: u64,
}

/// The state of one agent.
#[derive(Debug, Default)]
pub struct AgentState {
    /// The agent's calls and spend of its last UTC day with a permit.
    pub day: DayState,
    rates: Vec<(Box<str>, i64, RateState)>,
    budgets: Vec<(Box<str>, DayState)>,
    index: HashMap<Box<str>, u32>,
    sessions: Vec<SessionState>,
    /// The session changed last: checked before hashing.
    last: Option<u32>,
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

impl RateState {
    /// Calls counted in `window` (zero when the stored window is another).
    pub fn in_window(self, window: i64) -> u64 {
        if self.window == window { self.count } else { 0 }
    }
}

impl AgentState {
    /// The counter of the rate limit `key` (zero when never counted).
    pub fn rate(&self, key: RateKey<'_>) -> RateState {
        self.rates
            .iter()
            .find(|(pattern, seconds, _)| *seconds == key.seconds && **pattern == *key.pattern)
            .map_or_else(RateState::default, |(_, _, state)| *state)
    }

    /// The counter of the rate limit `key`, created when new.
    pub fn rate_mut(&mut self, key: RateKey<'_>) -> &mut RateState {
        let found = self
            .rates
            .iter()
            .position(|(pattern, seconds, _)| *seconds == key.seconds && **pattern == *key.pattern);
        let index = found.unwrap_or_else(|| {
            self.rates
                .push((key.pattern.into(), key.seconds, RateState::default()));
            self.rates.len() - 1
        });
        &mut self.rates[index].2
    }

    /// Every rate-limit counter with its key.
    pub fn rates(&self) -> impl Iterator<Item = (RateKey<'_>, RateState)> {
        self.rates.iter().map(|(pattern, seconds, state)| {
            let key = RateKey {
                pattern,
                seconds: *seconds,
            };
            (key, *state)
        })
    }

    /// The day of the budget `id` (zero when never counted).
    pub fn budget(&self, id: &str) -> DayState {
        self.budgets
            .iter()
            .find(|(name, _)| **name == *id)
            .map_or_else(DayState::default, |(_, day)| *day)
    }

    /// The day of the budget `id`, created when new.
    pub fn budget_mut(&mut self, id: &str) -> &mut DayState {
        let found = self.budgets.iter().position(|(name, _)| **name == *id);
        let index = found.unwrap_or_else(|| {
            self.budgets.push((id.into(), DayState::default()));
            self.budgets.len() - 1
        });
        &mut self.budgets[index].1
    }

    /// Every budget's day with its id.
    pub fn budgets(&self) -> impl Iterator<Item = (&str, DayState)> {
        self.budgets.iter().map(|(id, day)| (&**id, *day))
    }

    /// The session named `id`, if it has been seen.
    pub fn session(&self, id: &str) -> Option<&SessionState> {
        if let Some(last) = self.last
            && let Some(session) = self.sessions.get(last as usize)
            && session.id() == id
        {
            return Some(session);
        }
        let slot = *self.index.get(id)?;
        self.sessions.get(slot as usize)
    }

    /// The session named `id`, created when new (this allocates once per new session).
    pub fn session_mut(&mut self, id: &str) -> &mut SessionState {
        let last = self.last.filter(|&slot| {
            self.sessions
                .get(slot as usize)
                .is_some_and(|s| s.id() == id)
        });
        let slot = match last.or_else(|| self.index.get(id).copied()) {
            Some(slot) => slot,
            None => {
                let slot = self.sessions.len() as u32;
                self.sessions.push(SessionState::new(id));
                self.index.insert(id.into(), slot);
                slot
            }
        };
        self.last = Some(slot);
        &mut self.sessions[slot as usize]
    }

    /// Applies one decision's effect (§6.1 step 7): a permit counts against the rate limits and
    /// budgets it matched and the agent's day; the session counts it and records it in its history.
    pub fn apply(&mut self, change: &Change<'_>) {
        let permit = change.effect() == Effect::Permit;
        let today = change.time().day_number();
        let cost = change.cost();
        if permit {
            if change.counts_day() {
                self.day.count(today, cost);
            }
            for id in change.budgets() {
                self.budget_mut(id).count(today, cost);
            }
            let unix = change.time().unix_floor();
            for key in change.rates() {
                let window = key.window_of(unix);
                let counter = self.rate_mut(key);
                if counter.window != window {
                    *counter = RateState { window, count: 0 };
                }
                counter.count += 1;
            }
        }
        if !change.keeps_session() {
            return;
        }
        let session = self.session_mut(change.session());
        if permit {
            session.calls += 1;
            session.cost = session.cost.saturating_add(cost);
        }
        if change.keeps_history() {
            session
                .history
                .push(change.tool(), change.effect(), change.time());
        }
    }
}
