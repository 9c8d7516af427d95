//! The in-process store: every agent's state in a map, the embedded default.

use std::collections::HashMap;

use super::{AgentState, Change, StateStore};

/// State kept in this process. Reading allocates nothing; an agent seen for the first time
/// allocates its entry once.
#[derive(Debug, Default)]
pub struct MemoryStore {
    agents: HashMap<Box<str>, AgentState>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl StateStore for MemoryStore {
    fn agent(&self, agent: &str) -> Option<&AgentState> {
        self.agents.get(agent)
    }

    fn commit(&mut self, change: &Change<'_>) {
        if let Some(state) = self.agents.get_mut(change.agent()) {
            state.apply(change);
            return;
        }
        let mut state = AgentState::default();
        state.apply(change);
        self.agents.insert(change.agent().into(), state);
    }
}
