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
            rule_checks(agent, rule, &mut out);
        }
    }
    out
}

/// Runs the checks of one rule: its `host:` patterns (E0210) and the type checks of its condition
/// (E0220–E0225). `agent` supplies the agent's name and `var`s. Together with
/// [`run_policy_level`] this is exactly [`run`].
pub fn run_rule(agent: &hir::Agent, rule: &hir::Rule) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    rule_checks(agent, rule, &mut out);
    out
}

fn rule_checks(agent: &hir::Agent, rule: &hir::Rule, out: &mut Vec<Diagnostic>) {
    values::host_selectors(rule, out);
    if let Some(condition) = &rule.condition {
        conditions::check(agent, rule.span.file, condition, out);
    }
}

/// Runs every check that does not look inside rules: names, values and hygiene, in the order
/// [`run`] runs them. Rules may be left out of `policy`.
pub fn run_policy_level(policy: &hir::Policy, options: &CheckOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    names::check(policy, options, &mut out);
    values::check(policy, &mut out);
    hygiene::check(policy, &mut out);
    out
}
