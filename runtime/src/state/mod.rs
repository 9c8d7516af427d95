//! Evaluator state (§6.5, §17): rate-limit windows, budget spend and per-session histories,
//! kept in a [`StateStore`] under keys a user recognises across policy versions — the agent's
//! name, the session id, a rate limit's tool pattern and window, a budget's id — so a new
//! version of a policy continues the counts of the last one.
//!
//! The evaluator reads an agent's state through [`StateStore::agent`] and hands every decision's
//! effect on it to [`StateStore::commit`] as a [`Change`]. [`MemoryStore`] is the in-process
//! store: lookups never allocate, and new agents, sessions and keys allocate once.

mod agent;
mod change;
mod memory;
mod session;

pub use agent::{AgentState, DayState, RateKey, RateState};
pub use change::Change;
pub(crate) use change::rate_key;
pub use memory::MemoryStore;
pub use session::{Entry, HISTORY_LEN, History, SessionState};

/// Where an evaluator keeps its state: read per decision, changed by each decision's commit.
pub trait StateStore {
    /// The state of the agent named `agent`; `None` when it has none yet (all counts zero).
    fn agent(&self, agent: &str) -> Option<&AgentState>;

    /// Records the effect of one decision (§6.1 step 7).
    fn commit(&mut self, change: &Change<'_>);
}
