//! Where the service keeps rate-limit windows, budgets and histories (§17): in this process
//! (the default), apart from the bundles so a swap keeps them, or in Redis, shared by every
//! replica that names the same Redis.

mod cache;
mod redis;
mod shared;
mod snapshot;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use fpl_runtime::ir::Effect;
use fpl_runtime::state::MemoryStore;
use serde::Serialize;

use crate::metrics::Metrics;
pub(crate) use shared::Shared;

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
#[error("cannot use the state store `{url}`: {source}")]
pub struct StateError {
    url: String,
    source: ::redis::RedisError,
}

/// The state of every decision, for as long as the service runs.
#[derive(Debug)]
pub(crate) enum Backend {
    /// In this process, shared by every bundle in turn.
    Memory(Mutex<MemoryStore>),
    /// In Redis.
    Redis(Arc<Shared>),
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

impl Backend {
    /// The backend `config` names.
    pub fn open(config: &StateConfig, metrics: Metrics) -> Result<Backend, StateError> {
        let Some(url) = &config.redis else {
            return Ok(Backend::Memory(Mutex::new(MemoryStore::new())));
        };
        let store = redis::RedisStore::open(url, config.timeout).map_err(|source| StateError {
            url: url.clone(),
            source,
        })?;
        let on_unavailable = if config.defer_when_unavailable {
            Effect::Defer
        } else {
            Effect::Deny
        };
        Ok(Backend::Redis(Arc::new(Shared::new(
            store,
            on_unavailable,
            metrics,
        ))))
    }

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
