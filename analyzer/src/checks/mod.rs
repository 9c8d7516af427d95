//! The static checks of SPEC §4 over the semantic model, one module per concern.

mod conditions;
mod hygiene;
mod names;
mod regex;
mod values;

pub use regex::compile_regex;

use fpl_runtime::Decimal;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
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

/// `E0003` for a number, money, duration or size literal too large to represent.
fn out_of_range(span: Span) -> Diagnostic {
    Diagnostic::new(Code::E0003, span, "number out of range").with_note(format!(
        "numbers are exact decimals between -{max} and {max}",
        max = Decimal::MAX
    ))
}

#[cfg(test)]
mod tests {
    use super::{CheckOptions, run};
    use crate::lower::PolicyBuilder;
    use crate::source::FileId;

    /// The `E0003` diagnostics of the checks on `text`, as the text each one points at.
    fn out_of_range(text: &str) -> Vec<&str> {
        let parse = fpl_syntax::parse(text);
        assert!(parse.errors().is_empty(), "{:?}", parse.errors());
        let mut builder = PolicyBuilder::default();
        builder.add_file(FileId(0), &parse.tree());
        run(&builder.finish(), &CheckOptions::default())
            .iter()
            .filter(|diagnostic| diagnostic.code.as_str() == "E0003")
            .map(|diagnostic| &text[std::ops::Range::<usize>::from(diagnostic.span.range)])
            .collect()
    }

    #[test]
    fn numbers_too_large_to_represent_are_reported() {
        let max = "170141183460469231731687303715884.105727";
        let over = "170141183460469231731687303715884.105728";
        let text = format!(
            "agent a {{\n  default deny\n  var big = {over}\n  var fine = {max}\n  budget session {{\n    max ${over}\n  }}\n  rate_limit x/*: 99999999999999999999999999999999999999999 per minute\n  session {{ max_duration = 999999999999999999999999999w }}\n  permit x when amount < {over}\n  permit y when amount in [1, 99999999999999999999999999999999999tb]\n  permit z when amount < {max} and size < 1tb\n}}\n"
        );
        assert_eq!(
            out_of_range(&text),
            [
                over,
                &format!("${over}"),
                "99999999999999999999999999999999999999999",
                "999999999999999999999999999w",
                over,
                "[1, 99999999999999999999999999999999999tb]",
            ]
        );
    }
}
