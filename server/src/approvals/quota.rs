//! Bounds on how many approvals a service creates: a `defer` creates one only while its agent,
//! and the service as a whole, have fewer than their bound of approvals created and not yet past
//! their expiry. Agents choose their own names and can defer at any rate, so without a bound they
//! could fill the store (memory, or Redis) with approvals nobody will ever read. Past a bound the
//! call is still deferred, without an approval (`"approval": null`): it never runs unapproved.
//!
//! An approval counts until its expiry even when it was resolved earlier, so the bound is a
//! bound per `approval_ttl` window, like a rate limit, and needs no word from the store. Each
//! replica counts what it created; a store that replicas share (Redis) holds the same bounds
//! for all of them together when it stores an approval (`super::Inserted::AtBound`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use fpl_runtime::Timestamp;

/// How many approvals may be live (created and not past their expiry) at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalLimits {
    /// For one agent.
    pub per_agent: usize,
    /// For the whole service.
    pub total: usize,
}

impl Default for ApprovalLimits {
    fn default() -> ApprovalLimits {
        ApprovalLimits {
            per_agent: 1_000,
            total: 10_000,
        }
    }
}

/// A place taken by one approval: its expiry and a sequence number that keeps places with the
/// same expiry apart.
pub(crate) type Place = (Timestamp, u64);

/// The live approvals counted against [`ApprovalLimits`].
#[derive(Debug)]
pub(crate) struct Quota {
    limits: ApprovalLimits,
    counted: Mutex<Counted>,
}

#[derive(Debug, Default)]
struct Counted {
    /// The agent of every place taken, by expiry.
    places: BTreeMap<Place, Arc<str>>,
    /// How many places each agent holds (agents holding none are removed).
    per_agent: HashMap<Arc<str>, usize>,
    /// The next place's sequence number.
    next: u64,
}

impl Quota {
    /// No approvals counted yet, bounded by `limits`.
    pub fn new(limits: ApprovalLimits) -> Arc<Quota> {
        Arc::new(Quota {
            limits,
            counted: Mutex::new(Counted::default()),
        })
    }

    /// A place for an approval of `agent` expiring at `expires`, once the approvals past their
    /// expiry at `now` are no longer counted; `None` when `agent` or the service is at its bound.
    pub fn take(&self, agent: &str, now: Timestamp, expires: Timestamp) -> Option<Place> {
        let mut counted = self.locked();
        counted.forget_expired(now);
        let held = counted.per_agent.get(agent).copied().unwrap_or(0);
        if held >= self.limits.per_agent || counted.places.len() >= self.limits.total {
            return None;
        }
        let agent: Arc<str> = match counted.per_agent.get_key_value(agent) {
            Some((name, _)) => Arc::clone(name),
            None => Arc::from(agent),
        };
        let place = (expires, counted.next);
        counted.next = counted.next.wrapping_add(1);
        *counted.per_agent.entry(Arc::clone(&agent)).or_insert(0) += 1;
        counted.places.insert(place, agent);
        Some(place)
    }

    /// Gives back `place`, taken for an approval that was not kept after all.
    pub fn give_back(&self, place: Place) {
        let mut counted = self.locked();
        if let Some(agent) = counted.places.remove(&place) {
            counted.release(&agent);
        }
    }

    fn locked(&self) -> MutexGuard<'_, Counted> {
        // Every change keeps both maps in step before anything can panic.
        self.counted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Counted {
    /// Stops counting the places whose approvals expired at or before `now`.
    fn forget_expired(&mut self, now: Timestamp) {
        while let Some(entry) = self.places.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let agent = entry.remove();
            self.release(&agent);
        }
    }

    /// One place fewer for `agent`.
    fn release(&mut self, agent: &Arc<str>) {
        if let Some(held) = self.per_agent.get_mut(agent) {
            *held -= 1;
            if *held == 0 {
                self.per_agent.remove(agent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_unix_seconds(second)
    }

    #[test]
    fn an_agent_at_its_bound_gets_no_place_until_one_expires() {
        let quota = Quota::new(ApprovalLimits {
            per_agent: 2,
            total: 10,
        });
        assert!(quota.take("a", at(0), at(100)).is_some());
        assert!(quota.take("a", at(1), at(101)).is_some());
        assert_eq!(quota.take("a", at(2), at(102)), None);
        // Other agents are not held up by it.
        assert!(quota.take("b", at(2), at(102)).is_some());
        // At 100 the first expires, and its place is free again.
        assert_eq!(quota.take("a", at(99), at(199)), None);
        assert!(quota.take("a", at(100), at(200)).is_some());
    }

    #[test]
    fn the_service_bound_holds_across_agents() {
        let quota = Quota::new(ApprovalLimits {
            per_agent: 5,
            total: 3,
        });
        for agent in ["a", "b", "c"] {
            assert!(quota.take(agent, at(0), at(60)).is_some());
        }
        assert_eq!(quota.take("d", at(0), at(60)), None);
        assert!(quota.take("d", at(60), at(120)).is_some());
    }

    #[test]
    fn a_place_given_back_is_free_at_once() {
        let quota = Quota::new(ApprovalLimits {
            per_agent: 1,
            total: 1,
        });
        let place = quota.take("a", at(0), at(60)).expect("a place");
        assert_eq!(quota.take("a", at(0), at(60)), None);
        quota.give_back(place);
        assert!(quota.take("a", at(0), at(60)).is_some());
    }

    #[test]
    fn places_with_later_expiries_taken_first_do_not_hold_up_earlier_ones() {
        // A bundle swap can shorten `approval_ttl`: expiries are then not in creation order.
        let quota = Quota::new(ApprovalLimits {
            per_agent: 2,
            total: 2,
        });
        assert!(quota.take("a", at(0), at(1_000)).is_some());
        assert!(quota.take("a", at(1), at(10)).is_some());
        assert!(quota.take("a", at(10), at(20)).is_some());
    }

    #[test]
    fn a_zero_bound_creates_no_approvals() {
        let quota = Quota::new(ApprovalLimits {
            per_agent: 0,
            total: 10,
        });
        assert_eq!(quota.take("a", at(0), at(60)), None);
    }
}
