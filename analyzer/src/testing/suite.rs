//! Running the test files of a project, the one implementation behind `faramesh test` and the
//! Action: find the `*.fmtest.yaml` files, load each one's policy through the project loader,
//! check and compile it, run the cases, and list the rules no case reached.

use std::path::{Path, PathBuf};

use fpl_runtime::ir::CompiledPolicy;

use super::{FileResults, TestFile, TestFileError, read_test_file_in};
use crate::compile::{CompileError, compile};
use crate::project::{FileSource, Project, ProjectError, files_below};
use crate::{Analysis, CheckOptions, host};

/// Whether `path` names a policy test file (`*.fmtest.yaml`).
pub fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().ends_with(".fmtest.yaml"))
}

/// Every test file below `dir` of `source` (in the directories the project loader searches),
/// sorted.
pub fn find_test_files(source: &dyn FileSource, dir: &Path) -> Result<Vec<PathBuf>, ProjectError> {
    let mut found = files_below(source, dir, &is_test_file)?;
    found.sort();
    Ok(found)
}

/// The policy a test file runs against: its `policy`, relative to the test file's directory,
/// else that directory (the empty path when the test file is at the root of its source).
pub fn policy_path(test_file: &Path, tests: &TestFile) -> PathBuf {
    let dir = test_file.parent().unwrap_or(Path::new(""));
    match &tests.policy {
        Some(policy) => dir.join(policy),
        None => dir.to_path_buf(),
    }
}

/// A test file and what running it gave.
#[derive(Debug)]
pub struct FileRun {
    /// The file as read.
    pub tests: TestFile,
    /// The outcome.
    pub outcome: Outcome,
}

/// What running a test file gave.
#[derive(Debug)]
pub enum Outcome {
    /// Its policy has errors, so no case ran.
    Invalid {
        /// The policy's analysis, for showing its diagnostics.
        analysis: Box<Analysis>,
        /// How many errors.
        errors: usize,
    },
    /// The cases ran.
    Ran {
        /// One result per case.
        results: FileResults,
        /// The rules no case reached, as `agent/n (file:line:column)`.
        unreached: Vec<String>,
    },
}

impl FileRun {
    /// How many cases passed and failed; every case of a file whose policy has errors fails.
    pub fn counts(&self) -> (usize, usize) {
        match &self.outcome {
            Outcome::Invalid { .. } => (0, self.tests.cases.len()),
            Outcome::Ran { results, .. } => {
                let passed = results.cases.iter().filter(|case| case.passed()).count();
                (passed, results.cases.len() - passed)
            }
        }
    }
}

/// Reads the test file `path` of `source`, loads its policy with `load` (given
/// [`policy_path`]), checks and compiles it, and runs the cases.
pub fn run_file<E>(
    source: &dyn FileSource,
    path: &Path,
    load: impl FnOnce(&Path) -> Result<Project, E>,
) -> Result<FileRun, E>
where
    E: From<TestFileError> + From<fpl_runtime::LoadError>,
{
    let tests = read_test_file_in(source, path)?;
    let project = load(&policy_path(path, &tests))?;
    let analysis = host::check_project(project, &CheckOptions::default());
    let outcome = match compile(&analysis) {
        Ok(compiled) => {
            let results = super::run(&tests, &compiled)?;
            let unreached = unreached(&compiled, &results);
            Outcome::Ran { results, unreached }
        }
        Err(CompileError::HasErrors(errors)) => Outcome::Invalid {
            analysis: Box::new(analysis),
            errors,
        },
    };
    Ok(FileRun { tests, outcome })
}

/// The rules of the policy that no case reached, with their places.
fn unreached(compiled: &CompiledPolicy, results: &FileResults) -> Vec<String> {
    let mut missing = Vec::new();
    for (agent_index, agent) in compiled.policy.agents.iter().enumerate() {
        for (rule_index, rule) in agent.rules.iter().enumerate() {
            let id = format!("{}/{}", agent.name, rule.n);
            if results.reached.contains(&id) {
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
    missing
}
