//! What a decision service serves and how: listeners, bundle source, trust, log, limits,
//! alert targets, state, approval limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fpl_runtime::bundle::TrustedKey;

use crate::alerts::AlertsConfig;
use crate::approvals::ApprovalLimits;
use crate::approvers::Approvers;
use crate::source::BundleSource;
use crate::state::StateConfig;

/// Everything [`crate::serve`] needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The decision listener (port 0 picks a free port).
    pub addr: SocketAddr,
    /// The admin listener, when one is wanted.
    pub admin: Option<AdminConfig>,
    /// Where bundles come from.
    pub source: BundleSource,
    /// The keys a bundle's signature must verify with.
    pub trusted: Vec<TrustedKey>,
    /// How often the source is checked for a new bundle; `None`: only on SIGHUP and admin reload.
    pub poll: Option<Duration>,
    /// The decision log, written before each answer.
    pub log: Option<PathBuf>,
    /// `fsync` each group of records before answering.
    pub log_sync: bool,
    /// Decide with each request's `time` (replaying recorded requests) instead of the clock.
    pub replay: bool,
    /// Limits of the HTTP listeners.
    pub limits: Limits,
    /// Where the decisions' alerts are delivered, and how.
    pub alerts: AlertsConfig,
    /// Where rate-limit windows, budgets, histories and approvals live.
    pub state: StateConfig,
    /// How many unexpired approvals the service creates, per agent and in all.
    pub approvals: ApprovalLimits,
}

/// The admin listener: reload now, approvals next; every request needs the bearer token.
#[derive(Clone)]
pub struct AdminConfig {
    /// Its address, apart from the decision listener so agents cannot reach it.
    pub addr: SocketAddr,
    /// The bearer token every admin request must carry.
    pub token: String,
    /// The named approvers: with any, only their own tokens resolve approvals.
    pub approvers: Approvers,
}

impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig")
            .field("addr", &self.addr)
            .field("token", &"[REDACTED]")
            .field("approvers", &self.approvers)
            .finish()
    }
}

/// Limits of the HTTP listeners.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body; a larger one is answered 413.
    pub max_body: usize,
    /// A client must send a request's headers within this time (also how long an idle
    /// keep-alive connection is kept) and its body within this time again.
    pub header_timeout: Duration,
    /// How long SIGTERM waits for in-flight requests before the process ends anyway.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 8 * 1024 * 1024,
            header_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// A mistake in a configuration file of the service (`[alerts]`, `--approvers`), at its place
/// in the file.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct ConfigFileError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl ConfigFileError {
    /// The mistake `message` in `text`, the file at `path`, at byte `offset` (the file's start
    /// when the place is unknown).
    pub(crate) fn at(
        path: &Path,
        text: &str,
        offset: Option<usize>,
        message: impl Into<String>,
    ) -> ConfigFileError {
        let before = text.get(..offset.unwrap_or(0)).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        ConfigFileError {
            path: path.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message: message.into(),
        }
    }
}
