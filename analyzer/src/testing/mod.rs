//! Policy tests (`*.fmtest.yaml`, SPEC §12): cases of requests with expected decisions, run
//! against the compiled policy, with rule coverage. Test files are read through the project
//! loader's [`FileSource`], so `faramesh test` reads them from disk and the Action from a git
//! revision.

mod lines;
mod strict;
mod suite;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fpl_runtime::Evaluator;
use fpl_runtime::ir::CompiledPolicy;
use fpl_syntax::LineIndex;
use serde::Deserialize;

pub use self::suite::{FileRun, Outcome, find_test_files, is_test_file, policy_path, run_file};
use crate::project::{Contents, Disk, FileSource, ProjectError};
use crate::source::LineCol;

/// A parsed test file.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(
    title = "FPL policy tests (*.fmtest.yaml)",
    description = "Requests with the decisions they must get (SPEC §12)."
)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The policy file, relative to the test file; default: the project policy.
    pub policy: Option<PathBuf>,
    /// The cases in order.
    pub cases: Vec<TestCase>,
}

/// One case: a request (or a sequence sharing state) and what the decision must be.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// What the case checks.
    pub name: String,
    /// One request.
    #[serde(default, deserialize_with = "strict::value")]
    pub request: Option<serde_json::Value>,
    /// Requests evaluated in order with shared state.
    #[serde(default, deserialize_with = "strict::values")]
    pub requests: Option<Vec<serde_json::Value>>,
    /// Expected fields of the decision of `request` (at least one).
    #[serde(default, deserialize_with = "strict::expectation")]
    pub expect: Option<serde_json::Map<String, serde_json::Value>>,
    /// Expected fields of the decision of the last of `requests` (at least one).
    #[serde(default, deserialize_with = "strict::expectation")]
    pub expect_last: Option<serde_json::Map<String, serde_json::Value>>,
    /// The 1-based line of the case's `name`, or 1 when it cannot be told.
    #[serde(skip)]
    pub line: u32,
}

/// Why a test file cannot run.
#[derive(Debug, thiserror::Error)]
pub enum TestFileError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// The YAML is malformed or has unknown keys.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A case is missing its request or its expectation.
    #[error("{path}: case `{case}`: {message}")]
    Case {
        /// The file.
        path: PathBuf,
        /// The case's name.
        case: String,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read from a git revision.
    #[error(transparent)]
    Source(ProjectError),
}

/// A test file the YAML reader refused, at the place of the mistake, said once: the reader's
/// message without its own ` at line … column …`, and for a key written twice, the place of
/// the second one, which the positioned reader of the YAML form finds (this reader gives the
/// start of the mapping).
fn syntax_error(path: &Path, text: &str, error: &serde_norway::Error) -> TestFileError {
    let (mut line, mut column) = error
        .location()
        .map_or((1, 1), |location| (location.line(), location.column()));
    let message = error
        .to_string()
        .replacen(&format!(" at line {line} column {column}"), "", 1);
    let duplicate = message.contains("duplicate field `") || message.contains("duplicate key `");
    if duplicate
        && let Err(refused) = crate::form::yaml::read(text)
        && refused.message.starts_with("duplicate key")
    {
        let at = LineCol::of(&LineIndex::new(text), refused.range.start());
        (line, column) = (at.line as usize, at.column as usize);
    }
    TestFileError::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// Reads and validates a test file on disk (at most [`fpl_syntax::MAX_FILE_SIZE`] bytes).
pub fn read_test_file(path: &Path) -> Result<TestFile, TestFileError> {
    read_test_file_in(&Disk::new(PathBuf::new()), path)
}

/// Reads and validates the test file `path` of `source` (at most [`fpl_syntax::MAX_FILE_SIZE`]
/// bytes); errors name the path as `source` shows it.
pub fn read_test_file_in(source: &dyn FileSource, path: &Path) -> Result<TestFile, TestFileError> {
    let shown = source
        .disk_path(path)
        .unwrap_or_else(|| PathBuf::from(source.display(path)));
    let io = |cause| TestFileError::Io {
        path: shown.clone(),
        cause,
    };
    let contents = source
        .read(path, fpl_syntax::MAX_FILE_SIZE)
        .map_err(|error| match error {
            ProjectError::Io { cause, .. } => io(cause),
            other => TestFileError::Source(other),
        })?;
    let bytes = match contents {
        Contents::Bytes(bytes) => bytes,
        Contents::TooLarge => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "larger than 16 MiB",
            )));
        }
    };
    let text = String::from_utf8(bytes)
        .map_err(|error| io(std::io::Error::new(std::io::ErrorKind::InvalidData, error)))?;
    let mut file: TestFile =
        serde_norway::from_str(&text).map_err(|error| syntax_error(&shown, &text, &error))?;
    for case in &file.cases {
        let problem = match (
            &case.request,
            &case.requests,
            &case.expect,
            &case.expect_last,
        ) {
            (Some(_), None, Some(_), None) | (None, Some(_), None, Some(_)) => None,
            (Some(_), Some(_), _, _) => Some("has both `request` and `requests`"),
            (Some(_), None, _, _) => Some("`request` needs `expect`"),
            (None, Some(_), _, _) => Some("`requests` needs `expect_last`"),
            (None, None, _, _) => Some("has neither `request` nor `requests`"),
        };
        if let Some(message) = problem {
            return Err(TestFileError::Case {
                path: shown.clone(),
                case: case.name.clone(),
                message: message.to_string(),
            });
        }
    }
    let names: Vec<&str> = file.cases.iter().map(|case| case.name.as_str()).collect();
    let lines = lines::case_lines(&text, &names);
    for (case, line) in file.cases.iter_mut().zip(lines) {
        case.line = line;
    }
    Ok(file)
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// The expected fields.
    pub expected: serde_json::Value,
    /// The same fields of the actual decision.
    pub actual: serde_json::Value,
}

