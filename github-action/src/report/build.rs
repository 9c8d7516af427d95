//! Builds a [`Report`]: reads the base and head revisions of a policy directory from git with
//! the project loader (with the imports each revision's lockfile pins, through the caller's
//! [`AddImports`]), checks the head through the host (SMT findings included), checks its
//! formatting with `fpl-fmt`, runs its policy tests, and compares the two with the semantic diff.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fpl_analyzer::project::{FileSource, GitTree, Project, ProjectError};
use fpl_analyzer::smt::{self, DiffReport, SmtOptions};
use fpl_analyzer::{Analysis, CheckOptions, Severity, host};

use super::{Counts, DiffOutcome, Finding, LimitText, Region, Report, RuleAt, SideAt, direction};
use crate::located::{Located, located};

/// What to compare.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// A directory inside the repository's work tree: the repository is the one around it,
    /// and the policy is read where it is inside the tree.
    pub dir: PathBuf,
    /// The base revision (`main`, a commit id).
    pub base: String,
    /// The head revision.
    pub head: String,
    /// Time budget of the SMT analysis of the head, and again of the diff.
    pub smt_timeout: Duration,
    /// Recorded requests (JSONL) to replay through both revisions.
    pub decision_log: Option<PathBuf>,
}

/// Adds to a policy read from a revision (the policy that a path of `source` names) the imports
/// that revision's `faramesh.lock` pins: the CLI passes its resolver, which reads them from the
/// cache.
pub type AddImports<'a> =
    &'a dyn Fn(&mut Project, &dyn FileSource, &Path) -> Result<(), ImportsError>;

/// Why a revision's imports could not be read.
pub type ImportsError = Box<dyn std::error::Error + Send + Sync>;

