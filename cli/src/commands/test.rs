//! `faramesh test`: run `*.fmtest.yaml` policy tests, show a diff for each failure, report rule
//! coverage.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::project::{self, Disk, ProjectError};
use fpl_analyzer::testing::{self, CaseResult};

use super::policy::{PolicyError, compile_paths};

/// Arguments of `faramesh test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Test files or directories searched for `*.fmtest.yaml` (default: the current directory).
    pub paths: Vec<PathBuf>,
}

/// A failure that stops the command (exit 2).
#[derive(Debug, thiserror::Error)]
enum TestError {
    #[error(transparent)]
    File(#[from] testing::TestFileError),
    #[error(transparent)]
    Load(#[from] super::imports::LoadError),
    #[error("no `*.fmtest.yaml` files under {0}")]
    NoTests(String),
    #[error(transparent)]
    Runtime(#[from] fpl_runtime::LoadError),
    #[error(transparent)]
    Files(#[from] ProjectError),
}

/// Runs the command.
pub fn run(args: &TestArgs) -> ExitCode {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    match run_all(&roots) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(TestError::Load(error)) => super::imports::fail(error),
        Err(error) => super::fail(error),
    }
}

fn run_all(roots: &[PathBuf]) -> Result<bool, TestError> {
    let mut files = Vec::new();
    for root in roots {
        collect(root, &mut files)?;
    }
    if files.is_empty() {
        let shown: Vec<String> = roots
            .iter()
            .map(|root| root.display().to_string())
            .collect();
        return Err(TestError::NoTests(shown.join(", ")));
    }
    let (mut passed, mut failed) = (0, 0);
    // Test files whose policy has errors: a failure even when they hold no case.
    let mut unusable = 0;
    let mut out = String::new();
    for file in files {
        let tests = testing::read_test_file(&file)?;
        // A bare file name has the empty path as its parent.
        let dir = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let policy_paths = vec![match &tests.policy {
            Some(policy) => dir.join(policy),
            None => dir.clone(),
        }];
        let compiled = match compile_paths(&policy_paths) {
            Ok(compiled) => compiled,
            Err(PolicyError::Load(error)) => return Err(error.into()),
            Err(PolicyError::Invalid(count)) => {
                let _ = writeln!(
                    out,
                    "{}: policy has {count} error(s); its cases did not run",
                    file.display()
                );
                failed += tests.cases.len();
                unusable += 1;
                continue;
            }
        };
        let results = testing::run(&tests, &compiled)?;
        let _ = writeln!(out, "{}", file.display());
        for case in &results.cases {
            if case.passed() {
                passed += 1;
                let _ = writeln!(out, "  ok      {}", case.name);
            } else {
                failed += 1;
                let _ = writeln!(out, "  FAILED  {}", case.name);
                out.push_str(&diff(case));
            }
        }
        coverage(&compiled, &results.reached, &mut out);
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    print!("{out}");
    Ok(failed == 0 && unusable == 0)
}

/// `path` if it is a file, else every `*.fmtest.yaml` below it (in the directories the project
/// loader searches), sorted.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), TestError> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let is_test_file = |file: &Path| {
        file.file_name()
            .is_some_and(|name| name.to_string_lossy().ends_with(".fmtest.yaml"))
    };
    let mut found = project::files_below(&Disk::new(path), Path::new(""), &is_test_file)?;
    found.sort();
    out.extend(found.into_iter().map(|file| path.join(file)));
    Ok(())
}

/// A unified diff of the expected and actual fields, indented under the case.
fn diff(case: &CaseResult) -> String {
    let expected = serde_json::to_string_pretty(&case.expected).unwrap_or_default() + "\n";
    let actual = serde_json::to_string_pretty(&case.actual).unwrap_or_default() + "\n";
    let diff = similar::TextDiff::from_lines(&expected, &actual);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string();
    text.lines()
        .map(|line| format!("          {line}\n"))
        .collect()
}

/// Lists the rules of the policy that no case reached.
fn coverage(
    compiled: &fpl_runtime::ir::CompiledPolicy,
    reached: &BTreeSet<String>,
    out: &mut String,
) {
    let mut missing = Vec::new();
    for (agent_index, agent) in compiled.policy.agents.iter().enumerate() {
        for (rule_index, rule) in agent.rules.iter().enumerate() {
            let id = format!("{}/{}", agent.name, rule.n);
            if reached.contains(&id) {
                continue;
            }
            let place = compiled
                .source_map
                .position(agent_index, rule_index)
                .map(|(file, position)| format!(" ({file}:{}:{})", position.line, position.column))
                .unwrap_or_default();
            missing.push(format!("{id}{place}"));
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(out, "  rules no case reached: {}", missing.join(", "));
    }
}
