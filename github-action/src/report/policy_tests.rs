//! The policy tests of the head revision: every `*.fmtest.yaml` below the policy directory of
//! the git tree, run by the analyzer's test runner against policies read from the same tree
//! (never the work tree). A test file that cannot run is a failure, not the end of the report.

use std::path::Path;

use fpl_analyzer::project::{FileSource, Project, ProjectError};
use fpl_analyzer::testing::{self, Outcome, TestFileError};
use serde::Serialize;

use super::build::AddImports;

/// What the policy tests gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PolicyTests {
    /// Test files found.
    pub files: usize,
    /// Cases that passed.
    pub passed: usize,
    /// Failed cases, and test files that could not run.
    pub failures: Vec<TestFailure>,
}

/// A failed case, or a test file that could not run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestFailure {
    /// The test file, relative to the repository.
    pub file: String,
    /// 1-based line: the case's `name`, or where the file is wrong.
    pub line: u32,
    /// The case's name, for a failed case.
    pub case: Option<String>,
    /// What went wrong, in words.
    pub message: String,
    /// The expected fields, for a failed case.
    pub expected: Option<serde_json::Value>,
    /// The same fields of the actual decision, for a failed case.
    pub actual: Option<serde_json::Value>,
}

/// Why one test file could not run.
#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error(transparent)]
    File(#[from] TestFileError),
    #[error(transparent)]
    Runtime(#[from] fpl_runtime::LoadError),
    #[error(transparent)]
    Load(#[from] ProjectError),
    #[error(transparent)]
    Imports(super::build::ImportsError),
}

/// Runs every test file below `dir` of `source`.
pub fn run(
    source: &dyn FileSource,
    dir: &Path,
    add_imports: AddImports<'_>,
) -> Result<PolicyTests, ProjectError> {
    let mut tests = PolicyTests::default();
    for path in testing::find_test_files(source, dir)? {
        tests.files += 1;
        let file = source.display(&path);
        let failure = |line, message| TestFailure {
            file: file.clone(),
            line,
            case: None,
            message,
            expected: None,
            actual: None,
        };
        let run = testing::run_file::<FileError>(source, &path, |policy| {
            let mut project = Project::load_path(source, policy)?;
            add_imports(&mut project, source, policy).map_err(FileError::Imports)?;
            Ok(project)
        });
        let run = match run {
            Ok(run) => run,
            Err(error) => {
                let line = match &error {
                    FileError::File(TestFileError::Syntax { line, .. }) => *line as u32,
                    _ => 1,
                };
                tests.failures.push(failure(line, error.to_string()));
                continue;
            }
        };
        match &run.outcome {
            Outcome::Invalid { errors, .. } => tests.failures.push(failure(
                1,
                format!(
                    "the policy has {errors} error(s); its {} case(s) did not run",
                    run.tests.cases.len()
                ),
            )),
            Outcome::Ran { results, .. } => {
                for (case, result) in run.tests.cases.iter().zip(&results.cases) {
                    if result.passed() {
                        tests.passed += 1;
                        continue;
                    }
                    tests.failures.push(TestFailure {
                        case: Some(result.name.clone()),
                        expected: Some(result.expected.clone()),
                        actual: Some(result.actual.clone()),
                        ..failure(
                            case.line,
                            format!(
                                "policy test `{}` failed: expected {}, got {}",
                                result.name, result.expected, result.actual
                            ),
                        )
                    });
                }
            }
        }
    }
    Ok(tests)
}
