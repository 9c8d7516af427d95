//! Approvals (SPEC §17): a `defer` creates one, an authenticated approver resolves it on the
//! admin listener, and the agent re-sends its call naming it. An approval is bound to the exact
//! call (agent, session, tool and the digest of the unredacted arguments) and permits it once.
//!
//! [`Approval`] holds the state machine: `pending` → `approved` | `denied` | `expired`, and
//! `approved` → `used`; the first resolution wins. [`ApprovalStore`] is where approvals live
//! (in the process: [`MemoryStore`]; in Redis, shared by replicas: [`RedisApprovals`]);
//! [`Approvals`] ties a store to the decision log, so every change of state is a record;
//! `http` answers the admin endpoints.

mod http;
mod memory;
mod quota;
mod redis;
mod service;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use fpl_runtime::Timestamp;
use fpl_runtime::ir::Effect;
use fpl_runtime::log::Record;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::state::Unreachable;
pub(crate) use http::{Resolver, answer};
pub(crate) use memory::MemoryStore;
pub use quota::ApprovalLimits;
pub(crate) use quota::Quota;
pub(crate) use redis::{RedisApprovals, decode_pairs};
pub(crate) use service::{Approvals, Settled, Settlement, Unkept, decide};

/// The state of an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum State {
    /// Waiting for an approver.
    Pending,
    /// Approved: the bound call may be permitted once.
    Approved,
    /// Denied: the bound call is denied.
    Denied,
    /// Nobody resolved it before it expired.
    Expired,
    /// Approved and then used by its call.
    Used,
}

impl State {
    /// The state as written (`pending`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Approved => "approved",
            State::Denied => "denied",
            State::Expired => "expired",
            State::Used => "used",
        }
    }

    /// The state named `text`.
    pub fn parse(text: &str) -> Option<State> {
        [
            State::Pending,
            State::Approved,
            State::Denied,
            State::Expired,
            State::Used,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An approver's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Let the call run once.
    Approve,
    /// Refuse the call.
    Deny,
}

/// The call an approval is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Binding {
    /// The request's `agent`.
    pub agent: String,
    /// The request's `session` (`""` when absent).
    pub session: String,
    /// The request's `tool`.
    pub tool: String,
    /// Hex SHA-256 of the RFC 8785 JSON of the unredacted arguments.
    pub args_digest: String,
}

/// One approval: the object of §17, plus who asked and who resolved it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Approval {
    /// At least 128 random bits, as hex.
    pub id: String,
    /// Where it is in its life.
    pub state: State,
    /// The call it is bound to.
    #[serde(flatten)]
    pub binding: Binding,
    /// The id of the rule that deferred, if a rule did.
    pub rule: Option<String>,
    /// The deferring rule's `reason`.
    pub reason: Option<String>,
    /// The deferring rule's `notify`.
    pub notify: Option<String>,
    /// When the `defer` created it (RFC 3339).
    #[serde(serialize_with = "rfc3339")]
    pub created: Timestamp,
    /// When it expires unless resolved: `created` plus the policy's `approval_ttl`.
    #[serde(serialize_with = "rfc3339")]
    pub expires: Timestamp,
    /// The request's `principal.id`, who may not approve it.
    pub principal: Option<String>,
    /// Who approved or denied it.
    pub approver: Option<String>,
    /// The approver's comment.
    pub comment: Option<String>,
    /// When it was approved or denied.
    #[serde(serialize_with = "rfc3339_or_null")]
    pub resolved: Option<Timestamp>,
    /// The record of the decision that created it: approval records in the decision log are
    /// about the same call, with its redacted `args_digest`, so no redacted value leaks.
    #[serde(skip)]
    pub record: Record,
}

/// Why an approver's answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResolveError {
    /// No approval has that id.
    #[error("no approval `{0}`")]
    NotFound(String),
    /// It was resolved (or expired) already: the first resolution wins.
    #[error("approval `{id}` is already {state}")]
    Conflict {
        /// The approval.
        id: String,
        /// Its state.
        state: State,
    },
    /// The approver is the principal whose call it is.
    #[error("`{0}` made the deferred call and cannot approve or deny it")]
    SelfApproval(String),
}

