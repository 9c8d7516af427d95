//! `faramesh extract python PATHS… [--agent NAME] [-o FILE]`: the FPL rules that Faramesh
//! decorators in Python sources stand for (`docs/annotations.md`), formatted and checked. Every
//! mistake is printed as `error: FILE:LINE:COLUMN: message` and nothing is written (exit 1);
//! unreadable paths exit 2. `-o` writes through a temporary file and a rename.

use std::path::PathBuf;
use std::process::ExitCode;

use fpl_extract::{ExtractError, Options};

/// Arguments of `faramesh extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    #[command(subcommand)]
    language: Language,
}

#[derive(Debug, clap::Subcommand)]
enum Language {
    /// Read `@faramesh.tool(…)` and `@governed_tool(…)` decorators of Python functions.
    Python(PythonArgs),
}

/// Arguments of `faramesh extract python`.
#[derive(Debug, clap::Args)]
struct PythonArgs {
    /// Python files, or directories searched for `*.py` (hidden directories, `__pycache__`
    /// and virtual environments left out).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Put every rule in this agent (default: the decorator's `agent_id`, else `default`).
    #[arg(long, value_name = "NAME", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    agent: Option<String>,
    /// Write the policy to this file (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &ExtractArgs) -> ExitCode {
    match &args.language {
        Language::Python(args) => python(args),
    }
}

fn python(args: &PythonArgs) -> ExitCode {
    let files = match fpl_extract::python_files(&args.paths) {
        Ok(files) => files,
        Err(error) => return super::fail(error),
    };
    let options = Options {
        agent: args.agent.clone(),
    };
    let policy = match fpl_extract::extract_python(&files, &options) {
        Ok(policy) => policy,
        Err(ExtractError::Problems(problems)) => {
            let mut out = String::new();
            for problem in &problems {
                out.push_str(&format!("error: {problem}\n"));
            }
            out.push_str(&format!(
                "{} problem(s) in the Python sources; no policy was written\n",
                problems.len()
            ));
            fpl_server::report!("{}", out.trim_end());
            return ExitCode::from(1);
        }
        Err(error @ ExtractError::NothingFound { .. }) => {
            fpl_server::report!("error: {error}");
            return ExitCode::from(1);
        }
    };
    super::print_or_write(args.output.as_deref(), &policy)
}
