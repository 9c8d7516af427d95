//! The findings cache: the findings of each group of rules, keyed by the group's position-free
//! value ([`GroupKey`]: the agent's facts and the group's rules, compared structurally). Rules
//! that only moved keep their key, so their findings come back without a solver query and are
//! placed where the rules are now when they are rendered. The analysis host owns one cache
//! (`host/smt_layer.rs`); a run without a host uses a cache of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::finding::Finding;
use super::input;

/// Entries kept before the cache starts over.
const CAPACITY: usize = 100_000;

/// What a group's findings depend on: the agent's facts and the group's rules in evaluation
/// order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey {
    /// The agent.
    pub agent: Arc<input::Agent>,
    /// The rules.
    pub rules: Vec<Arc<input::Rule>>,
}

/// Findings of groups of rules, shared by the runs of one analysis host.
#[derive(Debug, Default)]
pub struct Cache {
    groups: Mutex<HashMap<GroupKey, Arc<[Finding]>>>,
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, HashMap<GroupKey, Arc<[Finding]>>> {
        self.groups
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The findings of the group with `key`, if known.
    pub(crate) fn get(&self, key: &GroupKey) -> Option<Arc<[Finding]>> {
        self.lock().get(key).cloned()
    }

    /// Remembers the findings of the group with `key`.
    pub(crate) fn put(&self, key: GroupKey, findings: Arc<[Finding]>) {
        let mut groups = self.lock();
        if groups.len() >= CAPACITY {
            groups.clear();
        }
        groups.insert(key, findings);
    }
}
