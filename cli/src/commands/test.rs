//! `faramesh test`: run `*.fmtest.yaml` policy tests, show a diff for each failure, report rule
//! coverage.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::project::{Disk, Project, ProjectError};
use fpl_analyzer::testing::{self, Outcome};

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
    #[error(transparent)]
    Stdout(#[from] crate::stdout::StdoutError),
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
    let as_given = Disk::new(PathBuf::new());
    for file in files {
        let run = testing::run_file(&as_given, &file, load_policy)?;
        let (file_passed, file_failed) = run.counts();
        passed += file_passed;
        failed += file_failed;
        match &run.outcome {
            Outcome::Invalid { analysis, errors } => {
                fpl_server::report!(
                    "{}",
                    crate::render::render(analysis, crate::render::Format::Human).trim_end()
                );
                let _ = writeln!(
                    out,
                    "{}: policy has {errors} error(s); its cases did not run",
                    file.display()
                );
                unusable += 1;
            }
            Outcome::Ran { results, unreached } => {
                let _ = writeln!(out, "{}", file.display());
                for case in &results.cases {
                    if case.passed() {
                        let _ = writeln!(out, "  ok      {}", case.name);
                    } else {
                        let _ = writeln!(out, "  FAILED  {}", case.name);
                        for line in case.diff().lines() {
                            let _ = writeln!(out, "          {line}");
                        }
                    }
                }
                if !unreached.is_empty() {
                    let _ = writeln!(out, "  rules no case reached: {}", unreached.join(", "));
                }
            }
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    crate::stdout::print(&out)?;
    Ok(failed == 0 && unusable == 0)
}

/// The policy a test file names, with its locked imports; the empty path is the current
/// directory.
fn load_policy(path: &Path) -> Result<Project, TestError> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    Ok(super::imports::load(&[path.to_path_buf()])?)
}

/// Every `*.fmtest.yaml` below `path` if it is a directory (in the directories the project
/// loader searches), sorted; else `path` itself, a test file as given (a missing path or a
/// device is then refused when it is read, as `check` refuses it).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), TestError> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let found = testing::find_test_files(&Disk::new(path), Path::new(""))?;
    out.extend(found.into_iter().map(|file| path.join(file)));
    Ok(())
}
