//! The snapshot this replica last read or wrote for each agent, so the agent's next group is
//! decided without reading its state first. The group's write, or a check of the version when
//! it changed nothing, still proves the snapshot was current: a stale one is a conflict, thrown
//! away, and the group is decided again on fresh state. Versions are random tokens
//! ([`super::redis`]), so a version seen again, after Redis restarted empty say, is never
//! mistaken for the same state.
//!
//! An agent that another replica also writes conflicts often; its snapshots are not kept for a
//! while, so its groups read first instead of paying for a wasted write.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::snapshot::Snapshot;

/// The most agents whose snapshots are kept; past it an arbitrary one is dropped.
const MAX_AGENTS: usize = 10_000;
/// How long a kept snapshot is used: well under the store's expiry of idle sessions.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// After a conflict, how long the agent's snapshots are not kept.
const CONTENDED_FOR: Duration = Duration::from_secs(1);

/// Kept snapshots by agent.
#[derive(Debug, Default)]
pub(crate) struct SnapshotCache {
    agents: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
enum Entry {
    /// The snapshot as last read or written, and when.
    Kept(Box<Snapshot>, Instant),
    /// Written by another replica too: nothing is kept until then.
    Contended(Instant),
}

impl SnapshotCache {
    /// Takes `agent`'s kept snapshot when it is fresh and holds every one of `sessions`.
    pub fn take(&self, agent: &str, sessions: &[&str]) -> Option<Snapshot> {
        let mut agents = self.locked();
        match agents.get(agent)? {
            Entry::Kept(snapshot, kept)
                if kept.elapsed() < FRESH_FOR && snapshot.covers(sessions) => {}
            Entry::Contended(until) if Instant::now() < *until => return None,
            _ => {
                agents.remove(agent);
                return None;
            }
        }
        match agents.remove(agent) {
            Some(Entry::Kept(snapshot, _)) => Some(*snapshot),
            _ => None,
        }
    }

    /// Keeps `snapshot`, current as the store holds it, unless its agent is contended.
    pub fn keep(&self, agent: &str, snapshot: Snapshot) {
        let mut agents = self.locked();
        if let Some(Entry::Contended(until)) = agents.get(agent)
            && Instant::now() < *until
        {
            return;
        }
        if agents.len() >= MAX_AGENTS
            && !agents.contains_key(agent)
            && let Some(other) = agents.keys().next().cloned()
        {
            agents.remove(&other);
        }
        agents.insert(
            agent.to_owned(),
            Entry::Kept(Box::new(snapshot), Instant::now()),
        );
    }

    /// Notes that `agent`'s state changed under this replica: nothing is kept for a while.
    pub fn contended(&self, agent: &str) {
        self.locked().insert(
            agent.to_owned(),
            Entry::Contended(Instant::now() + CONTENDED_FOR),
        );
    }

    fn locked(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Every change is one map operation.
        self.agents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(sessions: &[&str]) -> Snapshot {
        let loaded = sessions
            .iter()
            .map(|session| ((*session).to_owned(), String::new(), Vec::new()))
            .collect();
        Snapshot::parse("bot", &[], loaded).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn a_kept_snapshot_is_taken_once_and_only_for_sessions_it_holds() {
        let cache = SnapshotCache::default();
        cache.keep("bot", snapshot(&["s-1", "s-2"]));
        assert!(cache.take("bot", &["s-3"]).is_none(), "another session");
        cache.keep("bot", snapshot(&["s-1", "s-2"]));
        assert!(cache.take("bot", &["s-2", "s-1"]).is_some());
        assert!(cache.take("bot", &["s-1"]).is_none(), "taken already");
        assert!(cache.take("other", &["s-1"]).is_none());
    }

    #[test]
    fn a_contended_agent_keeps_nothing() {
        let cache = SnapshotCache::default();
        cache.contended("bot");
        cache.keep("bot", snapshot(&["s-1"]));
        assert!(cache.take("bot", &["s-1"]).is_none());
    }
}
