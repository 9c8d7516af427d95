//! SMT analysis of policies (SPEC §7): unreachable rules, rules overridden by `deny!`, conditions
//! that never or always hold, duplicate rules, and the semantic diff of two policy versions.
//!
//! Rules are encoded by [`encode`] into solver-independent [`term`]s and checked through the
//! [`solver::Solver`] trait; z3 lives only in [`solver`]. A result is proved (unsat),
//! refuted with a witness, or unknown (reported as `S0306`, never taken as a pass). Every witness
//! is replayed through `fpl-runtime` before it is shown.

mod axioms;
mod cache;
pub mod diff;
pub mod encode;
mod findings;
pub mod glob;
pub mod regex;
mod replay;
pub mod solver;
pub mod term;
mod time;
mod union_find;

use std::time::Duration;

pub use diff::{DiffReport, LimitChange, RegionChange, Side, semantic_diff};
pub use findings::{analyze_smt, analyze_smt_until};

use crate::analysis::Analysis;
use crate::diagnostic::Diagnostic;

/// Settings of the SMT analysis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmtOptions {
    /// Time budget of the whole run (every query of every agent together). What is left when
    /// it is spent is reported as `S0306`; each query is also limited to
    /// [`solver::QUERY_LIMIT`].
    pub timeout: Duration,
}

/// The default budget of a whole run.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

impl Default for SmtOptions {
    fn default() -> Self {
        SmtOptions {
            timeout: DEFAULT_BUDGET,
        }
    }
}

/// What the SMT analysis found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmtReport {
    /// `S03xx` findings, each witness replayed.
    pub diagnostics: Vec<Diagnostic>,
    /// Witnesses the runtime did not reproduce: bugs of the toolchain, never shown as findings.
    pub internal_errors: Vec<InternalError>,
}

/// A witness that did not reproduce its claimed decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "internal error: the witness {witness} for `{agent}/{rule}` decided {actual}, not {expected}"
)]
pub struct InternalError {
    /// The agent.
    pub agent: String,
    /// The rule number the finding is about.
    pub rule: usize,
    /// The witness request.
    pub witness: String,
    /// What the finding claimed.
    pub expected: String,
    /// What the runtime decided.
    pub actual: String,
}

/// Why the SMT analysis could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtError {
    /// The policy has errors, so it cannot be compiled and witnesses cannot be replayed.
    #[error("the policy has errors; the SMT analysis needs an error-free policy")]
    PolicyHasErrors,
    /// The caller asked the analysis to stop before it finished.
    #[error("the analysis was stopped before it finished")]
    Stopped,
    /// The runtime refused the compiled policy.
    #[error("the runtime refused the compiled policy: {0}")]
    Load(String),
}

/// The `S03xx` findings of an analysed policy (empty when the policy has errors).
pub fn findings(analysis: &Analysis, options: &SmtOptions) -> Vec<Diagnostic> {
    analyze_smt(analysis, options)
        .map(|report| report.diagnostics)
        .unwrap_or_default()
}
