//! The report of a policy pull request: the head revision checked (diagnostics, formatting) and
//! its decisions compared with the base revision's by the semantic diff, both read from git by
//! the one project loader and checked by the one host, and its policy tests run from the same
//! tree. Rendered as Markdown (the comment and the job summary) or JSON.

mod backtest;
mod build;
mod markdown;
mod policy_tests;

use serde::Serialize;

pub use self::backtest::{Backtest, BacktestError, Flip, FlipExample, backtest};
pub use self::build::{AddImports, ImportsError, ReportError, ReportOptions, build};
pub use self::markdown::{Links, MarkdownOptions, headline, markdown};
pub use self::policy_tests::{PolicyTests, TestFailure};

/// Everything the gate found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The base revision, as given.
    pub base: String,
    /// The head revision, as given.
    pub head: String,
    /// The policy directory inside the repository (empty: its top).
    pub path: String,
    /// The numbers the headline and the exit status are made of.
    pub counts: Counts,
    /// Diagnostics of the head revision (SMT findings included), in file order.
    pub diagnostics: Vec<Finding>,
    /// Policy files of the head revision that `faramesh fmt` would change.
    pub unformatted: Vec<String>,
    /// The policy tests (`*.fmtest.yaml`) of the head revision.
    pub tests: PolicyTests,
    /// The semantic diff base → head.
    pub diff: DiffOutcome,
    /// Recorded requests replayed through both revisions, when a decision log was given and
    /// both revisions are error-free.
    pub backtest: Option<Backtest>,
}

/// Counts of what the report holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Regions whose decision became less strict (deny → defer, deny → permit, defer → permit).
    pub loosened: usize,
    /// Regions whose decision became stricter.
    pub tightened: usize,
    /// Changed rate limits and budgets.
    pub limits: usize,
    /// Agents the solver could not finish comparing (never taken as unchanged).
    pub unknown: usize,
    /// Errors: diagnostics of severity error, unformatted files and failed policy tests.
    pub errors: usize,
    /// Failed policy test cases, and test files that could not run.
    pub tests_failed: usize,
    /// Warnings.
    pub warnings: usize,
}

/// One diagnostic of the head revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Its code, e.g. `E0201`.
    pub code: &'static str,
    /// The code's name, e.g. `duplicate-agent`.
    pub name: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The message.
    pub message: String,
    /// The file, relative to the repository.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// 1-based end line.
    pub end_line: u32,
    /// 1-based end column.
    pub end_column: u32,
}

/// The semantic diff, or why it was not made.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DiffOutcome {
    /// Both revisions were compared.
    Compared {
        /// Changed decision regions: loosenings first, then tightenings.
        regions: Vec<Region>,
        /// Changed limits, e.g. "removed rate_limit `svc/*` 100 per minute".
        limits: Vec<LimitText>,
        /// What the solver could not finish, per agent.
        unknown: Vec<String>,
    },
    /// The diff could not be made; the reason says why.
    Skipped {
        /// Why, e.g. "the head revision has errors".
        reason: String,
    },
}

/// A changed limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitText {
    /// The agent.
    pub agent: String,
    /// What changed.
    pub change: String,
}

/// Which way a decision moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Less strict than before.
    Loosened,
    /// Stricter than before.
    Tightened,
}

/// A region of requests whose decision changed.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// The agent.
    pub agent: String,
    /// The tool of the witness request.
    pub tool: String,
    /// Loosened or tightened.
    pub direction: Direction,
    /// The decision of the base revision.
    pub old: SideAt,
    /// The decision of the head revision.
    pub new: SideAt,
    /// A request in the region, replayed through the runtime on both sides.
    pub witness: fpl_analyzer::smt::Witness,
}

/// One side of a changed decision, with the deciding rule's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideAt {
    /// `permit`, `deny` or `defer`.
    pub effect: String,
    /// The reason code, e.g. `RULE_DEFER` or `DEFAULT_DENY`.
    pub reason_code: String,
    /// The deciding rule, when a rule decided.
    pub rule: Option<RuleAt>,
}

