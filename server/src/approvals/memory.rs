//! The in-process approval store: a map under one lock, so each operation is atomic, and a
//! counter that long polls watch.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fpl_runtime::{Decimal, Timestamp};
use tokio::sync::watch;

use super::{
    Approval, ApprovalStore, Binding, Claim, Resolution, ResolveError, State, StoreFuture, Stored,
};

/// Approvals kept in this process (the default store).
#[derive(Debug)]
pub(crate) struct MemoryStore {
    approvals: Mutex<HashMap<String, Approval>>,
    changes: watch::Sender<u64>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore {
            approvals: Mutex::new(HashMap::new()),
            changes: watch::Sender::new(0),
        }
    }

    fn locked(&self) -> MutexGuard<'_, HashMap<String, Approval>> {
        // Every change is one assignment, so a panic elsewhere never leaves half a change.
        self.approvals
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
    fn insert(&self, approval: Approval) -> StoreFuture<'_, Stored<()>> {
        self.locked().insert(approval.id.clone(), approval);
        self.changed();
        Box::pin(std::future::ready(Ok(())))
    }

    fn get<'a>(&'a self, id: &'a str, now: Timestamp) -> StoreFuture<'a, Stored<Option<Approval>>> {
        let found = self.locked().get(id).map(|approval| at(approval, now));
        Box::pin(std::future::ready(Ok(found)))
    }

    fn list(&self, state: Option<State>, now: Timestamp) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        let mut found: Vec<Approval> = self
            .locked()
            .values()
            .map(|approval| at(approval, now))
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
        let resolved = match self.locked().get_mut(id) {
            None => Err(ResolveError::NotFound(id.to_owned())),
            Some(approval) => approval
                .resolve(resolution, approver, comment, now)
                .map(|()| approval.clone()),
        };
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
        let claim = match self.locked().get_mut(id) {
            None => Claim::Invalid,
            Some(approval) => approval.claim(binding, now),
        };
        if matches!(claim, Claim::Approved(_)) {
            self.changed();
        }
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn release<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Stored<()>> {
        if let Some(approval) = self.locked().get_mut(id) {
            approval.release();
        }
        self.changed();
        Box::pin(std::future::ready(Ok(())))
    }

    fn expire(&self, now: Timestamp, keep: Duration) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        let mut expired = Vec::new();
        let forget_before = Timestamp::from_unix(
            now.unix()
                .saturating_sub(Decimal::from_millionths(keep.as_micros() as i128)),
        );
        self.locked().retain(|_, approval| {
            if approval.expire(now) {
                expired.push(approval.clone());
            }
            approval.ended().is_none_or(|ended| ended >= forget_before)
        });
        if !expired.is_empty() {
            self.changed();
        }
        Box::pin(std::future::ready(Ok(expired)))
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

/// A copy of `approval` showing its state at `now`.
fn at(approval: &Approval, now: Timestamp) -> Approval {
    let mut copy = approval.clone();
    copy.state = approval.state_at(now);
    copy
}