/// What a request's `approval` is worth for that request, from [`ApprovalStore::claim`].
#[derive(Debug, Clone)]
pub(crate) enum Claim {
    /// Approved and bound to the call: now `used`, reserved for this call until it is either
    /// permitted or [`ApprovalStore::release`]d.
    Approved(Approval),
    /// Still pending and bound to the call.
    Pending(Approval),
    /// Denied, and bound to the call.
    Denied(Approval),
    /// Unknown, expired, used, or bound to another call.
    Invalid,
    /// The store could not be asked (never a store's answer): the request is decided with this
    /// effect and `STATE_UNAVAILABLE`, never permitted.
    Unavailable(Effect),
}

/// Why a store could not do what it was asked; nothing changed, or the change is unknown.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// The store did not answer (Redis down, or slower than `--state-timeout`).
    #[error("the approval store is unavailable: {0}")]
    Unreachable(Unreachable),
    /// The store holds a value this service did not write.
    #[error("the approval store holds a malformed value at `{key}`: {problem}")]
    Malformed {
        /// Where.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// By hand rather than `#[from]`: the message already shows why the store is unreachable, so
/// that is not also the error's `source()`, which would print it twice.
impl From<Unreachable> for StoreError {
    fn from(unreachable: Unreachable) -> Self {
        StoreError::Unreachable(unreachable)
    }
}

impl StoreError {
    /// The `kind` label of `faramesh_state_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Unreachable(unreachable) => unreachable.kind(),
            StoreError::Malformed { .. } => "unreadable",
        }
    }
}

/// What a store operation returns.
pub(crate) type Stored<T> = Result<T, StoreError>;

/// What became of a new approval handed to a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Kept.
    Kept,
    /// Not kept: its agent, or the service, already has as many live approvals as
    /// [`ApprovalLimits`] allow, counted over every replica that shares the store.
    AtBound,
}

/// A boxed future of a store operation, so stores can be chosen at run time.
pub(crate) type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where approvals live. Every operation is one atomic step, so replicas sharing a store never
/// resolve or use an approval twice. A store applies expiry itself: an approval past `expires`
/// is never pending, whether or not [`ApprovalStore::expire`] has run. An operation that fails
/// ([`StoreError`]) changed nothing, or (a timeout) may have; callers fail closed either way.
pub(crate) trait ApprovalStore: Send + Sync + fmt::Debug {
    /// Keeps a new approval, unless a bound the store keeps for every replica sharing it is
    /// reached.
    fn insert(&self, approval: Approval) -> StoreFuture<'_, Stored<Inserted>>;

    /// The approval `id` as it is at `now`.
    fn get<'a>(&'a self, id: &'a str, now: Timestamp) -> StoreFuture<'a, Stored<Option<Approval>>>;

    /// The approvals in `state` (every one when `None`) at `now`, oldest first.
    fn list(&self, state: Option<State>, now: Timestamp) -> StoreFuture<'_, Stored<Vec<Approval>>>;

    /// Approves or denies a pending approval: the first resolution wins.
    fn resolve<'a>(
        &'a self,
        id: &'a str,
        resolution: Resolution,
        approver: &'a str,
        comment: Option<&'a str>,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Result<Approval, ResolveError>>>;

    /// What approval `id` is worth for the call `binding`; an approved one is taken (`used`).
    fn claim<'a>(
        &'a self,
        id: &'a str,
        binding: &'a Binding,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Claim>>;

    /// Gives back an approval [`ApprovalStore::claim`] took whose call was not permitted after
    /// all (the policy now denies, a limit is reached, the log could not be written).
    fn release<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Stored<()>>;