impl CaseResult {
    /// Whether the decision had every expected field.
    pub fn passed(&self) -> bool {
        self.expected == self.actual
    }

    /// A unified diff of the expected and actual fields as pretty-printed JSON.
    pub fn diff(&self) -> String {
        let expected = serde_json::to_string_pretty(&self.expected).unwrap_or_default() + "\n";
        let actual = serde_json::to_string_pretty(&self.actual).unwrap_or_default() + "\n";
        similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string()
    }
}

/// Results of a test file and the rule ids its decisions named.
#[derive(Debug, Clone, Default)]
pub struct FileResults {
    /// One result per case, in order.
    pub cases: Vec<CaseResult>,
    /// Rule ids (`agent/n`) that decided at least one request.
    pub reached: BTreeSet<String>,
}

/// Runs every case of a test file against a compiled policy; each case starts from fresh state.
pub fn run(
    file: &TestFile,
    policy: &CompiledPolicy,
) -> Result<FileResults, fpl_runtime::LoadError> {
    let mut results = FileResults::default();
    for case in &file.cases {
        let mut evaluator = Evaluator::from_compiled(policy)?;
        let (requests, expect) = match (
            &case.request,
            &case.requests,
            &case.expect,
            &case.expect_last,
        ) {
            (Some(request), _, Some(expect), _) => (std::slice::from_ref(request), expect),
            (_, Some(requests), _, Some(expect)) => (requests.as_slice(), expect),
            _ => continue,
        };
        let mut last = serde_json::Value::Null;
        for request in requests {
            let decision = evaluator.decide_json(&request.to_string()).to_json();
            last = serde_json::from_str(&decision).unwrap_or(serde_json::Value::Null);
            if let Some(id) = last["rule"]["id"].as_str() {
                results.reached.insert(id.to_string());
            }
        }
        results.cases.push(compare(&case.name, expect, &last));
    }
    Ok(results)
}

/// Keeps the expected keys of the actual decision; `rule` compares as its id.
fn compare(
    name: &str,
    expect: &serde_json::Map<String, serde_json::Value>,
    actual: &serde_json::Value,
) -> CaseResult {
    let mut shown = serde_json::Map::new();
    for key in expect.keys() {
        let value = match key.as_str() {
            "rule" => actual["rule"]["id"].clone(),
            other => actual
                .get(other)
                .cloned()
                .unwrap_or(serde_json::Value::Null),
        };
        shown.insert(key.clone(), value);
    }
    CaseResult {
        name: name.to_string(),
        expected: serde_json::Value::Object(expect.clone()),
        actual: serde_json::Value::Object(shown),
    }
}
