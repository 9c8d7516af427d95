//! SMT analysis of policies (SPEC §7): unreachable rules, rules overridden by `deny!`, conditions
//! that never or always hold, duplicate rules, stricter rules shadowed in part, and the semantic
//! diff of two policy versions.
//!
//! Rules are projected to position-free values (`input`), encoded by `encode` into
//! solver-independent `term`s, and checked one group of overlapping rules at a time, one file
//! per finding kind (`checks`). A question is answered by concrete sample points when one
//! settles it, else through the `solver::Solver` trait; z3 lives only in `solver`, and the
//! solver is handed to the analysis by a `solver::Backend`. A result is proved (unsat),
//! refuted with a witness, or unknown (reported as `S0306`, never taken as a pass). Every
//! witness is a typed request ([`Witness`]) replayed through `fpl-runtime` before it is shown.

mod agent;
mod axioms;
mod cache;
mod cells;
mod checks;
mod components;
mod concrete;
pub mod diff;
pub(crate) mod encode;
mod finding;
pub(crate) mod glob;
mod group;
mod input;
mod pool;
mod regex;
mod replay;
mod run;
pub(crate) mod solver;
pub(crate) mod term;
#[cfg(test)]
mod tests;
mod time;
mod union_find;
mod witness;

use std::time::Duration;

pub use cache::Cache;
pub use diff::{DiffReport, LimitChange, RegionChange, Side, semantic_diff};
pub use witness::{Number, Object, Value, Witness};

pub(crate) use run::PolicyInput;

use crate::analysis::Analysis;
use crate::diagnostic::Diagnostic;
use solver::Z3Backend;

/// Settings of the SMT analysis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmtOptions {
    /// Time budget of the whole run (every query of every agent together). What is left when
    /// it is spent is reported as `S0306`; each query is also limited to 2 s.
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
    pub witness: Witness,
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

/// Runs every SMT check on an error-free analysed policy.
pub fn analyze_smt(analysis: &Analysis, options: &SmtOptions) -> Result<SmtReport, SmtError> {
    analyze_smt_until(analysis, options, &|| false)
}

/// [`analyze_smt`], giving up with [`SmtError::Stopped`] as soon as `stop` says so; it is asked
/// before each group of rules, so an editor can drop a run its user has typed past.
pub fn analyze_smt_until(
    analysis: &Analysis,
    options: &SmtOptions,
    stop: &dyn Fn() -> bool,
) -> Result<SmtReport, SmtError> {
    if analysis.has_errors() {
        return Err(SmtError::PolicyHasErrors);
    }
    let input = PolicyInput::new(&analysis.policy, |file| {
        analysis
            .files()
            .get(file.0 as usize)
            .map(|file| std::sync::Arc::from(file.source.text.as_str()))
    });
    run::analyze(&input, &Cache::default(), &Z3Backend, options, stop)
}

/// The `S03xx` findings of an analysed policy (empty when the policy has errors).
pub fn findings(analysis: &Analysis, options: &SmtOptions) -> Vec<Diagnostic> {
    analyze_smt(analysis, options)
        .map(|report| report.diagnostics)
        .unwrap_or_default()
}

/// The analysis of `input` for the analysis host: its cache, the z3 backend.
pub(crate) fn analyze_input(
    input: &PolicyInput,
    cache: &Cache,
    options: &SmtOptions,
    stop: &dyn Fn() -> bool,
) -> Result<SmtReport, SmtError> {
    run::analyze(input, cache, &Z3Backend, options, stop)
}
