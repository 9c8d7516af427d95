//! The static checks of SPEC §4 over the semantic model, one module per concern.

mod conditions;
mod hygiene;
mod names;
mod regex_syntax;
mod values;

pub use regex_syntax::{compile_regex, translate_regex};

use crate::diagnostic::Diagnostic;
use crate::hir;

/// Options that change what the checks report.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Report `env("X")` whose variable is unset (`--require-env`).
    pub require_env: bool,
}

/// Runs every static check over a policy.
pub fn run(policy: &hir::Policy, options: &CheckOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    names::check(policy, options, &mut out);
    values::check(policy, &mut out);
    hygiene::check(policy, &mut out);
    for agent in &policy.agents {
        for rule in &agent.rules {
            if let Some(condition) = &rule.condition {
                conditions::check(agent, rule.span.file, condition, &mut out);
            }
        }
    }
    out
}