/// A rule and where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleAt {
    /// Its id, `<agent>/<n>`.
    pub id: String,
    /// The file, relative to the repository.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// The rule's first line of source with runs of spaces made one (at most 120 characters).
    pub text: String,
}

impl Report {
    /// The report as pretty-printed JSON, ending in `\n`.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// How strict an effect is: deny > defer > permit.
fn strictness(effect: &str) -> u8 {
    match effect {
        "deny" => 2,
        "defer" => 1,
        _ => 0,
    }
}

/// Which way a decision moved from `old` to `new`, `None` when the effect is the same.
pub fn direction(old: &str, new: &str) -> Option<Direction> {
    match strictness(new).cmp(&strictness(old)) {
        std::cmp::Ordering::Less => Some(Direction::Loosened),
        std::cmp::Ordering::Greater => Some(Direction::Tightened),
        std::cmp::Ordering::Equal => None,
    }
}

/// When the gate fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any error (a diagnostic of severity error, an unformatted file, a failed policy test).
    Error,
    /// Any error or warning.
    Warning,
    /// Any error, any decision that became less strict, or any change the diff could not rule
    /// out (agents not compared, a diff that could not be made).
    Loosening,
}

impl Report {
    /// Whether the gate fails under `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        let counts = &self.counts;
        counts.errors > 0
            || match fail_on {
                FailOn::Error => false,
                FailOn::Warning => counts.warnings > 0,
                FailOn::Loosening => {
                    counts.loosened > 0
                        || counts.unknown > 0
                        || matches!(self.diff, DiffOutcome::Skipped { .. })
                }
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_follows_strictness() {
        let cases = [
            ("deny", "permit", Some(Direction::Loosened)),
            ("deny", "defer", Some(Direction::Loosened)),
            ("defer", "permit", Some(Direction::Loosened)),
            ("permit", "deny", Some(Direction::Tightened)),
            ("permit", "defer", Some(Direction::Tightened)),
            ("defer", "deny", Some(Direction::Tightened)),
            ("deny", "deny", None),
        ];
        for (old, new, expected) in cases {
            assert_eq!(direction(old, new), expected, "{old} -> {new}");
        }
    }

    fn report(counts: Counts, diff: DiffOutcome) -> Report {
        Report {
            base: "b".into(),
            head: "h".into(),
            path: String::new(),
            counts,
            diagnostics: Vec::new(),
            unformatted: Vec::new(),
            tests: PolicyTests::default(),
            diff,
            backtest: None,
        }
    }

    fn compared() -> DiffOutcome {
        DiffOutcome::Compared {
            regions: Vec::new(),
            limits: Vec::new(),
            unknown: Vec::new(),
        }
    }

    #[test]
    fn fail_on_matrix() {
        let none = Counts::default();
        let error = Counts { errors: 1, ..none };
        let warning = Counts {
            warnings: 1,
            ..none
        };
        let loosened = Counts {
            loosened: 1,
            ..none
        };
        let tightened = Counts {
            tightened: 1,
            ..none
        };
        let unknown = Counts { unknown: 1, ..none };
        // (counts, fails under error, warning, loosening)
        let cases = [
            (none, [false, false, false]),
            (error, [true, true, true]),
            (warning, [false, true, false]),
            (loosened, [false, false, true]),
            (tightened, [false, false, false]),
            (unknown, [false, false, true]),
        ];
        for (counts, expected) in cases {
            let report = report(counts, compared());
            let actual =
                [FailOn::Error, FailOn::Warning, FailOn::Loosening].map(|it| report.fails(it));
            assert_eq!(actual, expected, "{counts:?}");
        }
        let skipped = report(
            none,
            DiffOutcome::Skipped {
                reason: "the base revision has errors".into(),
            },
        );
        assert!(skipped.fails(FailOn::Loosening));
        assert!(!skipped.fails(FailOn::Error));
    }
}