/// Why no report could be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A revision or its files could not be read.
    #[error(transparent)]
    Load(#[from] ProjectError),
    /// A revision's imports could not be read.
    #[error(transparent)]
    Imports(ImportsError),
    /// The analysis could not run.
    #[error("the semantic diff could not run: {0}")]
    Smt(smt::SmtError),
    /// The backtest could not run.
    #[error(transparent)]
    Backtest(#[from] super::BacktestError),
}

/// The report of `options.head` against `options.base`, and the head's analysis (for SARIF).
pub fn build(
    options: &ReportOptions,
    add_imports: AddImports<'_>,
) -> Result<(Report, Analysis), ReportError> {
    let head_tree = GitTree::open(&options.dir, &options.head)?;
    let prefix = head_tree.prefix_of(&options.dir);
    let mut head_project = Project::load_dir(&head_tree, &prefix)?;
    add_imports(&mut head_project, &head_tree, &prefix).map_err(ReportError::Imports)?;
    let unformatted = unformatted(&head_project);
    let tests = super::policy_tests::run(&head_tree, &prefix, add_imports)?;
    let mut head = host::check_project(head_project, &CheckOptions::default());
    let smt_options = SmtOptions {
        timeout: options.smt_timeout,
    };
    if !head.has_errors() {
        let findings = smt::analyze_smt(&head, &smt_options).map_err(ReportError::Smt)?;
        head.add_diagnostics(findings.diagnostics);
    }
    let base_tree = GitTree::open(&options.dir, &options.base)?;
    let base = match Project::load_dir(&base_tree, &prefix) {
        Ok(mut project) => {
            add_imports(&mut project, &base_tree, &prefix).map_err(ReportError::Imports)?;
            host::check_project(project, &CheckOptions::default())
        }
        // A pull request that adds the first policy compares it with an empty one.
        Err(ProjectError::NoPolicyFiles(_)) => {
            host::check_policy(Vec::new(), &CheckOptions::default())
        }
        Err(error) => return Err(error.into()),
    };
    let diff = if head.has_errors() {
        DiffOutcome::Skipped {
            reason: "the head revision has errors; fix them to see how its decisions changed"
                .to_string(),
        }
    } else if base.has_errors() {
        DiffOutcome::Skipped {
            reason: "the base revision has errors, so its decisions are not defined".to_string(),
        }
    } else {
        compared(
            &base,
            &head,
            &smt::semantic_diff(&base, &head, &smt_options).map_err(ReportError::Smt)?,
        )
    };
    let backtest = match (&options.decision_log, &diff) {
        (Some(log), DiffOutcome::Compared { .. }) => Some(super::backtest(&base, &head, log)?),
        _ => None,
    };
    let diagnostics: Vec<Finding> = located(&head).map(|it| Finding::of(&it)).collect();
    let mut counts = Counts {
        errors: diagnostics
            .iter()
            .filter(|it| it.severity == "error")
            .count()
            + unformatted.len()
            + tests.failures.len(),
        tests_failed: tests.failures.len(),
        warnings: diagnostics
            .iter()
            .filter(|it| it.severity == "warning")
            .count(),
        ..Counts::default()
    };
    if let DiffOutcome::Compared {
        regions,
        limits,
        unknown,
    } = &diff
    {
        counts.loosened = regions
            .iter()
            .filter(|it| it.direction == super::Direction::Loosened)
            .count();
        counts.tightened = regions.len() - counts.loosened;
        counts.limits = limits.len();
        counts.unknown = unknown.len();
    }
    let report = Report {
        base: options.base.clone(),
        head: options.head.clone(),
        path: prefix.to_string_lossy().into_owned(),
        counts,
        diagnostics,
        unformatted,
        tests,
        diff,
        backtest,
    };
    Ok((report, head))
}

impl Finding {
    /// The finding of a located diagnostic.
    pub fn of(it: &Located<'_>) -> Finding {
        Finding {
            code: it.diagnostic.code.as_str(),
            name: it.diagnostic.code.name(),
            severity: match it.diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            message: it.diagnostic.message.clone(),
            file: it.path.to_string(),
            line: it.start.line,
            column: it.start.column,
            end_line: it.end.line,
            end_column: it.end.column,
        }
    }
}

/// The project's files that `faramesh fmt` would change (files with syntax errors are left to
/// the diagnostics).
fn unformatted(project: &Project) -> Vec<String> {
    project
        .files()
        .iter()
        .filter(|file| {
            fpl_fmt::format_text(&file.source.text)
                .is_ok_and(|formatted| formatted != file.source.text)
        })
        .map(|file| file.source.path.clone())
        .collect()
}

/// The diff with each side's rule located, loosenings first.
fn compared(base: &Analysis, head: &Analysis, diff: &DiffReport) -> DiffOutcome {
    let mut regions: Vec<Region> = diff
        .regions
        .iter()
        .filter_map(|region| {
            let direction = direction(&region.old.effect, &region.new.effect)?;
            Some(Region {
                agent: region.agent.clone(),
                tool: region.witness.tool.clone(),
                direction,
                old: side_at(base, &region.old),
                new: side_at(head, &region.new),
                witness: region.witness.clone(),
            })
        })
        .collect();
    regions.sort_by_key(|region| region.direction);
    DiffOutcome::Compared {
        regions,
        limits: diff
            .limits
            .iter()
            .map(|limit| LimitText {
                agent: limit.agent.clone(),
                change: limit.description.clone(),
            })
            .collect(),
        unknown: diff.unknown.clone(),
    }
}

fn side_at(analysis: &Analysis, side: &smt::Side) -> SideAt {
    SideAt {
        effect: side.effect.clone(),
        reason_code: side.reason_code.clone(),
        rule: side.rule.as_deref().and_then(|id| rule_at(analysis, id)),
    }
}

/// Where rule `id` (`<agent>/<n>`, split at the last `/`) is written.
fn rule_at(analysis: &Analysis, id: &str) -> Option<RuleAt> {
    let (agent, number) = id.rsplit_once('/')?;
    let number: usize = number.parse().ok()?;
    let rule = analysis
        .policy
        .agent(agent)?
        .rules
        .iter()
        .find(|rule| rule.number == number)?;
    let file = analysis.file(rule.span.file);
    let (start, _) = analysis.line_cols(rule.span);
    let text = file
        .source
        .text
        .get(usize::from(rule.span.range.start())..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Some(RuleAt {
        id: id.to_string(),
        file: file.source.path.clone(),
        line: start.line,
        text: text.chars().take(120).collect(),
    })
}
