//! Validation of a compiled or model-written policy before anything is shown: parse and check
//! through the analysis host (as `faramesh check` does), format with `fpl-fmt`, check the
//! formatted text again, run the SMT analysis through the entry point `faramesh check` uses,
//! and compile it for the runtime. Only a policy that passes every step is [`Validated`].

use fpl_runtime::ir::CompiledPolicy;

use crate::analysis::{Analysis, sort_diagnostics};
use crate::checks::CheckOptions;
use crate::compile::compile;
use crate::diagnostic::Diagnostic;
use crate::host::check_policy;
use crate::smt::{SmtOptions, analyze_smt};
use crate::source::SourceFile;

/// Settings of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateOptions {
    /// The path the policy is shown under in diagnostics.
    pub path: String,
    /// The one agent the policy must hold.
    pub agent: String,
    /// SMT settings.
    pub smt: SmtOptions,
}

/// A policy that parsed, checked, formatted and was SMT-analysed without an error.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The formatted text.
    pub text: String,
    /// Its analysis; its diagnostics are warnings only (SMT findings included).
    pub analysis: Analysis,
    /// The compiled policy the runtime evaluates.
    pub compiled: CompiledPolicy,
    /// SMT witnesses the runtime did not reproduce: toolchain bugs, never findings.
    pub internal_errors: Vec<String>,
}

impl Validated {
    /// The warnings to show beside the policy.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.analysis.diagnostics
    }
}

/// Why a policy did not pass, in the order found.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The analysis holding the errors, when the text got that far (for code frames).
    pub analysis: Option<Box<Analysis>>,
    /// Every problem as one line: `3:5: error E0101: expected a tool pattern`.
    pub problems: Vec<String>,
}

/// Validates `text` as a policy of exactly one agent, `options.agent`.
pub fn validate(text: &str, options: &ValidateOptions) -> Result<Validated, Rejected> {
    let checked = check(text, options)?;
    let formatted = fpl_fmt::format_text(text).map_err(|error| Rejected {
        analysis: Some(Box::new(checked)),
        problems: vec![format!("the formatter refused the policy: {error}")],
    })?;
    let mut analysis = check(&formatted, options)?;
    let agents: Vec<&str> = analysis
        .policy
        .agents
        .iter()
        .map(|agent| agent.name.as_str())
        .collect();
    if agents != [options.agent.as_str()] {
        let found = if agents.is_empty() {
            "none".to_string()
        } else {
            agents
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Rejected {
            analysis: Some(Box::new(analysis)),
            problems: vec![format!(
                "the policy must hold exactly one agent, `{}`; it holds {found}",
                options.agent
            )],
        });
    }
    let report = analyze_smt(&analysis, &options.smt).map_err(|error| Rejected {
        analysis: None,
        problems: vec![format!("the SMT analysis could not run: {error}")],
    })?;
    analysis.diagnostics.extend(report.diagnostics);
    sort_diagnostics(&mut analysis.diagnostics);
    if analysis.has_errors() {
        return Err(rejected(analysis));
    }
    let compiled = compile(&analysis).map_err(|error| Rejected {
        analysis: None,
        problems: vec![error.to_string()],
    })?;
    fpl_runtime::Evaluator::from_compiled(&compiled).map_err(|error| Rejected {
        analysis: None,
        problems: vec![format!("the runtime refused the compiled policy: {error}")],
    })?;
    Ok(Validated {
        text: formatted,
        analysis,
        compiled,
        internal_errors: report
            .internal_errors
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

/// Whether a warning says the rules do not mean what they seem to (an SMT finding), which a
/// model is asked to fix; hygiene warnings such as `default permit` are the intent's to keep.
pub fn is_finding(diagnostic: &Diagnostic) -> bool {
    diagnostic.code.as_str().starts_with("S03")
}

/// One line per diagnostic: `3:5: error E0101: message (help: …)`.
pub fn problem_lines(analysis: &Analysis, diagnostics: &[&Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let (start, _) = analysis.line_cols(diagnostic.span);
            let mut line = format!(
                "{}:{}: {} {}: {}",
                start.line,
                start.column,
                diagnostic.severity.as_str(),
                diagnostic.code.as_str(),
                diagnostic.message
            );
            for note in &diagnostic.notes {
                line.push_str(&format!(" (note: {note})"));
            }
            if let Some(help) = &diagnostic.help {
                line.push_str(&format!(" (help: {help})"));
            }
            line
        })
        .collect()
}

fn check(text: &str, options: &ValidateOptions) -> Result<Analysis, Rejected> {
    let analysis = check_policy(
        vec![SourceFile::new(options.path.clone(), text)],
        &CheckOptions::default(),
    );
    if analysis.has_errors() {
        return Err(rejected(analysis));
    }
    Ok(analysis)
}

fn rejected(analysis: Analysis) -> Rejected {
    let errors: Vec<&Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .collect();
    let problems = problem_lines(&analysis, &errors);
    Rejected {
        analysis: Some(Box::new(analysis)),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ValidateOptions {
        ValidateOptions {
            path: "policy.fpl".into(),
            agent: "bot".into(),
            smt: SmtOptions::default(),
        }
    }

    #[test]
    fn a_valid_policy_comes_back_formatted_and_compiled() {
        let validated = validate(
            "agent bot{default deny\npermit a/b reason: \"x\"}",
            &options(),
        )
        .expect("valid");
        assert_eq!(
            validated.text,
            "agent bot {\n  default deny\n  permit a/b reason: \"x\"\n}\n"
        );
        assert!(validated.warnings().is_empty());
        assert_eq!(validated.compiled.policy.agents.len(), 1);
    }

    #[test]
    fn errors_are_rejected_with_their_positions() {
        let rejected = validate("agent bot {\n  default deny\n  permit\n}\n", &options())
            .expect_err("a rule without a pattern");
        assert!(
            rejected.problems[0].starts_with("4:1: error E0101"),
            "{:?}",
            rejected.problems
        );
    }

    #[test]
    fn the_policy_must_hold_the_named_agent_only() {
        let rejected = validate(
            "agent other { default deny }\nagent bot { default deny }\n",
            &options(),
        )
        .expect_err("two agents");
        assert_eq!(
            rejected.problems,
            vec!["the policy must hold exactly one agent, `bot`; it holds `other`, `bot`"]
        );
    }

    #[test]
    fn smt_errors_are_rejected_and_smt_warnings_kept() {
        let overridden = "agent bot {\n  default deny\n  deny! a/*\n  permit a/b\n}\n";
        let rejected = validate(overridden, &options()).expect_err("permit under deny!");
        assert!(
            rejected.problems.iter().any(|p| p.contains("S0302")),
            "{:?}",
            rejected.problems
        );
        let duplicate = "agent bot {\n  default deny\n  permit a/b\n  permit a/b\n}\n";
        let validated = validate(duplicate, &options()).expect("warnings only");
        assert!(validated.warnings().iter().any(is_finding));
    }
}
