//! The in-process approval store: a map under one lock, so each operation is atomic, with an
//! index of pending approvals by expiry and of ended ones by when they ended, so expiring and
//! forgetting touch only the approvals due; and a counter that long polls watch.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fpl_runtime::{Decimal, Timestamp};
use tokio::sync::watch;

use super::{
    Approval, ApprovalStore, Binding, Claim, Inserted, Resolution, ResolveError, State,
    StoreFuture, Stored,
};

/// Approvals kept in this process (the default store).
#[derive(Debug)]
pub(crate) struct MemoryStore {
    kept: Mutex<Kept>,
    changes: watch::Sender<u64>,
}

/// The approvals and their indexes, changed together under the store's lock.
#[derive(Debug)]
struct Kept {
    approvals: HashMap<String, Approval>,
    /// Pending approvals by expiry.
    pending: BTreeSet<(Timestamp, String)>,
    /// Ended approvals (denied, expired, used) by when they ended.
    ended: BTreeSet<(Timestamp, String)>,
    /// How many ended approvals are kept at most: past it the oldest is forgotten first.
    max_ended: usize,
}

/// Where an approval is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Among the pending, at its expiry.
    Pending(Timestamp),
    /// Among the ended, at its end.
    Ended(Timestamp),
    /// Not indexed: approved and not used yet (approvals do not expire once approved).
    Open,
}

impl Slot {
    fn of(approval: &Approval) -> Slot {
        match (approval.state, approval.ended()) {
            (State::Pending, _) => Slot::Pending(approval.expires),
            (_, Some(ended)) => Slot::Ended(ended),
            (_, None) => Slot::Open,
        }
    }
}

impl Kept {
    /// Applies `change` to the approval `id`, if there is one, and moves it in the indexes.
    fn change<R>(&mut self, id: &str, change: impl FnOnce(&mut Approval) -> R) -> Option<R> {
        let approval = self.approvals.get_mut(id)?;
        let before = Slot::of(approval);
        let result = change(approval);
        let after = Slot::of(approval);
        if before != after {
            self.unindex(before, id);
            self.index(after, id);
        }
        Some(result)
    }

    fn index(&mut self, slot: Slot, id: &str) {
        match slot {
            Slot::Pending(at) => {
                self.pending.insert((at, id.to_owned()));
            }
            Slot::Ended(at) => {
                self.ended.insert((at, id.to_owned()));
                while self.ended.len() > self.max_ended {
                    self.forget_oldest_ended();
                }
            }
            Slot::Open => {}
        }
    }

    fn unindex(&mut self, slot: Slot, id: &str) {
        match slot {
            Slot::Pending(at) => {
                self.pending.remove(&(at, id.to_owned()));
            }
            Slot::Ended(at) => {
                self.ended.remove(&(at, id.to_owned()));
            }
            Slot::Open => {}
        }
    }

    /// Forgets the approval that ended first.
    fn forget_oldest_ended(&mut self) {
        if let Some((_, id)) = self.ended.pop_first() {
            self.approvals.remove(&id);
        }
    }
}

impl MemoryStore {
    /// An empty store that keeps at most `max_ended` ended approvals (for `show`).
    pub fn new(max_ended: usize) -> MemoryStore {
        MemoryStore {
            kept: Mutex::new(Kept {
                approvals: HashMap::new(),
                pending: BTreeSet::new(),
                ended: BTreeSet::new(),
                max_ended,
            }),
            changes: watch::Sender::new(0),
        }
    }

    fn locked(&self) -> MutexGuard<'_, Kept> {
        // Every change moves an approval and its index entries before anything can panic.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tells long polls that something changed.
    fn changed(&self) {
        self.changes
            .send_modify(|count| *count = count.wrapping_add(1));
    }
}

impl ApprovalStore for MemoryStore {
    /// Always keeps it: a store in one process is bounded by that process's [`super::Quota`].
    fn insert(&self, approval: Approval) -> StoreFuture<'_, Stored<Inserted>> {
        let mut kept = self.locked();
        let slot = Slot::of(&approval);
        let id = approval.id.clone();
        if let Some(old) = kept.approvals.insert(id.clone(), approval) {
            kept.unindex(Slot::of(&old), &id);
        }
        kept.index(slot, &id);
        drop(kept);
        self.changed();
        Box::pin(std::future::ready(Ok(Inserted::Kept)))
    }

    fn get<'a>(&'a self, id: &'a str, now: Timestamp) -> StoreFuture<'a, Stored<Option<Approval>>> {
        let found = self
            .locked()
            .approvals
            .get(id)
            .map(|approval| approval.clone().at(now));
        Box::pin(std::future::ready(Ok(found)))
    }

    fn list(&self, state: Option<State>, now: Timestamp) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        let mut found: Vec<Approval> = self
            .locked()
            .approvals
            .values()
            .map(|approval| approval.clone().at(now))
            .filter(|approval| state.is_none_or(|state| approval.state == state))
            .collect();
        found.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Box::pin(std::future::ready(Ok(found)))
    }

    fn resolve<'a>(
        &'a self,
        id: &'a str,
        resolution: Resolution,
        approver: &'a str,
        comment: Option<&'a str>,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Result<Approval, ResolveError>>> {
        let resolved = self
            .locked()
            .change(id, |approval| {
                approval
                    .resolve(resolution, approver, comment, now)
                    .map(|()| approval.clone())
            })
            .unwrap_or_else(|| Err(ResolveError::NotFound(id.to_owned())));
        if resolved.is_ok() {
            self.changed();
        }
        Box::pin(std::future::ready(Ok(resolved)))
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        binding: &'a Binding,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Claim>> {
        let claim = self
            .locked()
            .change(id, |approval| approval.claim(binding, now))
            .unwrap_or(Claim::Invalid);
        if matches!(claim, Claim::Approved(_)) {
            self.changed();
        }
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn release<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Stored<()>> {
        self.locked().change(id, Approval::release);
        self.changed();
        Box::pin(std::future::ready(Ok(())))
    }

    fn withdraw<'a>(&'a self, id: &'a str, _agent: &'a str) -> StoreFuture<'a, Stored<()>> {
        let mut kept = self.locked();
        if let Some(old) = kept.approvals.remove(id) {
            kept.unindex(Slot::of(&old), id);
        }
        drop(kept);
        self.changed();
        Box::pin(std::future::ready(Ok(())))
    }

    fn expire(&self, now: Timestamp, keep: Duration) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        let mut expired = Vec::new();
        let forget_before = Timestamp::from_unix(
            now.unix()
                .saturating_sub(Decimal::from_millionths(keep.as_micros() as i128)),
        );
        let mut kept = self.locked();
        while let Some((expires, id)) = kept.pending.first().cloned() {
            if expires > now {
                break;
            }
            let changed = kept.change(&id, |approval| {
                approval.expire(now).then(|| approval.clone())
            });
            match changed {
                Some(Some(approval)) => expired.push(approval),
                // Indexed but not due by its own clock, or gone: never again in this loop.
                _ => {
                    kept.pending.remove(&(expires, id));
                }
            }
        }
        while kept
            .ended
            .first()
            .is_some_and(|(ended, _)| *ended < forget_before)
        {
            kept.forget_oldest_ended();
        }
        drop(kept);
        if !expired.is_empty() {
            self.changed();
        }
        Box::pin(std::future::ready(Ok(expired)))
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}
