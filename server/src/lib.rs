//! `faramesh serve` (SPEC §17): an HTTP decision service. It answers requests (§5) with
//! decisions (§8) from one verified bundle (§10) at a time, swaps in a new bundle atomically
//! only after it verified and loaded, keeps the last good one when a new one is refused, and
//! writes every decision to a hash-chained log before answering.
//!
//! Layout: [`Config`] says what to serve; [`serve`] runs the listeners until SIGTERM. Inside,
//! `bundles` owns the active bundle and reloads, `decide` answers decisions, `approvals` keeps
//! the approvals of deferred decisions, `state` keeps limits, budgets and histories and opens
//! the store of approvals (both in process, or both in Redis), `log_writer` is the
//! group-committing log writer, `routes` and `admin` map HTTP requests onto them, `http` runs
//! connections with their limits, `metrics` keeps the Prometheus registry, and `alerts`
//! delivers the decisions' alerts in the background.
//! [`stored`] opens the readers of what the service keeps in Redis to the fuzz targets.

#[macro_use]
mod report;
mod admin;
mod alerts;
mod approvals;
mod approvers;
mod bundles;
mod config;
mod decide;
mod http;
mod ids;
mod log_writer;
mod metrics;
mod routes;
mod run;
mod source;
mod state;
pub mod stored;

/// A real `redis-server` for the unit tests of the shared-state paths.
#[cfg(test)]
#[path = "../../tests/e2e/redis_support.rs"]
mod redis_support;

pub use alerts::{AlertsConfig, AlertsConfigError};
pub use approvals::ApprovalLimits;
pub use approvers::{Approvers, ApproversError};
pub use config::{AdminConfig, Config, Limits};
pub use run::{Bound, ServeError, serve};
pub use source::{BundleSource, SourceError};
pub use state::{StateConfig, StateError};
