//! Where the service keeps rate-limit windows, budgets, histories and approvals (§17): in this
//! process (the default), apart from the bundles so a swap keeps them, or in Redis, shared by
//! every replica that names the same Redis (one connection for both stores).

mod cache;
mod connection;
mod redis;
mod shared;
mod snapshot;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use fpl_runtime::ir::Effect;
use fpl_runtime::state::MemoryStore;
use serde::Serialize;

use crate::approvals::{self, ApprovalLimits, ApprovalStore, RedisApprovals};
use crate::metrics::Metrics;
pub(crate) use connection::{Redis, Unreachable};
pub(crate) use shared::Shared;
pub(crate) use snapshot::Snapshot;

/// Where state lives and what happens when it cannot be reached.
#[derive(Debug, Clone)]
pub struct StateConfig {
    /// `redis://HOST:PORT/DB`; `None`: in this process.
    pub redis: Option<String>,
    /// How long one call to the store may take before the decision is `STATE_UNAVAILABLE`.
    pub timeout: Duration,
    /// `defer` instead of `deny` when the store cannot be reached.
    pub defer_when_unavailable: bool,
}

impl StateConfig {
    /// The effect of a decision the store could not count or check.
    pub(crate) fn on_unavailable(&self) -> Effect {
        if self.defer_when_unavailable {
            Effect::Defer
        } else {
            Effect::Deny
        }
    }
}

impl Default for StateConfig {
    fn default() -> StateConfig {
        StateConfig {
            redis: None,
            timeout: Duration::from_millis(500),
            defer_when_unavailable: false,
        }
    }
}

/// The `--state` URL could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the state store `{url}`: {cause}")]
pub struct StateError {
    url: String,
    cause: ::redis::RedisError,
}

/// The state of every decision, for as long as the service runs.
#[derive(Debug)]
pub(crate) enum Backend {
    /// In this process, shared by every bundle in turn.
    Memory(Mutex<MemoryStore>),
    /// In Redis.
    Redis(Arc<Shared>),
}

/// Where the service keeps its state and its approvals: both in this process, or both in the
/// same Redis.
#[derive(Debug)]
pub(crate) struct Stores {
    /// Limits, budgets and histories.
    pub state: Backend,
    /// Approvals.
    pub approvals: Arc<dyn ApprovalStore>,
}

/// What `/v1/status` shows about the state.
#[derive(Debug, Serialize)]
pub(crate) struct StateStatus {
    /// `memory` or `redis`.
    pub backend: &'static str,
    /// Whether the store answered just now.
    pub reachable: bool,
    /// Why not.
    pub error: Option<String>,
}

impl Stores {
    /// The stores `config` names; the approval store keeps at most `limits.total` ended
    /// approvals, and a shared one also bounds live approvals by `limits` for every replica.
    pub fn open(
        config: &StateConfig,
        limits: ApprovalLimits,
        metrics: Metrics,
    ) -> Result<Stores, StateError> {
        let Some(url) = &config.redis else {
            return Ok(Stores {
                state: Backend::Memory(Mutex::new(MemoryStore::new())),
                approvals: Arc::new(approvals::MemoryStore::new(limits.total)),
            });
        };
        let redis = Redis::open(url, config.timeout).map_err(|cause| StateError {
            url: url.clone(),
            cause,
        })?;
        let redis = Arc::new(redis);
        let store = redis::RedisStore::new(Arc::clone(&redis));
        Ok(Stores {
            state: Backend::Redis(Arc::new(Shared::new(
                store,
                config.on_unavailable(),
                metrics,
            ))),
            approvals: Arc::new(RedisApprovals::new(redis, limits, limits.total)),
        })
    }
}

impl Backend {
    /// The in-process store, locked (after the evaluator, never before).
    pub fn memory(store: &Mutex<MemoryStore>) -> MutexGuard<'_, MemoryStore> {
        store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the status shows.
    pub async fn status(&self) -> StateStatus {
        match self {
            Backend::Memory(_) => StateStatus {
                backend: "memory",
                reachable: true,
                error: None,
            },
            Backend::Redis(shared) => {
                let reached = shared.reachable().await;
                StateStatus {
                    backend: "redis",
                    reachable: reached.is_ok(),
                    error: reached.err(),
                }
            }
        }
    }
}