    /// Removes the approval `id` of `agent`, just kept, whose creation could not be recorded
    /// (the decision log failed): as if it had never been kept, also under the bounds.
    fn withdraw<'a>(&'a self, id: &'a str, agent: &'a str) -> StoreFuture<'a, Stored<()>>;

    /// Marks every pending approval past its expiry `expired` and returns them; forgets
    /// approvals whose life ended more than `keep` ago.
    fn expire(
        &self,
        now: Timestamp,
        keep: std::time::Duration,
    ) -> StoreFuture<'_, Stored<Vec<Approval>>>;

    /// Changes whenever any approval changes state, for long polls.
    fn subscribe(&self) -> watch::Receiver<u64>;
}

impl Approval {
    /// The state at `now`: a pending approval past its expiry is expired.
    pub fn state_at(&self, now: Timestamp) -> State {
        if self.state == State::Pending && now >= self.expires {
            State::Expired
        } else {
            self.state
        }
    }

    /// This approval as it is at `now`.
    pub fn at(mut self, now: Timestamp) -> Approval {
        self.state = self.state_at(now);
        self
    }

    /// Approves or denies it at `now` (the state machine's resolution step).
    pub fn resolve(
        &mut self,
        resolution: Resolution,
        approver: &str,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Result<(), ResolveError> {
        let state = self.state_at(now);
        if state != State::Pending {
            return Err(ResolveError::Conflict {
                id: self.id.clone(),
                state,
            });
        }
        if self.principal.as_deref().map(person) == Some(person(approver)) {
            return Err(ResolveError::SelfApproval(approver.to_owned()));
        }
        self.state = match resolution {
            Resolution::Approve => State::Approved,
            Resolution::Deny => State::Denied,
        };
        self.approver = Some(approver.to_owned());
        self.comment = comment.map(str::to_owned);
        self.resolved = Some(now);
        Ok(())
    }

    /// What it is worth for the call `binding` at `now`; an approved one becomes `used`.
    pub fn claim(&mut self, binding: &Binding, now: Timestamp) -> Claim {
        if self.binding != *binding {
            return Claim::Invalid;
        }
        match self.state_at(now) {
            State::Approved => {
                self.state = State::Used;
                Claim::Approved(self.clone())
            }
            State::Pending => Claim::Pending(self.clone()),
            State::Denied => Claim::Denied(self.clone()),
            State::Expired | State::Used => Claim::Invalid,
        }
    }

    /// Undoes a [`Approval::claim`] of an approved approval.
    pub fn release(&mut self) {
        if self.state == State::Used {
            self.state = State::Approved;
        }
    }

    /// Marks it expired if it is pending and past its expiry; whether it did.
    pub fn expire(&mut self, now: Timestamp) -> bool {
        let due = self.state == State::Pending && self.state_at(now) == State::Expired;
        if due {
            self.state = State::Expired;
        }
        due
    }

    /// When its life ended (resolved, expired), if it did: used approvals end when resolved.
    pub fn ended(&self) -> Option<Timestamp> {
        match self.state {
            State::Pending | State::Approved => None,
            State::Expired => Some(self.expires),
            State::Denied | State::Used => Some(self.resolved.unwrap_or(self.expires)),
        }
    }
}

/// A timestamp as RFC 3339 text.
fn rfc3339<S: serde::Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(time)
}

/// An optional timestamp as RFC 3339 text or `null`.
fn rfc3339_or_null<S: serde::Serializer>(
    time: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.collect_str(time),
        None => serializer.serialize_none(),
    }
}

/// A fresh approval id: 128 bits from the operating system's random source, as 32 hex digits.
pub(crate) fn new_id() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| std::io::Error::other(error.to_string()))?;
    Ok(format!("{:032x}", u128::from_be_bytes(bytes)))
}

#[cfg(test)]
mod tests;

/// A principal id or an approver's name as the "approver is not the principal" rule compares
/// them: trimmed and lowercased, so `U-17` cannot approve the call of `u-17`. Erring on the side
/// of refusing: two people whose ids differ only in case are one here.
pub(crate) fn person(name: &str) -> String {
    name.trim().to_lowercase()
}
